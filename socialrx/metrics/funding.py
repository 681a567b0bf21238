"""Funding follows the referral: what the work VCS providers are sent is worth, against the
money they receive for social prescribing; and what the link-worker service costs.

Everything here is exact. The figures resting on counts of people are worked out after
disclosure by the specs (`WORK_SPEC`, `GAP_SPEC`, `CASELOAD_SPEC`, `WAIT_SPEC`, `COST_SPEC`):
the value of work from the counts of people who started as shown, asset by asset, summed to
providers (`value_by_provider_year`), so it says no more than the counts shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialrx.disclosure import Derived, Rate, Share, Shown, Spec, Statistic
from socialrx.escape import markdown_text
from socialrx.metrics.capacity import NOT_TAKEN, month_index, named, periods, provider_of
from socialrx.metrics.referrals import connected_within

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


def part_years(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The financial years of `financial_years_in` that the period holds only part of (fewer
    than 12 of their months): their funding counts pro rata."""
    years = financial_years_in(start, end)
    return years[years["months_in_period"] < 12]


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
        """The notes, as Streamlit markdown: codes from the file made literal."""
        notes = []
        if self.bad_years:
            shown = ", ".join(markdown_text(y) for y in sorted(set(self.bad_years))[:5])
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
            shown = ", ".join(markdown_text(p) for p in sorted(self.no_assets)[:5])
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
    # labels as text even with no rows (an empty column of years is numbers, and merging it
    # with the funding's text years failed: an area whose assets nobody was sent to)
    table["financial_year"] = pd.Series(
        [financial_year_label(int(y)) for y in table["financial_year"]],
        index=table.index,
        dtype=object,
    )
    info = assets.assign(provider=provider_of(assets)).set_index("asset_id")
    table = table.join(info[["provider", "name", "cost_per_person_gbp"]], on="asset_id")
    stated = table["cost_per_person_gbp"].astype("Float64")
    table["cost_assumed"] = stated.isna().to_numpy()
    table["unit_cost_gbp"] = stated.fillna(float(default_cost)).astype(float)
    return table.drop(columns="cost_per_person_gbp")


def assumed_cost_assets(work: pd.DataFrame) -> int:
    """The assets of a `work_by_asset_year` table valued at the assumed cost (they state no
    cost per person), each counted once however many years it has."""
    return int(work.drop_duplicates("asset_id")["cost_assumed"].sum())


WORK_SPEC = Spec(
    counts=("sent", "not_taken", "started"),
    rates={
        "value_taken_gbp": Rate("started", times="unit_cost_gbp", decimals=0),
        "value_sent_gbp": Rate("sent", times="unit_cost_gbp", decimals=0),
        "value_not_taken_gbp": Rate("not_taken", times="unit_cost_gbp", decimals=0),
    },
)
VALUES = ("value_taken_gbp", "value_sent_gbp", "value_not_taken_gbp")
KEYS = ["provider", "financial_year"]


def value_by_provider_year(shown_work: pd.DataFrame) -> pd.DataFrame:
    """The values of work summed to provider and financial year from a disclosed
    `work_by_asset_year` table (a panel's basis "work", `WORK_SPEC`), with how many asset-years
    could not be valued because their count is hidden (1-7 people: between 1 and 7 times
    their unit cost more, `hidden_low_gbp` to `hidden_high_gbp`)."""
    hidden = shown_work["started"].isna()
    frame = shown_work.assign(
        unvalued=hidden.astype(int),
        hidden_low_gbp=shown_work["unit_cost_gbp"].where(hidden, 0.0),
        hidden_high_gbp=(7 * shown_work["unit_cost_gbp"]).where(hidden, 0.0),
    )
    frame[list(VALUES)] = frame[list(VALUES)].astype("Float64")
    grouped = frame.groupby(KEYS)
    out = grouped[[*VALUES, "hidden_low_gbp", "hidden_high_gbp", "unvalued"]].sum(min_count=0)
    return out.rename(columns={"unvalued": "unvalued_assets"}).reset_index()


def funding_gap(
    work: pd.DataFrame, funded: pd.DataFrame, names: pd.Series | None = None
) -> pd.DataFrame:
    """Per provider and financial year: people sent, not taken and started (exact counts
    summed from `work`, disclosed on their own), and the funding for social prescribing and
    other funding received pro rata (`funded`: money, not person-level, to the pound).
    Disclose with `GAP_SPEC` and `work` as the basis `work`: the value of the work and the
    gap are worked out from the asset-years as shown."""
    grouped = work.groupby(KEYS)
    counts = grouped[["sent", "not_taken", "started"]].sum()
    counts["assumed_cost_assets"] = grouped["cost_assumed"].sum()
    counts = counts.reset_index()
    funded = funded.reindex(columns=[*KEYS, "funded_sp_gbp", "funded_other_gbp"])
    for frame in (counts, funded):  # both keys as text, whatever an empty table made them
        frame[KEYS] = frame[KEYS].astype(str).astype(object)
    table = counts.merge(funded, on=KEYS, how="outer")
    for column in ("sent", "not_taken", "started", "assumed_cost_assets"):
        table[column] = table[column].fillna(0).astype("int64")
    for column in ("funded_sp_gbp", "funded_other_gbp"):
        table[column] = table[column].astype(float).fillna(0.0).round(0)
    table["name"] = named(table["provider"], names)
    return table.sort_values(KEYS[::-1], kind="stable").reset_index(drop=True)


def _from_work(column: str):
    """A provider-year's figure summed over its asset-years as shown (basis `work`)."""

    def compute(shown: Shown) -> pd.Series:
        if "work" not in shown.kept:  # every one of the table's values of work reads them
            sums = value_by_provider_year(shown.basis["work"].values).set_index(KEYS)
            keys = pd.MultiIndex.from_frame(shown.values[KEYS].astype(str))
            shown.kept["work"] = sums.reindex(keys)
        sums = shown.kept["work"][column]
        return pd.Series(sums.to_numpy(), index=shown.values.index).fillna(0)

    return compute


def _gap(shown: Shown) -> pd.Series:
    """Value of work taken on less the funding for social prescribing (positive: unfunded)."""
    return shown.values["value_taken_gbp"] - shown.values["funded_sp_gbp"].astype("Float64")


GAP_SPEC = Spec(
    counts=("sent", "not_taken", "started"),
    derived={
        **{column: Derived(_from_work(column), decimals=0) for column in VALUES},
        "gap_gbp": Derived(_gap, decimals=0),
        # asset-years not valued (1-7 people started, hidden) and what they could add
        "unvalued_assets": Derived(_from_work("unvalued_assets"), decimals=0),
        "hidden_low_gbp": Derived(_from_work("hidden_low_gbp"), decimals=0),
        "hidden_high_gbp": Derived(_from_work("hidden_high_gbp"), decimals=0),
    },
)


@dataclass(frozen=True)
class GapTotals:
    """The place's totals from a disclosed gap table: the value of work taken on, funding
    for social prescribing, unfunded work (the positive gaps), the value of the demand
    turned away or left waiting, and the asset-years not valued (hidden) with what they
    could add."""

    value_taken_gbp: float
    funded_sp_gbp: float
    unfunded_gbp: float
    value_not_taken_gbp: float
    unvalued: int = 0
    hidden_low_gbp: float = 0.0
    hidden_high_gbp: float = 0.0


def gap_totals(shown: pd.DataFrame) -> GapTotals:
    """Totals of a disclosed `funding_gap` table: sums of its cells as shown."""

    def total(column: str) -> float:
        return float(shown[column].astype("Float64").fillna(0).sum())

    return GapTotals(
        value_taken_gbp=total("value_taken_gbp"),
        funded_sp_gbp=total("funded_sp_gbp"),
        unfunded_gbp=float(shown["gap_gbp"].astype("Float64").fillna(0).clip(lower=0).sum()),
        value_not_taken_gbp=total("value_not_taken_gbp"),
        unvalued=int(total("unvalued_assets")),
        hidden_low_gbp=total("hidden_low_gbp"),
        hidden_high_gbp=total("hidden_high_gbp"),
    )


def gap_answer(shown: pd.DataFrame) -> str:
    """The funding panel's answer, from its disclosed values: the work taken on, the funding
    set against it, and the providers doing unfunded work."""
    if shown.empty:
        return "No provider took anyone on or received funding for social prescribing."
    totals = gap_totals(shown)
    short = shown.loc[shown["gap_gbp"].astype("Float64").fillna(0) > 0, "provider"].nunique()
    providers = shown["provider"].nunique()
    if providers == 1:  # one provider's own view (My organisation), or a place with one
        short_of = (
            f"It took on more than its funding paid for in at least one financial year: "
            f"£{totals.unfunded_gbp:,.0f} of unfunded work in all."
            if short
            else "Its funding paid for the work in every financial year."
        )
        return (
            f"{shown['name'].iloc[0]} took on work worth £{totals.value_taken_gbp:,.0f} "
            f"(from the counts shown) against £{totals.funded_sp_gbp:,.0f} of funding for "
            f"social prescribing. {short_of}"
        )
    return (
        f"Providers took on work worth £{totals.value_taken_gbp:,.0f} (from the counts "
        f"shown) against £{totals.funded_sp_gbp:,.0f} of funding for social prescribing. "
        f"{short:,} of {providers:,} provider{'s' if providers != 1 else ''} took on more "
        f"than {'its' if providers == 1 else 'their'} funding paid for in at least one "
        f"financial year: £{totals.unfunded_gbp:,.0f} of unfunded work in all."
    )


# ---------------------------------------------------------------------------------------------
# Link workers.


def _month_ends(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    months = periods(start, end, "month")
    months["month_end"] = (months["period"] + pd.offsets.MonthEnd(0)).clip(upper=end)
    return months


def _open_at(referrals: pd.DataFrame, ends: np.ndarray) -> np.ndarray:
    """How many of the referrals are open (referred, not yet closed) at each of `ends`."""
    referred = referrals["referral_date"].to_numpy(dtype="datetime64[ns]")
    closed = referrals["closed_date"].to_numpy(dtype="datetime64[ns]")
    referred = np.sort(referred[~np.isnat(referred)])
    closed = np.sort(closed[~np.isnat(closed)])
    opened = np.searchsorted(referred, ends, side="right")
    shut = np.searchsorted(closed, ends, side="right")
    return (opened - shut).astype("int64")


def _in_post(link_workers: pd.DataFrame, ends: np.ndarray) -> np.ndarray:
    """Whether each link worker (columns) is in post at each of `ends` (rows)."""
    starts = link_workers["start_date"].to_numpy(dtype="datetime64[ns]")
    stops = link_workers["end_date"].to_numpy(dtype="datetime64[ns]")
    return (np.isnat(starts)[None, :] | (starts[None, :] <= ends[:, None])) & (
        np.isnat(stops)[None, :] | (stops[None, :] >= ends[:, None])
    )


@dataclass(frozen=True)
class Service:
    """The link-worker service a place's referrals meet: the place's referrals, the link
    workers who hold any of those open in the period (every link worker where no referral
    names one), and every referral those link workers hold, from any place (their caseload).
    For the whole data the two sets of referrals are the same. Where referrals name their
    link worker, those that name none are left out of both (no one's caseload holds them).
    `by_worker` counts the place's referrals each link worker holds in the period: who is in
    the service rests on those counts, so panels resting on it carry them (`WORKER_SPEC`)."""

    place: pd.DataFrame  # the place's referrals (any date)
    held: pd.DataFrame  # the referrals its link workers hold (any date, any place)
    workers: pd.DataFrame  # rows of link_workers.csv
    named: bool  # whether referrals name their link worker
    by_worker: pd.DataFrame  # link_worker_id, employer, wte, place_referrals


def service(
    referrals: pd.DataFrame,
    link_workers: pd.DataFrame,
    in_place: pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> Service:
    """The place's referrals (`in_place`: a mask of `referrals`) and the link workers who serve
    them: those named on any of its referrals open during [start, end] (a count of them shown
    as 0 leaves a link worker out; one shown, or hidden as 1-7, keeps them in)."""
    place = referrals[in_place.to_numpy()]
    columns = ["link_worker_id", "employer", "wte"]
    if not referrals["link_worker_id"].notna().any():
        nobody = link_workers[columns].assign(place_referrals=0).iloc[:0]
        return Service(place, referrals, link_workers, False, nobody)
    overlaps = (place["referral_date"] <= end) & (
        place["closed_date"].isna() | (place["closed_date"] >= start)
    )
    counts = place.loc[overlaps, "link_worker_id"].dropna().astype(str).value_counts()
    ids = set(counts.index)
    workers = link_workers[link_workers["link_worker_id"].astype(str).isin(ids)]
    by_worker = (
        pd.DataFrame({"link_worker_id": counts.index, "place_referrals": counts.to_numpy()})
        .merge(link_workers[columns].astype({"link_worker_id": str}), how="left")
        .sort_values("link_worker_id", ignore_index=True)  # by id, not by count
    )
    held = referrals[referrals["link_worker_id"].astype("string").isin(ids).fillna(False)]
    return Service(place[place["link_worker_id"].notna()], held, workers, True, by_worker)


WORKER_SPEC = Spec(counts=("place_referrals",))


def caseload(serving: Service, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Per month of [start, end]: the place's referrals open at the month's end, all the
    referrals its link workers hold open then (their caseload, from every place) and their
    whole-time equivalent in post; caseload per WTE is in `CASELOAD_SPEC`."""
    months = _month_ends(start, end)
    ends = months["month_end"].to_numpy(dtype="datetime64[ns]")
    months["open_referrals"] = _open_at(serving.place, ends)
    months["held_referrals"] = _open_at(serving.held, ends)
    in_post = _in_post(serving.workers, ends)
    wte = serving.workers["wte"].astype(float).fillna(0).to_numpy()
    months["wte"] = (in_post * wte[None, :]).sum(axis=1)
    months["link_workers"] = in_post.sum(axis=1)
    return months[
        ["period", "label", "month_end", "open_referrals", "held_referrals", "wte",
         "link_workers"]
    ]  # fmt: skip


CASELOAD_SPEC = Spec(
    counts=("open_referrals", "held_referrals"),
    rates={"caseload_per_wte": Rate("held_referrals", "wte", decimals=1)},
)


def caseload_by_employer(serving: Service, as_at: pd.Timestamp) -> pd.DataFrame:
    """Per employer (PCN or organisation) of the link workers serving the place: the place's
    referrals open on `as_at` they hold, all the referrals they hold open then, and their
    whole-time equivalent in post; disclose with `CASELOAD_SPEC`. The place's open referrals
    with no link worker, or one not in link_workers.csv, are a row of their own ("no link
    worker recorded")."""
    day = np.datetime64(as_at, "ns")
    employer_of = serving.workers.set_index("link_worker_id")["employer"].astype("string")
    employer_of = employer_of.fillna("employer not recorded")

    def open_by_employer(referrals: pd.DataFrame) -> pd.Series:
        referred = referrals["referral_date"].to_numpy(dtype="datetime64[ns]")
        closed = referrals["closed_date"].to_numpy(dtype="datetime64[ns]")
        is_open = (referred <= day) & (np.isnat(closed) | (closed > day))
        held = referrals.loc[is_open, "link_worker_id"].map(employer_of).astype("string")
        return held.fillna("no link worker recorded").value_counts()

    in_post = _in_post(serving.workers, np.array([day]))[0]
    wte = (
        serving.workers.loc[in_post]
        .assign(employer=serving.workers["employer"].astype("string"))
        .fillna({"employer": "employer not recorded"})
        .groupby("employer")["wte"]
        .sum()
    )
    table = pd.DataFrame(
        {"open_referrals": open_by_employer(serving.place)}
    ).join(
        pd.DataFrame({"held_referrals": open_by_employer(serving.held)}), how="outer"
    ).join(wte, how="outer")  # fmt: skip
    counts = ["open_referrals", "held_referrals"]
    table[counts] = table[counts].fillna(0).astype("int64")
    table["wte"] = table["wte"].astype(float)  # NA: nobody in post to hold them
    return table.rename_axis("employer").sort_index().reset_index()  # by name, not by count


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
    serving: Service,
    connections: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    as_at: pd.Timestamp,
    salary_gbp: float = DEFAULT_SALARY_GBP,
    first: pd.Series | None = None,
) -> pd.DataFrame:
    """One row: the WTE-months in post over the period of the link workers serving the place
    and their cost at `salary_gbp` a year; the referrals they took on in the period (from
    every place, `held_referrals`); and the place's referrals in the period with how many
    were connected within 90 days, among those old enough by `as_at` to judge
    (`referrals.connected_within`: a referral of last month has not had its 90 days). The
    cost per person connected rests on these counts as shown (`COST_SPEC`). `first`:
    `referrals.first_started` of every referral, where worked out already."""
    months = _month_ends(start, end)
    in_post = _in_post(serving.workers, months["month_end"].to_numpy(dtype="datetime64[ns]"))
    wte = serving.workers["wte"].astype(float).fillna(0).to_numpy()
    wte_months = float((in_post * wte[None, :] * months["months"].to_numpy()[:, None]).sum())
    place = serving.place[serving.place["referral_date"].between(start, end)]
    taken_on = int(serving.held["referral_date"].between(start, end).sum())
    counts = connected_within(place, connections, as_at, first=first)
    return pd.DataFrame(
        {
            "wte_months": [wte_months],
            "average_wte": [round(wte_months / max(float(months["months"].sum()), 1.0), 2)],
            "salary_gbp": [float(salary_gbp)],
            "cost_gbp": [round(wte_months / 12 * float(salary_gbp))],
            "held_referrals": [taken_on],
            **{column: [counts[column]] for column in CONNECTED_COUNTS},
        }
    )


CONNECTED_COUNTS = ("referrals", "eligible", "connected", "too_recent")


def cost_per_connected(values: pd.DataFrame) -> pd.Series:
    """£ per person connected, from a disclosed `link_worker_cost` row: the link workers'
    cost shared over the referrals they took on, times the place's referrals (its share of
    the cost), over the people those referrals would connect at the share connected within
    90 days shown: cost x referrals / taken on / (referrals x connected / eligible), that is
    cost x eligible / (taken on x connected). NA where a count is hidden or nil."""
    cost = values["cost_gbp"].astype("Float64")
    taken_on = values["held_referrals"].astype("Float64")
    connected = values["connected"].astype("Float64")
    eligible = values["eligible"].astype("Float64")
    people = taken_on * connected
    return (cost * eligible / people.where(people > 0)).astype("Float64")


def _place_cost(shown: Shown) -> pd.Series:
    """The place's share of the link workers' cost: by its share of the referrals they took
    on (all from the counts shown)."""
    values = shown.values
    taken_on = values["held_referrals"].astype("Float64")
    return values["cost_gbp"] * values["referrals"] / taken_on.where(taken_on > 0)


COST_SPEC = Spec(
    counts=("held_referrals", *CONNECTED_COUNTS),
    shares={"connected_pct": Share("connected", "eligible")},
    derived={
        "place_cost_gbp": Derived(
            _place_cost, decimals=0, hidden_with=("held_referrals", "referrals")
        ),
        # as the share connected: "too few" where under 30 referrals are old enough to judge
        "cost_per_connected_gbp": Derived(
            lambda shown: cost_per_connected(shown.values),
            decimals=0,
            hidden_with=("held_referrals", "eligible", "connected"),
            people="eligible",
        ),
    },
)


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


def moved_funding(amounts: pd.Series, moves: tuple[tuple[str, str, float], ...]) -> pd.Series:
    """Each provider's funding a year (`latest_year_funding`) after a what-if's moves (from,
    to, £ a year): a provider not funded before starts from £0, and one may be left with
    less than nothing (`overdrawn`)."""
    moved = amounts.copy()
    for source, target, amount in moves:
        moved[source] = moved.get(source, 0.0) - amount
        moved[target] = moved.get(target, 0.0) + amount
    return moved


def overdrawn(amounts: pd.Series) -> list[str]:
    """The providers left with less than nothing, sorted."""
    return sorted(p for p, v in amounts.items() if v < 0)


def funding_of(groups: pd.Series, amounts: pd.Series) -> pd.Series:
    """Each group's (provider's) funding a year from `amounts`, to the pound; £0 where it
    has none. Not person-level: a what-if table carries it as it is."""
    return groups.map(amounts).astype(float).fillna(0.0).round(0)
