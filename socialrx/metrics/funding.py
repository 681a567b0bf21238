"""Funding follows the referral: what the work VCS providers are sent is worth, against the
money they receive for social prescribing; and what the link-worker service costs.

Everything here is exact. The figures resting on counts of people are described by the specs
(`WORK_SPEC`, `CASELOAD_SPEC`, `WAIT_SPEC`, `CONNECTED_SPEC`) and disclosed by the views; the
value of work is worked out from the disclosed count of people who started, asset by asset
(`value_by_provider_year`), so it says no more than the counts shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialrx.disclosure import Rate, Spec, Statistic
from socialrx.metrics.capacity import NOT_TAKEN, month_index, named, periods, provider_of
from socialrx.metrics.referrals import connected_referrals

DEFAULT_COST_GBP = 100.0  # a unit cost for assets that state none: the user sets it
DEFAULT_SALARY_GBP = 38_000.0  # a link worker's yearly cost (salary and on-costs): the user sets it
_YEAR = re.compile(r"^\s*(?:FY\s*)?(\d{4}|\d{2})\s*[/-]\s*(\d{2})\s*$", re.IGNORECASE)


def financial_year_start(text) -> pd.Timestamp | None:
    """1 April of a financial year written `2024/25`, `2024-25` or `FY24/25` (the forms the
    data contract accepts); None for anything else (`2024`, `2024/26`, blank)."""
    if text is None or pd.isna(text):
        return None
    match = _YEAR.match(str(text))
    if not match:
        return None
    first, second = match.groups()
    year = int(first) if len(first) == 4 else 2000 + int(first)
    if (year + 1) % 100 != int(second) or not 1900 <= year <= 2100:
        return None
    return pd.Timestamp(year=year, month=4, day=1)


def financial_year_label(start_year: int) -> str:
    """`2024/25` for the year starting 1 April 2024."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def financial_years_in(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The financial years (April to March) the period [start, end] touches, with how many
    of the period's months fall in each (a month the data end inside counts its share): the
    pro rata share of a year's funding."""
    months = periods(start, end, "month")
    year = months["period"].dt.year - (months["period"].dt.month < 4)
    counted = months["months"].groupby(year.to_numpy()).sum().sort_index()
    return pd.DataFrame(
        {
            "financial_year": [financial_year_label(y) for y in counted.index],
            "year_start": [pd.Timestamp(year=y, month=4, day=1) for y in counted.index],
            "months_in_period": counted.to_numpy(dtype=float),
        }
    )


def _year_of(dates: pd.Series) -> pd.Series:
    """The financial year each date falls in, as the year it starts (2024 for 2024/25)."""
    return dates.dt.year - (dates.dt.month < 4)


@dataclass
class FundingCheck:
    """What was left out of the funding table and why: a planner reads these as notes."""

    bad_years: list[str] = field(default_factory=list)
    negative: int = 0
    no_assets: list[str] = field(default_factory=list)
    unmarked: int = 0
    not_for_sp: int = 0

    def notes(self) -> list[str]:
        notes = []
        if self.bad_years:
            shown = ", ".join(sorted(set(self.bad_years))[:5])
            notes.append(
                f"{len(self.bad_years):,} funding row(s) left out: the financial year ({shown}) is "
                "not written as 2024/25 (April to March)."
            )
        if self.negative:
            notes.append(
                f"{self.negative:,} funding row(s) left out: a negative amount is not money "
                "received (record a repayment against the year it reduces)."
            )
        if self.no_assets:
            shown = ", ".join(sorted(self.no_assets)[:5])
            more = f" and {len(self.no_assets) - 5:,} more" if len(self.no_assets) > 5 else ""
            notes.append(
                f"Funding for {len(self.no_assets):,} organisation(s) with no assets here "
                f"({shown}{more}) is not set against any demand: add their assets to "
                "assets.csv, or check the organisation_id."
            )
        if self.unmarked:
            notes.append(
                f"{self.unmarked:,} funding row(s) do not say whether they are for social "
                "prescribing (for_social_prescribing blank): counted as other funding."
            )
        return notes


def funding_received(
    funding: pd.DataFrame,
    providers: pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> tuple[pd.DataFrame, FundingCheck]:
    """Money received per provider and financial year, pro rata for the part of each year
    the period covers: for social prescribing, and other. `providers` are the providers
    looked at (their funding only). Rows with a year in the wrong form or a negative amount
    are left out and counted in the check, never summed."""
    check = FundingCheck()
    years = financial_years_in(start, end)
    columns = ["provider", "financial_year", "funded_sp_gbp", "funded_other_gbp"]
    if funding.empty or years.empty:
        return pd.DataFrame(columns=columns), check
    funding = funding.copy()
    starts = funding["financial_year"].map(financial_year_start)
    bad = starts.isna()
    check.bad_years = funding.loc[bad, "financial_year"].astype(str).tolist()
    amount = pd.to_numeric(funding["amount_gbp"], errors="coerce")
    negative = (amount < 0).fillna(False) & ~bad
    check.negative = int(negative.sum())
    funding = funding[~bad & ~negative & amount.notna()].copy()
    funding["financial_year"] = [financial_year_label(s.year) for s in starts[funding.index]]
    funding["amount_gbp"] = amount[funding.index].astype(float)
    known = set(providers.astype(str))
    check.no_assets = sorted(set(funding["organisation_id"].astype(str)) - known)
    marked = funding["for_social_prescribing"].astype("boolean")
    check.unmarked = int(marked.isna().sum())
    funding["sp"] = marked.fillna(False).astype(bool)
    funding = funding[funding["organisation_id"].astype(str).isin(known)]
    funding = funding.merge(years[["financial_year", "months_in_period"]], on="financial_year")
    funding["pro_rata"] = funding["amount_gbp"] * funding["months_in_period"] / 12
    funding["provider"] = funding["organisation_id"].astype(str)
    table = (
        funding.assign(
            funded_sp_gbp=funding["pro_rata"].where(funding["sp"], 0.0),
            funded_other_gbp=funding["pro_rata"].where(~funding["sp"], 0.0),
        )
        .groupby(["provider", "financial_year"], as_index=False)[
            ["funded_sp_gbp", "funded_other_gbp"]
        ]
        .sum()
    )
    return table, check


def work_by_asset_year(
    assets: pd.DataFrame,
    connections: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    default_cost: float = DEFAULT_COST_GBP,
) -> pd.DataFrame:
    """Per asset and financial year, exact: people sent in the period, those not taken
    (waiting list or turned away), those who started, and the unit cost (the asset's cost
    per person where stated, else `default_cost`, marked as assumed). See `WORK_SPEC`."""
    ids = set(assets["asset_id"])
    sent = connections[
        connections["asset_id"].isin(ids) & connections["referred_date"].between(start, end)
    ]
    frame = pd.DataFrame(
        {
            "asset_id": sent["asset_id"].astype("string").to_numpy(),
            "financial_year": _year_of(sent["referred_date"]).to_numpy(),
            "not_taken": sent["outcome"].isin(NOT_TAKEN).fillna(False).to_numpy(),
            "started": sent["started_date"].notna().to_numpy(),
        }
    )
    grouped = frame.groupby(["asset_id", "financial_year"])
    table = pd.DataFrame({"sent": grouped.size()}).join(grouped[["not_taken", "started"]].sum())
    table = table.astype("int64").reset_index()
    labels = {y: financial_year_label(int(y)) for y in table["financial_year"].unique()}
    table["financial_year"] = table["financial_year"].map(labels)
    info = assets.assign(provider=provider_of(assets)).set_index("asset_id")
    table = table.join(info[["provider", "name", "cost_per_person_gbp"]], on="asset_id")
    stated = table["cost_per_person_gbp"].astype("Float64")
    table["cost_assumed"] = stated.isna().to_numpy()
    table["unit_cost_gbp"] = stated.fillna(float(default_cost)).astype(float)
    return table.drop(columns="cost_per_person_gbp")


WORK_SPEC = Spec(
    counts=("sent", "not_taken", "started"),
    rates={
        "value_taken_gbp": Rate("started", times="unit_cost_gbp", decimals=0),
        "value_sent_gbp": Rate("sent", times="unit_cost_gbp", decimals=0),
        "value_not_taken_gbp": Rate("not_taken", times="unit_cost_gbp", decimals=0),
    },
)
VALUES = ("value_taken_gbp", "value_sent_gbp", "value_not_taken_gbp")


def value_by_provider_year(shown_work: pd.DataFrame) -> pd.DataFrame:
    """The values of work summed to provider and financial year from a disclosed
    `work_by_asset_year` table (`WORK_SPEC.disclose(...).values`), with how many asset-years
    could not be valued because their count is hidden (1-7 people: between 1 and 7 times
    their unit cost more, `hidden_low_gbp` to `hidden_high_gbp`) and how many used the
    assumed cost."""
    hidden = shown_work["started"].isna()
    frame = shown_work.assign(
        unvalued=hidden,
        assumed=shown_work["cost_assumed"].astype(bool),
        hidden_low_gbp=shown_work["unit_cost_gbp"].where(hidden, 0.0),
        hidden_high_gbp=(7 * shown_work["unit_cost_gbp"]).where(hidden, 0.0),
    )
    grouped = frame.groupby(["provider", "financial_year"])
    out = grouped[[*VALUES, "hidden_low_gbp", "hidden_high_gbp"]].sum(min_count=0)
    out["unvalued_assets"] = grouped["unvalued"].sum()
    out["assumed_cost_assets"] = grouped["assumed"].sum()
    return out.reset_index()


def funding_gap(
    work: pd.DataFrame,
    values: pd.DataFrame,
    funded: pd.DataFrame,
    names: pd.Series | None = None,
) -> pd.DataFrame:
    """Per provider and financial year: people sent, not taken and started (exact counts
    summed from `work`), the value of the work from disclosed counts (`values`, see
    `value_by_provider_year`), the funding for social prescribing received pro rata
    (`funded`), and the gap (value of work taken on less that funding; positive = unfunded).
    Disclose with `GAP_SPEC`."""
    counts = work.groupby(["provider", "financial_year"])[["sent", "not_taken", "started"]].sum()
    table = counts.reset_index().merge(values, on=["provider", "financial_year"], how="left")
    table = table.merge(funded, on=["provider", "financial_year"], how="outer")
    for column in ("sent", "not_taken", "started"):
        table[column] = table[column].fillna(0).astype("int64")
    for column in (*VALUES, "funded_sp_gbp", "funded_other_gbp"):
        table[column] = table[column].astype(float).fillna(0.0)
    for column in ("unvalued_assets", "assumed_cost_assets"):
        table[column] = table[column].fillna(0).astype("int64")
    table["gap_gbp"] = table["value_taken_gbp"] - table["funded_sp_gbp"]
    table["name"] = named(table["provider"], names)
    return table.sort_values(
        ["financial_year", "gap_gbp"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)


GAP_SPEC = Spec(counts=("sent", "not_taken", "started"))


@dataclass(frozen=True)
class GapTotals:
    """The place's totals from a disclosed gap table: the value of work taken on, funding
    for social prescribing, unfunded work (the positive gaps), and the value of the demand
    turned away or left waiting."""

    value_taken_gbp: float
    funded_sp_gbp: float
    unfunded_gbp: float
    value_not_taken_gbp: float


def gap_totals(shown: pd.DataFrame) -> GapTotals:
    """Totals of a disclosed `funding_gap` table (values are already from disclosed counts)."""
    return GapTotals(
        value_taken_gbp=float(shown["value_taken_gbp"].sum()),
        funded_sp_gbp=float(shown["funded_sp_gbp"].sum()),
        unfunded_gbp=float(shown["gap_gbp"].clip(lower=0).sum()),
        value_not_taken_gbp=float(shown["value_not_taken_gbp"].sum()),
    )


# ---------------------------------------------------------------------------------------------
# Link workers.


def _month_ends(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    months = periods(start, end, "month")
    months["month_end"] = (months["period"] + pd.offsets.MonthEnd(0)).clip(upper=end)
    return months


def caseload(
    referrals: pd.DataFrame,
    link_workers: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Per month of [start, end]: referrals open at the month's end (referred, not yet
    closed) and the link workers' whole-time equivalent in post then; caseload per WTE is in
    `CASELOAD_SPEC`. Only referrals given a link worker count, where any are."""
    months = _month_ends(start, end)
    referred = referrals["referral_date"].to_numpy(dtype="datetime64[ns]")
    closed = referrals["closed_date"].to_numpy(dtype="datetime64[ns]")
    # a referral closed before the period adds one to those referred and one to those
    # closed by every month's end: leave it out (a third of a million sorts, not a million)
    keep = np.isnat(closed) | (closed >= np.datetime64(start, "ns"))
    given = referrals["link_worker_id"].notna().to_numpy()
    if given.any():
        keep &= given
    ends = months["month_end"].to_numpy(dtype="datetime64[ns]")
    referred = np.sort(referred[keep & ~np.isnat(referred)])
    closed = np.sort(closed[keep & ~np.isnat(closed)])
    opened = np.searchsorted(referred, ends, side="right")
    shut = np.searchsorted(closed, ends, side="right")
    months["open_referrals"] = (opened - shut).astype("int64")
    lw_start = link_workers["start_date"].to_numpy(dtype="datetime64[ns]")
    lw_end = link_workers["end_date"].to_numpy(dtype="datetime64[ns]")
    wte = link_workers["wte"].astype(float).fillna(0).to_numpy()
    in_post = (np.isnat(lw_start)[None, :] | (lw_start[None, :] <= ends[:, None])) & (
        np.isnat(lw_end)[None, :] | (lw_end[None, :] >= ends[:, None])
    )
    months["wte"] = (in_post * wte[None, :]).sum(axis=1)
    months["link_workers"] = in_post.sum(axis=1)
    return months[["period", "label", "month_end", "open_referrals", "wte", "link_workers"]]


CASELOAD_SPEC = Spec(
    counts=("open_referrals",),
    rates={"caseload_per_wte": Rate("open_referrals", "wte", decimals=1)},
)


def caseload_by_employer(
    referrals: pd.DataFrame, link_workers: pd.DataFrame, as_at: pd.Timestamp
) -> pd.DataFrame:
    """Per employer (PCN or organisation) of link workers: referrals open on `as_at` held by
    its link workers, and their whole-time equivalent in post then; disclose with
    `CASELOAD_SPEC`. Referrals with no link worker, or one not in link_workers.csv, are one
    row of their own ("no link worker recorded")."""
    as_at = np.datetime64(as_at, "ns")
    referred = referrals["referral_date"].to_numpy(dtype="datetime64[ns]")
    closed = referrals["closed_date"].to_numpy(dtype="datetime64[ns]")
    is_open = (referred <= as_at) & (np.isnat(closed) | (closed > as_at))
    employer_of = link_workers.set_index("link_worker_id")["employer"].astype("string")
    held = referrals.loc[is_open, "link_worker_id"].map(employer_of).astype("string")
    held = held.fillna("no link worker recorded")
    starts = link_workers["start_date"].to_numpy(dtype="datetime64[ns]")
    ends = link_workers["end_date"].to_numpy(dtype="datetime64[ns]")
    in_post = (np.isnat(starts) | (starts <= as_at)) & (np.isnat(ends) | (ends >= as_at))
    wte = (
        link_workers.loc[in_post]
        .assign(employer=link_workers["employer"].astype("string").fillna("employer not recorded"))
        .groupby("employer")["wte"]
        .sum()
    )
    table = pd.DataFrame({"open_referrals": held.value_counts()}).join(wte, how="outer")
    table["open_referrals"] = table["open_referrals"].fillna(0).astype("int64")
    table["wte"] = table["wte"].astype(float)  # NA: nobody in post to hold them
    return table.rename_axis("employer").reset_index()


def wait_to_contact(
    referrals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Per month of referral in [start, end]: referrals, those contacted, and the median and
    90th centile of days from referral to first contact (statistics of the people
    contacted: see `WAIT_SPEC`)."""
    when = referrals["referral_date"].between(start, end)
    referred = referrals.loc[when, "referral_date"]  # two columns, not the whole table
    months = periods(start, end, "month")
    code = month_index(referred)
    days = (referrals.loc[when, "first_contact_date"] - referred).dt.days.to_numpy()
    frame = pd.DataFrame({"bucket": code, "days": days})
    grouped = frame.groupby("bucket")["days"]
    table = pd.DataFrame(
        {
            "referrals": grouped.size(),
            "contacted": grouped.count(),
            "median_days": grouped.median(),
            "p90_days": grouped.quantile(0.9),
        }
    )
    table = months.join(table, on="bucket")
    table[["referrals", "contacted"]] = table[["referrals", "contacted"]].fillna(0).astype("int64")
    return table


WAIT_SPEC = Spec(
    counts=("referrals", "contacted"),
    statistics={
        "median_days": Statistic("contacted", decimals=1),
        "p90_days": Statistic("contacted", decimals=1),
    },
)


def link_worker_cost(
    referrals: pd.DataFrame,
    connections: pd.DataFrame,
    link_workers: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    salary_gbp: float = DEFAULT_SALARY_GBP,
) -> pd.DataFrame:
    """One row: WTE-months in post over the period, their cost at `salary_gbp` a year, and
    the referrals made in the period that were connected (started at an asset). The cost per
    person connected rests on that count (see `cost_per_connected`)."""
    months = caseload(referrals.iloc[:0], link_workers, start, end)
    wte_months = float(months["wte"].sum())
    chosen = referrals.loc[referrals["referral_date"].between(start, end), ["referral_id"]]
    # a connection is made on or after its referral: earlier ones cannot be these referrals'
    later = connections[(connections["referred_date"] >= start).fillna(False)]
    connected = int(connected_referrals(chosen, later).sum())
    return pd.DataFrame(
        {
            "wte_months": [wte_months],
            "average_wte": [wte_months / max(len(months), 1)],
            "salary_gbp": [float(salary_gbp)],
            "cost_gbp": [wte_months / 12 * float(salary_gbp)],
            "referrals": [len(chosen)],
            "connected": [connected],
        }
    )


CONNECTED_SPEC = Spec(counts=("referrals", "connected"))


def cost_per_connected(values: pd.DataFrame) -> pd.Series:
    """£ per person connected from a disclosed `link_worker_cost` row: NA where the count of
    people connected is hidden or nil."""
    connected = values["connected"].astype("Float64")
    return (values["cost_gbp"] / connected.where(connected > 0)).astype("Float64")


def latest_year_funding(funding: pd.DataFrame) -> tuple[str | None, pd.Series]:
    """The latest financial year in the funding table and each provider's funding for
    social prescribing in it (a full year, £): the base for a what-if of the next 12 months.
    Rows with a year in the wrong form or a negative amount are left out."""
    if funding.empty:
        return None, pd.Series(dtype=float)
    starts = funding["financial_year"].map(financial_year_start)
    amount = pd.to_numeric(funding["amount_gbp"], errors="coerce")
    usable = starts.notna() & (amount >= 0).fillna(False)
    if not usable.any():
        return None, pd.Series(dtype=float)
    latest = max(s for s in starts[usable])
    sp = funding["for_social_prescribing"].astype("boolean").fillna(False).astype(bool)
    mine = usable & (starts == latest) & sp
    amounts = amount[mine].groupby(funding.loc[mine, "organisation_id"].astype(str)).sum()
    return financial_year_label(latest.year), amounts.astype(float)
