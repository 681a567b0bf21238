"""Capacity strain: demand sent to each asset against the capacity its provider states.

Demand is every connection sent to the asset, including people turned away or waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialrx.disclosure import BORDERLINE, Judgement, Rate, Share, Spec

TURNED_AWAY = ("waiting list", "declined by provider (full)")


def capacity_strain(assets: pd.DataFrame, connections: pd.DataFrame, months: float):
    """Per asset, exact: people sent in the period (connections), those put on a waiting list
    or turned away as full, capacity per month and cost per person. The figures resting on
    these counts (demand a month, strain, over capacity, cost) are in `strain_spec`."""
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
    spec = strain_spec(months)
    for column, rate in spec.rates.items():
        table[column] = _rate(table, rate)
    table["over_capacity"] = spec.judgements["over_capacity"].decide(table, table["connections"])
    return table.sort_values(["strain_pct", "connections"], ascending=False, na_position="last",
                             kind="stable").reset_index(drop=True)  # fmt: skip


def _rate(table: pd.DataFrame, rate: Rate) -> pd.Series:
    """A rate on exact figures, the same arithmetic the disclosure step does on shown ones."""
    denominator = 1.0 if rate.denominator is None else table[rate.denominator].astype("Float64")
    if rate.denominator is not None:
        denominator = denominator.where(denominator > 0)
    value = table[rate.numerator] / denominator * rate.per
    return value * table[rate.times].astype("Float64") if rate.times else value


def strain_spec(months: float) -> Spec:
    """Demand a month, strain (demand / capacity, %), cost and the over-capacity judgement.

    Capacity is people a month: a period under a month is held to one month's capacity, not
    scaled up (five people sent in a week do not fill a capacity of nine a month). A stated
    capacity of 0 with anyone sent is over; no capacity stated, nothing to judge."""
    months = max(months, 1.0)

    def over(table: pd.DataFrame, people: pd.Series) -> pd.Series:
        capacity = table["capacity_per_month"].astype("Float64")
        return (people.astype("Float64") / months > capacity).astype("boolean")

    return Spec(
        counts=("connections", "turned_away_or_waiting"),
        rates={
            "demand_per_month": Rate("connections", per=1 / months),
            "strain_pct": Rate("connections", "capacity_per_month", 100 / months, decimals=0),
            "cost_of_demand_gbp": Rate("connections", times="cost_per_person_gbp", decimals=0),
        },
        judgements={"over_capacity": Judgement("connections", over)},
    )


@dataclass(frozen=True)
class CapacitySummary:
    """The capacity page's headline: assets over capacity and those that cannot be judged
    (a capacity stated, demand hidden), assets stating a capacity, and the cost of demand
    with the assets it leaves out (a unit cost, demand hidden)."""

    over: int
    undecided: int
    stated: int
    cost_gbp: float
    uncosted: int


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


def summarise(shown: pd.DataFrame, marks: pd.DataFrame) -> CapacitySummary:
    """The headline figures of a disclosed strain table (`strain_spec().disclose(...)`): only
    what the table itself shows, so the headline cannot say more than its rows."""
    return CapacitySummary(
        over=int(shown["over_capacity"].fillna(False).sum()),
        undecided=int((marks["over_capacity"] == BORDERLINE).sum()),
        stated=int(shown["capacity_per_month"].notna().sum()),
        cost_gbp=float(shown["cost_of_demand_gbp"].sum()),
        uncosted=int((shown["cost_per_person_gbp"].notna() & (marks["connections"] != "")).sum()),
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
BANDS = (85.0, 100.0)  # strain under 85%, 85-100%, over 100%
RATINGS = (
    "over 100%",
    "borderline: about 100%",
    "85-100%",
    "borderline: about 85%",
    "under 85%",
    "over 100% (capacity 0)",
    "capacity not stated",
)
SEVERITY = {  # for sorting: most strained first
    "over 100% (capacity 0)": 7,
    "over 100%": 6,
    "borderline: about 100%": 5,
    "85-100%": 4,
    "borderline: about 85%": 3,
    "under 85%": 2,
    "capacity 0, nobody sent": 1,
    "capacity not stated": 0,
}
NO_ORGANISATION = "(no organisation recorded)"


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


def group_strain(
    assets: pd.DataFrame,
    connections: pd.DataFrame,
    months: float,
    by: pd.Series,
    names: pd.Series | None = None,
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Demand against stated capacity for groups of assets (providers, categories, areas),
    exact: `by` gives each asset's group. Strain rests on the demand on assets that state a
    capacity (`sent_stated`), so an asset with no capacity stated neither adds demand nor
    capacity to it; a group with no capacity stated has none. `counts` (`asset_counts` of
    the connections) saves counting again for each grouping. See `group_spec`."""
    counts = asset_counts(connections) if counts is None else counts
    ids = assets["asset_id"].astype("string")
    per = counts.reindex(pd.Index(ids)).fillna(0).astype("int64").reset_index(drop=True)
    stated = assets["capacity_per_month"].notna().to_numpy()
    per["sent_stated"] = per["sent"].where(stated, 0)
    per["_group"] = by.to_numpy()
    per["asset_id"] = ids.to_numpy()
    per["capacity_per_month"] = assets["capacity_per_month"].astype("Float64").to_numpy()
    grouped = per.groupby("_group", dropna=True)
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
    table["months"] = max(months, 1.0)
    return table


def group_spec(months: float, growth: float = 0.0) -> Spec:
    """Demand a month, strain and the two judgements that rate it (at least 85%, over 100%)
    for `group_strain` tables; `growth` scales demand (0.1 = 10% more) for what-if tables."""
    months = max(months, 1.0)
    factor = 1.0 + growth

    def judge(threshold: float, strictly: bool):
        def decide(table: pd.DataFrame, people: pd.Series) -> pd.Series:
            capacity = table["capacity_per_month"].astype("Float64")
            demand = people.astype("Float64") * factor / months
            limit = capacity * threshold / 100
            answer = demand > limit if strictly else demand >= limit
            # a capacity of 0 with nobody sent is no strain, not 85%
            answer = answer.mask((capacity == 0) & (people.astype("Float64") == 0), False)
            return answer.astype("boolean")

        return decide

    return Spec(
        counts=("sent", "sent_stated", *NOT_TAKEN_COLUMNS.values(), "not_taken"),
        rates={
            "demand_per_month": Rate("sent", per=factor / months),
            "strain_pct": Rate(
                "sent_stated", "capacity_per_month", 100 * factor / months, decimals=0
            ),
        },
        judgements={
            "at_least_85": Judgement("sent_stated", judge(BANDS[0], strictly=False)),
            "over_100": Judgement("sent_stated", judge(BANDS[1], strictly=True)),
        },
    )


def ratings(values: pd.DataFrame, marks: pd.DataFrame) -> pd.Series:
    """Strain in words from a disclosed `group_spec` table: under 85%, 85-100%, over 100%,
    "borderline" where the rounding leaves the band open, "capacity not stated". Worked out
    from the disclosed judgements only, so it says no more than they do."""
    capacity = values["capacity_per_month"].astype("Float64")
    over, at_least = values["over_100"].astype("boolean"), values["at_least_85"].astype("boolean")
    rating = pd.Series("under 85%", index=values.index, dtype=object)
    rating[(at_least == True).fillna(False)] = "85-100%"  # noqa: E712
    rating[(marks["at_least_85"] == BORDERLINE).to_numpy()] = "borderline: about 85%"
    rating[(marks["over_100"] == BORDERLINE).to_numpy()] = "borderline: about 100%"
    rating[(over == True).fillna(False)] = "over 100%"  # noqa: E712
    zero = (capacity == 0).fillna(False)
    rating[zero & (over == True).fillna(False)] = "over 100% (capacity 0)"  # noqa: E712
    rating[zero & (over == False).fillna(False)] = "capacity 0, nobody sent"  # noqa: E712
    rating[capacity.isna().to_numpy()] = "capacity not stated"
    return rating


# ---------------------------------------------------------------------------------------------
# One provider over time.


def month_index(dates: pd.Series) -> np.ndarray:
    """Months as integers (year * 12 + month - 1), -1 where there is no date: fast to group."""
    values = dates.to_numpy(dtype="datetime64[M]")
    out = values.astype("int64") + 1970 * 12
    return np.where(np.isnat(values), -1, out)


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
    (still attending, or moved on), against the capacity stated for those months; one row per
    asset and one for all its assets together (asset_id "all"). See `activity_spec`."""
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
    table["capacity"] = table["capacity_per_month"] * table["months"]
    table["not_taken"] = table[list(NOT_TAKEN_COLUMNS.values())].sum(axis=1)
    table["name"] = table["name"].astype("string")
    return table.sort_values(
        ["bucket", "asset_id"],
        key=lambda s: s if s.name == "bucket" else s.ne("all"),
        kind="stable",
    ).reset_index(drop=True)


def activity_spec() -> Spec:
    """Counts of `provider_activity`, strain (people sent / capacity for the months, %),
    over capacity (judged as in `strain_spec`), and the shares who started and stayed."""

    def over(table: pd.DataFrame, people: pd.Series) -> pd.Series:
        return (people.astype("Float64") > table["capacity"].astype("Float64")).astype("boolean")

    return Spec(
        counts=(
            "sent",
            "sent_stated",
            *NOT_TAKEN_COLUMNS.values(),
            "not_taken",
            "started",
            "stayed",
        ),
        rates={
            "demand_per_month": Rate("sent", "months"),
            "strain_pct": Rate("sent_stated", "capacity", 100, decimals=0),
        },
        shares={
            "started_pct": Share("started", "sent"),
            "stayed_pct": Share("stayed", "started"),
        },
        judgements={"over_capacity": Judgement("sent_stated", over)},
    )


def mostly_hidden(counts: pd.Series, small: int = 7) -> bool:
    """Whether most of a provider's monthly counts would be hidden (1-`small` people): then
    quarters show more than months do."""
    counts = pd.Series(counts)
    return bool(len(counts)) and float(((counts >= 1) & (counts <= small)).mean()) > 0.5


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
    return counts.astype({"sent": "int64"})


# ---------------------------------------------------------------------------------------------
# What if: next 12 months from the last 12, with growth, added capacity and moved funding.


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
    """`amount` shared over the rows in `mask` by their stated capacity (else by demand, else
    equally)."""
    added = pd.Series(0.0, index=table.index)
    if not mask.any() or not amount:
        return added
    for weights in (table["capacity_per_month"], table["sent"], pd.Series(1.0, table.index)):
        w = weights.astype("Float64").fillna(0).where(mask, 0).astype(float)
        if w.sum() > 0:
            return added + amount * w / w.sum()
    return added


def scenario_assets(base: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """`scenario_base` with the capacity added (shared over the provider's or category's
    assets by their stated capacity; capacity added where none was stated makes one).
    Exact; disclose with `scenario_spec(scenario.growth)`."""
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
    return table


def scenario_rows(base: pd.DataFrame, scenario: Scenario, by: str) -> pd.DataFrame:
    """The scenario grouped by `provider` or `category`: exact counts of the last 12 months
    and the capacity a month after what is added. Disclose with `scenario_spec`."""
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


def scenario_spec(growth: float = 0.0) -> Spec:
    """`group_spec` over 12 months with demand grown, and the people who started counted."""
    spec = group_spec(12, growth)
    return Spec(counts=(*spec.counts, "started"), rates=spec.rates, judgements=spec.judgements)


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
    counts=("sent_stated",),
    rates={"strain_pct": Rate("sent_stated", "capacity_per_month", 100, decimals=0)},
)


def strain_trend(shown: pd.DataFrame, by: str = "month") -> str:
    """The trend of a provider's strain in words, from a disclosed `provider_activity` table
    (its "all" rows): the last 3 months (2 quarters) against the same span before, "" when
    either span has a hidden count or no capacity."""
    rows = shown[shown["asset_id"] == "all"]
    span = 3 if by == "month" else 2
    if len(rows) < 2 * span:
        return ""
    last, before = rows.iloc[-span:], rows.iloc[-2 * span : -span]

    def strain(part: pd.DataFrame) -> float | None:
        sent, room = part["sent_stated"].astype("Float64"), part["capacity"].astype("Float64")
        if sent.isna().any() or room.isna().any() or float(room.sum()) <= 0:
            return None
        return float(sent.sum()) / float(room.sum()) * 100

    now, then = strain(last), strain(before)
    if now is None or then is None:
        return ""
    way = "rising" if now - then >= 5 else "falling" if then - now >= 5 else "about level"
    unit = "months" if by == "month" else "quarters"
    return (
        f"Strain in the last {span} {unit}: {now:,.0f}%, against {then:,.0f}% in the {span} "
        f"before ({way})."
    )
