"""Referral flows: how many people were referred, from where, and whether they were connected.

Every function returns exact figures with a `disclosure.Spec` saying which columns count
people and what rests on them; the one disclosure step is applied where they are drawn.
Rates are per 1,000 adults per year: adult referrals (an age band of 18 or over, or no age
recorded) over an adult population, annualised over the months chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialrx import vocab
from socialrx.disclosure import Rate, Share, Spec, Total

NOT_CONNECTED = "not sent to an asset"
CHILDREN = "0-17"
CONNECTION_WINDOW_DAYS = 90  # "connected within 90 days": the like-for-like share connected


def adults(referrals: pd.DataFrame) -> pd.DataFrame:
    """Referrals of adults (age band 18 or over, or not recorded): the numerator of a rate
    whose denominator is an adult population."""
    return referrals[referrals["age_band"].astype("string").fillna("") != CHILDREN]


def connected_referrals(referrals: pd.DataFrame, connections: pd.DataFrame) -> pd.Series:
    """Mask of referrals with at least one connection the person started (attending, moved on
    or stopped): being sent somewhere is not the same as being connected."""
    started = (
        connections["outcome"].isin(vocab.CONNECTION_STARTED) | connections["started_date"].notna()
    )
    return referrals["referral_id"].isin(connections.loc[started, "referral_id"])


def first_started(referrals: pd.DataFrame, connections: pd.DataFrame) -> pd.Series:
    """Each referral's first started connection (indexed like `referrals`; NaT where none).

    A connection dates from its start (started_date), or from when the person was sent
    (referred_date) where it was started but the start is not recorded."""
    started = connections[
        connections["outcome"].isin(vocab.CONNECTION_STARTED) | connections["started_date"].notna()
    ]
    began = started["started_date"].fillna(started["referred_date"])
    first = began.groupby(started["referral_id"]).min()
    return pd.Series(first.reindex(referrals["referral_id"]).to_numpy(), index=referrals.index)


def connected_within(
    referrals: pd.DataFrame,
    connections: pd.DataFrame | None,
    as_at: pd.Timestamp,
    days: int = CONNECTION_WINDOW_DAYS,
    first: pd.Series | None = None,
) -> dict[str, int]:
    """Referrals connected within `days` of referral, among those old enough to have had
    `days` by `as_at`; younger ones are counted as too recent to judge, not as unconnected.
    `first` (`first_started` of every referral, worked out once per dataset) spares matching
    the connections again on every choice."""
    when = first_started(referrals, connections) if first is None else first[referrals.index]
    eligible = referrals["referral_date"] + pd.Timedelta(days=days) <= as_at
    inside = (when - referrals["referral_date"]).dt.days <= days
    return {
        "referrals": len(referrals),
        "eligible": int(eligible.sum()),
        "connected": int((eligible & inside.fillna(False)).sum()),
        "too_recent": int((~eligible).sum()),
    }


CONNECTED_SPEC = Spec(
    counts=("referrals", "eligible", "connected", "too_recent"),
    shares={"connected_pct": Share("connected", "eligible")},
)


def monthly_referrals(referrals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp):
    """Referrals per calendar month of the period [start, end] (month as its first day), months
    with none included; `partial` marks a month the period only partly covers."""
    months = pd.period_range(start, end, freq="M")
    # months since 1970 in NumPy (a missing date far below): pandas' to_period took most of
    # a second over a million referrals
    dates = referrals["referral_date"].to_numpy(dtype="datetime64[ns]")
    month = dates.astype("datetime64[M]").astype(np.int64)
    first = months.asi8[0] if len(months) else 0
    inside = (month >= first) & (month < first + len(months))
    first_day, last_day = months.start_time, months.end_time.normalize()
    return pd.DataFrame(
        {
            "month": first_day,
            "referrals": np.bincount(month[inside] - first, minlength=len(months)),
            "partial": (first_day < start.normalize()) | (last_day > end.normalize()),
        }
    )


MONTHLY_SPEC = Spec(counts=("referrals",))
# the months and the period's total, added up from the months as shown: a total rounded on its
# own beside them could narrow a hidden month (or a hidden practice, sex or decile: they share
# the total)
PERIOD_SPEC = Spec(counts=("referrals",), totals={"all": Total("referrals")})


def practice_rates(
    referrals: pd.DataFrame, practices: pd.DataFrame, per_year: float
) -> pd.DataFrame:
    """Adult referrals by registered practice (non-referrers too) and per 1,000 registered
    adults (list size) a year; referrals from practices not among those loaded, or with none
    recorded, get a row of their own so none is lost."""
    codes = adults(referrals)["practice_code"]
    counts = codes.value_counts()
    table = practices[["practice_code", "name", "pcn_name", "list_size"]].copy()
    table["referrals"] = table["practice_code"].map(counts).fillna(0).astype(int)
    extra = []
    unknown = counts.drop(labels=table["practice_code"], errors="ignore").sum()
    if unknown:
        extra.append(("(not among the practices loaded)", unknown))
    if codes.isna().any():
        extra.append(("(no practice recorded)", codes.isna().sum()))
    if extra:
        rows = pd.DataFrame(extra, columns=["practice_code", "referrals"])
        table = pd.concat([table, rows.assign(name="", pcn_name="", list_size=pd.NA)])
    table = table.reset_index(drop=True).astype({"list_size": "Int64"})
    table["rate_per_1000"] = (
        table["referrals"] / table["list_size"].astype("Float64") * (1000 * per_year)
    )
    return table


def practice_spec(per_year: float, with_rate: bool = True) -> Spec:
    """Referral counts, and the rate from the disclosed count (ranked by it at the edge)."""
    rates = {"rate_per_1000": Rate("referrals", "list_size", 1000 * per_year)} if with_rate else {}
    return Spec(counts=("referrals",), rates=rates)


def area_rates(referrals: pd.DataFrame, area_stats: pd.DataFrame, per_year: float):
    """Adult referrals and referrals per 1,000 adult residents a year, for every area."""
    counts = adults(referrals)["area_code"].value_counts()
    table = area_stats[["area_code", "population_adult"]].copy()
    table["referrals"] = table["area_code"].map(counts).fillna(0).astype(int)
    table["rate_per_1000"] = (
        table["referrals"] / table["population_adult"].astype("Float64") * 1000 * per_year
    )
    return table


def area_spec(per_year: float) -> Spec:
    return Spec(
        counts=("referrals",),
        rates={"rate_per_1000": Rate("referrals", "population_adult", 1000 * per_year)},
    )


def first_sent(
    referrals: pd.DataFrame,
    sent: pd.DataFrame,
    assets: pd.DataFrame,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """For each referral (indexed like `referrals`), the asset category and outcome of the
    first connection it was sent to (earliest referred_date, then asset_id): "unknown asset"
    and "outcome not recorded" where blank; never sent: category `NOT_CONNECTED`, outcome
    None. `sent`: the connections of these referrals (and perhaps others); `rows`: each
    connection's position in `referrals` (-1 for none), where already worked out."""
    if rows is None:
        rows = pd.Index(referrals["referral_id"]).get_indexer(sent["referral_id"])
    rows = np.asarray(rows)
    # sorted as sort_values(["referred_date", "asset_id"], kind="stable") sorts (blanks last),
    # on whole numbers: sorting a million rows by their strings took most of a second
    dates = sent["referred_date"].to_numpy(dtype="datetime64[ns]")
    when = np.where(np.isnat(dates), np.iinfo(np.int64).max, dates.view(np.int64))
    codes, uniques = pd.factorize(sent["asset_id"], use_na_sentinel=True)
    uniques = pd.Series(np.asarray(uniques, dtype=object))
    rank = np.empty(len(uniques) + 1, dtype=np.int64)
    rank[np.argsort(uniques.to_numpy(), kind="stable")] = np.arange(len(uniques))
    rank[-1] = len(uniques)  # code -1 (no asset_id) last
    order = np.lexsort((rank[codes], when))
    placed = rows[order]
    placed_rows, first_at = np.unique(placed[placed >= 0], return_index=True)
    first = order[np.flatnonzero(placed >= 0)[first_at]]  # each referral's first connection
    category_of = uniques.map(assets.set_index("asset_id")["category"]).astype(object)
    category_of = np.append(category_of.fillna("unknown asset").to_numpy(), "unknown asset")
    category = np.full(len(referrals), NOT_CONNECTED, dtype=object)
    category[placed_rows] = category_of[codes[first]]
    outcome = np.full(len(referrals), None, dtype=object)
    outcome[placed_rows] = (
        sent["outcome"].iloc[first].astype(object).fillna("outcome not recorded").to_numpy()
    )
    return pd.DataFrame({"category": category, "outcome": outcome}, index=referrals.index)


def pathway_flows(referrals: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """Links for a Sankey counting referrals throughout: referrer type -> category of the
    asset first sent to -> what happened there. `first`: `first_sent` of these referrals (or
    of every referral, worked out once per dataset); referrals never sent anywhere flow to
    `not sent to an asset`, so the first column's boxes are the referrals."""
    first = first.loc[referrals.index]
    found = (first["category"] != NOT_CONNECTED).to_numpy()
    referrer = _coded(referrals["referrer_type"], "not recorded")
    category = _coded(first["category"])
    outcome = _coded(first["outcome"])
    step1 = _pairs(referrer, category, "referrer", "category")
    step2 = _pairs(*((codes[found], values) for codes, values in (category, outcome)),
                   "category", "outcome")  # fmt: skip
    links = pd.concat(
        [
            step1.rename(columns={"referrer": "source", "category": "target"}).assign(step=1),
            step2.rename(columns={"category": "source", "outcome": "target"}).assign(step=2),
        ],
        ignore_index=True,
    )
    return links[["step", "source", "target", "count"]]


def _coded(values: pd.Series, blank: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Whole-number codes (-1 where blank, or `blank`'s code) and the distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if blank is None or not (codes < 0).any():
        return codes, uniques
    merged, named = pd.factorize(np.append(uniques, blank))  # `blank` may be a value too
    return merged[np.where(codes < 0, len(uniques), codes)], np.asarray(named, dtype=object)


def _pairs(left: tuple, right: tuple, first: str, second: str) -> pd.DataFrame:
    """How many rows hold each pair of values seen (blank ones left out), sorted by the
    pair, as a groupby's size gives them; `left`, `right`: `_coded` values, counted on their
    codes, not as strings a row."""
    (left_codes, left_values), (right_codes, right_values) = left, right
    both = (left_codes >= 0) & (right_codes >= 0)
    width = max(len(right_values), 1)
    counts = np.bincount(left_codes[both] * width + right_codes[both],
                         minlength=len(left_values) * width)  # fmt: skip
    seen = np.flatnonzero(counts)
    pairs = pd.DataFrame({
        first: left_values[seen // width],
        second: right_values[seen % width],
        "count": counts[seen].astype(np.int64),
    })  # fmt: skip
    return pairs.sort_values([first, second], kind="stable").reset_index(drop=True)


def pathway_nodes(links: pd.DataFrame) -> pd.DataFrame:
    """The Sankey's boxes (column 1 referrer, 2 asset category, 3 outcome) from the links as
    disclosed: for each, the flows drawn into it (`into`) and out of it (`out`) summed, NA
    where it has none on that side. Hidden flows (NA) are not drawn and not counted, so a box
    tells no more than its bands: a total disclosed on its own beside them would narrow a
    hidden flow (a box of 25 beside a band of 20 leaves it 3-7, not 1-7)."""
    drawn = links.dropna(subset=["count"])
    drawn = drawn[drawn["count"] > 0]
    first, second = drawn[drawn["step"] == 1], drawn[drawn["step"] == 2]
    sides = {
        1: (None, first.groupby("source")["count"].sum()),
        2: (first.groupby("target")["count"].sum(), second.groupby("source")["count"].sum()),
        3: (second.groupby("target")["count"].sum(), None),
    }
    frames = []
    for column, (into, out) in sides.items():
        names = pd.Index([]).append([s.index for s in (into, out) if s is not None]).unique()
        frames.append(
            pd.DataFrame(
                {
                    "column": column,
                    "name": names,
                    "into": (into.reindex(names) if into is not None else pd.NA),
                    "out": (out.reindex(names) if out is not None else pd.NA),
                }
            )
        )
    nodes = pd.concat(frames, ignore_index=True)
    return nodes.astype({"into": "Float64", "out": "Float64"})


PATHWAY_SPEC = Spec(counts=("count",))
