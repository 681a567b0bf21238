"""The equity page's answers and the summaries of disclosed tables they rest on
(`metrics.equity_summary`, `views.equity_answers`), on tables written out by hand."""

import numpy as np
import pandas as pd
import pytest
from test_equity import _standardised_six

from socialrx.disclosure import Level
from socialrx.metrics import equity
from socialrx.metrics import equity_summary as summary
from socialrx.views import equity_answers as answers

# --- summaries of disclosed tables -------------------------------------------------------------


def test_poorly_recorded_names_the_shares_under_80_per_cent():
    values = pd.DataFrame({"group": ["a", "b", "c", "d"],
                           "x_pct": [79.0, 80.0, np.nan, 50.0],
                           "y_pct": [90.0, 60.0, 70.0, 95.0]})  # fmt: skip
    poor = summary.poorly_recorded(values, ("x_pct", "y_pct"))
    # a: x 79 (under 80); b: y 60; c: y 70 (its x not shown, not judged); d: x 50. 80 is not
    # under 80
    assert poor["group"].tolist() == ["a", "b", "c", "d"]
    assert poor["poor"].tolist() == [("x_pct",), ("y_pct",), ("y_pct",), ("x_pct",)]
    assert summary.poorly_recorded(values.assign(x_pct=90.0, y_pct=80.0), ("x_pct",)).empty


def test_lowest_recorded_leaves_out_the_row_of_all_referrals():
    values = pd.DataFrame({"month": ["all referrals", "2024-01", "2024-02", "2024-03"],
                           "x_pct": [50.0, 97.0, 95.0, 95.0],
                           "y_pct": [np.nan, np.nan, np.nan, np.nan]})  # fmt: skip
    (lowest,) = summary.lowest_recorded(values, "month", ("x_pct", "y_pct"))
    assert (lowest.share, lowest.value, lowest.groups) == ("x_pct", 95.0, ("2024-02", "2024-03"))


def test_group_contrast_of_the_most_and_least_deprived_shown():
    values = pd.DataFrame({"imd_quintile": [1, 2, 3, 5],
                           "rate_per_1000": [18.0, 15.0, 9.0, 8.0],
                           "rate_low": [17.0, 14.0, 8.0, 6.5],
                           "rate_high": [19.0, 16.0, 10.0, 9.5]})  # fmt: skip
    found = summary.group_contrast(values, "imd_quintile", "rate_per_1000")
    # 18 against 8 (quintile 4 has no row): 2.25 times; 17-19 and 6.5-9.5 do not overlap
    assert (found.first_group, found.first, found.last_group, found.last) == (1, 18.0, 5, 8.0)
    assert found.ratio == pytest.approx(2.25) and found.apart is True
    touching = values.assign(rate_high=[19.0, 16.0, 10.0, 17.5])
    assert summary.group_contrast(touching, "imd_quintile", "rate_per_1000").apart is False
    shares = values[["imd_quintile"]].assign(share_pct=[47.0, 25.0, np.nan, 4.0])
    found = summary.group_contrast(shares, "imd_quintile", "share_pct")
    assert (found.first, found.last, found.apart) == (47.0, 4.0, None)
    assert summary.group_contrast(shares.head(1), "imd_quintile", "share_pct") is None


def test_largest_groups_tie_and_skip_the_unrecorded():
    values = pd.DataFrame({
        "characteristic": ["Age band"] * 3 + ["Sex"] * 3,
        "group": ["55-64", "65-74", "not recorded", "female", "male", "not stated"],
        "share_pct": [17.0, 17.0, 60.0, 59.0, 39.0, np.nan],
    })  # fmt: skip
    found = summary.largest_groups(values)
    assert [(f.characteristic, f.groups, f.share) for f in found] == [
        ("Age band", ("55-64", "65-74"), 17.0),
        ("Sex", ("female",), 59.0),
    ]


def test_most_deprived_fifth_beside_its_share_of_adults():
    values = pd.DataFrame({"imd_quintile": [1, 2], "share_pct": [47.0, 25.0],
                           "population_pct": [36, 22]})  # fmt: skip
    reach = summary.most_deprived_fifth(values)
    assert (reach.share, reach.population, reach.more) == (47.0, 36.0, True)
    assert summary.most_deprived_fifth(values.assign(population_pct=47)).more is None
    assert summary.most_deprived_fifth(values.assign(share_pct=np.nan)) is None


def test_slope_reading_says_which_way_referrals_go():
    values = pd.DataFrame({"measure": ["sii", "rii"], "value": [13.5, 99.0],
                           "low": [8.9, 65.4], "high": [18.1, 132.5]})  # fmt: skip
    reading = summary.slope_reading(values)
    assert (reading.value, reading.relative, reading.direction) == (13.5, 99.0, "rises")
    assert summary.slope_reading(values.assign(low=[-1.0, -5.0])).direction == "unclear"
    falling = values.assign(low=[-5.0, -30.0], high=[-2.0, -9.0])
    assert summary.slope_reading(falling).direction == "falls"
    assert summary.slope_reading(values.assign(value=[np.nan, np.nan])) is None


# --- the answers ---------------------------------------------------------------------------------


def _six_shown(method: str) -> pd.DataFrame:
    result = _standardised_six()
    basis = {"strata": equity.STRATA_SPEC.disclose(result.strata, Level.OFF)}
    return equity.standardised_spec(result, method).disclose(result.table, Level.OFF, basis)


def test_the_standardised_answer_names_the_practice_and_says_what_each_allowance_does():
    # F (20 of 100 expected) is below the place beyond chance; unusual among practices with
    # the multiplicative widening, not the additive (test_standardised_ratios_answer_...)
    said = answers.standardised_answer(_six_shown(equity.ADDITIVE).values, equity.ADDITIVE)
    assert said.startswith(
        "1 practice refers less than the place beyond chance (observed / expected referrals, "
        "given the age and sex of their lists): F (F: 0.20). It is not unusual among practices "
        "once the wide variation between practices is allowed for by an additive random effect "
        "(tau²); with no allowance (Poisson limits only) and the multiplicative allowance "
        "(√phi), it would be."
    )
    said = answers.standardised_answer(
        _six_shown(equity.MULTIPLICATIVE).values, equity.MULTIPLICATIVE
    )
    assert "It also stands out as unusual among practices" in said
    assert "with the additive allowance (tau²), it would not be" in said
    # E records age band and sex for 20% of its adult referrals, F for 50%: said
    assert said.endswith(
        "Recording is poor behind 2 of the practices compared (under 80% of referrals with it "
        "recorded, so the comparison rests on poorly recorded data): E: age band and sex "
        "20%; F: age band and sex 50%."
    )


def test_the_funnel_answer_with_the_place_hidden_or_nothing_beyond_chance():
    hidden = pd.DataFrame({"place_rate": [np.nan]})
    assert "not compared" in answers.funnel_answer(hidden, equity.ADDITIVE)
    values = pd.DataFrame({
        "practice_code": ["P0", "P1"], "name": ["North", "South"], "place_rate": [10.0, 10.0],
        "rate_per_1000": [9.0, 11.0], "refers_less": [False, pd.NA],
        "refers_more": [False, False], "phi": [np.nan] * 2, "dispersion_p": [np.nan] * 2,
        "tau2": [np.nan] * 2, "expected": [50.0, 50.0],
        "age_recorded_pct": [100.0, 100.0], "ethnicity_recorded_pct": [95.0, 100.0],
    })  # fmt: skip
    assert answers.funnel_answer(values, equity.ADDITIVE) == (
        "No practice refers more or less than the place beyond chance (referrals per 1,000 "
        "registered adults a year, against the place's 10.0); for 1 the rounding leaves it open."
    )


def test_deprivation_answers_and_poor_area_recording():
    values = pd.DataFrame({"imd_quintile": [1, 5], "rate_per_1000": [17.9, 8.4],
                           "rate_low": [17.0, 6.7], "rate_high": [18.9, 10.4],
                           "share_pct": [47.0, 4.0], "decile_known_pct": [72.0, 72.0]})  # fmt: skip
    assert answers.deprivation_answer(values, "imd_quintile", True) == (
        "Adults living in the most deprived fifth of areas (IMD quintile 1) are referred at "
        "17.9 per 1,000 a year, against 8.4 in the least deprived shown (quintile 5): 2.1 "
        "times the rate; their 95% intervals do not overlap. Only 72% of adult referrals have "
        "a recorded area with a decile, so this comparison rests on poorly recorded data."
    )
    well = values.assign(decile_known_pct=99.0)
    assert answers.deprivation_answer(well, "imd_quintile", False) == (
        "47% of the chosen practices' adult referrals with a known decile come from people "
        "living in the most deprived fifth of areas (IMD quintile 1), 4% from the least "
        "deprived shown (quintile 5)."
    )


def test_completeness_answers_name_the_poorly_recorded_months():
    values = pd.DataFrame({
        "month": ["all referrals", "2024-01", "2024-02", "2024-03"],
        "ethnicity_recorded_pct": [85.0, 62.0, 95.0, 79.0],
        "age_recorded_pct": [100.0] * 4, "sex_recorded_pct": [100.0] * 4,
        "area_recorded_pct": [99.0, 100.0, 99.0, np.nan],
    })  # fmt: skip
    assert answers.completeness_answer(values, "month", "months") == (
        "Ethnicity is recorded for under 80% of referrals in 2 months: 2024-01 (62%); "
        "2024-03 (79%). Comparisons resting on them rest on poorly recorded data."
    )
    well = values.assign(ethnicity_recorded_pct=[98.0, 99.0, 97.0, 97.0])
    assert answers.completeness_answer(well, "month", "months") == (
        "Every month with enough referrals to judge records each field for at least 80% of "
        "them; the lowest: ethnicity recorded for 97% of referrals in 2024-02 and 2024-03."
    )


def test_who_was_referred_answer_and_poorly_recorded_ethnicity():
    values = pd.DataFrame({
        "characteristic": ["Sex", "Sex", "Ethnic group", "Ethnic group"],
        "group": ["female", "male", "white", "not stated"],
        "share_pct": [60.0, 40.0, 70.0, 30.0], "recorded_pct": [100.0, 100.0, 70.0, 70.0],
    })  # fmt: skip
    assert answers.distribution_answer(values) == (
        "The largest groups referred: sex female (60%); ethnic group white (70%). Recorded "
        "only ethnic group for 70% of referrals: a comparison of those groups rests on poorly "
        "recorded data, and a group missing from the recording is not necessarily missing "
        "from the service."
    )


def test_slope_answer_in_words():
    values = pd.DataFrame({"measure": ["sii", "rii"], "value": [13.5, 99.0],
                           "low": [8.9, 65.4], "high": [18.1, 132.5]})  # fmt: skip
    assert answers.slope_answer(values) == (
        "Referrals rise with deprivation: the modelled rate is 13.5 per 1,000 adults a year "
        "higher in the most deprived areas than in the least (95% CI 8.9 to 18.1), 99% of the "
        "average rate."
    )
    assert "Too few" in answers.slope_answer(values.assign(value=np.nan))


def test_the_summarys_openings_name_at_most_three():
    # five practices below the place beyond chance, one of them hidden (1-7 referrals, its rate
    # the range 0.4 to 2.9); two above. The summary names the three lowest: the hidden one, then
    # 1.5 and 2.0; the panel's own answer names all five
    rates = [6.0, 1.5, np.nan, 2.0, 4.0, 20.0, 22.0]
    values = pd.DataFrame({
        "practice_code": [f"P{i}" for i in range(7)], "name": [f"Practice {i}" for i in range(7)],
        "place_rate": [13.0] * 7, "rate_per_1000": rates,
        "rate_from": [np.nan, np.nan, 0.4, np.nan, np.nan, np.nan, np.nan],
        "rate_to": [np.nan, np.nan, 2.9, np.nan, np.nan, np.nan, np.nan],
        "refers_less": [True] * 5 + [False] * 2, "refers_more": [False] * 5 + [True] * 2,
        "phi": [np.nan] * 7, "dispersion_p": [np.nan] * 7, "tau2": [np.nan] * 7,
        "age_recorded_pct": [100.0] * 7, "ethnicity_recorded_pct": [100.0] * 7,
    })  # fmt: skip
    assert answers.funnel_answer(values, equity.ADDITIVE, lead=True) == (
        "5 practices refer less than the place beyond chance (referrals per 1,000 registered "
        "adults a year, against the place's 13.0): the lowest Practice 2 (P2: fewer than 8 "
        "referrals, 0.4 to 2.9); Practice 1 (P1: 1.5); Practice 3 (P3: 2.0); and 2 more; 2 "
        "refer more."
    )
    assert "Practice 4 (P4: 4.0)" in answers.funnel_answer(values, equity.ADDITIVE)
    ranked = values.drop(index=2).sort_values("rate_per_1000", ascending=False)  # as the panel
    assert answers.ranked_answer(ranked, lead=True) == "Rates run from 22.0 (P6) to 1.5 (P1)."


def test_the_summarys_openings_of_the_standardised_deprivation_and_recording_panels():
    ratios = pd.DataFrame({"practice_code": ["A", "B", "C"], "ratio": [0.2, np.nan, 1.5],
                           "expected": [40.0, 10.0, 50.0], "refers_less": [True, True, False],
                           "refers_more": [False, False, True]})  # fmt: skip
    assert answers.standardised_lead(ratios) == (
        "For the age and sex of their lists: 2 below expected beyond chance (A: 0.20; B), 1 above."
    )
    deciles = pd.DataFrame({"imd_decile": [1, 10], "rate_per_1000": [17.7, 8.4]})
    # 17.7 / 8.4 = 2.1 times
    assert answers.deprivation_lead(deciles, "imd_decile", True) == (
        "By decile: 17.7 per 1,000 adults a year in decile 1, 2.1 times the 8.4 in decile 10."
    )
    months = pd.DataFrame({
        "month": ["all referrals", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05"],
        "ethnicity_recorded_pct": [70.0, 62.0, 95.0, 79.0, 50.0, 60.0],
        "age_recorded_pct": [100.0] * 6, "sex_recorded_pct": [100.0] * 6,
        "area_recorded_pct": [100.0] * 6,
    })  # fmt: skip
    assert answers.completeness_answer(months, "month", "months", lead=True) == (
        "Ethnicity is recorded for under 80% of referrals in 4 months: 2024-01 (62%); 2024-03 "
        "(79%); 2024-04 (50%); and 1 more. Comparisons resting on them rest on poorly recorded "
        "data."
    )
    well = months.assign(ethnicity_recorded_pct=99.0)
    assert answers.completeness_answer(well, "month", "months", lead=True) == (
        "Every month judged records each field for at least 80% of referrals."
    )
