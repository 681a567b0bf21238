"""Referral flows: how many people were referred, from where, and whether they were connected.

Functions return raw counts; pages pass every person-level count through `socialrx.disclosure`.
"""

from __future__ import annotations

import pandas as pd

from socialrx import vocab
from socialrx.disclosure import Level, disclose_counts, disclosed_rate

NOT_CONNECTED = "not sent to an asset"
# What each rate rests on: a blank rate is hidden only where these counts are.
PRACTICE_RESTING_ON = {"rate_per_1000": ("referrals",)}
DECILE_DISCLOSED = ["referrals", "share_pct", "referrals_with_population", "rate_per_1000"]
DECILE_RESTING_ON = {
    "share_pct": ("referrals",),
    "rate_per_1000": ("referrals_with_population",),
}


def connected_referrals(referrals: pd.DataFrame, connections: pd.DataFrame) -> pd.Series:
    """Mask of referrals with at least one connection the person started (attending, moved on
    or stopped): being sent somewhere is not the same as being connected."""
    started = (
        connections["outcome"].isin(vocab.CONNECTION_STARTED) | connections["started_date"].notna()
    )
    return referrals["referral_id"].isin(connections.loc[started, "referral_id"])


def monthly_referrals(
    referrals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, level: Level
) -> pd.DataFrame:
    """Referrals per calendar month of the period [start, end] (month as its first day), months
    with none included, disclosed at `level`; `partial` marks a first or last month the period
    only partly covers."""
    months = pd.period_range(start, end, freq="M")
    counts = referrals["referral_date"].dt.to_period("M").value_counts()
    first_day, last_day = months.start_time, months.end_time.normalize()
    return pd.DataFrame(
        {
            "month": first_day,
            "referrals": disclose_counts(counts.reindex(months, fill_value=0), level).to_numpy(),
            "partial": (first_day < start.normalize()) | (last_day > end.normalize()),
        }
    )


def _disclosed_rates(table: pd.DataFrame, population: str, level: Level) -> pd.DataFrame:
    """Referral counts and their rate per 1,000 as they may be shown at `level`."""
    table["rate_per_1000"] = disclosed_rate(table["referrals"], table[population], level, 1000)
    table["referrals"] = disclose_counts(table["referrals"], level)
    return table


def referral_rate_per_1000(
    referrals: pd.DataFrame, practices: pd.DataFrame, level: Level, per_registered: bool = True
) -> pd.DataFrame:
    """Referrals per 1,000 registered adults by practice (non-referrers too), disclosed at
    `level` and ranked by the disclosed rate, so a hidden count's rank gives nothing away.

    `per_registered=False` leaves the rate out (referrals chosen by area of residence are not
    a practice's whole list) and ranks by referrals."""
    codes = referrals["practice_code"]
    counts = codes.value_counts()
    table = practices[["practice_code", "name", "pcn_name", "list_size"]].copy()
    table["referrals"] = table["practice_code"].map(counts).fillna(0).astype(int)
    extra = []
    unknown = counts.drop(labels=table["practice_code"], errors="ignore").sum()
    if unknown:
        extra.append(("(not in practices.csv)", unknown))
    if codes.isna().any():
        extra.append(("(no practice recorded)", codes.isna().sum()))
    if extra:
        rows = pd.DataFrame(extra, columns=["practice_code", "referrals"])
        table = pd.concat([table, rows.assign(name="", pcn_name="", list_size=pd.NA)])
    if not per_registered:
        table["referrals"] = disclose_counts(table["referrals"], level)
        ranked = table.sort_values(["referrals", "practice_code"], ascending=[False, True],
                                   na_position="last")  # fmt: skip
        return ranked.reset_index(drop=True)
    table = _disclosed_rates(table.reset_index(drop=True), "list_size", level)
    ranked = table.sort_values(["rate_per_1000", "practice_code"], ascending=[False, True],
                               na_position="last")  # fmt: skip
    return ranked.reset_index(drop=True)


def referral_rate_by_area(
    referrals: pd.DataFrame, area_stats: pd.DataFrame, level: Level
) -> pd.DataFrame:
    """Referrals and referrals per 1,000 adults for every area in area_stats, disclosed."""
    counts = referrals["area_code"].value_counts()
    table = area_stats[["area_code", "population_adult"]].copy()
    table["referrals"] = table["area_code"].map(counts).fillna(0).astype(int)
    return _disclosed_rates(table, "population_adult", level)


def referrals_by_deprivation(
    referrals: pd.DataFrame, area_stats: pd.DataFrame, level: Level
) -> pd.DataFrame:
    """Referrals by IMD decile (1 = most deprived) of the area of residence: the count, the
    share of all those referrals, and the rate per 1,000 adults living in the decile.

    The rate counts only areas with a population, so referrals from an area without one do
    not inflate it; referrals whose area has no decile are left out (the loader lists them)."""
    deciles = area_stats.dropna(subset=["imd_decile"])
    decile_of = deciles.set_index("area_code")["imd_decile"]
    with_population = set(deciles.loc[deciles["population_adult"].notna(), "area_code"])
    decile = referrals["area_code"].map(decile_of).dropna().astype(int)
    counted = decile[referrals.loc[decile.index, "area_code"].isin(with_population)]
    table = pd.DataFrame({"imd_decile": range(1, 11)})
    table["referrals"] = table["imd_decile"].map(decile.value_counts()).fillna(0).astype(int)
    table["share_pct"] = disclosed_rate(
        table["referrals"], [len(decile)] * len(table), level, 100
    ).to_numpy()
    table["referrals_with_population"] = (
        table["imd_decile"].map(counted.value_counts()).fillna(0).astype(int)
    )
    table["population_adult"] = table["imd_decile"].map(
        deciles.groupby("imd_decile")["population_adult"].sum(min_count=1)
    )
    table = table[table["population_adult"].notna() | (table["referrals"] > 0)]
    table = table.reset_index(drop=True)
    table["rate_per_1000"] = disclosed_rate(
        table["referrals_with_population"], table["population_adult"], level, 1000
    )
    for column in ("referrals", "referrals_with_population"):
        table[column] = disclose_counts(table[column], level)
    return table


def pathways(
    referrals: pd.DataFrame, connections: pd.DataFrame, assets: pd.DataFrame, level: Level
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Sankey's links and nodes, each count disclosed on its own at `level`."""
    links = pathway_flows(referrals, connections, assets)
    nodes = pathway_nodes(links, level)
    return links.assign(count=disclose_counts(links["count"], level)), nodes


def pathway_flows(
    referrals: pd.DataFrame, connections: pd.DataFrame, assets: pd.DataFrame
) -> pd.DataFrame:
    """Links for a Sankey: referrer type -> category of asset sent to -> outcome there.

    A person sent to several assets counts once per connection in the second and third steps;
    referrals never sent anywhere flow to `not sent to an asset`."""
    conns = connections[connections["referral_id"].isin(referrals["referral_id"])]
    category = (
        conns["asset_id"].map(assets.set_index("asset_id")["category"]).fillna("unknown asset")
    )
    referrer = referrals.set_index("referral_id")["referrer_type"].fillna("not recorded")
    first = pd.DataFrame(
        {
            "source": conns["referral_id"].map(referrer).to_numpy(),
            "target": category.to_numpy(),
        }
    )
    unsent = referrals.loc[~referrals["referral_id"].isin(conns["referral_id"]), "referrer_type"]
    first = pd.concat(
        [first, pd.DataFrame({"source": unsent.fillna("not recorded"), "target": NOT_CONNECTED})]
    )
    second = pd.DataFrame(
        {
            "source": category.to_numpy(),
            "target": conns["outcome"].fillna("outcome not recorded").to_numpy(),
        }
    )
    links = pd.concat([first.assign(step=1), second.assign(step=2)])
    return (
        links.groupby(["step", "source", "target"], observed=True)
        .size()
        .rename("count")
        .reset_index()
    )


def pathway_nodes(links: pd.DataFrame, level: Level) -> pd.DataFrame:
    """The Sankey's nodes (column 1 referrer, 2 asset category, 3 outcome) with their totals
    computed from the exact link counts and disclosed on their own, as totals must be."""
    first, second = links[links["step"] == 1], links[links["step"] == 2]
    columns = (
        (1, first.groupby("source")["count"].sum()),
        (2, first.groupby("target")["count"].sum()),
        (3, second.groupby("target")["count"].sum()),
    )
    nodes = pd.concat(
        [
            pd.DataFrame({"column": column, "name": totals.index, "count": totals.to_numpy()})
            for column, totals in columns
        ],
        ignore_index=True,
    )
    nodes["count"] = disclose_counts(nodes["count"], level)
    return nodes
