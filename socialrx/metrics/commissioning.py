"""What to commission next: for each asset category and each subdivision of the chosen place
(neighbourhood, ward, PCN catchment, MSOA or local authority), the need, access, demand,
strain and unfunded work, brought into one figure, the unmet need more provision would meet.

- Need: the subdivision's adults and its adult-weighted need indicator (IMD decile or any loaded
  one); access: 2SFCA places a month per 1,000 adults for the category's assets
  (`access.two_step_fca`), and the areas of high need and low access (`access.quadrants`) with
  the adults in them.
- Demand: people living there sent to the category's assets in the last 12 whole months, a rate
  per 1,000 adults, and a forecast for the next months: the category's own monthly series for
  the whole place, fitted on its counts as shown (`forecast.forecast`), gives its growth, applied
  to each subdivision's 12 months as shown.
- Strain (`capacity.strain`, the one definition): everyone sent in those 12 months to the
  category's assets within reach of any of its areas (the providers who serve it), against the
  capacity they state; ahead, grown by the category's forecast.
- Unfunded work (as `funding` values it): people who started at those assets times their cost per
  person, less the funding for social prescribing their providers received in the latest year,
  each asset carrying an equal share of its provider's funding.
- Unmet need, the ranking: people over the horizon who would wait or be turned away (the
  forecast times the share of demand beyond capacity ahead), plus the people the adults in areas
  of high need and low access would send were they referred at the place's rate for the category.

The table here is exact; everything resting on its counts is worked out after disclosure from the
counts as shown (`commissioning_spec`), the ranking among it, so the order undoes no rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.disclosure import HIDDEN_MIDDLE, Derived, Rate, Shown, Spec, Total
from socialrx.metrics import access, capacity, forecast, funding
from socialrx.metrics.selection import (
    CATCHMENT,
    LA,
    MSOA,
    NEIGHBOURHOOD,
    WARD,
    Selection,
    asset_months,
    residence_groups,
    resident_sent,
)

KINDS = (NEIGHBOURHOOD, WARD, CATCHMENT, MSOA, LA)  # offered in this order, where the data has them
HORIZONS = (6, 12)  # months ahead a user may choose between (the forecast runs 12 at most)
# every asset's people sent and started in the 12 months, disclosed each on its own as the
# Capacity page discloses an asset's: what the figures of the assets serving a place add up
ASSETS_SPEC = Spec(counts=("sent", "started"))
ASSET_COLUMNS = ["asset_id", "sent", "started", "unit_cost_gbp"]


@dataclass(frozen=True)
class Assumptions:
    """What the ranking assumes and a user may change: the reach (metres, straight line) within
    which an asset serves an area, the months ahead, the cost per person of an asset that states
    none (£), and the need indicator (a column of area_stats)."""

    radius: float = access.DEFAULT_RADIUS_M
    horizon: int = 12
    cost_per_person: float = funding.DEFAULT_COST_GBP
    need: str = "imd_decile"


@dataclass(frozen=True)
class Scenario:
    """Places a month added at the category's assets serving one subdivision (its key)."""

    category: str
    place: str
    added_per_month: float


# --- the arithmetic, on figures as shown ------------------------------------------------------


def growth_factor(recent: float, ahead: float, horizon: int) -> float:
    """How much busier a month of the next `horizon` months is forecast to be than a month of
    the last 12: `ahead` people forecast over the horizon against `recent` people in the last
    12 months (both as shown). 1 where nobody was sent in the last 12 months."""
    if recent <= 0:
        return 1.0
    return (ahead / horizon) / (recent / 12)


def people_ahead(sent, growth, horizon: int):
    """People forecast over `horizon` months from the last 12 months' `sent` (as shown)."""
    return sent * growth * horizon / 12


def share_beyond(strain_pct):
    """The share of demand beyond capacity at a strain (%): 1 - 100 / strain above 100%, 0 at
    or below it and where no strain can be worked out."""
    strain = pd.Series(strain_pct, dtype="Float64")
    share = (1 - 100 / strain.where(strain > 100)).fillna(0.0)
    return share.astype(float)


def not_referred(gap_adults, rate, place_rate, horizon: int):
    """People the adults in areas of high need and low access would send over `horizon` months
    were they sent at the place's rate for the category rather than their own (per 1,000 adults
    a year; 0 where they are sent at it or more)."""
    shortfall = pd.Series(place_rate, dtype="Float64") - pd.Series(rate, dtype="Float64")
    shortfall = shortfall.clip(lower=0).fillna(0.0).to_numpy(dtype=float)
    return np.asarray(gap_adults, dtype=float) * shortfall / 1000 * horizon / 12


def unfunded(value_gbp, funding_gbp):
    """Work done beyond what the funding for social prescribing paid for (£, 0 where funded)."""
    gap = pd.Series(value_gbp, dtype="Float64") - pd.Series(funding_gbp, dtype="Float64")
    return gap.clip(lower=0)


# --- the exact table -----------------------------------------------------------------------------


def subdivision_kinds(dataset: Dataset, neighbourhoods: pd.DataFrame | None = None) -> list[str]:
    """The kinds of place the chosen place can be divided into, as the data allows."""
    groups = residence_groups(dataset, neighbourhoods)
    return [kind for kind in KINDS if kind in groups]


def subdivisions(dataset: Dataset, selection: Selection, kind: str,
                 neighbourhoods: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Rows (key, label, area_code) of the places of `kind` with any area in the chosen place
    (all of them for the whole data, a PCN or a practice). Each is taken whole, never cut at the
    chosen place's edge: a part of a ward would be a new set of areas whose rounded totals,
    beside the whole ward's, could be subtracted."""
    frame = residence_groups(dataset, neighbourhoods).get(kind)
    if frame is None:
        return pd.DataFrame(columns=["key", "label", "area_code"])
    inside = selection.residence_areas
    if inside is not None:
        touching = set(frame.loc[frame["area_code"].isin(inside), "key"])
        frame = frame[frame["key"].isin(touching)]
    return frame.drop_duplicates(["key", "area_code"]).reset_index(drop=True)


def short_name(label: str, kind: str) -> str:
    """A place's label without its kind and code ("Wath (ward, E05013016)" -> "Wath"), for a
    chart's axis and a sentence that says the kind already."""
    name, _, _ = label.partition(f" ({kind}")
    return name or label


def place_areas(places: pd.DataFrame, known) -> list[str]:
    """The areas of every row's place that have boundaries (sorted): the place as a whole."""
    return sorted(set(places["area_code"]) & set(known))


def twelve_months(selection: Selection) -> tuple[pd.Period, pd.Period]:
    """The last 12 whole calendar months to the period's end: what the figures are counted over
    and the forecast starts from."""
    last = forecast.last_complete_month(selection.end)
    return last - 11, last


def _month_code(month: pd.Period) -> int:
    return month.year * 12 + month.month - 1


def category_series(dataset: Dataset, selection: Selection, areas) -> dict[str, pd.Series]:
    """Per category: people living in `areas` sent to its assets a month, exact, to the last
    whole month of the 12 (`twelve_months`). Forecast from them as shown
    (`category_forecasts`)."""
    _, last = twelve_months(selection)
    sent = resident_sent(dataset)
    sent = sent[sent["area_code"].isin(list(areas)).to_numpy()]
    return forecast.counted_series(sent["month"], sent["category"], last, sent["sent"])


def category_forecasts(shown: dict[str, pd.Series], selection: Selection) -> pd.DataFrame:
    """Per category: people sent in the last 12 whole months and forecast for each of the
    next 12, both from its monthly series as shown (`shown`: `category_series` as a panel
    shows them, `views.panels.shown_series`; fitted on it, `forecast.forecast`), and the
    forecast's method. The slow part (a model a category): the horizon and the rows are cut
    from it."""
    first, _ = twelve_months(selection)
    rows = []
    for category, values in shown.items():
        result = forecast.forecast(values, forecast.SEASON)
        rows.append({"category": category, "recent": float(values[values.index >= first].sum()),
                     "method": result.method,
                     "ahead": result.table["forecast"].to_numpy(dtype=float)})  # fmt: skip
    return pd.DataFrame(rows, columns=["category", "recent", "method", "ahead"])


def growths(forecasts: pd.DataFrame, horizon: int) -> pd.Series:
    """Each category's growth over `horizon` months (`growth_factor`) from `category_forecasts`."""
    return pd.Series(
        [growth_factor(r, float(a[:horizon].sum()), horizon)
         for r, a in zip(forecasts["recent"], forecasts["ahead"], strict=True)],
        index=forecasts["category"], dtype=float,
    )  # fmt: skip


def _active(dataset: Dataset) -> pd.DataFrame:
    assets = dataset.table("assets")
    return assets[assets["status"].fillna("active") == "active"]


def _reach(dataset: Dataset) -> tuple[pd.DataFrame, np.ndarray]:
    """The active in-person assets with a place (in the order of the ranking's asset rows)
    and the metres from every area's centre to each: the same for every place, period and
    assumption, so worked out once per dataset (each filter change projected and measured
    them again: 0.2-0.3 s at the region's size). Only read."""

    def build():
        assets = _active(dataset)
        placed = assets[(assets["delivery"].isin(access.PLACED) | assets["delivery"].isna())
                        & assets["latitude"].notna() & assets["longitude"].notna()]  # fmt: skip
        metres = access.distances(access.area_centres(dataset.areas), access.asset_points(placed))
        metres.setflags(write=False)  # shared by every session's ranking
        return placed.reset_index(drop=True), metres

    return dataset.derived("commissioning_reach", build)


def _access(dataset: Dataset, categories, assumptions: Assumptions):
    """Per area (the dataset's, in its order): adults, need as given, and for each category
    whether the area has high need and low access for it; and the metres from every area's
    centre to every located in-person asset (rows: areas, columns: `placed`)."""
    stats = dataset.table("area_stats").set_index("area_code")
    centres = access.area_centres(dataset.areas)
    adults = centres.index.to_series().map(stats["population_adult"]).astype(float)
    need = access.need_of(dataset.table("area_stats"), assumptions.need).reindex(centres.index)
    given = stats[assumptions.need].astype(float).reindex(centres.index)
    placed, metres = _reach(dataset)
    capacity_each, _ = access.capacity_assumed(placed)
    category = placed["category"].astype(str).to_numpy()
    gaps = {}
    for name in categories:
        mine = category == name
        score = access.two_step_fca(metres[:, mine], capacity_each.to_numpy()[mine],
                                    adults.to_numpy(), assumptions.radius)  # fmt: skip
        score = pd.Series(np.where(np.isnan(adults.to_numpy()), np.nan, score), centres.index)
        gaps[name] = (access.quadrants(need, score) == access.QUADRANTS[0]).to_numpy()
    areas = pd.DataFrame({"adults": adults.to_numpy(), "need": given.to_numpy()},
                         index=centres.index)  # fmt: skip
    return areas, gaps, metres, placed


def commissioning_table(
    dataset: Dataset,
    selection: Selection,
    kind: str,
    forecasts: pd.DataFrame,
    assumptions: Assumptions = Assumptions(),
    neighbourhoods: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per category and subdivision of the chosen place (`subdivisions`), exact, and
    one per located asset. A row: the subdivision's adults, need, areas of high need and low
    access for the category and their adults; people living there sent to the category in the
    last 12 whole months (`sent`); the adults of all the category's rows (`place_adults`); the
    category's assets within reach of its areas (`serving`, positions in the assets table) and
    those of them stating a capacity (`serving_stated`) with the capacity they state; their cost
    per person (stated, else the assumption, averaged over them); their providers' funding for
    social prescribing (an equal share an asset); and the category's forecast growth (from its
    series as shown; `forecasts`: `category_forecasts` of the places' areas). An asset: people
    sent to it and who started in the 12 months, and its cost per person. Disclose the rows
    with `commissioning_spec`, the assets as their basis "assets" (`ASSETS_SPEC`)."""
    places = subdivisions(dataset, selection, kind, neighbourhoods)
    columns = ["category", "place", "name", "short", "adults", "need", "gap_areas",
               "gap_adults", "sent", "place_sent", "place_adults", "serving_assets",
               "capacity_per_month", "serving", "serving_stated", "unit_cost_gbp",
               "funding_gbp", "growth", "months", "added_per_month"]  # fmt: skip
    if places.empty or dataset.areas is None:
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=ASSET_COLUMNS)
    assets = _active(dataset)
    categories = [c for c in vocab.ASSET_CATEGORIES if (assets["category"] == c).any()]
    areas, gaps, metres, placed = _access(dataset, categories, assumptions)
    first, last = (_month_code(month) for month in twelve_months(selection))
    # people sent: by area and category (rows and columns as `areas` and `categories`), by asset
    sent = resident_sent(dataset)
    month = sent["month"].to_numpy()
    sent = sent[(month >= first) & (month <= last)]
    where = areas.index.get_indexer(sent["area_code"].astype(object))
    what = pd.Index(categories).get_indexer(sent["category"].astype(object))
    known = (where >= 0) & (what >= 0)
    by_area = np.zeros((len(areas), len(categories)))
    np.add.at(by_area, (where[known], what[known]), sent["sent"].to_numpy()[known])
    each = asset_months(dataset)
    month = each["month"].to_numpy()
    each = each[(month >= first) & (month <= last)]
    asset = pd.Index(placed["asset_id"]).get_indexer(each["asset_id"].astype(object))
    mine = asset >= 0
    to_asset = np.bincount(asset[mine], weights=each["sent"].to_numpy()[mine],
                           minlength=len(placed)).astype(int)  # fmt: skip
    started = np.bincount(asset[mine], weights=each["started"].to_numpy()[mine],
                          minlength=len(placed))  # fmt: skip
    stated = placed["capacity_per_month"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    cost = placed["cost_per_person_gbp"].astype("Float64").fillna(assumptions.cost_per_person)
    cost = cost.to_numpy(dtype=float)
    _, money = funding.latest_year_funding(dataset.table("funding"))
    provider = capacity.provider_of(placed)
    share = provider.map(money).fillna(0.0) / provider.map(capacity.assets_per_provider(assets))
    share = share.to_numpy(dtype=float)
    growth = growths(forecasts, assumptions.horizon)
    category = placed["category"].astype(str).to_numpy()
    adults_all, need_all = areas["adults"].to_numpy(), areas["need"].to_numpy()
    rows = []
    for key, group in places.groupby("key", sort=True):
        inside = areas.index.get_indexer(group["area_code"])
        inside = inside[inside >= 0]
        label = str(group["label"].iloc[0])
        adults, need = adults_all[inside], need_all[inside]
        weights = np.nan_to_num(adults)
        measured = ~np.isnan(need) & (weights > 0)
        near = (metres[inside].min(axis=0) <= assumptions.radius if len(inside)
                else np.zeros(len(placed), dtype=bool))  # fmt: skip
        sent_here = by_area[inside].sum(axis=0)
        for j, name in enumerate(categories):
            gap = gaps[name][inside]
            serving = near & (category == name)
            with_capacity = serving & ~np.isnan(stated)
            rows.append({
                "category": name,
                "place": key,
                "name": label,
                "short": short_name(label, kind),
                "adults": round(float(np.nansum(adults))),
                "need": (round(float(np.average(need[measured], weights=weights[measured])), 1)
                         if measured.any() else np.nan),
                "gap_areas": int(gap.sum()),
                "gap_adults": round(float(np.nansum(adults[gap]))),
                "sent": int(sent_here[j]),
                "serving_assets": int(serving.sum()),
                "capacity_per_month": (float(stated[with_capacity].sum())
                                       if with_capacity.any() else np.nan),
                "serving": tuple(np.flatnonzero(serving).tolist()),
                "serving_stated": tuple(np.flatnonzero(with_capacity).tolist()),
                "unit_cost_gbp": float(cost[serving if serving.any() else category == name]
                                       .mean()),
                "funding_gbp": float(share[serving].sum()),
                "growth": float(growth.get(name, 1.0)),
            })  # fmt: skip
    # in the order of the vocabulary and the places' keys: never an order of exact counts
    order = {name: i for i, name in enumerate(categories)}
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(
        ["category", "place"],
        key=lambda s: s.map(order) if s.name == "category" else s,
        kind="stable",
        ignore_index=True,
    )
    # the rows' own totals: what the place's rate rests on (overlapping places counted in each)
    table["place_adults"] = table.groupby("category")["adults"].transform("sum")
    table["months"] = 12.0
    table["added_per_month"] = 0.0
    table["capacity_per_month"] = table["capacity_per_month"].astype("Float64")
    each = pd.DataFrame({"asset_id": placed["asset_id"].to_numpy(), "sent": to_asset,
                         "started": started.astype(int), "unit_cost_gbp": cost})  # fmt: skip
    return table, each


# --- after disclosure --------------------------------------------------------------------------


def _strain_ahead(values: pd.DataFrame, counts) -> pd.Series:
    """Strain (%) over the months ahead: the serving assets' demand a month grown by the
    category's forecast, against their capacity with what is added."""
    return capacity.strain(counts, _capacity(values), values["months"].astype("Float64"),
                           growth=values["growth"].to_numpy(dtype=float) - 1)  # fmt: skip


def _capacity(values: pd.DataFrame) -> pd.Series:
    """Capacity a month with the places added (where none was stated, the added places are it)."""
    stated = values["capacity_per_month"].astype("Float64")
    added = values["added_per_month"].astype("Float64").fillna(0)
    return stated.fillna(0).add(added).where(stated.notna() | (added > 0))


def _added_up(shown: Shown, column: str, assets: str, bound: str = "values") -> pd.Series:
    """Each row's assets' (`assets`: a column of positions) `column` as shown, added up (a
    hidden one at 4; `bound` "low" or "high": the least or greatest true counts instead)."""
    basis = shown.basis["assets"]
    cells = getattr(basis, bound)[column].astype("Float64")
    cells = cells.fillna(HIDDEN_MIDDLE if bound == "values" else 0).to_numpy(dtype=float)
    sums = [float(cells[list(chosen)].sum()) for chosen in shown.values[assets]]
    return pd.Series(sums, index=shown.values.index, dtype="Float64")


def _over(shown: Shown) -> pd.Series:
    """Whether strain ahead is over 100%: 1 yes, 0 no, 0.5 where the true counts the shown ones
    allow give both answers (borderline), NA with no capacity."""
    values = shown.values
    answers = [
        capacity.beyond(_added_up(shown, "sent", "serving_stated", bound), _capacity(values),
                        values["months"].astype("Float64"), capacity.BANDS[1], True,
                        values["growth"].to_numpy(dtype=float) - 1).astype("Float64")
        for bound in ("low", "high")
    ]  # fmt: skip
    return ((answers[0] + answers[1]) / 2).astype("Float64")


OVER_WORDS = {1.0: "yes", 0.0: "no", 0.5: "borderline"}


def over_words(values: pd.DataFrame) -> pd.Series:
    """Over 100% ahead in words, from a disclosed table's `over_ahead` code ("–" where none)."""
    return values["over_ahead"].map(lambda c: OVER_WORDS.get(float(c), "–")
                                    if pd.notna(c) else "–").astype(object)  # fmt: skip


def commissioning_spec(horizon: int, scenario: bool = False) -> Spec:
    """What is shown of a `commissioning_table` (or a scenario's rows, `scenario`), every figure
    from the counts as shown (its own, and its assets' as the basis "assets"): rates per 1,000
    adults a year, the forecast, strain now and ahead on the assets serving it (their counts
    as shown added up, a hidden one at 4) and whether it is over 100% ahead (`over_words`),
    people beyond capacity, people not referred, unmet need (their sum, the ranking), what
    meeting it costs, and its providers' unfunded work (hidden counts of people who started
    left out, as under Funding follows the referral)."""

    def ahead(shown: Shown) -> pd.Series:
        values = shown.values
        return people_ahead(values["sent"].astype("Float64"), values["growth"].astype(float),
                            horizon)  # fmt: skip

    def beyond(shown: Shown) -> pd.Series:
        values = shown.values
        strain = _strain_ahead(values, values["serving_sent_stated"])
        people = people_ahead(shown.centre("sent"), values["growth"].astype(float), horizon)
        return (people * share_beyond(strain).to_numpy()).astype("Float64")

    def missing(shown: Shown) -> pd.Series:
        values = shown.values
        adults = values["adults"].astype("Float64")
        rate = 1000 * shown.centre("sent") / adults.where(adults > 0)
        everyone = values["place_adults"].astype("Float64")
        place = 1000 * shown.centre("place_sent") / everyone.where(everyone > 0)
        out = not_referred(values["gap_adults"], rate, place, horizon)
        return pd.Series(out, index=values.index, dtype="Float64")

    def value(shown: Shown) -> pd.Series:
        assets = shown.basis["assets"].values
        worth = (assets["started"].astype("Float64").fillna(0)
                 * assets["unit_cost_gbp"].astype("Float64")).to_numpy(dtype=float)  # fmt: skip
        sums = [float(worth[list(chosen)].sum()) for chosen in shown.values["serving"]]
        return pd.Series(sums, index=shown.values.index, dtype="Float64")

    derived = {
        "serving_sent_stated": Derived(
            lambda s: _added_up(s, "sent", "serving_stated"), decimals=0
        ),
        "forecast": Derived(ahead, decimals=0, hidden_with=("sent",)),
        "strain_pct": capacity.strain_column("serving_sent_stated"),
        "strain_ahead_pct": Derived(
            lambda s: _strain_ahead(s.values, s.values["serving_sent_stated"]), decimals=0
        ),
        "over_ahead": Derived(_over, decimals=1),
        "beyond": Derived(beyond, decimals=0),
        "not_referred": Derived(missing, decimals=0),
        "unmet": Derived(lambda s: s.values["beyond"] + s.values["not_referred"], decimals=0),
        "unmet_cost_gbp": Derived(
            lambda s: s.values["unmet"] * s.values["unit_cost_gbp"].astype("Float64"), decimals=0
        ),
        "value_gbp": Derived(value, decimals=0),
        "unfunded_gbp": Derived(
            lambda s: unfunded(s.values["value_gbp"], s.values["funding_gbp"]), decimals=0
        ),
    }
    if scenario:
        derived |= _scenario_figures(horizon)
    return Spec(
        counts=("sent",),
        # the category's total over its rows, from the rows as shown (a hidden one at 4), so it
        # narrows none of them
        totals={"place_sent": Total("sent", group="category")},
        rates={
            "rate_per_1000": Rate("sent", "adults", per=1000),
            "place_rate_per_1000": Rate("place_sent", "place_adults", per=1000),
        },
        derived=derived,
    )


def _scenario_figures(horizon: int) -> dict[str, Derived]:
    """A scenario's own figures: everyone beyond the serving assets' capacity over the horizon
    (wherever they live), the people the added places would take (those beyond the capacity
    stated, at most the places: more places do not get more people referred), what the added
    places cost, and the funding gap over the horizon (the last 12 months' unfunded work at the
    same pace) if the work they take goes unfunded too."""

    def demand(values: pd.DataFrame) -> pd.Series:
        return people_ahead(values["serving_sent_stated"], values["growth"].astype(float),
                            horizon)  # fmt: skip

    def everyone_beyond(shown: Shown) -> pd.Series:
        values = shown.values
        room = _capacity(values).fillna(0) * horizon
        return (demand(values) - room).clip(lower=0).where(_capacity(values).notna())

    def taken(shown: Shown) -> pd.Series:
        values = shown.values
        places = values["added_per_month"].astype("Float64") * horizon
        stated = values["capacity_per_month"].astype("Float64")
        waiting = (demand(values) - stated.fillna(0) * horizon).clip(lower=0).fillna(0)
        return pd.concat([places, waiting], axis=1).min(axis=1).astype("Float64")

    return {
        "everyone_beyond": Derived(everyone_beyond, decimals=0),
        "taken": Derived(taken, decimals=0),
        "added_cost_gbp": Derived(
            lambda s: s.values["added_per_month"].astype("Float64") * horizon
            * s.values["unit_cost_gbp"].astype("Float64"), decimals=0),  # fmt: skip
        "gap_after_gbp": Derived(
            lambda s: s.values["unfunded_gbp"].fillna(0) * horizon / 12
            + s.values["taken"] * s.values["unit_cost_gbp"].astype("Float64"), decimals=0),
    }  # fmt: skip


def scenario_rows(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The scenario's subdivision and category twice, exact: as forecast with nothing added, and
    with the places a month added at the assets serving it (empty where it is not a row).
    Where those assets state no capacity, the places added are their capacity, and everyone
    sent to them counts against it."""
    chosen = table[(table["category"] == scenario.category) & (table["place"] == scenario.place)]
    if chosen.empty:
        return table.iloc[0:0].assign(case=pd.Series(dtype=object))
    row = chosen.iloc[[0]]
    added = row.assign(added_per_month=float(scenario.added_per_month))
    if pd.isna(row["capacity_per_month"].iloc[0]) and scenario.added_per_month > 0:
        # the places added are the only capacity stated: everyone sent there counts against it
        added["serving_stated"] = added["serving"]
    out = pd.concat([row.assign(case="as forecast"),
                     added.assign(case=f"with {scenario.added_per_month:,.0f} places a month "
                                  "added")], ignore_index=True)  # fmt: skip
    stated = out["capacity_per_month"].astype("Float64")
    out["capacity_with_added"] = (
        stated.fillna(0)
        .add(out["added_per_month"])
        .where(stated.notna() | (out["added_per_month"] > 0))
    )
    return out
