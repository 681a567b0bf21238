"""Shareable views: the choices on screen as a page address's query string, and back.

Pure functions on plain values, so the round trip is testable without Streamlit; `ui` reads
the address once per session and writes it after every run. A value a link asks for is only
applied where the widget offers it (a practice not in the data, a disclosure level looser than
the deployment allows), otherwise it falls back with a note, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

# Session keys shared through the address, and how each value is written: "text", "list"
# (comma-separated), "flag" (1/0) or "month" (a pair of calendar months, YYYY-MM).
SHARED = {
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
    "map_shade": "text",
    "map_categories": "list",
    "map_inactive": "flag",
    "outcome_standard": "text",
    "outcome_measure": "text",
    "outcome_group": "text",
    "provider": "text",
    "guest": "text",  # a workshop guest's token: a reload keeps the guest in (ui.identity)
}


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
            if value:
                params[key] = "1"
        elif kind == "month":
            first, last = value if isinstance(value, tuple | list) else (value, value)
            params["from"], params["to"] = str(first), str(last)
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
        if kind == "list":
            state[key] = [v for v in text.split(",") if v]
        elif kind == "flag":
            state[key] = text in ("1", "true", "yes")
        else:
            state[key] = text
    if unreadable:
        state["_unreadable"] = unreadable
    return state


def adopt(value, options) -> tuple[object, bool]:
    """A linked value where the widget offers it: (value, True); otherwise (None, False). A
    list keeps the items offered and is adopted when it keeps any."""
    offered = list(options)

    def match(v):  # the option itself ("round" is offered as Level.ROUND)
        return next((o for o in offered if o == v or str(o) == str(v)), None)

    if isinstance(value, list):
        kept = [m for m in map(match, value) if m is not None]
        return (kept, True) if kept else (None, False)
    if isinstance(value, tuple):
        found = tuple(map(match, value))
        return (found, True) if None not in found else (None, False)
    found = match(value)
    return (found, True) if found is not None else (None, False)
