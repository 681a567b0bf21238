"""Shareable views: the choices on screen as a page address's query string, and back.

Pure functions on plain values, so the round trip is testable without Streamlit; `ui` reads
the address once per session and writes it after every run. A value a link asks for is only
applied where the widget offers it (a practice not in the data, a disclosure level looser than
the deployment allows), otherwise it falls back with a note, never an error; so does a value
kept from an earlier run on other data, or another place or period (`keep`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

# Session keys shared through the address, and how each value is written: "text", "list"
# (comma-separated), "flag" (1 when on; 0 when off for those in ON_BY_DEFAULT), "int",
# "number", "month" (the period: `from` and `to`, calendar months YYYY-MM) or "months" (a pair
# of calendar months in one parameter). Every keyed widget of every page is here or in
# NOT_SHARED (tests/test_links.py walks them all).
SHARED = {
    # the sidebar
    "data_source": "text",
    "place_kind": "text",
    "place_PCN": "list",
    "place_practice": "list",
    "place_area": "list",
    "place_ward": "list",
    "place_MSOA": "list",
    "place_local_authority": "list",
    "place_neighbourhood": "list",
    "place_PCN_catchment": "list",
    "period": "month",
    "disclosure": "text",
    "present": "flag",
    # Asset map
    "map_shade": "text",
    "map_categories": "list",
    "map_costs": "list",
    "map_day": "text",
    "map_wheelchair": "flag",
    "map_inactive": "flag",
    "map_stale": "flag",
    "map_radius": "int",
    "map_enhanced": "flag",
    "map_remote": "flag",
    "map_need": "text",
    "map_need_cut": "number",
    "map_access_cut": "number",
    # Referral flows
    "spc_baseline": "months",
    "spc_by": "text",
    # Equity
    "equity_overdispersion": "text",
    # Capacity
    "capacity_tab": "text",
    "provider": "text",
    "provider_by": "text",
    "mine_tab": "text",
    "funder_year": "text",
    "default_cost": "number",
    "salary": "number",
    "whatif_growth": "int",
    "whatif_target_kind": "text",
    "whatif_provider": "text",
    "whatif_category": "text",
    "whatif_added": "int",
    "whatif_from": "text",
    "whatif_to": "text",
    "whatif_move": "int",
    "forecast_horizon": "int",
    "forecast_category": "text",
    # Commissioning
    "commission_by": "text",
    "commission_radius": "int",
    "commission_horizon": "int",
    "commission_cost": "number",
    "commission_need": "text",
    "commission_category": "text",
    "commission_place": "text",
    "commission_added": "int",
    # Outcomes
    "outcome_standard": "text",
    "outcome_measure": "text",
    "outcome_group": "text",
    "equity_indicator": "text",
    # Directory and Data
    "directory_org": "text",
    "data_table": "text",
    "mapping_start": "text",
    # who is looking: a workshop guest's token, so a reload keeps the guest in (ui.identity)
    "guest": "text",
}
ON_BY_DEFAULT = {"map_stale"}
# Keyed widgets whose values stay out of the address, and why.
NOT_SHARED = {
    "nb_name": "a neighbourhood being drawn: saved (or not) for the team",
    "nb_wards": "a neighbourhood being drawn",
    "nb_areas": "a neighbourhood being drawn",
    "nb_remove": "which neighbourhood to remove: an action, not a view",
    "pack_notes": "what the room agreed: up to 2,000 characters of free text, which would "
    "go into browser histories and server logs; it goes into the pack instead",
    "uploads": "files stay in the browser session that uploaded them",
    "correction_upload_": "a corrected sheet: files stay in the browser session",
    "mapping_directory": "directory files: files stay in the browser session",
    "view_name": "a named view's name being typed: saved (or not) for the team",
    "audit_days": "the Team page's audit trail filters: an analyst's, not a view to share",
    "audit_who": "the audit trail's filters (an e-mail address: not for browser histories)",
    "audit_action": "the audit trail's filters",
    "guest_label": "a guest link being made: an action, not a view",
    "guest_hours": "a guest link being made",
    "guest_withdraw": "which guest link to withdraw: an action, not a view",
    "correct_": "a provider's edits to its records: sent to the directory's editors, not a view",
    "corrections_confirm_asset": "which record to confirm: an action, not a view",
    "corrections_chosen": "which correction to decide: an action, not a view",
    "corrections_reason": "an editor's reason being typed: kept with the decision",
    "sv_attribution": "a share of the change a user attributes to a service: their own stated "
    "assumption, never handed to someone else by a link",
    "sv_years": "how long a user assumes a change lasts: their own stated assumption",
}


@dataclass(frozen=True)
class Between:
    """The values a number widget (slider, number input) offers: `low` to `high`."""

    low: float = -math.inf
    high: float = math.inf

    def __contains__(self, value) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high


def encode(state: Mapping) -> dict[str, str]:
    """The query parameters for the shared values in `state` (session state)."""
    params = {}
    for key, kind in SHARED.items():
        value = state.get(key)
        if value is None or (kind == "list" and not value):
            continue
        if kind == "list":
            params[key] = ",".join(str(v) for v in value)
        elif kind == "flag":
            if bool(value) != (key in ON_BY_DEFAULT):
                params[key] = "1" if value else "0"
        elif kind == "month":
            first, last = value if isinstance(value, tuple | list) else (value, value)
            params["from"], params["to"] = str(first), str(last)
        elif kind == "months":
            first, last = value if isinstance(value, tuple | list) else (value, value)
            params[key] = f"{first},{last}"
        elif kind == "number":
            params[key] = f"{value:g}" if float(value).is_integer() else str(value)
        else:
            params[key] = str(value)
    return params


def decode(params: Mapping[str, str]) -> dict:
    """Session values from query parameters; values that cannot be read are left out (and
    listed under "_unreadable" so the page can say so)."""
    state, unreadable = {}, []
    for key, kind in SHARED.items():
        if kind == "month":
            if "from" in params or "to" in params:
                try:
                    state[key] = (
                        pd.Period(params.get("from", params.get("to")), "M"),
                        pd.Period(params.get("to", params.get("from")), "M"),
                    )
                except (ValueError, TypeError):
                    unreadable.append("period")
            continue
        if key not in params:
            continue
        text = str(params[key])
        try:
            if kind == "list":
                state[key] = [v for v in text.split(",") if v]
            elif kind == "flag":
                state[key] = text in ("1", "true", "yes")
            elif kind == "int":
                state[key] = int(text)
            elif kind == "number":
                state[key] = float(text)
            elif kind == "months":
                first, last = text.split(",")
                state[key] = (pd.Period(first, "M"), pd.Period(last, "M"))
            else:
                state[key] = text
        except (ValueError, TypeError):
            unreadable.append(key)
    if unreadable:
        state["_unreadable"] = unreadable
    return state


def _matcher(options):
    """Finds the option equal to a value, or written the same ("round" is offered as
    Level.ROUND, a link's "12" as the number 12)."""
    offered = list(options)

    def match(value):
        return next((o for o in offered if o == value or str(o) == str(value)), None)

    return match


def adopt(value, options) -> tuple[object, bool]:
    """A linked value where the widget offers it: (value, True); otherwise (None, False). A
    list keeps the items offered and is adopted when it keeps any."""
    if isinstance(options, Between):
        return (value, True) if value in options else (None, False)
    match = _matcher(options)
    if isinstance(value, list):
        kept = [m for m in map(match, value) if m is not None]
        return (kept, True) if kept else (None, False)
    if isinstance(value, tuple):
        found = tuple(map(match, value))
        return (found, True) if None not in found else (None, False)
    found = match(value)
    return (found, True) if found is not None else (None, False)


def keep(value, options) -> tuple[object, list]:
    """A value kept from an earlier run (on other data, or another place or period) against
    what the widget offers now: (what stays, the values no longer offered). A list keeps the
    items still offered; anything else stays whole or becomes None (the widget's default)."""
    if value is None:
        return None, []
    if isinstance(options, Between):
        return (value, []) if value in options else (None, [value])
    match = _matcher(options)
    if isinstance(value, list):
        found = [(v, match(v)) for v in value]
        return [m for _, m in found if m is not None], [v for v, m in found if m is None]
    if isinstance(value, tuple):
        found = [(v, match(v)) for v in value]
        gone = [v for v, m in found if m is None]
        return (None if gone else tuple(m for _, m in found)), gone
    found = match(value)
    return (found, []) if found is not None else (None, [value])
