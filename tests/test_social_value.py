"""Social value in WELLBYs: hand-worked on tiny tables."""

import math

import pandas as pd
import pytest

from socialrx.disclosure import Level
from socialrx.metrics import funding, outcomes, social_value
from socialrx.metrics.social_value import Assumptions, wellby_range


def test_the_range_is_the_interval_times_the_guidance_low_and_high_values():
    # change +0.5 (95% CI +0.2 to +0.8), nothing assumed: central 0.5 x 13,000 = 6,500;
    # low 0.2 x 10,000 = 2,000; high 0.8 x 16,000 = 12,800
    assert wellby_range(0.5, 0.2, 0.8, Assumptions()) == pytest.approx((2_000, 6_500, 12_800))


def test_an_interval_crossing_nought_runs_from_a_loss_to_a_gain():
    # CI -0.1 to +0.3: the least corner -0.1 x 16,000 = -1,600; the greatest 0.3 x 16,000
    assert wellby_range(0.1, -0.1, 0.3, Assumptions()) == pytest.approx((-1_600, 1_300, 4_800))


def test_stated_assumptions_multiply_every_figure():
    # 25% attributed for 2 years: factor 0.5; central 0.5 x 13,000 x 0.5 = 3,250
    stated = Assumptions(attribution=0.25, years=2)
    assert stated.factor == 0.5
    assert wellby_range(0.5, 0.2, 0.8, stated) == pytest.approx((1_000, 3_250, 6_400))
    assert "25% of the change attributed" in stated.words() and "2 years" in stated.words()
    assert "no share attributed" in Assumptions().words()
    assert "no duration assumed" in Assumptions().words()


@pytest.mark.parametrize("bad", [{"attribution": 1.5}, {"attribution": -0.1}, {"years": 0},
                                 {"years": 51}])  # fmt: skip
def test_assumptions_out_of_range_are_refused(bad):
    with pytest.raises(ValueError):
        Assumptions(**bad)


def test_a_hidden_change_has_no_value():
    assert all(math.isnan(v) for v in wellby_range(float("nan"), 0, 1, Assumptions()))


def _outcomes(changes: list[int]) -> pd.DataFrame:
    rows = []
    for i, change in enumerate(changes):
        base = 5
        rows.append((f"R{i}", social_value.MEASURE, "baseline", "2025-05-01", base))
        rows.append((f"R{i}", social_value.MEASURE, "follow_up", "2025-11-01", base + change))
    frame = pd.DataFrame(rows, columns=["referral_id", "measure", "timepoint", "assessed_date",
                                        "value"])  # fmt: skip
    frame["assessed_date"] = pd.to_datetime(frame["assessed_date"])
    return frame


def test_the_disclosed_row_uses_the_disclosed_number_measured_twice():
    # 32 people: 16 changed +1 and 16 changed 0, mean 0.5, SD sqrt(16 x 0.25 x 2 / 31) =
    # sqrt(8/31) = 0.5080; shown as 30 (rounded to 5), so the interval uses n = 30:
    # t(0.975, 29) = 2.0452, half = 2.0452 x 0.5080 / sqrt(30) = 0.1897: 0.3103 to 0.6897
    table = social_value.social_value_table(
        outcomes.paired_change(_outcomes([1] * 16 + [0] * 16)), Assumptions()
    )
    # the work as its basis: 26 started at £250 shown as 25, £6,250 over 25 = £250 a person
    work = {"work": funding.WORK_SPEC.disclose(_work([26], [250.0]), Level.ROUND)}
    shown = social_value.spec(Assumptions()).disclose(table, Level.ROUND, work).values.iloc[0]
    assert shown["paired"] == 30
    assert (shown["ci_low"], shown["ci_high"]) == (0.3, 0.7)  # shown to one decimal
    # £ a person: 0.3103 x 10,000 = 3,103; 0.5 x 13,000 = 6,500; 0.6897 x 16,000 = 11,035
    assert shown["value_low_gbp"] == pytest.approx(3_103, abs=2)
    assert shown["value_central_gbp"] == pytest.approx(6_500, abs=1)
    assert shown["value_high_gbp"] == pytest.approx(11_035, abs=2)
    # for the 30 people shown (not the 32 true): 6,500 x 30 = 195,000
    assert shown["people_central_gbp"] == pytest.approx(195_000, abs=30)
    assert shown["cost_per_person_gbp"] == 250
    answer = social_value.answer(
        social_value.spec(Assumptions()).disclose(table, Level.ROUND, work).values, Assumptions()
    )
    assert "£3,103 to £11,035 a person" in answer and "beside a cost of £250" in answer
    assert answer.endswith(social_value.NOT_APPRAISAL)


def test_fewer_than_thirty_shown_is_too_few_to_judge():
    # 27 people show as 25: no statistic and no £ figure
    table = social_value.social_value_table(
        outcomes.paired_change(_outcomes([1] * 27)), Assumptions()
    )
    shown = social_value.spec(Assumptions()).disclose(table, Level.ROUND).values
    assert shown["paired"].iloc[0] == 25 and pd.isna(shown["value_central_gbp"].iloc[0])
    assert social_value.answer(shown, Assumptions()).startswith("Too few to judge: 25 people")


def test_no_life_satisfaction_measured_says_so():
    other = _outcomes([1] * 40).assign(measure="swemwbs")
    table = social_value.social_value_table(outcomes.paired_change(other), Assumptions())
    assert table.empty
    assert "not measured" in social_value.answer(table, Assumptions())


def _work(started: list[int], costs: list[float]) -> pd.DataFrame:
    """Asset-years of `funding.work_by_asset_year`: everyone sent started."""
    return pd.DataFrame({"started": started, "sent": started, "not_taken": [0] * len(started),
                         "unit_cost_gbp": costs})  # fmt: skip


def test_the_cost_a_person_is_worked_out_where_the_panel_is_drawn():
    # asset-years 22 at £300 and 12 at £100 and 3 at £50: shown 20, 10 and hidden, so
    # (20 x 300 + 10 x 100) / 30 = £233.33, to the pound £233; at level off
    # (22 x 300 + 12 x 100 + 3 x 50) / 37 = 7,950 / 37 = £214.86, £215
    table = social_value.social_value_table(outcomes.paired_change(_outcomes([1] * 40)),
                                            Assumptions())  # fmt: skip
    work = _work([22, 12, 3], [300.0, 100.0, 50.0])
    for level, cost in ((Level.ROUND, 233), (Level.OFF, 215)):
        basis = {"work": funding.WORK_SPEC.disclose(work, level)}
        shown = social_value.spec(Assumptions()).disclose(table, level, basis)
        assert shown.values["cost_per_person_gbp"].iloc[0] == cost
    # no asset-year shown (or no basis): no cost
    hidden = {"work": funding.WORK_SPEC.disclose(_work([3], [50.0]), Level.ROUND)}
    for basis in (hidden, None):
        shown = social_value.spec(Assumptions()).disclose(table, Level.ROUND, basis)
        assert shown.text()["cost_per_person_gbp"].iloc[0] == "–"


def test_cost_per_person_from_the_asset_years_shown():
    # asset-years as shown: 20 started at £300 (£6,000), 10 at £100 (£1,000), one hidden:
    # (6,000 + 1,000) / 30 = £233.33; the hidden one is left out of both
    shown = pd.DataFrame({"started": pd.array([20, 10, None], "Int64"),
                          "value_taken_gbp": pd.array([6000, 1000, None], "Float64")})  # fmt: skip
    assert social_value.cost_per_person(shown) == pytest.approx(233.333, abs=1e-3)
    assert social_value.cost_per_person(shown.iloc[2:]) is None


def test_money_is_written_with_the_sign_before_the_pound():
    assert social_value.gbp(-1600) == "−£1,600" and social_value.gbp(2000) == "£2,000"
