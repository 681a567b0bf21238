"""Practice and PCN catchments from where their registered patients live (NHS Digital's
"Patients registered at a GP practice" by LSOA, loaded as the `registrations` table).

A catchment here is the smallest set of small areas that together hold at least
`CATCHMENT_SHARE` (80%) of the practice's (or PCN's) registered patients, taking the areas
with the most of its patients first (ties broken by area code, so the answer never depends on
row order). Every patient counts, whatever their age: the LSOA file has no ages. Areas where a
practice has only a handful of patients scattered across a city fall outside it, which a
"any patient at all" rule would not do.
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Rate, Spec

CATCHMENT_SHARE = 0.8

CATCHMENT_RULE = (
    "A catchment is the smallest set of small areas (LSOAs) holding at least "
    f"{CATCHMENT_SHARE:.0%} of the practice's or PCN's registered patients (all ages, from NHS "
    "Digital's registrations by LSOA), taking the areas with the most of its patients first."
)


def catchment_areas(patients: pd.Series, share: float = CATCHMENT_SHARE) -> tuple[str, ...]:
    """The areas (index of `patients`: registered patients by area code) holding the first
    `share` of the patients, most patients first; () when there are none."""
    patients = patients[patients > 0]
    total = patients.sum()
    if not len(patients) or total <= 0:
        return ()
    frame = pd.DataFrame({"area": patients.index.astype(str), "n": patients.to_numpy()})
    frame = frame.sort_values(["n", "area"], ascending=[False, True], kind="stable")
    before = frame["n"].cumsum() - frame["n"]  # patients in the areas taken before this one
    return tuple(frame.loc[before < share * total, "area"])


def _catchments(registrations: pd.DataFrame, by: pd.Series) -> dict[str, tuple[str, ...]]:
    """Catchments of each group (`by`: the group of each registrations row)."""
    rows = registrations.assign(group=by.to_numpy()).dropna(subset=["group", "area_code"])
    totals = rows.groupby(["group", "area_code"], observed=True)["patients"].sum()
    return {
        str(group): areas
        for group, patients in totals.groupby(level="group", observed=True)
        if (areas := catchment_areas(patients.droplevel("group")))
    }


def practice_catchments(dataset: Dataset) -> dict[str, tuple[str, ...]]:
    """Each practice's catchment (see the module's docstring): practice code -> area codes,
    most of its patients first. Empty when no registrations were loaded."""

    def build():
        registrations = dataset.table("registrations")
        return _catchments(registrations, registrations["practice_code"].astype("string"))

    return dataset.derived("practice_catchments", build)


def pcn_catchments(dataset: Dataset) -> dict[str, tuple[str, ...]]:
    """Each PCN's catchment: the same rule applied to the patients of all its practices
    together (a practice's PCN from the practices table). PCN code -> area codes, most
    patients first. Empty when no registrations or no PCNs were loaded."""

    def build():
        registrations = dataset.table("registrations")
        practices = dataset.table("practices").dropna(subset=["pcn_code"])
        pcn_of = practices.drop_duplicates("practice_code").set_index("practice_code")["pcn_code"]
        by = registrations["practice_code"].map(pcn_of).astype("string")
        return _catchments(registrations, by)

    return dataset.derived("pcn_catchments", build)


def catchment_of(dataset: Dataset, practice_codes) -> tuple[str, ...]:
    """The catchment of these practices' patients together (one practice's, a PCN's)."""
    registrations = dataset.table("registrations")
    mine = registrations[registrations["practice_code"].isin(list(practice_codes))]
    return catchment_areas(mine.groupby("area_code", observed=True)["patients"].sum())


NO_AREA = "(no area recorded)"
NOT_REGISTERED = "(none of their registered patients live here)"


def referrals_by_residence(
    referrals: pd.DataFrame,
    registrations: pd.DataFrame,
    practice_codes,
    per_year: float,
    catchment: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Referrals of the patients of these practices by their area of residence, per 1,000 of
    the practices' registered patients living there, a year.

    The denominator is every registered patient of the practices in the area, all ages (the
    LSOA file has no ages), so the numerator is every referral of theirs, all ages too. One
    row per area where the practices have registered patients or referrals (`in_catchment`
    marks the catchment's areas, listed first, most patients first); referrals with no area,
    or from an area where the file has none of their patients, are kept in rows of their own
    (no rate), so none is lost."""
    codes = list(practice_codes)
    mine = registrations[registrations["practice_code"].isin(codes)]
    patients = mine.groupby("area_code", observed=True)["patients"].sum()
    theirs = referrals[referrals["practice_code"].isin(codes)]
    area = theirs["area_code"].astype("string")
    counts = area.value_counts()
    no_area = int(area.isna().sum())
    table = pd.DataFrame({"area_code": patients.index.astype(str)})
    table["registered_patients"] = patients.to_numpy().astype("int64")
    table["referrals"] = table["area_code"].map(counts).fillna(0).astype(int)
    table["in_catchment"] = table["area_code"].isin(catchment)
    table = table.sort_values(
        ["in_catchment", "registered_patients", "area_code"],
        ascending=[False, False, True],
        kind="stable",
    )
    elsewhere = int(counts.drop(labels=table["area_code"], errors="ignore").sum())
    extra = [(NOT_REGISTERED, elsewhere), (NO_AREA, no_area)]
    rows = pd.DataFrame(
        [(name, n) for name, n in extra if n], columns=["area_code", "referrals"]
    ).assign(registered_patients=pd.NA, in_catchment=False)
    if len(rows):
        table = pd.concat([table, rows[table.columns]], ignore_index=True)
    table = table.reset_index(drop=True)
    table["registered_patients"] = table["registered_patients"].astype("Int64")
    table["rate_per_1000"] = (
        table["referrals"] / table["registered_patients"].astype("Float64") * (1000 * per_year)
    )
    return table


def residence_spec(per_year: float) -> Spec:
    """Referrals count people; the rate is worked out from the disclosed count."""
    return Spec(
        counts=("referrals",),
        rates={"rate_per_1000": Rate("referrals", "registered_patients", 1000 * per_year)},
    )
