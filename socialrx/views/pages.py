"""Each page's choices -> its panels, one function a page: the page draws what its function
returns and the workshop pack builds the same sections from the same choices (the user's
latest, which `ui.links.linked` keeps for every page), so the pack is the screen.

`choices` maps a widget's key (`views.links.SHARED`) to its value. A choice missing, or one
this data, place and period do not offer (kept from a page seen on other data), takes the
page's default, as the page's own widget would. `build(part, dataset, *args, **inputs)` works
out one part of a page: `direct` here (the pack, the command line); the app passes a cached
one (`ui.cached`), which keys a part on the dataset's content hash and `args` (`inputs` are
worked out from those, so they are not part of the key).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType

import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import access, funding, social_value
from socialrx.metrics import benchmarks as benchmark_metrics
from socialrx.metrics import capacity as capacity_metrics
from socialrx.metrics import commissioning as commissioning_metrics
from socialrx.metrics import outcomes as outcome_metrics
from socialrx.metrics.selection import Selection, selected_assets
from socialrx.metrics.selection import neighbourhood_table as selection_table
from socialrx.views import asset_map as asset_map_view
from socialrx.views import benchmarks as benchmarks_view
from socialrx.views import capacity as capacity_view
from socialrx.views import commissioning as commissioning_view
from socialrx.views import equity as equity_view
from socialrx.views import ethnicity as ethnicity_view
from socialrx.views import forecast as forecast_view
from socialrx.views import funder as funder_view
from socialrx.views import funding as funding_view
from socialrx.views import link_workers as link_worker_view
from socialrx.views import outcomes as outcomes_view
from socialrx.views import overview as overview_view
from socialrx.views import provider as provider_view
from socialrx.views import referral_flows as referral_flows_view
from socialrx.views import what_if as what_if_view
from socialrx.views.links import Between, keep
from socialrx.views.panels import Panel, Section

Choices = Mapping[str, object]
NONE: Choices = MappingProxyType({})  # no choices: every page's defaults
NEIGHBOURHOODS = "neighbourhoods"  # the session's (name, area_code) pairs: not a widget's


def direct(part: Callable, dataset: Dataset, *args, **inputs):
    """Work a part of a page out as it is asked for (nothing kept)."""
    return part(dataset, *args, **inputs)


def panels_of(sections: list[Section]) -> list[Panel]:
    """A page's panels in its order, whatever its sections."""
    return [panel for section in sections for panel in section.panels]


def chosen(choices: Choices, key: str, options, default):
    """The choice `key` where `options` (a list, or `Between` for a number) offer it; a list
    keeps the items still offered; otherwise `default`, as `ui.linked` decides for a widget."""
    if key not in choices:
        return default
    kept, gone = keep(choices[key], options)
    if isinstance(kept, list):
        return kept
    return default if gone else kept


# Overview ---------------------------------------------------------------------------------


def overview(dataset: Dataset, selection: Selection, level: Level, choices: Choices = NONE,
             build=direct) -> list[Section]:  # fmt: skip
    """The headline cards."""
    return [Section("", [build(overview_view.headline_panel, dataset, selection, level)])]


# Asset map --------------------------------------------------------------------------------


def asset_categories(dataset: Dataset, selection: Selection) -> list[str]:
    """The categories of the chosen assets, in the vocabulary's order."""
    present = set(selected_assets(dataset, selection)["category"])
    return [c for c in vocab.ASSET_CATEGORIES if c in present]


def need_first(shades: dict[str, str]) -> str:
    """The map's default shading: the first measure of need."""
    return list(shades)[min(1, len(shades) - 1)]


def map_choices(dataset: Dataset, selection: Selection, choices: Choices):
    """The asset map's shading, filters and way of measuring access, from `choices`."""
    shades = asset_map_view.shading_options(dataset, selection)
    needs = list(asset_map_view.need_options(dataset)) or ["imd_decile"]
    flag = lambda key, default: chosen(choices, key, (True, False), default)  # noqa: E731
    filters = asset_map_view.Filters(
        tuple(chosen(choices, "map_categories", asset_categories(dataset, selection), [])),
        tuple(chosen(choices, "map_costs", vocab.COST, [])),
        flag("map_wheelchair", False),
        chosen(choices, "map_day", access.DAYS, None),
        flag("map_inactive", False),
        flag("map_stale", True),
    )
    reach = asset_map_view.Reach(
        chosen(choices, "map_radius", Between(400, 5000), access.DEFAULT_RADIUS_M),
        flag("map_enhanced", False),
        flag("map_remote", False),
        chosen(choices, "map_need", needs, needs[0]),
        chosen(choices, "map_need_cut", Between(), None),
        chosen(choices, "map_access_cut", Between(), None),
    )
    return chosen(choices, "map_shade", list(shades), need_first(shades)), filters, reach


def _asset_map_panels(dataset, selection, level, shade, filters, reach, named):
    frame = pd.DataFrame(list(named), columns=["neighbourhood", "area_code"]) if named else None
    return asset_map_view.panels(dataset, selection, level, shade=shade, filters=filters,
                                 reach=reach, neighbourhoods=frame)  # fmt: skip


def asset_map(dataset: Dataset, selection: Selection, level: Level, choices: Choices = NONE,
              build=direct) -> list[Section]:  # fmt: skip
    """The gap summary, the map, the areas in need with too little within reach and the
    assets, for the categories, filters, shading and reach chosen."""
    shade, filters, reach = map_choices(dataset, selection, choices)
    named = tuple(choices.get(NEIGHBOURHOODS, ()))
    return [Section("", build(_asset_map_panels, dataset, selection, level, shade, filters,
                              reach, named))]  # fmt: skip


# Referral flows ---------------------------------------------------------------------------

ANY_TIME = (pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-31"))


def _pathway_tables(dataset: Dataset, selection: Selection, build=direct):
    # the place's pathway summed small whatever the period (the dates are placeholders), so
    # a new period needs no pass over the referrals
    anywhen = dataclasses.replace(selection, start=ANY_TIME[0], end=ANY_TIME[1])
    summary = build(referral_flows_view.place_summary, dataset, anywhen)
    return build(referral_flows_view.pathway_tables, dataset, selection, summary=summary)


def _pathway_panels(dataset, selection, level, tables):
    return referral_flows_view.pathway_panels(tables, level)


def _spc_panels(dataset, selection, level, baseline, unit, tables):
    return referral_flows_view.spc_panels(tables, level, baseline, unit)


def spc_months(dataset: Dataset, selection: Selection, build=direct) -> list[pd.Period]:
    """The months the SPC baseline can be chosen from."""
    return referral_flows_view.spc_months(_pathway_tables(dataset, selection, build))


SPC_POINTS = ("automatic", referral_flows_view.MONTH, referral_flows_view.QUARTER)


def referral_flows(dataset: Dataset, selection: Selection, level: Level, choices: Choices = NONE,
                   build=direct) -> list[Section]:  # fmt: skip
    """Flows, the pathway and the SPC charts with the baseline months and points chosen."""
    tables = _pathway_tables(dataset, selection, build)
    months = referral_flows_view.spc_months(tables)
    everything = (months[0], months[-1]) if len(months) >= 2 else None
    baseline = chosen(choices, "spc_baseline", months, everything) if everything else None
    baseline = tuple(baseline) if baseline else None  # a pair of months
    by = chosen(choices, "spc_by", SPC_POINTS, "automatic")
    unit = None if by == "automatic" else by
    return referral_flows_view.sections([
        *build(referral_flows_view.panels, dataset, selection, level),
        *build(_pathway_panels, dataset, selection, level, tables=tables),
        *build(_spc_panels, dataset, selection, level, baseline, unit, tables=tables),
    ])  # fmt: skip


# Equity -----------------------------------------------------------------------------------


def _indicator_choices(dataset: Dataset) -> dict[str, str]:
    return benchmark_metrics.indicator_choices(dataset)


def indicators(dataset: Dataset, build=direct) -> dict[str, str]:
    """The Fingertips indicators with a value for the place's own codes."""
    return build(_indicator_choices, dataset)


def _equity_panels(dataset, selection, level, method, counted):
    return equity_view.panels(dataset, selection, level, method, counted)


def equity(dataset: Dataset, selection: Selection, level: Level, choices: Choices = NONE,
           build=direct) -> list[Section]:  # fmt: skip
    """Practices, deprivation, who was referred, recording, and the place against England,
    with the funnel's overdispersion and the Fingertips indicator chosen."""
    panels = []
    if dataset.has("referrals"):
        method = chosen(choices, "equity_overdispersion", list(equity_view.METHODS),
                        next(iter(equity_view.METHODS)))  # fmt: skip
        counted = build(equity_view.counted, dataset, selection)
        panels += build(_equity_panels, dataset, selection, level, method, counted=counted)
        panels += build(ethnicity_view.panels, dataset, selection, level,
                        counts=counted.ethnicity)  # fmt: skip
    if dataset.has("referrals") or benchmarks_view.loaded(dataset):
        panels += build(benchmarks_view.appointment_panels, dataset, selection, level)
        offered = list(indicators(dataset, build))
        indicator = chosen(choices, "equity_indicator", offered, offered[0] if offered else None)
        panels += build(benchmarks_view.indicator_panels, dataset, selection, level, indicator)
    return equity_view.sections(panels) if panels else []


# Capacity ---------------------------------------------------------------------------------

SYSTEM, MINE, MONEY, WORKERS, WHAT_IF, AHEAD = (
    "System view", "My organisation", "Funding follows the referral", "Link workers",
    "What if", "Forecast",
)  # fmt: skip
CAPACITY_TABS = (SYSTEM, MINE, MONEY, WORKERS, WHAT_IF, AHEAD)
# My organisation's funding and social value: a view within its tab, in the pack as a section
MINE_MONEY = "My organisation's funding and social value"
GRAINS = ("automatic", "month", "quarter")


def capacity_defaults(ids: list[str]) -> dict[str, object]:
    """Every capacity choice's default, given the providers offered (`ids`)."""
    first = ids[0] if ids else None
    return {
        "provider": first,
        "provider_by": "automatic",
        "default_cost": funding.DEFAULT_COST_GBP,
        "salary": funding.DEFAULT_SALARY_GBP,
        "whatif_growth": 0,
        "whatif_target_kind": "a provider",
        "whatif_provider": first,
        "whatif_category": vocab.ASSET_CATEGORIES[0],
        "whatif_added": 0,
        "whatif_from": first,
        "whatif_to": ids[min(1, len(ids) - 1)] if ids else None,
        "whatif_move": 0,
        "forecast_horizon": 12,
    }


def capacity_choices(choices: Choices, ids: list[str]) -> dict[str, object]:
    """The capacity page's choices, each offered or its default."""
    defaults = capacity_defaults(ids)
    offered = {
        "provider": ids, "whatif_provider": ids, "whatif_from": ids, "whatif_to": ids,
        "provider_by": GRAINS, "whatif_target_kind": ("a provider", "a category"),
        "whatif_category": vocab.ASSET_CATEGORIES, "default_cost": Between(0, 10_000),
        "salary": Between(0, 200_000), "whatif_growth": Between(-50, 100),
        "whatif_added": Between(0, 200), "whatif_move": Between(0, 100_000),
        "forecast_horizon": Between(6, 12),
    }  # fmt: skip
    return {key: chosen(choices, key, offered[key], default) for key, default in defaults.items()}


def provider_grain(dataset: Dataset, selection: Selection, level: Level, provider: str,
                   grain: str) -> str:  # fmt: skip
    """Month or quarter: "automatic" is by quarter where most monthly counts would be hidden."""
    if grain != "automatic":
        return grain
    return provider_view.choose_grain(dataset, selection, level, provider)


def scenario(picked: dict[str, object]) -> capacity_metrics.Scenario:
    """The what-if's scenario from the capacity choices (`capacity_choices`)."""
    at_provider = picked["whatif_target_kind"] == "a provider"
    target = picked["whatif_provider"] if at_provider else picked["whatif_category"]
    added = {target: float(picked["whatif_added"])}
    source, to, amount = picked["whatif_from"], picked["whatif_to"], picked["whatif_move"]
    return capacity_metrics.Scenario(
        growth=picked["whatif_growth"] / 100,
        added_at_provider=added if at_provider else None,
        added_at_category=None if at_provider else added,
        moves=((source, to, float(amount)),) if amount and source != to else (),
    )


def forecast_categories(dataset: Dataset, selection: Selection, level: Level,
                        build=direct) -> list[str]:  # fmt: skip
    """The categories the forecast can be shown for."""
    table, _ = _forecasts(dataset, selection, level, build)
    return [g for g in dict.fromkeys(table["group"]) if g != "all"]


def _forecasts(dataset: Dataset, selection: Selection, level: Level, build):
    # forecasts depend on the period's end only
    anchor = dataclasses.replace(selection, start=selection.end)
    return build(forecast_view.forecast_data, dataset, anchor, level)


def capacity(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    choices: Choices = NONE,
    build=direct,
    tabs: tuple[str, ...] = (*CAPACITY_TABS, MINE_MONEY),
    providers: dict[str, str] | None = None,
) -> list[Section]:
    """The headline, then each of `tabs` (the page builds only the open one, the pack every
    one) as sections whose titles begin with the tab's: the system view's four, the chosen
    provider's view and its funding and social value (with no share or duration assumed:
    those a user states on screen are not kept), funding, link workers, the what-if and the
    forecast. `providers`: those the person may see (default: every provider of the chosen
    assets)."""
    if providers is None:
        providers = capacity_view.provider_options(dataset, selection)
    picked = capacity_choices(choices, list(providers))
    headline, *strained = build(capacity_view.panels, dataset, selection, level)
    out = [Section("", [headline])]
    if SYSTEM in tabs:
        system = [*strained, *build(capacity_view.system_panels, dataset, selection, level)]
        out += [Section(f"{SYSTEM}: {s.title}", s.panels)
                for s in capacity_view.system_sections(system)]  # fmt: skip
    provider = picked["provider"]
    if MINE in tabs and provider is not None:
        by = provider_grain(dataset, selection, level, provider, picked["provider_by"])
        name = capacity_view.provider_names(dataset, selected_assets(dataset, selection))
        out.append(Section(f"{MINE}: {name.get(provider, provider)}",
                           provider_view.provider_panels(dataset, selection, level, provider,
                                                         by)))  # fmt: skip
    if MINE_MONEY in tabs and provider is not None:
        name = capacity_view.provider_names(dataset, selected_assets(dataset, selection))
        cost = picked["default_cost"]
        panels = [
            *funder_view.provider_funding_panels(dataset, selection, level, provider, cost),
            funder_view.social_value_panel(dataset, selection, level, provider,
                                           social_value.Assumptions(), cost),
        ]  # fmt: skip
        # named apart from the Funding tab's panels of every provider, which the pack also holds
        panels = [dataclasses.replace(p, name=f"mine_{p.name}") for p in panels]
        out.append(Section(f"{MINE_MONEY}: {name.get(provider, provider)}", panels))
    if MONEY in tabs:
        out.append(Section(MONEY, funding_view.funding_panels(dataset, selection, level,
                                                              picked["default_cost"])))  # fmt: skip
    if WORKERS in tabs and dataset.has("referrals") and dataset.has("link_workers"):
        out.append(Section(WORKERS, link_worker_view.link_worker_panels(
            dataset, selection, level, picked["salary"])))  # fmt: skip
    if WHAT_IF in tabs:
        anchor = dataclasses.replace(selection, start=selection.end)
        base = build(what_if_view.scenario_base, dataset, anchor)
        what_if = what_if_view.scenario_panels(dataset, selection, level, scenario(picked),
                                               picked["default_cost"], base)  # fmt: skip
        out.append(Section(WHAT_IF, what_if))
    if AHEAD in tabs:
        table, methods = _forecasts(dataset, selection, level, build)
        categories = [g for g in dict.fromkeys(table["group"]) if g != "all"]
        category = chosen(choices, "forecast_category", categories,
                          categories[0] if categories else None)  # fmt: skip
        out.append(Section(AHEAD, forecast_view.forecast_panels(
            table, methods, level, picked["forecast_horizon"], category)))  # fmt: skip
    return out


def in_tab(sections: list[Section], tab: str) -> list[Section]:
    """A capacity tab's sections, titled as within the tab ("Providers", not "System view:
    Providers")."""
    prefix = f"{tab}: "
    return [
        Section(s.title.removeprefix(prefix) if s.title.startswith(prefix) else "", s.panels)
        for s in sections
        if s.title == tab or s.title.startswith(prefix)
    ]


# Outcomes ---------------------------------------------------------------------------------

STANDARDS = (outcome_metrics.SEM, outcome_metrics.RCI)


def outcome_measures(dataset: Dataset, selection: Selection, level: Level, choices: Choices = NONE,
                     build=direct) -> list[str]:  # fmt: skip
    """The measures anyone was measured twice on (offered by the "for whom" choice)."""
    standard = chosen(choices, "outcome_standard", STANDARDS, outcome_metrics.SEM)
    return outcomes_view.paired_measures(
        build(outcomes_view.panels, dataset, selection, level, standard)
    )


def outcomes(dataset: Dataset, selection: Selection, level: Level, choices: Choices = NONE,
             build=direct) -> list[Section]:  # fmt: skip
    """Change, its size, follow-up and who is missing for the standard chosen, then (a second
    section) change on the measure chosen by the breakdown chosen."""
    standard = chosen(choices, "outcome_standard", STANDARDS, outcome_metrics.SEM)
    panels = build(outcomes_view.panels, dataset, selection, level, standard)
    out = [Section("", panels)]
    measures = outcomes_view.paired_measures(panels)
    if measures:
        measure = chosen(choices, "outcome_measure", measures, measures[0])
        groups = list(outcome_metrics.GROUPS)
        group = chosen(choices, "outcome_group", groups, groups[0])
        out.append(Section("", [build(outcomes_view.for_whom, dataset, selection, level,
                                            measure, group)]))  # fmt: skip
    return out


# Commissioning ----------------------------------------------------------------------------


def commissioning_offers(dataset: Dataset, kinds: list[str]) -> dict[str, tuple]:
    """The ranking's choices, each widget's key -> (what it offers: a list or `Between`, what
    it is called in a note, how an option is labelled, its default)."""
    needs = asset_map_view.need_options(dataset)
    need_list = list(needs) or ["imd_decile"]
    horizons = commissioning_metrics.HORIZONS
    return {
        "commission_by": (kinds, "places to compare", str, commissioning_view.default_kind(kinds)),
        "commission_radius": (Between(*commissioning_view.RADIUS_RANGE), "reach", str,
                              access.DEFAULT_RADIUS_M),
        "commission_horizon": (Between(*horizons), "months ahead", str, max(horizons)),
        "commission_cost": (Between(0, 10_000), "cost per person", str,
                            funding.DEFAULT_COST_GBP),
        "commission_need": (need_list, "measure of need", needs.get, need_list[0]),
    }  # fmt: skip


def _picked(choices: Choices, offers: dict[str, tuple]) -> dict[str, object]:
    """Each of `offers` as chosen (`chosen`), else its default."""
    return {key: chosen(choices, key, offered, default)
            for key, (offered, _, _, default) in offers.items()}  # fmt: skip


def commissioning_assumptions(
    dataset: Dataset, choices: Choices
) -> commissioning_metrics.Assumptions:
    """The ranking's assumptions (reach, months ahead, cost per person, need) as chosen."""
    picked = _picked(choices, commissioning_offers(dataset, []))
    return commissioning_metrics.Assumptions(
        float(picked["commission_radius"]), int(picked["commission_horizon"]),
        float(picked["commission_cost"]), picked["commission_need"],
    )  # fmt: skip


def _commissioning_forecasts(dataset: Dataset, end: pd.Timestamp, level: Level, areas: tuple):
    return commissioning_view.category_forecasts(dataset, Selection(end, end), areas, level)


def _commissioning_rows(dataset: Dataset, selection: Selection, level: Level, kind: str,
                        assumptions: commissioning_metrics.Assumptions, named: tuple,
                        forecasts: pd.DataFrame | None = None):  # fmt: skip
    frame = pd.DataFrame(list(named), columns=["neighbourhood", "area_code"])
    return commissioning_view.ranking_rows(dataset, selection, level, kind, assumptions, frame,
                                           forecasts)  # fmt: skip


def commissioning_kinds(dataset: Dataset, choices: Choices = NONE) -> tuple[list[str], tuple]:
    """The kinds of place the ranking can compare, and the neighbourhoods the page offers (the
    dataset's and the team's; the dataset's alone where none are named: the command line)."""
    own = selection_table(dataset.table("neighbourhoods")).itertuples(index=False, name=None)
    named = tuple(choices.get(NEIGHBOURHOODS, tuple(own)))
    frame = pd.DataFrame(list(named), columns=["neighbourhood", "area_code"])
    return commissioning_metrics.subdivision_kinds(dataset, frame), named


def commissioning_ranking(dataset: Dataset, selection: Selection, level: Level,
                          choices: Choices = NONE, build=direct):  # fmt: skip
    """The ranking for the kind of place and the assumptions chosen: (its rows and assets, its
    panel, the assumptions), or None where the data cannot rank."""
    kinds, named = commissioning_kinds(dataset, choices)
    if commissioning_view.access_note(dataset) or not kinds:
        return None
    kind = chosen(choices, "commission_by", kinds, commissioning_view.default_kind(kinds))
    assumptions = commissioning_assumptions(dataset, choices)
    # each category's forecast once per set of areas and level: reach, horizon and costs cut it
    frame = pd.DataFrame(list(named), columns=["neighbourhood", "area_code"])
    areas = commissioning_view.forecast_areas(dataset, selection, kind, frame)
    forecasts = build(_commissioning_forecasts, dataset, selection.end, level, areas)
    rows = build(_commissioning_rows, dataset, selection, level, kind, assumptions, named,
                 forecasts=forecasts)  # fmt: skip
    if rows[0].empty:
        return None
    ranked = commissioning_view.ranked_panel(rows, level, assumptions, kind,
                                             asset_map_view.need_options(dataset))  # fmt: skip
    return rows, ranked, assumptions


def scenario_offers(rows: tuple[pd.DataFrame, pd.DataFrame], ranked: Panel) -> dict[str, tuple]:
    """The scenario's choices as `commissioning_offers`: a category and a place of the ranking
    (by default its top row, as shown) and the places a month added (40)."""
    category, place = commissioning_view.default_scenario(ranked.disclosed.values)
    places = commissioning_view.scenario_places(rows[0])
    return {
        "commission_category": (commissioning_view.categories(rows[0]), "category", str,
                                category),
        "commission_place": (list(places), "place", places.get, place),
        "commission_added": (Between(0, 200), "places added", str,
                             commissioning_view.DEFAULT_ADDED),
    }  # fmt: skip


def commissioning(dataset: Dataset, selection: Selection, level: Level, choices: Choices = NONE,
                  build=direct) -> list[Section]:  # fmt: skip
    """The ranking for the kind of place and the assumptions chosen, then the scenario chosen
    (by default 40 places a month at the top row); nothing where the data cannot rank."""
    ranking = commissioning_ranking(dataset, selection, level, choices, build)
    return commissioning_sections(ranking, level, choices)


def commissioning_sections(ranking: tuple | None, level: Level, choices: Choices = NONE
                           ) -> list[Section]:  # fmt: skip
    """`commissioning`'s sections from a ranking already built (`commissioning_ranking`): the
    page builds it first to offer the scenario's choices."""
    if ranking is None:
        return [Section("", [])]
    rows, ranked, assumptions = ranking
    picked = _picked(choices, scenario_offers(rows, ranked))
    scenario = commissioning_metrics.Scenario(picked["commission_category"],
                                              picked["commission_place"],
                                              float(picked["commission_added"]))  # fmt: skip
    return [Section("", [ranked, commissioning_view.scenario_panel(rows, level, assumptions,
                                                                   scenario)])]  # fmt: skip


# every page the pack holds: (title, tables it needs, its view), in the app's order
PAGES: list[tuple[str, tuple[str, ...], Callable[..., list[Section]]]] = [
    ("Overview", (), overview),
    ("Asset map", (), asset_map),
    ("Referral flows", ("referrals",), referral_flows),
    ("Equity", ("referrals",), equity),
    ("Capacity and funding", ("connections",), capacity),
    ("Outcomes", ("referrals", "outcomes"), outcomes),
    ("Commissioning", ("referrals", "connections"), commissioning),
]
