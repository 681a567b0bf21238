"""Making Data Count XmR charts: limits and each special-cause rule on short series worked
out by hand, a published example, and the disclosure rules of the SPC panels."""

import numpy as np
import pandas as pd
import pytest

from socialrx.disclosure import Level
from socialrx.metrics import pathway, spc
from socialrx.views import referral_flows
from socialrx.views.referral_flows import PathwayTables

# Limits made by hand for the rule tests: centre 0, two sigma at +/-2, process limits at +/-3.
LIMITS = spc.Limits(mean=0.0, mean_moving_range=3 / 2.66, lower=-3.0, upper=3.0,
                    lower_two_sigma=-2.0, upper_two_sigma=2.0, points=12, screened=0)  # fmt: skip


def _rules(values, observed=None) -> pd.DataFrame:
    return spc.signals(values, LIMITS, observed)


def test_limits_by_hand():
    # alternating 1 and 3: mean 2, every moving range 2, limits 2 +/- 2.66 x 2
    limits = spc.xmr_limits([1, 3] * 6)
    assert limits.mean == 2 and limits.mean_moving_range == 2
    assert (limits.lower, limits.upper) == pytest.approx((2 - 5.32, 2 + 5.32))
    assert limits.upper_two_sigma == pytest.approx(2 + 2 * 5.32 / 3)
    assert limits.points == 12 and limits.screened == 0


def test_freak_moving_ranges_are_screened_out():
    # moving ranges 2 x 7, 30 and 28: their mean is 72 / 9 = 8, and 30 and 28 are at or above
    # 3.267 x 8 = 26.1, so they are left out: the mean moving range becomes 2
    values = [10, 12, 10, 12, 10, 12, 10, 40, 12, 10]
    limits = spc.xmr_limits(values)
    assert limits.screened == 2 and limits.mean_moving_range == 2
    assert limits.mean == pytest.approx(13.8)  # the mean keeps every point
    assert (limits.lower, limits.upper) == pytest.approx((13.8 - 5.32, 13.8 + 5.32))


def test_the_published_example_of_nhsrplotthedots():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc_standard.md: 20 draws of R's rnorm with
    # set.seed(123) give mean 0.142, lower limit -3.01, upper limit 3.29
    values = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
              0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
              0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
              0.70135590, -0.47279141]  # fmt: skip
    limits = spc.xmr_limits(values)
    assert round(limits.mean, 3) == 0.142
    assert round(limits.lower, 2) == -3.01 and round(limits.upper, 2) == 3.29
    _, flags = spc.xmr(values)
    assert not flags["special"].any()  # random noise: common cause throughout


def test_the_baseline_fixes_the_limits_for_later_points():
    values = [1, 3] * 6 + [20, 21]
    baseline = np.arange(len(values)) < 12
    limits, flags = spc.xmr(values, baseline, improvement=spc.HIGHER_IS_BETTER)
    assert limits.mean == 2 and limits.points == 12
    assert flags["beyond"].tolist()[-2:] == [True, True]
    assert flags["variation"].tolist()[-1] == spc.IMPROVEMENT
    assert spc.xmr_limits([5, 5, 5, 5]) is None  # no variation: limits have no width
    assert spc.xmr_limits([5]) is None


def test_a_point_beyond_a_limit():
    flags = _rules([0, 3.5, 0, -3.1, 3.0])
    assert flags["beyond"].tolist() == [False, True, False, True, False]  # on the limit: no
    assert flags["direction"].tolist()[:4] == [0, 1, 0, -1]


def test_a_run_of_seven_on_one_side():
    assert _rules([1] * 7)["run"].all()
    assert not _rules([1] * 6)["run"].any()
    assert not _rules([1, 1, 1, 0, 1, 1, 1, 1])["run"].any()  # a point on the line breaks it
    flags = _rules([-1] + [-0.5] * 7)
    assert flags["run"].all() and (flags["direction"] == -1).all()


def test_a_trend_of_seven():
    rising = [-1.5, -1, -0.5, 0.1, 0.5, 1, 1.5]
    flags = _rules(rising)
    assert flags["trend"].all() and not flags["run"].any()
    assert (flags["direction"] == 1).all()
    assert not _rules(rising[:6])["trend"].any()  # six points are not a trend
    assert not _rules([-1.5, -1, -0.5, -0.5, 0.5, 1, 1.5])["trend"].any()  # a tie breaks it
    falling = _rules([0.1, 1.9, 1.5, 1.0, 0.5, 0.2, -0.3, -1])
    assert falling["trend"].tolist() == [False] + [True] * 7
    assert (falling["direction"][1:] == -1).all()  # falling, though most are above the line


def test_two_of_three_beyond_two_sigma_on_one_side():
    assert _rules([2.5, 0, 2.5])["two_of_three"].tolist() == [True, False, True]
    assert not _rules([2.5, 0, -2.5])["two_of_three"].any()  # opposite sides
    assert not _rules([2.5, 0, 0, 2.5])["two_of_three"].any()  # 2 of 4 is not 2 of 3
    assert _rules([3.5, 2.5, 0])["two_of_three"].tolist() == [True, True, False]  # or beyond
    assert _rules([-2.1, -2.2, 1])["direction"].tolist() == [-1, -1, 0]


def test_a_hidden_point_never_counts_and_breaks_runs_and_trends():
    observed = np.ones(8, bool)
    observed[3] = False
    assert not _rules([1] * 8, observed)["run"].any()
    assert not _rules([-1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2], observed)["trend"].any()
    flags = _rules([2.5, 2.5, 0, 0, 0, 0, 0, 0], np.array([True, False] + [True] * 6))
    assert not flags["two_of_three"].any() and not flags["special"][1]


@pytest.mark.parametrize(
    ("improvement", "high", "low"),
    [
        (spc.HIGHER_IS_BETTER, spc.IMPROVEMENT, spc.CONCERN),
        (spc.LOWER_IS_BETTER, spc.CONCERN, spc.IMPROVEMENT),
        (spc.NEITHER, spc.NEUTRAL, spc.NEUTRAL),
    ],
)
def test_variation_in_words(improvement, high, low):
    assert spc.point_type(True, 1, improvement) == high
    assert spc.point_type(True, -1, improvement) == low
    assert spc.point_type(False, 0, improvement) == spc.COMMON
    row = {"special": True, "direction": 1, "beyond": True, "run": False, "trend": False,
           "two_of_three": False}  # fmt: skip
    assert spc.describe_point(row, improvement) == f"{high} (higher: beyond a process limit)"


def _tables(referrals_per_month, as_at="2025-02-28") -> PathwayTables:
    months = pd.date_range("2024-01-01", periods=len(referrals_per_month), freq="MS")
    rows = []
    for step in pathway.STEPS[1:]:
        rows.append(pd.DataFrame({"month": months, "step": step,
                                  "referrals": referrals_per_month, "judged": referrals_per_month,
                                  "reached": [r // 2 for r in referrals_per_month],
                                  "timed": referrals_per_month, "median_days": 6.0,
                                  "p90_days": 12.0, "median_days_interpolated": 6.2}))  # fmt: skip
    trend = pd.concat(rows, ignore_index=True)
    return PathwayTables(pd.DataFrame(), trend, pd.DataFrame(), trend, pd.Timestamp(as_at))


def test_a_hidden_month_is_a_gap_with_no_signal_and_no_part_in_the_limits():
    counts = [100, 104, 98, 102, 100, 99, 101, 103, 97, 100, 5, 101, 99, 100]
    panel = referral_flows.spc_panel(_tables(counts), "referrals", Level.ROUND, None)
    shown = panel.disclosed.values
    assert pd.isna(shown.loc[10, "value"])  # 5 referrals: hidden, a gap, never 0
    assert panel.table.loc[10, "signal"] == ""  # far below the limits, but not drawn
    assert not panel.table["signal"].astype(bool).any()
    drawn = [c for i, c in enumerate(counts) if i != 10]
    assert panel.table.loc[0, "centre"] == 100  # mean of the drawn months, to the nearest 5
    limits = spc.xmr_limits(np.array(counts, float), np.arange(14) != 10)
    assert limits is not None
    figure = panel.figure
    ys = figure.data[0].y
    assert np.isnan(ys[10]) and list(ys[:3]) == [100, 105, 100]
    assert figure.layout.title.text == "Referrals per month: is a change a signal?"
    assert "Referrals" in figure.layout.yaxis.title.text and figure.layout.xaxis.title.text
    assert "13 months shown" in panel.notes[0]
    assert np.mean(drawn) == pytest.approx(100.3, abs=0.1)


def test_limits_are_shown_no_finer_than_the_figures():
    counts = [100, 104, 98, 102, 100, 99, 101, 103, 97, 100, 96, 101, 99, 100]
    rounded = referral_flows.spc_panel(_tables(counts), "referrals", Level.ROUND, None)
    exact = referral_flows.spc_panel(_tables(counts), "referrals", Level.OFF, None)
    assert rounded.table.loc[0, "upper"] % 5 == 0
    assert exact.table.loc[0, "centre"] == round(np.mean(counts), 1)


def test_shares_leave_out_months_too_recent_for_the_window():
    counts = [100] * 14  # January 2024 to February 2025; the data runs to 28 February 2025
    tables = _tables(counts)
    series, _, _ = referral_flows.spc_series(tables, "connected")
    # connected within 90 days: a month counts once its last day is 90 days old
    assert series["month"].max() == pd.Timestamp("2024-11-01")  # 30 Nov + 90 = 28 Feb
    waits, _, _ = referral_flows.spc_series(tables, "contact_wait")
    assert waits["month"].max() == pd.Timestamp("2024-12-01")  # 31 Jan + 30 is 2 March
    counts_series, _, _ = referral_flows.spc_series(tables, "referrals")
    assert len(counts_series) == 14


def test_the_baseline_must_hold_12_months():
    counts = [100, 104, 98, 102, 100, 99, 101, 103, 97, 100, 96, 101, 99, 100]
    baseline = (pd.Period("2024-01", "M"), pd.Period("2024-06", "M"))
    panel = referral_flows.spc_panel(_tables(counts), "referrals", Level.ROUND, baseline)
    assert "fewer than 12" in panel.notes[0]
    assert panel.table["signal"].eq("").all()
    baseline = (pd.Period("2024-01", "M"), pd.Period("2024-12", "M"))
    panel = referral_flows.spc_panel(_tables(counts), "referrals", Level.ROUND, baseline)
    assert "12 months shown, Jan 2024 to Dec 2024" in panel.notes[0]


def test_a_baseline_with_no_variation_says_so():
    panel = referral_flows.spc_panel(_tables([100] * 14), "referrals", Level.OFF, None)
    assert "did not change" in panel.notes[0]
    assert panel.figure is not None  # the months are still drawn, without limits
