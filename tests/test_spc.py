"""Making Data Count XmR charts: limits and each special-cause rule on short series worked
out by hand, a published example, and the SPC panels: worked out from the series as shown,
by quarter where months cannot be charted, and seasonality said."""

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


def _quarters(trend: pd.DataFrame) -> pd.DataFrame:
    """The whole quarters of a monthly trend, counts summed (as `pathway.by_quarter` does)."""
    quarter = pd.DatetimeIndex(trend["month"]).to_period("Q")
    counts = ["referrals", "judged", "reached", "timed"]
    sums = trend.assign(month=quarter.start_time, months=1).groupby(["step", "month"])
    out = sums[[*counts, "months"]].sum().reset_index()
    out = out[out.pop("months") == 3].reset_index(drop=True)
    return out.assign(median_days=6.0, p90_days=12.0, median_days_interpolated=6.2)


def _tables(referrals_per_month, as_at="2025-02-28", start="2024-01-01") -> PathwayTables:
    months = pd.date_range(start, periods=len(referrals_per_month), freq="MS")
    rows = []
    for step in pathway.STEPS[1:]:
        rows.append(pd.DataFrame({"month": months, "step": step,
                                  "referrals": referrals_per_month, "judged": referrals_per_month,
                                  "reached": [r // 2 for r in referrals_per_month],
                                  "timed": referrals_per_month, "median_days": 6.0,
                                  "p90_days": 12.0, "median_days_interpolated": 6.2}))  # fmt: skip
    trend = pd.concat(rows, ignore_index=True)
    return PathwayTables(pd.DataFrame(), trend, pd.DataFrame(), trend, pd.Timestamp(as_at),
                         _quarters(trend))  # fmt: skip


def _shown(panel) -> tuple:
    """Everything an SPC panel shows: its table (CSV), figure, answer, notes and message."""
    figure = panel.figure
    return (
        panel.export().to_json(),
        None if figure is None else figure.to_json(),
        panel.answer_text,
        panel.shown_notes,
        panel.empty if figure is None else "",
    )


def test_a_month_shown_as_170_gives_one_chart_whatever_its_true_value():
    # 24 months; the 13th is 168-172, shown as 170 at the default level. Points, centre line,
    # limits and signals all come from the series as shown, so every true value consistent
    # with it gives the same chart: the signals of the old chart (worked out on exact values)
    # told 170-172 from 168-169.
    counts = [100, 110, 95, 105, 100, 115, 90, 105, 100, 110, 95, 105]
    counts += [170, 160, 165, 160, 170, 165, 160, 150, 110, 100, 105, 95]
    seen = set()
    for true in range(168, 173):
        counts[12] = true
        panel = referral_flows.spc_panel(_tables(counts, "2025-12-31"), "referrals",
                                         Level.ROUND, None)  # fmt: skip
        assert panel.figure is not None and panel.disclosed.values["signal"].astype(bool).any()
        seen.add(_shown(panel))
    assert len(seen) == 1
    # the test can fail: at level off (exact figures) each true value gives its own chart
    exact = set()
    for true in range(168, 173):
        counts[12] = true
        panel = referral_flows.spc_panel(_tables(counts, "2025-12-31"), "referrals",
                                         Level.OFF, None)  # fmt: skip
        exact.add(_shown(panel))
    assert len(exact) == 5


def test_limits_come_from_the_series_as_shown():
    # 100 and 104 alternating are shown as 100 and 105: the centre line is 102.5 (not 102),
    # every moving range 5 (not 4), so the limits are 102.5 -/+ 2.66 x 5 = 89.2 and 115.8
    counts = [100, 104] * 7
    panel = referral_flows.spc_panel(_tables(counts), "referrals", Level.ROUND, None)
    row = panel.disclosed.values.iloc[0]
    assert (row["centre"], row["lower"], row["upper"]) == (102.5, 89.2, 115.8)
    assert list(panel.figure.data[0].y[:2]) == [100, 105]
    exact = referral_flows.spc_panel(_tables(counts), "referrals", Level.OFF, None)
    row = exact.disclosed.values.iloc[0]
    assert (row["centre"], row["lower"], row["upper"]) == (102.0, 91.4, 112.6)  # 102 -/+ 10.64
    assert panel.answer_text == (
        "Over the 14 months shown (Jan 2024 to Feb 2025), referrals show no signal beyond "
        "common-cause variation."
    )


def test_a_hidden_month_means_quarters_not_a_chart_of_months():
    counts = [100, 104, 98, 102, 100, 99, 101, 103, 97, 100, 5, 101, 99, 100, 102]
    tables = _tables(counts, "2025-03-31")
    months = referral_flows.spc_panel(tables, "referrals", Level.ROUND, None, "month")
    assert months.figure is None  # a gap would leave the limits to say where it lies
    assert months.empty.startswith(
        "Months cannot be charted here: 1 month with 1-7 referrals (hidden). Quarters can"
    )
    # automatic: by quarter, the exact months summed before rounding (Jan-Mar 302, shown 300;
    # Oct-Dec 100 + 5 + 101 = 206, shown 205; Jan-Mar 2025 301, shown 300)
    quarters = referral_flows.spc_panel(tables, "referrals", Level.ROUND, None)
    assert quarters.title == "Referrals per quarter: is a change a signal?"
    shown = quarters.disclosed.values
    assert shown["value"].tolist() == [300, 300, 300, 205, 300]
    assert (
        "By quarter, because months cannot be charted here: 1 month with 1-7"
        in quarters.shown_notes[1]
    )
    assert "fewer than 12 quarters" in quarters.shown_notes[0]  # five quarters: points, no limits
    assert quarters.figure is not None and quarters.figure.layout.xaxis.title.text == "Quarter"
    assert list(quarters.figure.layout.xaxis.ticktext)[:2] == ["Jan-Mar 2024", "Apr-Jun 2024"]
    # at level off nothing is hidden: months are charted
    assert referral_flows.spc_panel(tables, "referrals", Level.OFF, None).figure is not None


def test_months_averaging_fewer_than_10_are_not_charted():
    # 8 and 0 alternating: shown as 10 and 0, an average of 5 a month; quarters hold 16 or 8
    # (shown 15 and 10, an average of 12.5), so they can be charted
    tables = _tables([8, 0] * 6)
    panel = referral_flows.spc_panel(tables, "referrals", Level.ROUND, None, "month")
    assert panel.figure is None
    assert "the months shown average 5.0 referrals, fewer than 10" in panel.empty
    assert referral_flows.spc_panel(tables, "referrals", Level.ROUND, None).title.endswith(
        "per quarter: is a change a signal?"
    )
    # shares: a month of fewer than 30 referrals old enough to judge has no share to chart
    few = _tables([20, 24] * 7)
    panel = referral_flows.spc_panel(few, "connected", Level.ROUND, None, "month")
    assert "with a figure resting on fewer than 30 people (too few)" in panel.empty
    # a place too small for quarters too (2 a month, 6 a quarter: hidden) is told to choose a
    # wider one
    tiny = referral_flows.spc_panel(_tables([2] * 14), "referrals", Level.ROUND, None)
    assert tiny.figure is None and "Choose a wider place" in tiny.empty


def test_a_signal_repeating_the_same_months_a_year_before_is_called_seasonal():
    # January and February 150 each year, the other months 90-115: mean 2,960 / 26 = 113.8,
    # mean moving range 400 / 25 = 16, so two sigma is 113.8 + 1.773 x 16 = 142.2 and each
    # January and February is 2 of 3 beyond it (the limit, 156.4, is not crossed)
    noise = [100, 110, 95, 105, 100, 115, 90, 105, 100, 110]
    panel = referral_flows.spc_panel(
        _tables([150, 150, *noise, 150, 150, *noise, 150, 150], "2026-02-28"),
        "referrals", Level.ROUND, None,
    )  # fmt: skip
    assert panel.answer_text == (
        "Over the 26 months shown (Jan 2024 to Feb 2026), referrals show special cause "
        "variation: higher from Jan 2026 to Feb 2026 (2 of 3 points beyond two sigma), neither "
        "better nor worse. 4 months before that signal too."
    )
    assert panel.shown_notes[-1].startswith(
        "Seasonality: the signals in Jan 2025 to Feb 2025 and Jan 2026 to Feb 2026 repeat the "
        "same months of the year before"
    )
    # fewer than two years: no note
    short = referral_flows.spc_panel(
        _tables([150, 150, *noise, 150, 150, *noise[:5]]), "referrals", Level.ROUND, None
    )
    assert not any(n.startswith("Seasonality") for n in short.shown_notes)


def test_shares_leave_out_months_too_recent_for_the_window():
    counts = [100] * 14  # January 2024 to February 2025; the data runs to 28 February 2025
    tables = _tables(counts)
    series, _ = referral_flows.spc_series(tables, "connected")
    # connected within 90 days: a month counts once its last day is 90 days old
    assert series["month"].max() == pd.Timestamp("2024-11-01")  # 30 Nov + 90 = 28 Feb
    waits, _ = referral_flows.spc_series(tables, "contact_wait")
    assert waits["month"].max() == pd.Timestamp("2024-12-01")  # 31 Jan + 30 is 2 March
    counts_series, _ = referral_flows.spc_series(tables, "referrals")
    assert len(counts_series) == 14
    # by quarter, the same rule on the quarter's last day: Oct-Dec 2024 (31 Dec + 90 = 31 Mar)
    # is too recent for connection
    quarters, _ = referral_flows.spc_series(tables, "connected", referral_flows.QUARTER)
    assert quarters["month"].max() == pd.Timestamp("2024-07-01")


def test_the_baseline_must_hold_12_months():
    counts = [100, 104, 98, 102, 100, 99, 101, 103, 97, 100, 96, 101, 99, 100]
    baseline = (pd.Period("2024-01", "M"), pd.Period("2024-06", "M"))
    panel = referral_flows.spc_panel(_tables(counts), "referrals", Level.ROUND, baseline)
    assert "fewer than 12" in panel.shown_notes[0]
    assert panel.disclosed.values["signal"].eq("").all() and panel.answer_text == ""
    baseline = (pd.Period("2024-01", "M"), pd.Period("2024-12", "M"))
    panel = referral_flows.spc_panel(_tables(counts), "referrals", Level.ROUND, baseline)
    assert "12 months shown, Jan 2024 to Dec 2024" in panel.shown_notes[0]


def test_a_baseline_with_no_variation_says_so():
    panel = referral_flows.spc_panel(_tables([100] * 14), "referrals", Level.OFF, None)
    assert "did not change" in panel.shown_notes[0]
    assert panel.figure is not None  # the months are still drawn, without limits


def test_the_summary_says_the_year_on_the_year_before_and_that_the_signal_is_seasonal():
    # the series of the seasonal test above: January and February 150 each year, and the same
    # ten months between (100, 110, 95, 105, 100, 115, 90, 105, 100, 110: 1,030) in both years.
    # The last 12 months (Mar 2025 to Feb 2026) hold 1,030 + 300 = 1,330, as did the 12 before
    noise = [100, 110, 95, 105, 100, 115, 90, 105, 100, 110]
    panel = referral_flows.spc_panel(
        _tables([150, 150, *noise, 150, 150, *noise, 150, 150], "2026-02-28"),
        "referrals", Level.ROUND, None,
    )  # fmt: skip
    assert panel.lead_text == (
        "As many referrals in the 12 months to Feb 2026 as a year before (1,330 against 1,330). "
        "Referrals show special cause variation: higher from Jan 2026 to Feb 2026, neither "
        "better nor worse; it repeats the same months a year before: perhaps the season, not a "
        "change."
    )
    # the panel's own answer says the rules and the other signals, as before
    assert panel.answer_text.startswith("Over the 26 months shown (Jan 2024 to Feb 2026)")


def test_a_signal_the_year_before_did_not_have_is_not_the_season_alone():
    # 12 months at 100 and 104 alternating (shown 100, 105), then 12 at 150 and 154 (150, 155):
    # 1,830 against 1,230 a year before, up 600 / 1,230 = 49%. Against the first year's centre
    # line (102.5) a run of 7 above it starts in Dec 2024 (105) and runs on through 2025: one
    # shift, not a signal of the same months a year before come back
    counts = [100, 104] * 6 + [150, 154] * 6
    first_year = (pd.Period("2024-01", "M"), pd.Period("2024-12", "M"))
    tables = _tables(counts, "2025-12-31")
    lead = referral_flows.spc_panel(tables, "referrals", Level.ROUND, first_year).lead_text
    assert lead.startswith(
        "49% more referrals in the 12 months to Dec 2025 than a year before (1,830 against "
        "1,230). Referrals show special cause variation: higher from Dec 2024 to Dec 2025"
    )
    assert lead.endswith(
        "; it does not repeat a signal of the same months a year before, so it is not the "
        "season alone."
    )


def test_year_on_year_by_hand():
    months = pd.period_range("2024-01", periods=24, freq="M")
    year = spc.year_on_year(months, [10] * 12 + [15] * 12)
    assert (year.latest, year.before, year.change_pct) == (180, 120, 50)
    quarters = pd.period_range("2024Q1", periods=9, freq="Q")
    assert spc.year_on_year(quarters, [1] + [20] * 4 + [10] * 4).change_pct == -50
    assert spc.year_on_year(months[:23], [10] * 23) is None  # under two years
    assert spc.year_on_year(months, [10] * 23 + [None]) is None  # a point not shown
    assert spc.year_on_year(months, [0] * 12 + [5] * 12).change_pct is None  # nothing before


def test_one_shift_lasting_over_a_year_does_not_repeat_itself():
    months = pd.period_range("2024-01", periods=26, freq="M")
    shift = np.r_[np.zeros(10, int), np.ones(16, int)]  # high from Nov 2024 to Feb 2026
    assert not spc.seasonal_repeats(months, shift).any()
    # two winters apart: the second repeats the first
    winters = np.zeros(26, int)
    winters[[0, 1, 12, 13, 24, 25]] = 1
    assert list(np.flatnonzero(spc.seasonal_repeats(months, winters))) == [12, 13, 24, 25]
