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

from socialrx.dataset import Dataset

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
