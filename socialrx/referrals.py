"""Referral flows: how many people were referred, from where, and whether they were connected.

Functions return raw counts; pages pass every person-level count through `socialrx.disclosure`.
"""

from __future__ import annotations

import pandas as pd

from socialrx import vocab
from socialrx.disclosure import Level, disclose_counts, disclosed_rate

NOT_CONNECTED = "not sent to an asset"


def connected_referrals(referrals: pd.DataFrame, connections: pd.DataFrame) -> pd.Series:
    """Mask of referrals with at least one connection the person started (attending, moved on
    or stopped): being sent somewhere is not the same as being connected."""
    started = (
        connections["outcome"].isin(vocab.CONNECTION_STARTED) | connections["started_date"].notna()
    )
    return referrals["referral_id"].isin(connections.loc[started, "referral_id"])


def monthly_referrals(referrals: pd.DataFrame) -> pd.DataFrame:
    """Referrals per calendar month (month as the first day), months with none included."""
    if referrals.empty:
        return pd.DataFrame({"month": pd.Series([], dtype="datetime64[ns]"), "referrals": []})
    month = referrals["referral_date"].dt.to_period("M")
    counts = month.value_counts().sort_index()
    full = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    counts = counts.reindex(full, fill_value=0)
    return pd.DataFrame({"month": full.to_timestamp(), "referrals": counts.to_numpy()})


def _disclosed_rates(table: pd.DataFrame, population: str, level: Level) -> pd.DataFrame:
    """Referral counts and their rate per 1,000 as they may be shown at `level`."""
    table["rate_per_1000"] = disclosed_rate(table["referrals"], table[population], level, 1000)
    table["referrals"] = disclose_counts(table["referrals"], level)
    return table


def referral_rate_per_1000(
    referrals: pd.DataFrame, practices: pd.DataFrame, level: Level = Level.OFF
) -> pd.DataFrame:
    """Referrals per 1,000 registered adults by practice (non-referrers too), disclosed at
    `level` and ranked by the disclosed rate, so a hidden count's rank gives nothing away."""
    counts = referrals["practice_code"].value_counts()
    table = practices[["practice_code", "name", "pcn_name", "list_size"]].copy()
    table["referrals"] = table["practice_code"].map(counts).fillna(0).astype(int)
    unknown = counts.drop(labels=table["practice_code"], errors="ignore").sum()
    if unknown:
        extra = {
            "practice_code": "(not in practices.csv)",
            "name": "",
            "pcn_name": "",
            "list_size": pd.NA,
            "referrals": int(unknown),
        }
        table = pd.concat([table, pd.DataFrame([extra])], ignore_index=True)
    table = _disclosed_rates(table, "list_size", level)
    ranked = table.sort_values(["rate_per_1000", "practice_code"], ascending=[False, True],
                               na_position="last")  # fmt: skip
    return ranked.reset_index(drop=True)


def referral_rate_by_area(
    referrals: pd.DataFrame, area_stats: pd.DataFrame, level: Level = Level.OFF
) -> pd.DataFrame:
    """Referrals and referrals per 1,000 adults for every area in area_stats, disclosed."""
    counts = referrals["area_code"].value_counts()
    table = area_stats[["area_code", "population_adult"]].copy()
    table["referrals"] = table["area_code"].map(counts).fillna(0).astype(int)
    return _disclosed_rates(table, "population_adult", level)


def referrals_by_deprivation(
    referrals: pd.DataFrame, area_stats: pd.DataFrame, level: Level = Level.OFF
) -> pd.DataFrame:
    """Referrals and adult population by IMD decile (1 = most deprived), with rate per 1,000.

    Referrals whose area has no decile are left out of this table (the loader lists them)."""
    deciles = area_stats.dropna(subset=["imd_decile"])
    population = deciles.groupby("imd_decile")["population_adult"].sum(min_count=1)
    decile_of = deciles.set_index("area_code")["imd_decile"]
    counts = referrals["area_code"].map(decile_of).dropna().astype(int).value_counts()
    table = pd.DataFrame({"imd_decile": range(1, 11)})
    table["referrals"] = table["imd_decile"].map(counts).fillna(0).astype(int)
    table["population_adult"] = table["imd_decile"].map(population)
    table = table[table["population_adult"].notna() | (table["referrals"] > 0)]
    return _disclosed_rates(table.reset_index(drop=True), "population_adult", level)


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
