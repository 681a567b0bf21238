"""Practice and PCN catchments, and referral rates per 1,000 registered patients by area:
hand-computed expected values."""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics.catchments import (
    NO_AREA,
    NOT_REGISTERED,
    catchment_areas,
    catchment_of,
    pcn_catchments,
    practice_catchments,
    referrals_by_residence,
    residence_spec,
)


def _dataset(registrations, practices) -> Dataset:
    reg = pd.DataFrame(registrations, columns=["practice_code", "area_code", "patients"])
    reg = reg.astype({"practice_code": "string", "area_code": "string", "patients": "Int64"})
    prac = pd.DataFrame(practices, columns=["practice_code", "pcn_code"]).astype("string")
    return Dataset(tables={"registrations": reg, "practices": prac})


REGISTRATIONS = [
    # P1: 100 patients; A 50, B 30 reach 80 exactly, so C and D are outside
    ("P1", "A", 50), ("P1", "B", 30), ("P1", "C", 15), ("P1", "D", 5),
    # P2: 25 patients; X and Y tie on 10 (X first by code) and reach 20 = 80%
    ("P2", "Y", 10), ("P2", "X", 10), ("P2", "Z", 5),
    # P3: 10 patients, one area
    ("P3", "C", 10),
    # P4: no patients anywhere: no catchment
    ("P4", "A", 0),
]  # fmt: skip
PRACTICES = [("P1", "U1"), ("P2", "U1"), ("P3", "U2"), ("P4", None)]


def test_catchment_is_the_fewest_areas_holding_80_percent():
    assert catchment_areas(pd.Series({"A": 50, "B": 30, "C": 15, "D": 5})) == ("A", "B")
    # 79 of 100 in the first two: the third is needed to reach 80
    assert catchment_areas(pd.Series({"A": 50, "B": 29, "C": 16, "D": 5})) == ("A", "B", "C")
    assert catchment_areas(pd.Series({"A": 0})) == ()
    assert catchment_areas(pd.Series(dtype="Int64")) == ()


def test_practice_catchments():
    dataset = _dataset(REGISTRATIONS, PRACTICES)
    assert practice_catchments(dataset) == {"P1": ("A", "B"), "P2": ("X", "Y"), "P3": ("C",)}


def test_pcn_catchments_pool_the_practices_patients():
    dataset = _dataset(REGISTRATIONS, PRACTICES)
    # U1 = P1 + P2: A 50, B 30, C 15, X 10, Y 10, Z 5, D 5 = 125; 80% = 100:
    # A 50, B 80, C 95 (< 100 before X), X 105: A, B, C, X
    # U2 = P3: C 10
    assert pcn_catchments(dataset) == {"U1": ("A", "B", "C", "X"), "U2": ("C",)}


def test_no_registrations_no_catchments():
    assert pcn_catchments(Dataset()) == {}
    assert practice_catchments(Dataset()) == {}


def test_referrals_per_1000_registered_patients_by_area_of_residence():
    dataset = _dataset(REGISTRATIONS, PRACTICES)
    referrals = pd.DataFrame(
        {
            "practice_code": ["P1"] * 11 + ["P3"],
            "area_code": ["A"] * 5 + ["B"] * 3 + ["E"] + [None] * 2 + ["A"],
        }
    )
    # six months: a year is twice the period
    table = referrals_by_residence(referrals, dataset.table("registrations"), ["P1"], 2.0,
                                   practice_catchments(dataset)["P1"])  # fmt: skip
    assert table["area_code"].tolist() == ["A", "B", "C", "D", NOT_REGISTERED, NO_AREA]
    assert table["in_catchment"].tolist() == [True, True, False, False, False, False]
    assert table["registered_patients"].tolist()[:4] == [50, 30, 15, 5]
    assert table["referrals"].tolist() == [5, 3, 0, 0, 1, 2]  # P3's referral is not P1's
    # A: 5 / 50 x 1,000 x 2 = 200; B: 3 / 30 x 1,000 x 2 = 200; C, D: 0; no rate without patients
    assert table["rate_per_1000"].tolist()[:4] == [200.0, 200.0, 0.0, 0.0]
    assert table["rate_per_1000"].isna().tolist()[4:] == [True, True]


def test_the_rate_is_worked_out_from_the_disclosed_count():
    table = pd.DataFrame(
        {"area_code": ["A", "B"], "registered_patients": [1000, 400], "referrals": [23, 3]}
    ).assign(rate_per_1000=lambda t: t["referrals"] / t["registered_patients"] * 1000)
    shown = residence_spec(1.0).disclose(table, Level.ROUND).values
    # 23 is shown as 25 (rounded to 5): 25 / 1,000 x 1,000 = 25.0; 3 is hidden, so is its rate
    assert shown["referrals"].tolist()[0] == 25
    assert shown["rate_per_1000"].tolist()[0] == 25.0
    assert pd.isna(shown["referrals"].tolist()[1]) and pd.isna(shown["rate_per_1000"].tolist()[1])


def test_catchment_of_pooled_practices_is_the_pcn_catchment():
    dataset = _dataset(REGISTRATIONS, PRACTICES)
    assert catchment_of(dataset, ["P1", "P2"]) == pcn_catchments(dataset)["U1"]
