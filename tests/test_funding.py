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


def _gap(connections, level, received=None, assets=None):
    """The funding gap table as shown at `level`, its work disclosed as its basis."""
    assets = _assets() if assets is None else assets
    work = funding.work_by_asset_year(assets, connections, START, END, default_cost=100)
    if received is None:
        received, _ = funding.funding_received(_funding(), pd.Series(["O1"]), START, END)
    basis = {"work": funding.WORK_SPEC.disclose(work, level)}
    return funding.GAP_SPEC.disclose(funding.funding_gap(work, received), level, basis)


def test_funding_gap_by_hand():
    gap = _gap(_connections(), Level.OFF).values.set_index("financial_year")
    # 2024/25: A 20 started x £300 + B 10 started x £100 (assumed) = £7,000 against £6,000
    first = gap.loc["2024/25"]
    assert (first["sent"], first["not_taken"], first["started"]) == (40, 10, 30)
    assert first["value_taken_gbp"] == pytest.approx(7_000)
    assert first["value_not_taken_gbp"] == pytest.approx(3_000)  # 10 waiting x £300
    assert first["gap_gbp"] == pytest.approx(1_000) and first["assumed_cost_assets"] == 1
    # 2025/26: 30 x £300 = £9,000 against £6,300
    assert gap.loc["2025/26", "gap_gbp"] == pytest.approx(9_000 - 6_300)
    totals = funding.gap_totals(gap.reset_index())
    assert totals.unfunded_gbp == pytest.approx(1_000 + 2_700)
    assert totals.funded_sp_gbp == pytest.approx(12_300)


def test_the_gap_rests_on_the_counts_shown_cell_by_cell():
    # rounded: 2024/25 A 20 started (20) x £300 = £6,000, B's 10 (10) x £100 = £1,000;
    # 2025/26 A's 30 (30) x £300 = £9,000: the same as exact, as each count is a multiple of 5
    gap = _gap(_connections(), Level.ROUND).values.set_index("financial_year")
    assert gap["value_taken_gbp"].tolist() == [7_000, 9_000]
    # B's first 5 only, who started (hidden): not valued, between £100 and £700 more
    few = _connections()
    few = pd.concat([few[few["asset_id"] == "A"], few[few["asset_id"] == "B"].head(5)])
    gap = _gap(few, Level.ROUND).values.set_index("financial_year")
    assert gap.loc["2024/25", "started"] == 25  # the provider's 25 shown on its own
    assert gap.loc["2024/25", "value_taken_gbp"] == 6_000  # A's 20 only
    assert gap.loc["2024/25", "unvalued_assets"] == 1
    assert (gap.loc["2024/25", "hidden_low_gbp"], gap.loc["2024/25", "hidden_high_gbp"]) == (
        100, 700)  # fmt: skip
    # the gap is the value shown less the funding: £6,000 - £6,000
    assert gap.loc["2024/25", "gap_gbp"] == 0
    totals = funding.gap_totals(gap.reset_index())
    assert (totals.unvalued, totals.hidden_low_gbp, totals.hidden_high_gbp) == (1, 100, 700)
    assert funding.gap_answer(gap.reset_index()) == (
        "O1 took on work worth £15,000 (from the counts shown) against "
        "£12,300 of funding for social prescribing. It took on more than its funding paid for "
        "in at least one financial year: £2,700 of unfunded work in all."
    )


def test_value_of_work_rests_on_the_counts_shown():
    connections = _connections()
    connections = connections[connections["asset_id"] == "B"].head(5)  # 5 started: hidden
    work = funding.work_by_asset_year(_assets(), connections, START, END, default_cost=100)
    values = funding.value_by_provider_year(funding.WORK_SPEC.disclose(work, Level.ROUND).values)
    assert values["value_taken_gbp"].tolist() == [0.0] and values["unvalued_assets"].tolist() == [1]


def test_a_provider_nobody_was_sent_to_has_its_funding_set_against_no_work():
    """Issue 21/22: an area whose asset had no connections crashed the funding tab (merging
    the empty work table's numeric years with the funding's text years)."""
    nobody = _connections().iloc[:0]
    work = funding.work_by_asset_year(_assets(), nobody, START, END)
    assert work.empty and work["financial_year"].dtype == object
    gap = _gap(nobody, Level.ROUND).values.set_index("financial_year")
    assert gap["sent"].tolist() == [0, 0] and gap["value_taken_gbp"].tolist() == [0, 0]
    assert gap["funded_sp_gbp"].tolist() == [6_000, 6_300]
    assert gap["gap_gbp"].tolist() == [-6_000, -6_300]  # funded, with no work to show
    # no funding either: an empty table, not an error
    empty = funding.funding_received(_funding().iloc[:0], pd.Series(["O1"]), START, END)[0]
    assert _gap(nobody, Level.ROUND, received=empty).values.empty


def test_funding_for_an_organisation_with_no_assets_is_never_summed():
    received, check = funding.funding_received(_funding(), pd.Series(["O2"]), START, END)
    assert received.empty and set(check.no_assets) == {"O1", "O9"}


def test_latest_year_funding_for_the_what_if():
    year, amounts = funding.latest_year_funding(_funding())
    assert year == "2025/26" and amounts.to_dict() == {"O1": 25_200.0}


def _link_data():
    referrals = pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3", "R4"],
            "area_code": ["E1", "E1", "E2", "E2"],
            "link_worker_id": ["L1", "L1", "L2", "L1"],
            "referral_date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-01",
                                             "2024-02-05"]),
            "first_contact_date": pd.to_datetime(["2024-01-08", "2024-01-30", None,
                                                  "2024-02-07"]),
            "closed_date": pd.to_datetime(["2024-02-10", None, "2024-02-29", None]),
        }
    )  # fmt: skip
    workers = pd.DataFrame(
        {
            "link_worker_id": ["L1", "L2"],
            "employer": ["PCN1", "PCN2"],
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


JAN, FEB_END = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29")


def _serving(area: str | None = None):
    referrals, workers, connections = _link_data()
    place = referrals["area_code"].eq(area) if area else pd.Series(True, referrals.index)
    return funding.service(referrals, workers, place, JAN, FEB_END), connections


def test_caseload_per_wte_by_hand():
    loads = funding.caseload(_serving()[0], JAN, FEB_END)
    # Jan end: R1 and R2 open, 1.0 WTE; Feb end: R2 and R4 (R3 closed on the 29th), 1.5 WTE
    assert loads["open_referrals"].tolist() == [2, 2] and loads["held_referrals"].tolist() == [2, 2]
    assert loads["wte"].tolist() == [1.0, 1.5]
    shown = funding.CASELOAD_SPEC.disclose(loads, Level.OFF).values
    assert shown["caseload_per_wte"].tolist() == pytest.approx([2.0, 2 / 1.5])


def test_link_worker_figures_honour_the_place():
    """Issue 21: a ward showed every referral. The place's referrals are its own; the caseload
    is that of the link workers who hold them (all they hold, from every place)."""
    serving, _ = _serving("E1")  # R1 and R2, both L1's
    assert serving.place["referral_id"].tolist() == ["R1", "R2"]
    assert serving.workers["link_worker_id"].tolist() == ["L1"]
    loads = funding.caseload(serving, JAN, FEB_END)
    # Feb end: the place's R2 open; L1 holds R2 and R4 (from E2) on 1.0 WTE: 2 per WTE
    assert loads["open_referrals"].tolist() == [2, 1] and loads["held_referrals"].tolist() == [2, 2]
    assert loads["wte"].tolist() == [1.0, 1.0]
    by_employer = funding.caseload_by_employer(serving, pd.Timestamp("2024-02-20")).set_index(
        "employer")  # fmt: skip
    assert by_employer.loc["PCN1", ["open_referrals", "held_referrals", "wte"]].tolist() == [
        1, 2, 1.0]  # fmt: skip
    assert list(by_employer.index) == ["PCN1"]  # L2 holds none of E1's referrals


def test_wait_to_first_contact():
    referrals, _, _ = _link_data()
    waits = funding.wait_to_contact(referrals, JAN, FEB_END).set_index("label")
    assert waits.loc["Jan 2024", "median_days"] == pytest.approx(6.5)  # 3 and 10 days
    assert (waits.loc["Feb 2024", "referrals"], waits.loc["Feb 2024", "contacted"]) == (2, 1)
    shown = funding.WAIT_SPEC.disclose(waits.reset_index(), Level.ROUND)
    assert (shown.marks["median_days"].iloc[0]) == "too few"  # 2 people contacted


def test_cost_per_person_connected_within_90_days_by_hand():
    serving, connections = _serving()
    cost = funding.link_worker_cost(serving, connections, JAN, FEB_END,
                                    pd.Timestamp("2024-06-30"), 36_000)  # fmt: skip
    # 1.0 WTE in January, 1.5 in February: 2.5 WTE-months = £7,500; R2 connected (12 days)
    row = cost.iloc[0]
    assert row["cost_gbp"] == pytest.approx(7_500)
    assert row[["held_referrals", "referrals", "eligible", "connected"]].tolist() == [4, 4, 4, 1]
    off = funding.COST_SPEC.disclose(cost, Level.OFF).values
    # 1 of 4 connected: the 4 referrals connect 1 person at £7,500
    assert off["cost_per_connected_gbp"].iloc[0] == pytest.approx(7_500)
    # the data end on 25 April: R3 and R4 (February) have not had their 90 days, so they are
    # too recent to judge, not unconnected: 1 of 2 (50%) connected, so the 4 referrals connect
    # 2 people, £3,750 each (counting R3 and R4 as unconnected would say £7,500)
    early = funding.link_worker_cost(serving, connections, JAN, FEB_END,
                                     pd.Timestamp("2024-04-25"), 36_000)  # fmt: skip
    assert early[["eligible", "connected", "too_recent"]].iloc[0].tolist() == [2, 1, 2]
    shown = funding.COST_SPEC.disclose(early, Level.OFF).values
    assert shown["connected_pct"].iloc[0] == 50
    assert shown["cost_per_connected_gbp"].iloc[0] == pytest.approx(3_750)
    hidden = funding.COST_SPEC.disclose(cost, Level.ROUND)
    assert hidden.marks["cost_per_connected_gbp"].iloc[0] == "*"  # 1 person: hidden


def test_a_places_share_of_the_link_worker_cost():
    serving, connections = _serving("E1")
    cost = funding.link_worker_cost(serving, connections, JAN, FEB_END,
                                    pd.Timestamp("2024-06-30"), 36_000)  # fmt: skip
    # L1 alone: 2 WTE-months, £6,000, taking on R1, R2 and R4; the place's 2 of those 3 carry
    # £4,000 and connect 1 person (R2): £4,000 per person connected
    row = funding.COST_SPEC.disclose(cost, Level.OFF).values.iloc[0]
    assert (row["cost_gbp"], row["held_referrals"], row["referrals"]) == (6_000, 3, 2)
    assert row["place_cost_gbp"] == pytest.approx(4_000)
    assert row["cost_per_connected_gbp"] == pytest.approx(4_000)


def test_a_month_the_data_end_inside_counts_its_share():
    # data to 15 April 2024: half of April (15 of 30 days) is in the period
    years = funding.financial_years_in(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-15"))
    assert years["months_in_period"].tolist() == [1.0, 0.5]


def test_caseload_by_employer_on_a_day():
    table = funding.caseload_by_employer(_serving()[0], pd.Timestamp("2024-02-20"))
    table = table.set_index("employer")
    # on 20 Feb: R1 closed; R2 and R4 (L1, PCN1) and R3 (L2, PCN2) open; L2 started on 15 Feb
    assert table["open_referrals"].to_dict() == {"PCN1": 2, "PCN2": 1}
    assert table["wte"].to_dict() == {"PCN1": 1.0, "PCN2": 0.5}
    shown = funding.CASELOAD_SPEC.disclose(table.reset_index(), Level.OFF).values
    assert shown["caseload_per_wte"].tolist() == pytest.approx([2.0, 2.0])


def test_part_years_and_assets_valued_at_the_assumed_cost():
    # October 2024 to June 2025: 6 months of 2024/25 and 3 of 2025/26, both part years
    part = funding.part_years(pd.Timestamp("2024-10-01"), pd.Timestamp("2025-06-30"))
    assert part["financial_year"].tolist() == ["2024/25", "2025/26"]
    assert part["months_in_period"].tolist() == [6, 3]
    # April 2024 to June 2025: 2024/25 whole, only 2025/26 (3 months) a part
    part = funding.part_years(pd.Timestamp("2024-04-01"), pd.Timestamp("2025-06-30"))
    assert part["financial_year"].tolist() == ["2025/26"]
    assert funding.part_years(pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31")).empty
    # A in two years and B assumed, C not: 2 assets, A counted once
    work = pd.DataFrame({"asset_id": ["A", "A", "B", "C"],
                         "cost_assumed": [True, True, True, False]})  # fmt: skip
    assert funding.assumed_cost_assets(work) == 2


def test_funding_moved_in_a_what_if_by_hand():
    amounts = pd.Series({"O1": 1_000.0, "O2": 500.0})
    moved = funding.moved_funding(amounts, (("O1", "O3", 1_500.0), ("O2", "O1", 200.0)))
    # O1: 1,000 - 1,500 + 200 = -300; O2: 500 - 200 = 300; O3 unfunded before: 0 + 1,500
    assert moved.to_dict() == {"O1": -300.0, "O2": 300.0, "O3": 1_500.0}
    assert funding.overdrawn(moved) == ["O1"]
    assert funding.moved_funding(amounts, ()).to_dict() == amounts.to_dict()
    assert funding.overdrawn(amounts) == []
    # to the pound, £0 for a provider with none
    funded = funding.funding_of(
        pd.Series(["O1", "O2", "O9"]), pd.Series({"O1": 1_000.4, "O2": 499.6})
    )
    assert funded.tolist() == [1_000.0, 500.0, 0.0]
