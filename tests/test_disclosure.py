import pandas as pd
import pytest

from socialrx.disclosure import (
    Level,
    allowed_levels,
    deployment_floor,
    disclose_count,
    disclose_counts,
    disclose_statistic,
    disclosed_rate,
    shown,
)


def test_round_level_hides_1_to_7_and_rounds_the_rest_to_5():
    out = disclose_counts([0, 1, 7, 8, 12, 13, 1002], Level.ROUND)
    assert out.tolist()[:1] == [0]
    assert out.isna().tolist() == [False, True, True, False, False, False, False]
    assert out.dropna().tolist() == [0, 10, 10, 15, 1000]


def test_suppress_level_hides_1_to_7_only():
    out = disclose_counts([0, 3, 8, 12], Level.SUPPRESS)
    assert out.isna().tolist() == [False, True, False, False]
    assert out.dropna().tolist() == [0, 8, 12]


def test_off_level_is_exact():
    assert disclose_counts([3, 12], Level.OFF).tolist() == [3, 12]
    assert disclose_count(3, Level.OFF) == 3
    assert disclose_count(3, Level.ROUND) is None


def test_rate_uses_rounded_numerator_and_denominator():
    # 12 of 48: rounded 10 of 50 = 20%, not the exact 25%
    assert disclosed_rate([12], [48], Level.ROUND, per=100).iloc[0] == pytest.approx(20.0)
    assert pd.isna(disclosed_rate([5], [48], Level.ROUND, per=100).iloc[0])
    assert disclosed_rate([12], [48], Level.OFF, per=100).iloc[0] == pytest.approx(25.0)


def test_statistic_resting_on_1_to_7_people_is_hidden():
    out = disclose_statistic([1.5, 2.5, 3.5], [7, 8, 0], Level.ROUND)
    assert pd.isna(out.iloc[0]) and out.iloc[1] == 2.5 and out.iloc[2] == 3.5
    assert disclose_statistic([1.5], [7], Level.OFF).iloc[0] == 1.5


def test_deployment_floor_limits_the_choices():
    assert allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": "round"})) == [Level.ROUND]
    assert allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": "suppress"})) == [
        Level.ROUND,
        Level.SUPPRESS,
    ]
    assert Level.OFF in allowed_levels(deployment_floor({}))
    # a mistyped floor fails safe
    assert allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": "of"})) == [Level.ROUND]


def test_shown_marks_hidden_values():
    assert shown(None) == "*"
    assert shown(pd.NA) == "*"
    assert shown(1234.5, 1, "%") == "1,234.5%"
