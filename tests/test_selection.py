import pandas as pd
import pytest

from socialrx.data.dataset import Dataset
from socialrx.metrics.selection import (
    AREA,
    PCN,
    PRACTICE,
    Selection,
    data_period,
    default_selection,
    place_options,
    selected_area_stats,
    selected_assets,
    selected_connections,
    selected_practices,
    selected_referrals,
)


def _dataset():
    referrals = pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3", "R4"],
            "referral_date": pd.to_datetime(
                ["2024-01-10", "2024-02-10", "2024-02-20", "2023-12-31"]
            ),
            "practice_code": ["P1", "P2", "P3", "P1"],
            "area_code": ["A1", "A2", "A1", "A1"],
        }
    )
    practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "pcn_code": ["N", "N", "S"]})
    connections = pd.DataFrame(
        {
            "referral_id": ["R1", "R3", "R4"],
            "asset_id": ["X", "X", "Y"],
            "referred_date": pd.to_datetime(["2024-01-20", "2024-03-01", "2024-01-02"]),
        }
    )
    assets = pd.DataFrame({"asset_id": ["X", "Y"], "area_code": ["A1", "A2"]})
    return Dataset(
        tables={
            "referrals": referrals,
            "practices": practices,
            "connections": connections,
            "assets": assets,
        },
        extract_date=pd.Timestamp("2024-03-31"),
    )


def test_period_and_place_filters():
    data = _dataset()
    jan_feb = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29"))
    assert selected_referrals(data, jan_feb)["referral_id"].tolist() == ["R1", "R2", "R3"]
    pcn = Selection(jan_feb.start, jan_feb.end, PCN, ("N",))
    assert selected_referrals(data, pcn)["referral_id"].tolist() == ["R1", "R2"]
    practice = Selection(jan_feb.start, jan_feb.end, PRACTICE, ("P3",))
    assert selected_referrals(data, practice)["referral_id"].tolist() == ["R3"]
    area = Selection(jan_feb.start, jan_feb.end, AREA, ("A1",))
    assert selected_referrals(data, area)["referral_id"].tolist() == ["R1", "R3"]
    assert selected_assets(data, area)["asset_id"].tolist() == ["X"]
    assert selected_assets(data, pcn)["asset_id"].tolist() == ["X", "Y"]


def test_connections_are_all_demand_sent_in_the_period_whatever_the_place():
    data = _dataset()
    jan = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-31"))
    assert selected_connections(data, jan)["referral_id"].tolist() == ["R1", "R4"]
    s_pcn = Selection(jan.start, pd.Timestamp("2024-03-31"), PCN, ("S",))
    assert selected_connections(data, s_pcn)["referral_id"].tolist() == ["R1", "R3", "R4"]


def test_data_period_spans_referrals_connections_and_outcomes():
    data = _dataset()
    data.tables["referrals"] = data.tables["referrals"].iloc[:0]
    assert data_period(data) == (pd.Timestamp("2024-01-02"), pd.Timestamp("2024-03-31"))
    data = _dataset()  # a dataset's period is worked out once: another dataset
    data.tables["referrals"] = data.tables["referrals"].iloc[:0]
    data.tables["connections"] = data.tables["connections"].iloc[:0]
    assert data_period(data) is None


def test_the_previous_period_is_the_same_calendar_months_before():
    sel = Selection(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-31"))
    prev = sel.previous()
    assert (prev.start, prev.end) == (pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-29"))
    assert sel.months == 1.0 and sel.per_year == 12.0
    # a year ending mid-month (the data ends on 15 September): the year before ends on the 15th
    year = Selection(pd.Timestamp("2025-10-01"), pd.Timestamp("2026-09-15"))
    assert year.months == pytest.approx(11.5)
    prev = year.previous()
    assert (prev.start, prev.end) == (pd.Timestamp("2024-10-01"), pd.Timestamp("2025-09-15"))
    quarter = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    assert quarter.per_year == 4.0


def test_default_selection_is_the_last_12_calendar_months_to_the_extract():
    sel = default_selection(_dataset())
    assert sel.end == pd.Timestamp("2024-03-31")
    assert sel.start == pd.Timestamp("2023-12-01")  # the month of the first referral


def test_area_stats_follow_an_area_choice():
    data = _dataset()
    data.tables["area_stats"] = pd.DataFrame(
        {"area_code": ["A1", "A2"], "population_adult": [1, 2]}
    )
    area = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29"), AREA, ("A2",))
    assert selected_area_stats(data, area)["area_code"].tolist() == ["A2"]
    whole = Selection(area.start, area.end)
    assert selected_area_stats(data, whole)["area_code"].tolist() == ["A1", "A2"]


def test_practices_and_denominators_follow_the_place():
    data = _dataset()
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29")
    whole = Selection(start, end)
    pcn = Selection(start, end, PCN, ("N",))
    practice = Selection(start, end, PRACTICE, ("P3",))
    area = Selection(start, end, AREA, ("A1",))
    assert selected_practices(data, pcn)["practice_code"].tolist() == ["P1", "P2"]
    assert selected_practices(data, practice)["practice_code"].tolist() == ["P3"]
    assert len(selected_practices(data, whole)) == len(selected_practices(data, area)) == 3
    # residents are the denominator for everyone or an area choice, list sizes unless by area
    assert [s.by_residence for s in (whole, pcn, practice, area)] == [True, False, False, True]
    assert [s.by_registration for s in (whole, pcn, practice, area)] == [True, True, True, False]


def test_place_options_offer_every_practice_and_area_referrals_name():
    data = _dataset()
    data.tables["practices"] = data.tables["practices"].assign(
        name=["Ash", None, "Cedar"], pcn_name=["North", "North", None]
    )
    data.tables["referrals"].loc[3, "practice_code"] = "P9"  # in referrals only
    options = place_options(data)
    assert options[PCN] == {"N": "North", "S": "S"}  # a PCN without a name shows its code
    assert options[PRACTICE] == {"P1": "Ash (P1)", "P2": "P2 (P2)", "P3": "Cedar (P3)",
                                 "P9": "P9 (P9)"}  # fmt: skip
    assert options[AREA] == {"A1": "A1 (A1)", "A2": "A2 (A2)"}
