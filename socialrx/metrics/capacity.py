"""Capacity strain: demand sent to each asset against the capacity its provider states.

Demand is every connection sent to the asset, including people turned away or waiting. Strain
has one definition (`strain`), used by every view of it: people sent a month to assets that
state a capacity, as a % of that capacity, a period under a month held to one month's
capacity. The tables here are exact; the figures resting on their counts (demand a month,
strain, the bands it falls in, people beyond capacity) are `Derived` columns and `Judgement`s
of their specs, worked out after disclosure from the counts as shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialrx.disclosure import (
    Derived,
    Judgement,
    Rate,
    Share,
    Shown,
    Spec,
    Total,
    floats,
)

TURNED_AWAY = ("waiting list", "declined by provider (full)")
BANDS = (85.0, 100.0)  # strain under 85%, 85-100%, over 100%


# ---------------------------------------------------------------------------------------------
# Strain: one definition.


def held_months(months) -> pd.Series | float:
    """Months of a period as capacity counts them: a period under a month is held to one
    month's capacity, not scaled up (five people sent in a week do not fill a capacity of nine
    a month)."""
    if isinstance(months, pd.Series):
        return months.astype("Float64").clip(lower=1.0)
    return max(float(months), 1.0)


def _floats(values) -> np.ndarray | float:
    """Numbers as floats (NaN where missing): the arithmetic below runs on every judgement
    of every table, so on arrays rather than nullable series."""
    return float(values) if np.isscalar(values) else floats(values)


def _series(values: np.ndarray, like) -> pd.Series:
    index = like.index if isinstance(like, pd.Series) else None
    return pd.Series(pd.arrays.FloatingArray(values, np.isnan(values)), index=index)


def _demand(people, months, growth: float) -> np.ndarray:
    return _floats(people) * (1 + growth) / np.maximum(_floats(months), 1.0)


def demand_per_month(people, months, growth: float = 0.0) -> pd.Series:
    """People sent a month: `people` in the period (grown by `growth`, 0.1 = 10% more) over
    its months as capacity counts them (`held_months`)."""
    return _series(_demand(people, months, growth), people)


def _strain(people, capacity_per_month, months, growth: float) -> np.ndarray:
    capacity = _floats(capacity_per_month)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capacity > 0, 100 * _demand(people, months, growth) / capacity, np.nan)


def strain(people, capacity_per_month, months, growth: float = 0.0) -> pd.Series:
    """Strain (%): people sent a month to assets stating a capacity over that capacity a
    month, the one definition every view uses. NA where no capacity is stated or it is 0 (a
    capacity of 0 is judged by `beyond`)."""
    return _series(_strain(people, capacity_per_month, months, growth), people)


def beyond(people, capacity_per_month, months, threshold: float, strictly: bool, growth=0.0):
    """Whether strain is at least (`strictly`: over) `threshold` %. A stated capacity of 0 is
    over with anyone sent and nothing with nobody; no capacity stated, nothing to judge (NA)."""
    answer = _beyond(people, capacity_per_month, months, threshold, strictly, growth)
    index = people.index if isinstance(people, pd.Series) else None
    return pd.Series(pd.arrays.BooleanArray(answer == 1, np.isnan(answer)), index=index)


def _beyond(people, capacity_per_month, months, threshold, strictly, growth) -> np.ndarray:
    """`beyond` as floats: 1 yes, 0 no, NaN nothing to judge."""
    count, capacity = _floats(people), _floats(capacity_per_month)
    value = _strain(count, capacity, months, growth)
    answer = (value > threshold) if strictly else (value >= threshold)
    answer = np.where(capacity == 0, count > 0, answer).astype(float)
    answer[np.isnan(capacity) | np.isnan(count)] = np.nan
    return answer


def _months(shown_values: pd.DataFrame, months: float | None):
    """The months of each row: the table's own `months` column, or one figure for all."""
    return floats(shown_values["months"]) if months is None else months


def demand_column(people: str, months: float | None = None, growth: float = 0.0) -> Derived:
    """Demand a month as a `Derived` column, from the count as shown."""

    def compute(shown: Shown) -> pd.Series:
        return demand_per_month(shown.values[people], _months(shown.values, months), growth)

    return Derived(compute, decimals=1, hidden_with=(people,))


def strain_column(people: str, months: float | None = None, growth: float = 0.0) -> Derived:
    """Strain (%) as a `Derived` column, from the count as shown."""

    def compute(shown: Shown) -> pd.Series:
        values = shown.values
        return strain(values[people], values["capacity_per_month"], _months(values, months), growth)

    return Derived(compute, decimals=0, hidden_with=(people,))


def band_judgement(
    people: str, threshold: float, strictly: bool, months: float | None = None, growth=0.0
) -> Judgement:
    """Strain at least (or over) `threshold` %, judged on every true count the shown one
    allows ("borderline" where they differ)."""

    def decide(values: pd.DataFrame, counts: pd.Series) -> pd.Series:
        return beyond(
            counts,
            values["capacity_per_month"],
            _months(values, months),
            threshold,
            strictly,
            growth,
        )

    return Judgement(people, decide)


# The rating in words, most strained first by its code (a Derived column is a number).
RATINGS = {
    7: "over 100% (capacity 0)",
    6: "over 100%",
    5: "borderline: about 100%",
    4: "85-100%",
    3: "borderline: about 85%",
    2: "under 85%",
    1: "capacity 0, nobody sent",
    0: "capacity not stated",
}


def _band(people, capacity, months, growth) -> np.ndarray:
    """0 under 85%, 1 for 85-100%, 2 over 100% (NaN with no capacity stated)."""
    at_least = _beyond(people, capacity, months, BANDS[0], False, growth)
    return at_least + _beyond(people, capacity, months, BANDS[1], True, growth)


def rating_column(people: str, months: float | None = None, growth: float = 0.0) -> Derived:
    """The strain band as a code of `RATINGS`, from the least and the greatest true count the
    shown one allows: a band where both agree, "borderline" where the rounding leaves it open
    (the same answer as the two band judgements)."""

    def compute(shown: Shown) -> pd.Series:
        values = shown.values
        stated, span = _floats(values["capacity_per_month"]), _months(values, months)
        low = _band(shown.low[people], stated, span, growth)
        high = _band(shown.high[people], stated, span, growth)
        nobody = _floats(shown.high[people]) == 0
        code = np.select(
            [np.isnan(stated), (stated == 0) & nobody, stated == 0]
            + [(low == band) & (high == band) for band in (2, 1, 0)]
            + [high == 2, high == 1],
            [0, 1, 7, 6, 4, 2, 5, 3],
            default=np.nan,
        )
        return pd.Series(code, index=values.index, dtype="Float64")

    return Derived(compute, decimals=0)


def ratings(values: pd.DataFrame) -> pd.Series:
    """Strain in words from a disclosed table with a `rating` code (`rating_column`)."""
    return values["rating"].map(lambda c: RATINGS.get(int(c), "") if pd.notna(c) else "")


def strain_figures(people: str, sent: str, growth: float = 0.0) -> dict:
    """The derived columns and judgements every group strain table shares (each row's months
    in its `months` column): demand a month (of `sent`), strain, its rating, and the two band
    judgements (on `people`, the people sent to assets stating a capacity)."""
    return {
        "derived": {
            "demand_per_month": demand_column(sent, growth=growth),
            "strain_pct": strain_column(people, growth=growth),
            "rating": rating_column(people, growth=growth),
        },
        "judgements": {
            "at_least_85": band_judgement(people, BANDS[0], False, growth=growth),
            "over_100": band_judgement(people, BANDS[1], True, growth=growth),
        },
    }


# ---------------------------------------------------------------------------------------------
# Every asset.


def capacity_strain(assets: pd.DataFrame, connections: pd.DataFrame, months: float):
    """Per asset: people sent in the period (connections), those put on a waiting list or
    turned away as full, capacity a month, cost per person and the period's months, exact.
    Disclose it with `strain_spec()`, which works demand, strain, the cost of demand and the
    judgement out from the counts as shown (exactly at level off)."""
    sent = connections.groupby("asset_id").size()
    turned = connections[connections["outcome"].isin(TURNED_AWAY)].groupby("asset_id").size()
    table = assets[
        [
            "asset_id",
            "name",
            "organisation_id",
            "category",
            "capacity_per_month",
            "cost_per_person_gbp",
        ]
    ].copy()
    table["connections"] = table["asset_id"].map(sent).fillna(0).astype(int)
    table["turned_away_or_waiting"] = table["asset_id"].map(turned).fillna(0).astype(int)
    table["months"] = float(months)
    # in the assets' order: a panel ranks them by what it shows, and an order from exact
    # figures would tell apart rows whose shown figures tie
    return table.reset_index(drop=True)


def strain_spec(months: float | None = None) -> Spec:
    """Per asset (`capacity_strain`): demand a month, strain, the cost of demand and the
    over-capacity judgement, all from the counts as shown. `months`: the period's, where the
    table has no `months` column. A stated capacity of 0 with anyone sent is over; no capacity
    stated, nothing to judge."""
    return Spec(
        counts=("connections", "turned_away_or_waiting"),
        rates={"cost_of_demand_gbp": Rate("connections", times="cost_per_person_gbp", decimals=0)},
        derived={
            "demand_per_month": demand_column("connections", months),
            "strain_pct": strain_column("connections", months),
        },
        judgements={"over_capacity": band_judgement("connections", BANDS[1], True, months)},
    )


@dataclass(frozen=True)
class CapacitySummary:
    """The capacity page's headline: assets over capacity and those that cannot be judged
    (borderline), assets stating a capacity of all the assets, and the cost of demand with
    the assets it leaves out (a unit cost, demand hidden)."""

    over: int
    undecided: int
    stated: int
    cost_gbp: float
    uncosted: int
    assets: int


def undecided_note(undecided: int) -> str:
    """Why some assets are neither over nor under capacity, for a caption or help text."""
    if not undecided:
        return ""
    assets = "1 asset" if undecided == 1 else f"{undecided:,} assets"
    return (
        f"A further {assets} stating a capacity {'is' if undecided == 1 else 'are'} "
        "borderline: the true number of people sent, which disclosure control rounds or "
        "hides, could fall either side of the capacity."
    )


def summarise(shown: pd.DataFrame) -> CapacitySummary:
    """The headline figures of a disclosed strain table (a panel's values, by `strain_spec`),
    from its values only, so the headline cannot say more than its rows: an asset stating a
    capacity whose judgement is not shown is borderline."""
    stated = shown["capacity_per_month"].notna()
    over = shown["over_capacity"].astype("boolean")
    return CapacitySummary(
        over=int(over.fillna(False).sum()),
        undecided=int((stated & over.isna()).sum()),
        stated=int(stated.sum()),
        cost_gbp=float(shown["cost_of_demand_gbp"].astype("Float64").sum()),
        uncosted=int((shown["cost_per_person_gbp"].notna() & shown["connections"].isna()).sum()),
        assets=len(shown),
    )


def named_with_strain(rows: pd.DataFrame, label: str = "", most: int = 3) -> str:
    """Up to `most` rows of a disclosed strain table by name (and `label`, a code column),
    with their strain as shown, most strained first: "Lunch Club (A0026, 103%)"; how many more
    where there are more."""
    ranked = rows.sort_values("strain_pct", ascending=False, kind="stable", na_position="last")
    said = []
    for _, row in ranked.head(most).iterrows():
        inside = [str(row[label])] if label else []
        if pd.notna(row["strain_pct"]):
            inside.append(f"{row['strain_pct']:,.0f}%")
        said.append(f"{row['name']} ({', '.join(inside)})" if inside else str(row["name"]))
    if len(ranked) > most:
        said.append(f"{len(ranked) - most:,} more")
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


def assets_answer(shown: pd.DataFrame, named: bool = False) -> str:
    """The All assets panel's answer in a sentence, from its disclosed values (`named`: with
    the assets over capacity, most strained first)."""
    summary = summarise(shown)
    if not summary.stated:
        return "No asset states a capacity, so none can be judged over capacity."
    more = (
        f"; {summary.undecided:,} more {'is' if summary.undecided == 1 else 'are'} borderline"
        if summary.undecided
        else ""
    )
    over = shown[shown["over_capacity"].astype("boolean").fillna(False).to_numpy()]
    which = f": {named_with_strain(over, 'asset_id')}" if named and len(over) else ""
    return (
        f"{summary.over:,} of {summary.stated:,} assets stating a capacity "
        f"{'was' if summary.over == 1 else 'were'} sent more people than they can take"
        f"{which}{more}."
    )


def most_strained(shown: pd.DataFrame, top: int = 20) -> pd.DataFrame:
    """The assets worth drawing from a disclosed strain table: a capacity stated and someone
    sent (demand shown), most strained first."""
    drawn = shown["capacity_per_month"].notna() & (shown["demand_per_month"] > 0).fillna(False)
    ranked = shown[drawn].sort_values("strain_pct", ascending=False, kind="stable")
    return ranked.head(top)


# ---------------------------------------------------------------------------------------------
# Providers, categories and areas: demand, what happened to it, and strain rated in three bands.

NOT_TAKEN = ("waiting list", "declined by provider (full)", "declined by provider (not suitable)")
NOT_TAKEN_COLUMNS = {
    "waiting list": "waiting_list",
    "declined by provider (full)": "declined_full",
    "declined by provider (not suitable)": "declined_not_suitable",
}
STAYED = ("attending", "moved on")  # still taking part, or now independent / volunteering


def provider_of(assets: pd.DataFrame) -> pd.Series:
    """Each asset's provider: its organisation, or the asset itself where none is recorded
    (unrelated assets without an organisation are not lumped together as one provider)."""
    org = assets["organisation_id"].astype("string")
    return org.fillna("asset " + assets["asset_id"].astype("string"))


def named(codes: pd.Series, names=None) -> pd.Series:
    """Each code's name where `names` (a dict or Series) has one, else the code itself, as
    text (never a numeric column of blanks when no code has a name)."""
    lookup = dict(names.items()) if names is not None else {}
    return pd.Series([str(lookup.get(c) or c) for c in codes], index=codes.index, dtype="string")


def assets_per_provider(assets: pd.DataFrame) -> pd.Series:
    """How many of the assets each provider (`provider_of`) runs."""
    return provider_of(assets).value_counts()


@dataclass(frozen=True)
class CapacityStated:
    """How many of a provider's assets there are, how many state a capacity, and whether any
    states a capacity of 0 (over as soon as anyone is sent)."""

    assets: int
    stated: int
    any_zero: bool

    @property
    def unstated(self) -> int:
        """Assets stating no capacity: the people sent to them are not in its strain."""
        return self.assets - self.stated


def capacity_stated(assets: pd.DataFrame) -> CapacityStated:
    """What the assets state of their capacity (`CapacityStated`)."""
    capacity = assets["capacity_per_month"]
    return CapacityStated(
        assets=len(assets),
        stated=int(capacity.notna().sum()),
        any_zero=bool((capacity == 0).any()),
    )


def asset_counts(connections: pd.DataFrame) -> pd.DataFrame:
    """Per asset id, exact: people sent, those not taken (by reason) and, where the table
    has started_date, those who started. One pass over the connections, so grouping assets
    into providers, categories and areas works on a row per asset, not per person."""
    out = pd.DataFrame({"sent": connections["asset_id"].value_counts()})
    not_taken = connections[connections["outcome"].isin(NOT_TAKEN).fillna(False)]
    reasons = not_taken.groupby(["asset_id", "outcome"], observed=True).size()
    reasons = reasons.unstack(fill_value=0) if len(reasons) else pd.DataFrame()
    for outcome, column in NOT_TAKEN_COLUMNS.items():
        out[column] = reasons[outcome] if outcome in reasons.columns else 0
    if "started_date" in connections:
        started = connections.loc[connections["started_date"].notna(), "asset_id"]
        out["started"] = started.value_counts()
    out = out.fillna(0).astype("int64")
    out["not_taken"] = out[list(NOT_TAKEN_COLUMNS.values())].sum(axis=1)
    return out


def asset_cells(
    assets: pd.DataFrame,
    connections: pd.DataFrame,
    by: pd.Series,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each asset's exact counts (`asset_counts`), its group (`by`), its capacity and whether
    it states one (`stated`): the cells a `group_strain` row adds up, and the basis its totals
    are checked against (`group_spec(cells=True)`)."""
    counts = asset_counts(connections) if counts is None else counts
    ids = assets["asset_id"].astype("string")
    per = counts.reindex(pd.Index(ids)).fillna(0).astype("int64").reset_index(drop=True)
    stated = assets["capacity_per_month"].notna().to_numpy()
    per["sent_stated"] = per["sent"].where(stated, 0)
    per["stated"] = stated
    per["group"] = by.to_numpy()
    per["asset_id"] = ids.to_numpy()
    per["capacity_per_month"] = assets["capacity_per_month"].astype("Float64").to_numpy()
    return per


CELLS_SPEC = Spec(counts=("sent", *NOT_TAKEN_COLUMNS.values(), "not_taken"))


def cells_basis(cells: pd.DataFrame) -> tuple[pd.DataFrame, Spec]:
    """`asset_cells` as a panel's basis "cells": the counts a group's totals add up, with the
    asset, its group and whether it states a capacity (nothing else of them is shown)."""
    keep = ["asset_id", "group", "stated", *CELLS_SPEC.counts]
    return cells[keep], CELLS_SPEC


def group_strain(
    assets: pd.DataFrame,
    connections: pd.DataFrame,
    months: float,
    by: pd.Series,
    names: pd.Series | None = None,
    counts: pd.DataFrame | None = None,
    cells: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Demand against stated capacity for groups of assets (providers, categories, areas),
    exact: `by` gives each asset's group. Strain rests on the demand on assets that state a
    capacity (`sent_stated`), so an asset with no capacity stated neither adds demand nor
    capacity to it; a group with no capacity stated has none. `counts` (`asset_counts` of
    the connections) saves counting again for each grouping, `cells` (its `asset_cells`)
    grouping them again. See `group_spec`."""
    per = asset_cells(assets, connections, by, counts) if cells is None else cells
    grouped = per.groupby("group", dropna=True)
    count_columns = ["sent", "sent_stated", *NOT_TAKEN_COLUMNS.values(), "not_taken"]
    if "started" in per:
        count_columns.append("started")
    table = grouped[count_columns].sum()
    table.insert(0, "assets", grouped.size())
    table.insert(1, "assets_stated", grouped["capacity_per_month"].count())
    table.insert(2, "capacity_per_month", grouped["capacity_per_month"].sum(min_count=1))
    table["capacity_per_month"] = table["capacity_per_month"].astype("Float64")
    table[count_columns] = table[count_columns].astype("int64")
    table = table.rename_axis("group").reset_index()
    table["name"] = named(table["group"], names)
    table["months"] = float(months)
    return table


def group_spec(*, growth: float = 0.0, cells: bool = False) -> Spec:
    """Demand a month, strain, its rating and the two judgements that rate it (at least 85%,
    over 100%) for `group_strain` tables (each row's months in its `months` column); `growth`
    scales demand (0.1 = 10% more) for what-if tables. `cells`: the panel's basis "cells" is
    the groups' `asset_cells`, disclosed as the page's per-asset tables show them."""
    columns = ("sent", "sent_stated", *NOT_TAKEN_COLUMNS.values(), "not_taken")
    if not cells:
        return Spec(counts=columns, **strain_figures("sent_stated", "sent", growth))
    # Each group's counts rounded on their own, beside the same page's per-asset counts: a
    # total is withheld where it would pin its hidden assets (7 assets of 1 each, total 7).
    return Spec(
        totals={
            c: Total(
                "sent" if c == "sent_stated" else c,
                basis="cells",
                key="group",
                basis_key="group",
                where="stated" if c == "sent_stated" else None,
                own=True,
            )
            for c in columns
        },
        **strain_figures("sent_stated", "sent", growth),
    )


def rated_answer(values: pd.DataFrame, what: str, ahead: bool = False,
                 named: bool = False) -> str:  # fmt: skip
    """A rated table's answer (providers, categories, areas, assets) in a sentence, from its
    disclosed rating: how many of those stating a capacity are over 100%, and borderline
    (`ahead`: of a what-if, in the future; `named`: the ones over 100% and at 85-100% by
    name, most strained first)."""
    words = ratings(values)
    stated = int((values["capacity_per_month"].notna()).sum())
    if not stated:
        return f"No {what} states a capacity, so none can be rated."
    over = int(words.str.startswith("over").sum())
    near = int((words == RATINGS[5]).sum())
    high = int((words == RATINGS[4]).sum())
    plural = what if stated == 1 else _plural(what)
    verb = "would be" if ahead else "was" if over == 1 else "were"
    sentence = (
        f"{over:,} of {stated:,} {plural} stating a capacity {verb} sent more people than "
        "they can take"
    )
    if named and over:
        sentence += f": {named_with_strain(values[words.str.startswith('over').to_numpy()])}"
    if near:
        sentence += f"; {near:,} more {'is' if near == 1 else 'are'} borderline"
    if high:
        sentence += f"; {high:,} {'is' if high == 1 else 'are'} at 85-100% of capacity"
        if named:
            sentence += f": {named_with_strain(values[(words == RATINGS[4]).to_numpy()])}"
    return sentence + "."


def _plural(what: str) -> str:
    return what[:-1] + "ies" if what.endswith("y") else what + "s"


def _added_up(values: pd.DataFrame, *columns: str) -> tuple[float, int]:
    """The counts of `columns` as shown, added up over the rows, and how many are hidden (not
    added: each is 1-7)."""
    shown = values[list(columns)].astype("Float64")
    return float(shown.sum().sum()), int(shown.isna().sum().sum())


def provider_demand_answer(values: pd.DataFrame, word: str) -> str:
    """A provider's people sent in the months (quarters) shown, added up, and its busiest,
    from a disclosed `provider_activity` table."""
    sent = values["sent"].astype("Float64")
    if sent.isna().all():
        return f"Every {word}'s number of people sent is 1-7 (hidden)."
    total, hidden = _added_up(values, "sent")
    busiest = values.loc[sent.idxmax()]
    left_out = f" (not counting {hidden} {word}{'s' if hidden != 1 else ''} of 1-7, hidden)"
    # "adding": each period is rounded on its own, so the sum can differ from the whole
    # period's own figure (the provider's card) by a few people
    return (
        f"Adding the {len(values)} {word}s shown: {total:,.0f} people were sent"
        f"{left_out if hidden else ''}; the most in {busiest['label']} ({sent.max():,.0f})."
    )


def provider_outcomes_answer(values: pd.DataFrame, word: str) -> str:
    """What happened to a provider's people sent, added up over the months (quarters) shown,
    from a disclosed `provider_activity` table."""
    started, a = _added_up(values, "started")
    waiting, b = _added_up(values, "waiting_list")
    turned, c = _added_up(values, "declined_full", "declined_not_suitable")
    hidden = a + b + c
    return (
        f"Adding the {word}s shown: {started:,.0f} started, {waiting:,.0f} were put on a waiting "
        f"list and {turned:,.0f} turned away (full or not suitable)"
        + (f"; {hidden} count{'s' if hidden != 1 else ''} of 1-7 hidden and not added." if hidden
           else ".")
    )  # fmt: skip


def heat_answer(values: pd.DataFrame) -> str:
    """The category and month most strained, from a disclosed `category_month_strain` table
    (the first of a tie, in the table's order), and how many category-months were over 100%."""
    strain = values["strain_pct"].astype("Float64")
    if strain.isna().all():
        return ""
    top = values.loc[strain.idxmax()]
    over = int((strain > 100).fillna(False).sum())
    shown = int(strain.notna().sum())
    return (
        f"The most strained: {top['category']} in {top['label']}, at {top['strain_pct']:,.0f}% "
        f"of the capacity stated; {over:,} of the {shown:,} category-months shown "
        f"{'was' if over == 1 else 'were'} over 100%."
    )


@dataclass(frozen=True)
class MostNotTaken:
    """The group with the most people put on a waiting list or turned away, as shown, and
    how many groups' counts are hidden (1-7)."""

    name: str
    people: float
    hidden: int


def most_not_taken(values: pd.DataFrame) -> MostNotTaken | None:
    """From a disclosed `group_strain` table: the group whose `not_taken` shown is largest
    (the first of a tie, in the table's order), or None where nobody shown was not taken."""
    shown = values["not_taken"].astype("Float64")
    if not (shown > 0).any():
        return None
    top = values.loc[shown.fillna(-1).idxmax()]
    return MostNotTaken(str(top["name"]), float(top["not_taken"]), int(shown.isna().sum()))


# ---------------------------------------------------------------------------------------------
# One provider over time.


def month_index(dates: pd.Series) -> np.ndarray:
    """Months as integers (year * 12 + month - 1), -1 where there is no date: fast to group."""
    values = dates.to_numpy(dtype="datetime64[M]")
    out = values.astype("int64") + 1970 * 12
    return np.where(np.isnat(values), -1, out)


def sent_a_month(connections: pd.DataFrame, residence, category) -> pd.DataFrame:
    """People sent a month from each area of residence to each asset category (area_code,
    category, month as `month_index`, sent), exact: connections whose person's area
    (`residence`, aligned with them; None where unknown) and month are known. A connection
    to an asset of no known category keeps a row (category NA): it still says which months
    the data covers. Thousands of rows where the connections are a million."""
    month = month_index(connections["referred_date"])
    frame = pd.DataFrame({"area_code": pd.Categorical(residence), "month": month,
                          "category": pd.Categorical(category)})  # fmt: skip
    frame = frame[frame["area_code"].notna().to_numpy() & (month >= 0)]
    counts = frame.groupby(["area_code", "category", "month"], observed=True, dropna=False)
    return counts.size().rename("sent").reset_index().astype({"sent": "int64"})


def asset_months(connections: pd.DataFrame) -> pd.DataFrame:
    """People sent a month to each asset and those of them who started (asset_id, month as
    `month_index`, sent, started), exact: connections with an asset and a month."""
    month = month_index(connections["referred_date"])
    frame = pd.DataFrame({"asset_id": pd.Categorical(connections["asset_id"]), "month": month,
                          "started": connections["started_date"].notna().to_numpy()})  # fmt: skip
    frame = frame[frame["asset_id"].notna().to_numpy() & (month >= 0)]
    counts = frame.groupby(["asset_id", "month"], observed=True)["started"]
    table = counts.agg(["size", "sum"]).rename(columns={"size": "sent", "sum": "started"})
    return table.reset_index().astype({"sent": "int64", "started": "int64"})


def _month_start(code: np.ndarray | int) -> pd.DatetimeIndex:
    code = np.atleast_1d(code)
    return pd.to_datetime({"year": code // 12, "month": code % 12 + 1, "day": 1})


def periods(start: pd.Timestamp, end: pd.Timestamp, by: str = "month") -> pd.DataFrame:
    """The months of [start, end], grouped by month or by calendar quarter: each bucket's
    first day, label and the months of the period in it (a month the period only partly
    covers, as when the data end mid-month, counts its share, as `Selection.months` does)."""
    first, last = month_index(pd.Series([start]))[0], month_index(pd.Series([end]))[0]
    codes = np.arange(first, last + 1)
    bucket = codes if by == "month" else codes - codes % 3
    starts = pd.DatetimeIndex(_month_start(codes))
    lengths = starts.days_in_month.to_numpy()
    low = np.maximum(starts, start.normalize())
    high = np.minimum(starts + pd.to_timedelta(lengths - 1, unit="D"), end.normalize())
    covered = ((high - low).days.to_numpy() + 1) / lengths
    frame = pd.DataFrame({"bucket": bucket, "months": covered})
    buckets = frame.groupby("bucket")["months"].sum().reset_index()
    buckets["period"] = _month_start(buckets["bucket"].to_numpy()).to_numpy()
    if by == "month":
        buckets["label"] = buckets["period"].dt.strftime("%b %Y")
    else:
        quarter = buckets["period"].dt.quarter.astype(str)
        buckets["label"] = buckets["period"].dt.year.astype(str) + " Q" + quarter
    return buckets


def provider_activity(
    assets: pd.DataFrame,
    connections: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    by: str = "month",
) -> pd.DataFrame:
    """For one provider's assets, exact, per month or quarter of [start, end]: people sent,
    those put on a waiting list or turned away (by reason), who started and who stayed
    (still attending, or moved on), against the capacity stated for those months (as strain
    counts them: a part month held to a whole one); one row per asset and one for all its
    assets together (asset_id "all"). See `activity_spec`."""
    buckets = periods(start, end, by)
    ids = assets["asset_id"].astype("string")
    mine = connections[
        connections["asset_id"].isin(set(ids)) & connections["referred_date"].between(start, end)
    ]
    code = month_index(mine["referred_date"])
    bucket = code if by == "month" else code - code % 3
    frame = pd.DataFrame(
        {
            "bucket": bucket,
            "asset_id": mine["asset_id"].astype("string").to_numpy(),
            "outcome": mine["outcome"].astype("string").to_numpy(),
            "started": mine["started_date"].notna().to_numpy(),
        }
    )
    frame["stayed"] = frame["started"] & frame["outcome"].isin(STAYED).fillna(False).to_numpy()
    for outcome, column in NOT_TAKEN_COLUMNS.items():
        frame[column] = (frame["outcome"] == outcome).fillna(False).to_numpy()
    flags = ["started", "stayed", *NOT_TAKEN_COLUMNS.values()]
    grid = pd.MultiIndex.from_product([buckets["bucket"], ids], names=["bucket", "asset_id"])
    grouped = frame.groupby(["bucket", "asset_id"])
    per_asset = pd.DataFrame({"sent": grouped.size()}).join(grouped[flags].sum())
    per_asset = per_asset.reindex(grid).fillna(0).astype("int64").reset_index()
    info = assets.set_index(ids)[["name", "capacity_per_month"]]
    per_asset = per_asset.join(info, on="asset_id")
    per_asset["sent_stated"] = per_asset["sent"].where(per_asset["capacity_per_month"].notna(), 0)
    total = per_asset.groupby("bucket").agg(
        {c: "sum" for c in ["sent", "sent_stated", *flags]}
        | {"capacity_per_month": lambda c: c.sum() if c.notna().any() else pd.NA}
    )
    total = total.reset_index().assign(asset_id="all", name="All its assets")
    table = pd.concat([total, per_asset], ignore_index=True)
    table = table.merge(buckets, on="bucket", how="left")
    table["capacity_per_month"] = table["capacity_per_month"].astype("Float64")
    table["capacity"] = table["capacity_per_month"] * held_months(table["months"])
    table["not_taken"] = table[list(NOT_TAKEN_COLUMNS.values())].sum(axis=1)
    table["name"] = table["name"].astype("string")
    return table.sort_values(
        ["bucket", "asset_id"],
        key=lambda s: s if s.name == "bucket" else s.ne("all"),
        kind="stable",
    ).reset_index(drop=True)


def activity_spec() -> Spec:
    """Counts of `provider_activity`, demand a month, strain and its judgements (as for
    every strain table), and the shares who started and stayed, from the counts as shown."""
    return Spec(
        counts=(
            "sent",
            "sent_stated",
            *NOT_TAKEN_COLUMNS.values(),
            "not_taken",
            "started",
            "stayed",
        ),
        shares={
            "started_pct": Share("started", "sent"),
            "stayed_pct": Share("stayed", "started"),
        },
        **strain_figures("sent_stated", "sent"),
    )


def mostly_hidden(shown_counts: pd.Series) -> bool:
    """Whether most of a provider's monthly counts, as shown, are hidden (1-7 people): then
    quarters show more than months do."""
    shown_counts = pd.Series(shown_counts)
    return bool(len(shown_counts)) and float(shown_counts.isna().mean()) > 0.5


SPAN_WHOLE = "whole period"
SPAN_LAST, SPAN_BEFORE = "latest", "before"


def provider_spans(
    assets: pd.DataFrame,
    connections: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    by: str = "month",
) -> pd.DataFrame:
    """One provider's strain over the whole period and, with enough of them, over its last 3
    months (2 quarters) and the same span before: each row `group_strain` of the connections
    in its span, exactly as the system view works out a provider for a period, so the two
    views give the same figure for the same months. Disclose with `group_spec()`."""
    buckets = periods(start, end, by)
    span = 3 if by == "month" else 2
    unit = "months" if by == "month" else "quarters"
    spans = [(SPAN_WHOLE, "the whole period", start, end)]
    if len(buckets) >= 2 * span:
        first_last = max(buckets["period"].iloc[-span], start)
        first_before = max(buckets["period"].iloc[-2 * span], start)
        spans += [
            (SPAN_LAST, f"the last {span} {unit}", first_last, end),
            (SPAN_BEFORE, f"the {span} {unit} before", first_before,
             first_last - pd.Timedelta(days=1)),
        ]  # fmt: skip
    rows = []
    for key, label, first, last in spans:
        chosen = connections[connections["referred_date"].between(first, last)]
        months = float(periods(first, last, "month")["months"].sum())
        row = group_strain(assets, chosen, months, pd.Series(key, index=assets.index))
        rows.append(row.assign(span=key, label=label, start=first, end=last))
    return pd.concat(rows, ignore_index=True)


def span_cells(assets: pd.DataFrame, connections: pd.DataFrame) -> pd.DataFrame:
    """`asset_cells` of one provider's assets over the whole period, keyed to the whole
    period's row of `provider_spans` (each row's group is its span): the basis its totals are
    checked against, as the system view checks the provider's row (the other spans' assets
    are not shown, so they have no cells)."""
    return asset_cells(assets, connections, pd.Series(SPAN_WHOLE, index=assets.index))


def span_answer(values: pd.DataFrame, name: str) -> str:
    """A provider's strain over the period and its trend in words, from the disclosed
    `provider_spans` table: the whole period, then the latest span against the one before."""
    rows = values.set_index("span")
    words = ratings(values).set_axis(values["span"])
    if pd.isna(rows.loc[SPAN_WHOLE, "capacity_per_month"]):
        return f"{name}'s assets state no capacity, so its strain cannot be worked out."

    def said(key: str) -> str:
        value = rows.loc[key, "strain_pct"]
        # not shown: a hidden 1-7, or a total withheld beside its assets' counts
        figure = "a level not shown to keep small counts hidden" if pd.isna(value) else (
            f"{value:,.0f}%")  # fmt: skip
        return f"{figure} ({words[key]})"

    sentence = f"Over the whole period {name} was at {said(SPAN_WHOLE)} of the capacity stated."
    if SPAN_LAST not in rows.index:
        return sentence
    now, then = rows.loc[SPAN_LAST, "strain_pct"], rows.loc[SPAN_BEFORE, "strain_pct"]
    way = ""
    if pd.notna(now) and pd.notna(then):
        way = " (rising)" if now - then >= 5 else " (falling)" if then - now >= 5 else " (level)"
    return (
        f"{sentence} In {rows.loc[SPAN_LAST, 'label']}: {said(SPAN_LAST)}, against "
        f"{said(SPAN_BEFORE)} in {rows.loc[SPAN_BEFORE, 'label']}{way}."
    )


def sent_by(
    connections: pd.DataFrame,
    referrals: pd.DataFrame,
    column: str,
    names: dict | None = None,
) -> pd.DataFrame:
    """People sent (connections), grouped by a column of their referral: `reasons` (a person
    with several reasons counts under each), `practice_code` or `area_code`. Exact; a count
    column `sent`, and `not recorded` where the referral does not say."""
    ids = connections["referral_id"]
    chosen = referrals.loc[referrals["referral_id"].isin(set(ids)), ["referral_id", column]]
    lookup = chosen.set_index("referral_id")[column].astype("string")
    values = pd.Series(ids.map(lookup).to_numpy(dtype=object), index=ids.index, dtype="string")
    values = values.fillna("not recorded")
    if column == "reasons":
        values = values.str.split(";").explode().str.strip()
    counts = values.value_counts().rename("sent").rename_axis("group").reset_index()
    counts["name"] = named(counts["group"], names)
    # in order of name, not of the exact counts: a panel ranks by the counts shown, and rows
    # whose shown counts tie must not keep an order that tells their exact ones apart
    return counts.astype({"sent": "int64"}).sort_values("name", kind="stable", ignore_index=True)


def category_month_strain(
    assets: pd.DataFrame, connections: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Per category stating any capacity and per month of [start, end], exact: people sent to
    its assets that state a capacity, and that capacity a month. Disclose with
    `CATEGORY_MONTH_SPEC`."""
    stated = assets[assets["capacity_per_month"].notna()]
    capacity = stated.groupby("category")["capacity_per_month"].sum().astype("Float64")
    months = periods(start, end, "month")
    chosen = connections[connections["referred_date"].between(start, end)]
    # count by asset and month first (thousands of rows), then place the assets
    by_asset = pd.DataFrame(
        {"asset_id": chosen["asset_id"].to_numpy(), "bucket": month_index(chosen["referred_date"])}
    ).value_counts()
    by_asset = by_asset.rename("n").reset_index()
    category = stated.set_index("asset_id")["category"]
    by_asset["category"] = by_asset["asset_id"].map(category)
    counts = by_asset.dropna(subset=["category"]).groupby(["category", "bucket"])["n"].sum()
    grid = pd.MultiIndex.from_product(
        [capacity.index, months["bucket"]], names=["category", "bucket"]
    )
    table = counts.reindex(grid, fill_value=0).rename("sent_stated").reset_index()
    table["sent_stated"] = table["sent_stated"].astype("int64")
    table = table.merge(months, on="bucket")
    table["capacity_per_month"] = table["category"].map(capacity).astype("Float64")
    return table


CATEGORY_MONTH_SPEC = Spec(
    counts=("sent_stated",), derived={"strain_pct": strain_column("sent_stated")}
)


# ---------------------------------------------------------------------------------------------
# What if: the next 12 months replay the last 12, with growth, added capacity and moved
# funding. Worked out from the counts as shown, asset by asset where capacity is concerned.


@dataclass(frozen=True)
class Scenario:
    """A what-if: referral growth (0.1 = 10% more), capacity added per month at providers or
    categories, and funding moved between providers (from, to, £ a year)."""

    growth: float = 0.0
    added_at_provider: dict[str, float] | None = None
    added_at_category: dict[str, float] | None = None
    moves: tuple[tuple[str, str, float], ...] = ()


def scenario_base(assets: pd.DataFrame, connections: pd.DataFrame, end: pd.Timestamp):
    """One row per asset: people sent in the 12 months to `end` (exact), who started, and
    the capacity stated a month, with its provider, category and unit cost: what the next
    12 months would look like with nothing changed. Strain beyond capacity is worked out
    asset by asset: a provider's spare room at one asset does not take another's people."""
    start = (end.to_period("M") - 11).start_time
    recent = connections[connections["referred_date"].between(start, end)]
    table = group_strain(assets, recent, 12, assets["asset_id"].astype("string"))
    info = assets.assign(provider=provider_of(assets)).set_index("asset_id")
    for column in ("provider", "category", "cost_per_person_gbp"):
        table[column] = table["group"].map(info[column]).to_numpy()
    table["asset_id"] = table["group"]
    return table


def _spread(table: pd.DataFrame, mask: pd.Series, amount: float) -> pd.Series:
    """`amount` shared over the rows in `mask` by their stated capacity, else equally. Never by
    demand: the shares, shown to the place, would give each asset's exact count away (5 places
    split 11 to 3 told an auditor a hidden asset had 3 people)."""
    added = pd.Series(0.0, index=table.index)
    if not mask.any() or not amount:
        return added
    for weights in (table["capacity_per_month"], pd.Series(1.0, table.index)):
        w = weights.astype("Float64").fillna(0).where(mask, 0).astype(float)
        if w.sum() > 0:
            return added + amount * w / w.sum()
    return added


def scenario_assets(
    base: pd.DataFrame, scenario: Scenario, default_cost: float | None = None
) -> pd.DataFrame:
    """`scenario_base` with the capacity added (shared over the provider's or category's
    assets by their stated capacity; capacity added where none was stated makes one) and
    each asset's unit cost (`default_cost` where it states none). Exact; disclose with
    `scenario_spec(scenario.growth)`."""
    table = base.copy()
    added = pd.Series(0.0, index=table.index)
    for provider, amount in (scenario.added_at_provider or {}).items():
        added += _spread(table, table["provider"] == provider, amount)
    for category, amount in (scenario.added_at_category or {}).items():
        added += _spread(table, table["category"] == category, amount)
    table["added_per_month"] = added
    capacity = table["capacity_per_month"].astype("Float64")
    table["capacity_per_month"] = (
        capacity.fillna(0).add(added).where(capacity.notna() | (added > 0))
    )
    # an asset given a capacity only now counts towards strain
    newly = capacity.isna() & (added > 0)
    table["sent_stated"] = table["sent_stated"].where(~newly, table["sent"])
    cost = table["cost_per_person_gbp"].astype("Float64")
    table["unit_cost_gbp"] = cost if default_cost is None else cost.fillna(default_cost)
    return table


def scenario_rows(base: pd.DataFrame, scenario: Scenario, by: str) -> pd.DataFrame:
    """The scenario grouped by `provider` or `category`: exact counts of the last 12 months
    and the capacity a month after what is added. Disclose with `scenario_spec`, the assets
    (`scenario_assets`) as its basis."""
    table = scenario_assets(base, scenario)
    counts = ["sent", "sent_stated", *NOT_TAKEN_COLUMNS.values(), "not_taken", "started"]
    grouped = table.groupby(by)
    out = grouped[counts].sum()
    out["capacity_per_month"] = grouped["capacity_per_month"].sum(min_count=1).astype("Float64")
    out["added_per_month"] = grouped["added_per_month"].sum()
    out["assets"] = grouped["assets"].sum()
    out = out.rename_axis("group").reset_index()
    out["months"] = 12.0
    return out


def projected_starts(values: pd.DataFrame, growth: float = 0.0) -> pd.Series:
    """People who would start in the next 12 months, from a disclosed scenario table: demand
    grown, less those beyond capacity, times the share of people sent who started in the
    last 12 months (all from the counts shown)."""
    sent = values["sent"].astype("Float64")
    share = values["started"].astype("Float64") / sent.where(sent > 0)
    taken = sent * (1 + growth) - beyond_capacity(values, growth).fillna(0)
    return (taken.clip(lower=0) * share.fillna(0)).astype("Float64")


def beyond_capacity(values: pd.DataFrame, growth: float = 0.0) -> pd.Series:
    """People a year beyond stated capacity (who would wait or be turned away), from a
    disclosed scenario table: demand on assets stating a capacity, grown, less 12 months'
    capacity; NA where no capacity is stated or the demand is hidden."""
    demand = values["sent_stated"].astype("Float64") * (1 + growth)
    return (demand - values["capacity_per_month"].astype("Float64") * 12).clip(lower=0)


@dataclass(frozen=True)
class ScenarioHeadline:
    """A what-if's headline, from its disclosed provider table (`scenario_spec(growth,
    "provider")`): providers rated over 100%, people a year beyond capacity, and unfunded
    work (the total of the providers' positive gaps, £)."""

    over: int
    beyond: float
    unfunded_gbp: float

    def change_from(self, before: ScenarioHeadline) -> ScenarioHeadline:
        """Each figure less the one `before` (nothing changed)."""
        return ScenarioHeadline(
            over=self.over - before.over,
            beyond=self.beyond - before.beyond,
            unfunded_gbp=self.unfunded_gbp - before.unfunded_gbp,
        )


def scenario_headline(values: pd.DataFrame) -> ScenarioHeadline:
    """The headline of a disclosed what-if table by provider, from its cells as shown."""
    return ScenarioHeadline(
        over=int(ratings(values).str.startswith("over").sum()),
        beyond=float(values["beyond_capacity"].astype("Float64").fillna(0).sum()),
        unfunded_gbp=float(values["gap_gbp"].astype("Float64").fillna(0).clip(lower=0).sum()),
    )


def hidden_assets(values: pd.DataFrame) -> int:
    """The assets a disclosed what-if table by group leaves out of people beyond capacity and
    the value of work (1-7 people sent, hidden)."""
    return int(values["hidden_assets"].astype("Float64").fillna(0).sum())


def _by_asset(by: str, each: Callable[[pd.DataFrame], pd.Series]) -> Callable:
    """A group's figure summed over its assets as shown (the basis `assets`); NA where no
    asset has one."""

    def compute(shown: Shown) -> pd.Series:
        assets = shown.basis["assets"].values
        total = each(assets).groupby(assets[by].to_numpy()).sum(min_count=1)
        return shown.values["group"].map(total).astype("Float64")

    return compute


def scenario_spec(growth: float = 0.0, by: str | None = None) -> Spec:
    """`group_spec` over 12 months with demand grown and the people who started counted; by
    provider or category (`by`), with the figures worked out asset by asset from the assets
    as shown (the panel's basis `assets`, disclosed with `scenario_spec(growth)`): people
    beyond capacity, the assets left out of it (1-7 people sent, hidden), the value of the
    work of those who would start, and its gap against `funding_gbp` where the table has it."""
    spec = group_spec(growth=growth)
    derived = dict(spec.derived)
    if by is not None:
        derived |= {
            "beyond_capacity": Derived(
                _by_asset(by, lambda a: beyond_capacity(a, growth)), decimals=0
            ),
            "hidden_assets": Derived(
                _by_asset(by, lambda a: a["sent"].isna().astype("Float64")), decimals=0
            ),
            "value_gbp": Derived(
                _by_asset(
                    by,
                    lambda a: projected_starts(a, growth) * a["unit_cost_gbp"].astype("Float64"),
                ),
                decimals=0,
            ),
            "funding_gbp": Derived(lambda s: _money(s, "funding_gbp"), decimals=0),
            "gap_gbp": Derived(
                lambda s: s.values["value_gbp"].fillna(0) - s.values["funding_gbp"], decimals=0
            ),
        }
    return Spec(counts=(*spec.counts, "started"), derived=derived, judgements=spec.judgements)


def _money(shown: Shown, column: str) -> pd.Series:
    """A column of £ that is not person-level (funding received), shown to the pound; NA
    where the table has no such column."""
    if column not in shown.values:
        return pd.Series(pd.NA, index=shown.values.index, dtype="Float64")
    return shown.values[column].astype("Float64")


OWN_COUNTS = ("sent", "started", "waiting_list", "turned_away")
WHOLE_PERIOD = "Whole period"


def own_counts(activity: pd.DataFrame) -> pd.DataFrame:
    """The counts a provider already holds about the people sent to it: sent, started, put on
    a waiting list and turned away (full or not suitable), each month or quarter of
    `provider_activity` (all its assets together) and over the whole period (its last row), exact.
    Disclosed by `own_counts_spec`, at the level the viewer's role gives (`access`)."""
    together = activity[activity["asset_id"] == "all"]
    table = pd.DataFrame(
        {
            "label": together["label"].astype(str).to_numpy(),
            "sent": together["sent"].to_numpy(),
            "started": together["started"].to_numpy(),
            "waiting_list": together["waiting_list"].to_numpy(),
            "turned_away": (
                together["declined_full"] + together["declined_not_suitable"]
            ).to_numpy(),
        }
    )
    whole = pd.DataFrame([{"label": WHOLE_PERIOD, **table[list(OWN_COUNTS)].sum().to_dict()}])
    return pd.concat([table, whole], ignore_index=True).astype({c: "int64" for c in OWN_COUNTS})


def own_counts_spec() -> Spec:
    """Every column a count of people, each month's and the period's total disclosed on its
    own (no share or figure worked out from them)."""
    return Spec(counts=OWN_COUNTS)
