"""Funding follows the referral and link workers: hand-computed on tiny tables."""

import pandas as pd
import pytest

from socialrx.disclosure import Level
from socialrx.metrics import funding


@pytest.mark.parametrize(
    ("text", "year"),
    [("2024/25", 2024), ("2024-25", 2024), ("FY24/25", 2024), (" fy 24-25 ", 2024),
     ("1999/00", 1999), ("2024/26", None), ("2024", None), ("24/25/26", None), ("", None),
     (None, None)],
)  # fmt: skip
def test_financial_years_in_the_forms_the_contract_accepts(text, year):
    start = funding.financial_year_start(text)
    assert (start.year if start is not None else None) == year
    if start is not None:
        assert (start.month, start.day) == (4, 1)


def test_a_period_is_split_into_financial_years_by_whole_months():
    years = funding.financial_years_in(pd.Timestamp("2024-10-01"), pd.Timestamp("2025-06-30"))
    assert years["financial_year"].tolist() == ["2024/25", "2025/26"]
    assert years["months_in_period"].tolist() == [6, 3]


def _assets():
    return pd.DataFrame(
        {
            "asset_id": ["A", "B"],
            "name": ["a", "b"],
            "organisation_id": ["O1", "O1"],
            "category": ["other", "other"],
            "capacity_per_month": pd.array([10, None], "Int64"),
            "cost_per_person_gbp": [300.0, None],
        }
    )


def _connections():
    rows = (
        [("A", "2024-11-01", "2024-11-10", "attending")] * 20
        + [("A", "2024-12-01", None, "waiting list")] * 10
        + [("B", "2025-02-01", "2025-02-05", "stopped")] * 10
        + [("A", "2025-05-01", "2025-05-03", "moved on")] * 30
        + [("A", "2025-08-01", "2025-08-03", "attending")] * 9  # after the period
    )
    frame = pd.DataFrame(rows, columns=["asset_id", "referred_date", "started_date", "outcome"])
    frame["referral_id"] = [f"R{i}" for i in range(len(frame))]
    for column in ("referred_date", "started_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _funding():
    return pd.DataFrame(
        {
            "organisation_id": ["O1", "O1", "O1", "O1", "O1", "O1", "O9", "O1"],
            "financial_year": [
                "2024/25",
                "2025/26",
                "2024/25",
                "FY25/26",
                "2024",
                "2024/25",
                "2024/25",
                "2025/26",
            ],  # fmt: skip
            "funder": ["ICB"] * 8,
            "amount_gbp": [12_000.0, 24_000.0, 1_200.0, 1_200.0, 9_999.0, -500.0, 5_000.0, 600.0],
            "for_social_prescribing": pd.array(
                [True, True, False, True, True, True, True, None], dtype="boolean"
            ),
        }
    )


START, END = pd.Timestamp("2024-10-01"), pd.Timestamp("2025-06-30")


def test_funding_received_pro_rata_for_part_years_and_bad_rows_left_out():
    received, check = funding.funding_received(_funding(), pd.Series(["O1"]), START, END)
    received = received.set_index("financial_year")
    # 2024/25: 6 of 12 months in the period; 2025/26: 3 of 12
    assert received.loc["2024/25", "funded_sp_gbp"] == pytest.approx(12_000 / 2)
    assert received.loc["2024/25", "funded_other_gbp"] == pytest.approx(1_200 / 2)
    assert received.loc["2025/26", "funded_sp_gbp"] == pytest.approx((24_000 + 1_200) / 4)
    assert received.loc["2025/26", "funded_other_gbp"] == pytest.approx(600 / 4)  # unmarked
    assert check.bad_years == ["2024"] and check.negative == 1 and check.unmarked == 1
    assert check.no_assets == ["O9"]
    notes = " ".join(check.notes())
    assert "2024" in notes and "negative" in notes and "O9" in notes


def test_funding_gap_by_hand():
    work = funding.work_by_asset_year(_assets(), _connections(), START, END, default_cost=100)
    shown = funding.WORK_SPEC.disclose(work, Level.OFF).values
    values = funding.value_by_provider_year(shown)
    received, _ = funding.funding_received(_funding(), pd.Series(["O1"]), START, END)
    gap = funding.funding_gap(work, values, received).set_index("financial_year")
    # 2024/25: A 20 started x £300 + B 10 started x £100 (assumed) = £7,000 against £6,000
    first = gap.loc["2024/25"]
    assert (first["sent"], first["not_taken"], first["started"]) == (40, 10, 30)
    assert first["value_taken_gbp"] == pytest.approx(7_000)
    assert first["value_not_taken_gbp"] == pytest.approx(3_000)  # 10 waiting x £300
    assert first["gap_gbp"] == pytest.approx(1_000) and first["assumed_cost_assets"] == 1
    # 2025/26: 30 x £300 = £9,000 against £6,300
    assert gap.loc["2025/26", "gap_gbp"] == pytest.approx(9_000 - 6_300)
    totals = funding.gap_totals(funding.GAP_SPEC.disclose(gap.reset_index(), Level.OFF).values)
    assert totals.unfunded_gbp == pytest.approx(1_000 + 2_700)
    assert totals.funded_sp_gbp == pytest.approx(12_300)


def test_value_of_work_rests_on_the_counts_shown():
    connections = _connections()
    connections = connections[connections["asset_id"] == "B"].head(5)  # 5 started: hidden
    work = funding.work_by_asset_year(_assets(), connections, START, END, default_cost=100)
    values = funding.value_by_provider_year(funding.WORK_SPEC.disclose(work, Level.ROUND).values)
    assert values["value_taken_gbp"].tolist() == [0.0] and values["unvalued_assets"].tolist() == [1]


def test_funding_for_an_organisation_with_no_assets_is_never_summed():
    received, check = funding.funding_received(_funding(), pd.Series(["O2"]), START, END)
    assert received.empty and set(check.no_assets) == {"O1", "O9"}


def test_latest_year_funding_for_the_what_if():
    year, amounts = funding.latest_year_funding(_funding())
    assert year == "2025/26" and amounts.to_dict() == {"O1": 25_200.0}


def _link_data():
    referrals = pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3"],
            "link_worker_id": ["L1", "L1", "L2"],
            "referral_date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-01"]),
            "first_contact_date": pd.to_datetime(["2024-01-08", "2024-01-30", None]),
            "closed_date": pd.to_datetime(["2024-02-10", None, "2024-02-29"]),
        }
    )
    workers = pd.DataFrame(
        {
            "link_worker_id": ["L1", "L2"],
            "wte": [1.0, 0.5],
            "start_date": pd.to_datetime(["2023-01-01", "2024-02-15"]),
            "end_date": pd.to_datetime([None, None]),
        }
    )
    connections = pd.DataFrame(
        {
            "referral_id": ["R2", "R1"],
            "asset_id": ["A", "A"],
            "referred_date": pd.to_datetime(["2024-01-25", "2024-01-10"]),
            "started_date": pd.to_datetime(["2024-02-01", None]),
            "outcome": ["attending", "did not attend"],
        }
    )
    return referrals, workers, connections


def test_caseload_per_wte_by_hand():
    referrals, workers, _ = _link_data()
    loads = funding.caseload(referrals, workers, pd.Timestamp("2024-01-01"),
                             pd.Timestamp("2024-02-29"))  # fmt: skip
    # Jan end: R1 and R2 open, 1.0 WTE; Feb end: R2 only (R3 closed on the 29th), 1.5 WTE
    assert loads["open_referrals"].tolist() == [2, 1]
    assert loads["wte"].tolist() == [1.0, 1.5]
    shown = funding.CASELOAD_SPEC.disclose(loads, Level.OFF).values
    assert shown["caseload_per_wte"].tolist() == pytest.approx([2.0, 1 / 1.5])


def test_wait_to_first_contact_and_cost_per_person_connected():
    referrals, workers, connections = _link_data()
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29")
    waits = funding.wait_to_contact(referrals, start, end).set_index("label")
    assert waits.loc["Jan 2024", "median_days"] == pytest.approx(6.5)  # 3 and 10 days
    assert (waits.loc["Feb 2024", "referrals"], waits.loc["Feb 2024", "contacted"]) == (1, 0)
    shown = funding.WAIT_SPEC.disclose(waits.reset_index(), Level.ROUND)
    assert (shown.marks["median_days"].iloc[0]) == "too few"  # 2 people contacted
    cost = funding.link_worker_cost(referrals, connections, workers, start, end, 36_000)
    # 1.0 WTE in January, 1.5 in February: 2.5 WTE-months = £7,500; 1 person connected (R2)
    assert cost["cost_gbp"].iloc[0] == pytest.approx(7_500)
    assert cost["connected"].iloc[0] == 1
    off = funding.CONNECTED_SPEC.disclose(cost, Level.OFF).values
    assert funding.cost_per_connected(off).iloc[0] == pytest.approx(7_500)
    hidden = funding.CONNECTED_SPEC.disclose(cost, Level.ROUND).values
    assert pd.isna(funding.cost_per_connected(hidden).iloc[0])  # 1 person: hidden, no £ each


def test_a_month_the_data_end_inside_counts_its_share():
    # data to 15 April 2024: half of April (15 of 30 days) is in the period
    years = funding.financial_years_in(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-15"))
    assert years["months_in_period"].tolist() == [1.0, 0.5]


def test_caseload_by_employer_on_a_day():
    referrals, workers, _ = _link_data()
    workers["employer"] = ["PCN1", "PCN2"]
    table = funding.caseload_by_employer(referrals, workers, pd.Timestamp("2024-02-20"))
    table = table.set_index("employer")
    # on 20 Feb: R1 closed, R2 (L1, PCN1) and R3 (L2, PCN2) open; L2 started on 15 Feb
    assert table["open_referrals"].to_dict() == {"PCN1": 1, "PCN2": 1}
    assert table["wte"].to_dict() == {"PCN1": 1.0, "PCN2": 0.5}
    shown = funding.CASELOAD_SPEC.disclose(table.reset_index(), Level.OFF).values
    assert shown["caseload_per_wte"].tolist() == pytest.approx([1.0, 2.0])
