"""Equity metrics: intervals, indirect standardisation, funnel limits and overdispersion, the
slope index of inequality, recording completeness, and their disclosure."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from socialrx.disclosure import BORDERLINE, SUPPRESSED, TOO_FEW, Level
from socialrx.metrics import equity, intervals
from socialrx.views.equity_charts import funnel_chart, practice_status


@pytest.fixture(scope="module")
def demo_dataset(demo):  # the shared demo (conftest.py)
    return demo


# --- intervals --------------------------------------------------------------------------------


def test_exact_poisson_interval_matches_scipy():
    counts = np.array([0, 1, 5, 10, 30, 100, 1000])
    low, high = intervals.poisson_interval(counts)
    # the exact (Garwood) limits are gamma quantiles, and each tail holds 2.5%
    assert low[0] == 0
    assert np.allclose(low[1:], stats.gamma.ppf(0.025, counts[1:]))
    assert np.allclose(high, stats.gamma.ppf(0.975, counts + 1))
    assert np.allclose(stats.poisson.sf(counts[1:] - 1, low[1:]), 0.025)
    assert np.allclose(stats.poisson.cdf(counts, high), 0.025)
    # the textbook figures for 10 events: 4.795 to 18.390
    assert low[3] == pytest.approx(4.795, abs=1e-3) and high[3] == pytest.approx(18.390, abs=1e-3)


def test_byar_is_close_to_exact_from_ten_events():
    counts = np.array([10, 20, 50, 100, 500, 5000])
    exact_low, exact_high = intervals.poisson_interval(counts)
    byar_low, byar_high = intervals.byar_interval(counts)
    assert np.allclose(byar_low, exact_low, rtol=0.01)
    assert np.allclose(byar_high, exact_high, rtol=0.005)
    # by hand for 10: 10 (1 - 1/90 - 1.96/(3 sqrt 10))^3 and 11 (1 - 1/99 + 1.96/(3 sqrt 11))^3
    z = stats.norm.ppf(0.975)
    assert byar_low[0] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3)
    assert byar_high[0] == pytest.approx(11 * (1 - 1 / 99 + z / (3 * math.sqrt(11))) ** 3)
    assert intervals.byar_interval([0])[0][0] == 0


def test_rate_interval_per_1000_a_year_over_every_count_the_shown_one_allows():
    from socialrx.disclosure import Rate, Spec

    per = 1000 * 2.0  # a six-month period
    spec = Spec(
        counts=("n",),
        rates={"rate": Rate("n", "pop", per)},
        derived={s: intervals.rate_interval("n", "pop", per, s.split("_")[1])
                 for s in ("rate_low", "rate_high")},
    )  # fmt: skip
    table = pd.DataFrame({"n": [10, 0, 5], "pop": [2000, 1000, pd.NA]})
    exact = spec.disclose(table, Level.OFF).values
    # 10 events: exact limits 4.795 to 18.390, per 2,000 adults, per 1,000 a year (x 2)
    assert exact.loc[0, "rate_low"] == pytest.approx(4.795 / 2000 * per, abs=1e-3)
    assert exact.loc[0, "rate_high"] == pytest.approx(18.390 / 2000 * per, abs=1e-3)
    assert exact.loc[1, "rate_low"] == 0
    assert pd.isna(exact.loc[2, "rate_low"]) and pd.isna(exact.loc[2, "rate_high"])
    shown = spec.disclose(table, Level.ROUND).values
    # a shown 10 may be 8-12: from the lower limit of 8 to the upper limit of 12
    low8, _ = intervals.poisson_interval([8])
    _, high12 = intervals.poisson_interval([12])
    assert shown.loc[0, "rate_low"] == pytest.approx(low8[0] / 2000 * per)
    assert shown.loc[0, "rate_high"] == pytest.approx(high12[0] / 2000 * per)
    assert shown.loc[0, "rate_low"] < exact.loc[0, "rate_low"]
    assert shown.loc[0, "rate_high"] > exact.loc[0, "rate_high"]


def test_indirect_standardisation_two_practices_by_hand():
    # Place rates: young 25 / 400 = 0.0625, old 55 / 200 = 0.275.
    # A: expected 100 x 0.0625 + 100 x 0.275 = 33.75, observed 40: ratio 1.185
    # B: expected 300 x 0.0625 + 100 x 0.275 = 46.25, observed 40: ratio 0.865
    population = pd.DataFrame(
        {
            "practice_code": ["A", "A", "B", "B"],
            "age_band": ["18-44", "65+", "18-44", "65+"],
            "sex": "female",
            "population": [100, 100, 300, 100],
        }
    )
    referrals = population.drop(columns="population").assign(referrals=[10, 30, 15, 25])
    out = equity.indirect_standardisation(referrals, population).set_index("practice_code")
    assert out.loc["A", "expected"] == pytest.approx(33.75)
    assert out.loc["B", "expected"] == pytest.approx(46.25)
    assert out.loc["A", "ratio"] == pytest.approx(40 / 33.75)
    assert out.loc["B", "ratio"] == pytest.approx(40 / 46.25)
    assert out["expected"].sum() == pytest.approx(out["observed"].sum())  # place's own rates
    low, high = intervals.poisson_interval([40])
    assert out.loc["A", "ratio_low"] == pytest.approx(low[0] / 33.75)
    assert out.loc["B", "ratio_high"] == pytest.approx(high[0] / 46.25)


def test_indirect_standardisation_a_stratum_without_referrals():
    population = pd.DataFrame(
        {"practice_code": ["A", "B"], "age_band": "18-24", "sex": "male", "population": [50, 50]}
    )
    referrals = pd.DataFrame(
        {"practice_code": [], "age_band": [], "sex": [], "referrals": []}
    ).astype({"referrals": int})
    out = equity.indirect_standardisation(referrals, population)
    assert (out["expected"] == 0).all() and out["ratio"].isna().all()


# --- funnel limits and overdispersion -----------------------------------------------------------


def test_poisson_functions_equal_scipy_stats():
    """The funnel's Poisson cdf and quantile (from scipy.special, as scipy.stats makes them)
    give scipy.stats' values, at the tails the funnel uses and between whole counts."""
    means = np.array([1e-6, 0.01, 0.5, 1, 2.5, 7, 30, 150, 1e3, 1e5])
    means = np.concatenate([means, np.random.default_rng(1).uniform(0, 500, 500)])
    for p in (1e-9, 0.001, 0.025, 0.5, 0.975, 0.999, 1 - 1e-9):
        assert np.array_equal(equity.poisson_quantile(p, means), stats.poisson.ppf(p, means))
    counts = np.arange(-3, 1200) + 0.5 * (np.arange(1203) % 2)  # whole and half counts
    for mean in (0.3, 4.2, 55.5, 900.0):
        assert np.array_equal(equity.poisson_cdf(counts, mean), stats.poisson.cdf(counts, mean))
    dispersion = equity.overdispersion([5, 9, 30, 2, 14, 40], [10, 10, 20, 10, 15, 20])
    z = equity.winsorise(equity.z_scores(np.array([5, 9, 30, 2, 14, 40.0]),
                                         np.array([10, 10, 20, 10, 15, 20.0])))  # fmt: skip
    assert dispersion.p_value == pytest.approx(stats.chi2.sf(6 * np.mean(z**2), 5), rel=1e-12)


def test_poisson_limits_interpolate_as_spiegelhalter_gives():
    # E = 10, p = 0.025: y_p = 4 (F(3) = 0.0103 < 0.025 <= F(4) = 0.0293),
    # a = (F(4) - 0.025) / (F(4) - F(3)), limit (4 - a) / 10
    f3, f4 = stats.poisson.cdf(3, 10), stats.poisson.cdf(4, 10)
    expected_limit = (4 - (f4 - 0.025) / (f4 - f3)) / 10
    assert equity.poisson_limits([10], 0.025)[0] == pytest.approx(expected_limit)
    f16, f17 = stats.poisson.cdf(16, 10), stats.poisson.cdf(17, 10)
    assert f16 < 0.975 <= f17
    upper = (17 - (f17 - 0.975) / (f17 - f16)) / 10
    assert equity.poisson_limits([10], 0.975)[0] == pytest.approx(upper)
    # large counts: close to the normal approximation 1 +- 1.96 / sqrt(E)
    low, high = equity.funnel_limits([10_000], 0.95)
    assert low[0] == pytest.approx(1 - 1.96 / 100, abs=2e-4)
    assert high[0] == pytest.approx(1 + 1.96 / 100, abs=2e-4)
    assert np.isnan(equity.poisson_limits([0], 0.025)[0])


OBSERVED = np.array([12, 30, 45, 8, 60, 22, 15, 90, 40, 5])
EXPECTED = np.array([15.0, 25.0, 40.0, 14.0, 45.0, 28.0, 16.0, 70.0, 42.0, 12.0])


def _hand_dispersion(observed, expected):
    """The same test written out step by step, R's type-7 quantiles by hand."""
    z = [2 * (math.sqrt(o) - math.sqrt(e)) for o, e in zip(observed, expected, strict=True)]
    ordered = sorted(z)
    n = len(z)

    def quantile(q):
        h = (n - 1) * q
        return ordered[int(h)] + (h - int(h)) * (ordered[int(h) + 1] - ordered[int(h)])

    lo, hi = quantile(0.1), quantile(0.9)
    phi = sum(min(max(v, lo), hi) ** 2 for v in z) / n
    w = [4 * e for e in expected]
    tau2 = max(0.0, (n * phi - (n - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    return phi, tau2


def test_overdispersion_by_hand():
    d = equity.overdispersion(OBSERVED, EXPECTED)
    phi, tau2 = _hand_dispersion(OBSERVED, EXPECTED)
    assert d.units == 10
    assert d.phi == pytest.approx(phi)
    assert d.tau2 == pytest.approx(tau2)
    assert d.p_value == pytest.approx(stats.chi2.sf(10 * phi, 9))
    assert d.overdispersed == (d.p_value < 0.05)


def test_overdispersed_limits_widen_by_phi_or_tau():
    d = equity.Dispersion(units=10, phi=4.0, p_value=0.0, tau2=0.01, overdispersed=True)
    e = np.array([100.0])
    z = stats.norm.ppf(0.999)
    low, high = equity.funnel_limits(e, 0.998, d, equity.MULTIPLICATIVE)
    s = 1 / (2 * 10)  # 1 / (2 sqrt(E)) on the square-root scale
    assert low[0] == pytest.approx((1 - z * 2 * s) ** 2)  # sqrt(phi) = 2
    assert high[0] == pytest.approx((1 + z * 2 * s) ** 2)
    low, high = equity.funnel_limits(e, 0.998, d, equity.ADDITIVE)
    assert low[0] == pytest.approx((1 - z * math.sqrt(s**2 + 0.01)) ** 2)
    assert high[0] == pytest.approx((1 + z * math.sqrt(s**2 + 0.01)) ** 2)
    # not overdispersed: the exact Poisson limits, whatever the method
    calm = equity.Dispersion(10, 1.0, 0.5, 0.0, False)
    assert equity.funnel_limits(e, 0.998, calm)[0][0] == equity.poisson_limits(e, 0.001)[0]


def test_poisson_data_is_not_overdispersed():
    rng = np.random.default_rng(7)
    expected = rng.uniform(20, 400, 150)
    d = equity.overdispersion(rng.poisson(expected), expected)
    assert d.phi == pytest.approx(1, abs=0.3)
    assert not d.overdispersed and d.tau2 < 0.01
    assert equity.overdispersion([1, 2], [1, 2]) is None  # too few practices to test


def _practices(sizes):
    return pd.DataFrame(
        {
            "practice_code": [f"P{i}" for i in range(len(sizes))],
            "name": [f"Practice {i}" for i in range(len(sizes))],
            "pcn_name": "PCN",
            "list_size": sizes,
        }
    )


def _referrals(counts):
    codes = [f"P{i}" for i, n in enumerate(counts) for _ in range(n)]
    return pd.DataFrame({"practice_code": codes, "age_band": "45-54"})


def _funnel(counts, sizes, method=equity.ADDITIVE, level=Level.ROUND, refs=None):
    """The disclosed funnel table of practices with these counts and list sizes (one year)."""
    funnel = equity.practice_funnel(
        _referrals(counts) if refs is None else refs, _practices(sizes), 1.0, method
    )
    return funnel, equity.funnel_spec(1.0, method).disclose(funnel.table, level)


def test_practice_funnel_on_a_small_place():
    # three practices, one year: 100 + 100 + 0 referrals from 5,000 + 5,000 + 5,000 adults
    funnel, shown = _funnel([100, 100, 0], [5000] * 3)
    assert funnel.place_referrals == 200 and funnel.registered == 15000
    values = shown.values.set_index("practice_code")
    assert values["place_rate"].iloc[0] == pytest.approx(200 / 15000 * 1000)
    assert values["phi"].isna().all()  # fewer than 5 practices: not tested
    e = 200 / 3
    assert values.loc["P0", "expected"] == pytest.approx(e)
    low = equity.poisson_limits([e], 0.001)[0]
    assert values.loc["P2", "lower_998"] == pytest.approx(low * 200 / 15)
    assert values.loc["P2", "below_count"] == pytest.approx(low * e)
    assert shown.values["refers_less"].tolist() == [False, False, True]
    # 100 against 66.7 expected is above the upper limit (about 92)
    assert shown.values["refers_more"].tolist() == [True, True, False]
    # not overdispersion-tested: unusual among practices reads the same as beyond chance
    assert shown.values["unusually_more"].tolist() == [True, True, False]


def test_the_place_rate_and_limits_come_from_the_total_as_shown():
    # 101 + 101 + 0 = 202 referrals, shown as 200: the place's rate is 200 / 15,000, and every
    # total 198-202 the shown one allows gives the same limits (the old limits, around the
    # exact 202, gave the exact total away to anyone reading the curves)
    _, shown = _funnel([101, 101, 0], [5000] * 3)
    assert shown.values["place_rate"].iloc[0] == pytest.approx(200 / 15)
    _, same = _funnel([99, 100, 0], [5000] * 3)  # 199, also shown as 200
    for column in ("place_rate", "expected", "lower_998", "upper_998", "lower_95"):
        assert shown.values[column].tolist() == same.values[column].tolist()
    assert equity.funnel_curves(shown.values, 1.0).equals(equity.funnel_curves(same.values, 1.0))


def test_funnel_judgement_is_borderline_where_rounding_could_change_it():
    # five practices of 10,000 adults refer 300 each; a sixth refers c. The lower 99.8% limit
    # (as a count) sits near 240: find the shown counts whose range 8-12 around... straddles it
    def judged(c, level=Level.ROUND):
        return _funnel([300] * 5 + [c], [10_000] * 6, equity.NO_ADJUSTMENT, level)[1]

    limit = round(judged(240, Level.OFF).values["below_count"].iloc[5])
    near = {c: judged(c) for c in range(limit - 15, limit + 15)}  # shown counts 8-12 wide
    open_ = [c for c, shown in near.items() if shown.marks["refers_less"].iloc[5] == BORDERLINE]
    assert open_, "some count near the limit must be left open"
    for c in open_:
        shown = near[c]
        limit = shown.values["below_count"].iloc[5]
        low, high = shown.low["referrals"].iloc[5], shown.high["referrals"].iloc[5]
        assert low < limit <= high  # the counts the rounding allows fall either side
        # with disclosure off the exact count is judged
        exact = judged(c, Level.OFF)
        assert bool(exact.values["refers_less"].iloc[5]) == (
            c < exact.values["below_count"].iloc[5]
        )
    # well below and well above the limit: answered
    assert judged(200).text()["refers_less"].iloc[5] == "yes"
    assert judged(279).text()["refers_less"].iloc[5] == "no"
    # "hide 1-7 only" shows exact counts above 7: nothing left open
    assert judged(open_[0], Level.SUPPRESS).marks["refers_less"].iloc[5] == ""


def test_hidden_practice_is_judged_only_when_every_count_agrees_and_drawn_as_a_range():
    funnel, shown = _funnel(
        [300, 310, 290, 305, 3], [10_000] * 5, equity.NO_ADJUSTMENT, Level.ROUND
    )
    assert shown.values["phi"].iloc[0] > 1 and shown.values["dispersion_p"].iloc[0] < 0.05
    assert shown.marks.loc[4, "referrals"] == SUPPRESSED
    # its rate as the range 1-7 referrals give: 0.1 to 0.7 per 1,000 of 10,000 a year
    assert shown.text().loc[4, "rate_per_1000"] == "0.1 to 0.7"
    assert shown.values.loc[4, "rate_from"] == pytest.approx(0.1)
    assert shown.values.loc[4, "rate_to"] == pytest.approx(0.7)
    # its interval: from the lower limit of 1 to the upper limit of 7 (Garwood)
    low1, _ = intervals.poisson_interval([1])
    _, high7 = intervals.poisson_interval([7])
    assert shown.values.loc[4, "rate_low"] == pytest.approx(low1[0] / 10)
    assert shown.values.loc[4, "rate_high"] == pytest.approx(high7[0] / 10)
    # 1-7 referrals from 10,000 adults is far below any limit: "yes" for every possible count
    assert bool(shown.values.loc[4, "refers_less"]) is True
    assert practice_status(shown.values).tolist()[4] == "below"
    fig = funnel_chart(shown.values, equity.funnel_curves(shown.values, 1.0, equity.NO_ADJUSTMENT))
    hidden = next(t for t in fig.data if "hidden" in t.name)
    assert hidden.y[0] == pytest.approx(0.4)  # the middle of 0.1 to 0.7
    assert fig.layout.xaxis.title.text.startswith("Registered adults")
    assert fig.layout.yaxis.title.text == "Referrals per 1,000 adults a year"


def test_unknown_practices_keep_a_row_without_a_rate():
    refs = pd.concat([_referrals([50, 60]), pd.DataFrame({"practice_code": ["ZZZ"] * 9})])
    funnel, shown = _funnel(None, [4000, 5000], refs=refs)
    row = shown.values.iloc[-1]
    assert row["practice_code"] == "(not among the practices loaded)"
    assert pd.isna(row["rate_per_1000"]) and pd.isna(row["lower_998"])
    assert funnel.place_referrals == 110  # the place's rate counts known lists only
    assert shown.values["place_rate"].iloc[0] == pytest.approx(110 / 9)
    assert shown.marks["refers_less"].iloc[-1] == "–"
    assert shown.marks["referrals"].iloc[-1] == ""  # 9 shows as 10


def test_slope_index_on_a_known_gradient():
    pop = np.array([1000, 3000, 2000, 4000, 1000, 2000, 3000, 1000, 2000, 1000], float)
    x = equity.rank_midpoints(pop)
    assert x[0] == pytest.approx(500 / 20000) and x[-1] == pytest.approx(1 - 500 / 20000)
    table = pd.DataFrame(
        {
            "imd_decile": range(1, 11),
            "population_adult": pop,
            "rate_per_1000": 30 - 20 * x,  # exactly linear: 30 at rank 0, 10 at rank 1
            "referrals_with_population": 100,
        }
    )
    index = equity.slope_index(table)
    assert index.sii == pytest.approx(20)
    assert index.low == pytest.approx(20) and index.high == pytest.approx(20)
    assert index.mean_rate == pytest.approx(np.average(30 - 20 * x, weights=pop))
    assert index.groups == 10


def test_slope_index_comes_from_the_deciles_as_shown():
    from socialrx.views.panels import Panel

    # three deciles of 1,000 adults with 52, 31 and 3 referrals a year: shown as 50, 30 and
    # hidden (taken as 4); the rates 50, 30 and 4 per 1,000 fall by 23 a decile, rank
    # midpoints 1/6, 1/2, 5/6: slope -69, SII 69 (most minus least deprived)
    deciles = pd.DataFrame(
        {
            "imd_decile": [1, 2, 3],
            "referrals": [52, 31, 3],
            "all_with_decile": 86,
            "no_decile": 0,
            "referrals_with_population": [52, 31, 3],
            "population_adult": [1000, 1000, 1000],
        }
    )
    basis = {"deciles": (deciles, equity.deprivation_rates_spec(1.0))}
    panel = Panel("slope", "", "", Level.ROUND, table=equity.slope_index_table(),
                  spec=equity.slope_spec(1.0), basis=basis)  # fmt: skip
    values = panel.disclosed.values
    assert values.loc[0, "value"] == pytest.approx(69)
    assert values.loc[1, "value"] == pytest.approx(100 * 69 / 28)  # over the mean rate, 28
    assert values.loc[0, "referrals"] == 84  # the deciles as shown added up: 50 + 30 + 4


def test_weighted_regression_matches_the_normal_equations():
    rng = np.random.default_rng(3)
    x, w = rng.uniform(0, 1, 10), rng.uniform(1, 5, 10)
    y = 5 + 3 * x + rng.normal(0, 0.5, 10)
    intercept, slope, se, df, n = equity.weighted_regression(x, y, w)
    # rescaling by sqrt(w) turns WLS into ordinary least squares
    design = np.column_stack([np.ones(10), x]) * np.sqrt(w)[:, None]
    beta, residual, *_ = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)
    sigma2 = residual[0] / 8
    cov = sigma2 * np.linalg.inv(design.T @ design)
    assert (intercept, slope) == pytest.approx(tuple(beta))
    assert se == pytest.approx(math.sqrt(cov[1, 1]))
    assert (df, n) == (8, 10)


def test_rates_by_deprivation_deciles_and_quintiles():
    stats_ = pd.DataFrame(
        {
            "area_code": ["A1", "A2", "A3", "A4"],
            "population_adult": [1000.0, 1000.0, 2000.0, 500.0],
            "imd_decile": [1, 2, 3, 10],
        }
    )
    refs = pd.DataFrame(
        {"area_code": ["A1"] * 42 + ["A2"] * 20 + ["A3"] * 10 + ["A4"] * 2, "age_band": "25-34"}
    )
    spec = equity.deprivation_rates_spec(1.0)
    deciles = equity.rates_by_deprivation(refs, stats_, per_year=1.0)
    shown = spec.disclose(deciles, Level.ROUND).values.set_index("imd_decile")
    # decile 1: 42 shown as 40, per 1,000 adults a year: 40; its interval the union over 38-42
    assert shown.loc[1, "rate_per_1000"] == pytest.approx(40)
    low38, _ = intervals.poisson_interval([38])
    _, high42 = intervals.poisson_interval([42])
    assert shown.loc[1, "rate_low"] == pytest.approx(low38[0])
    assert shown.loc[1, "rate_high"] == pytest.approx(high42[0])
    # the share from the counts as shown: 40 of the deciles as shown added up, 40 + 20 + 10
    # + * (2, taken as 4) = 74, shown as 75
    assert shown.loc[1, "share_pct"] == round(100 * 40 / 75)
    exact = spec.disclose(deciles, Level.OFF).values.set_index("imd_decile")
    assert exact.loc[1, "rate_per_1000"] == pytest.approx(42)
    assert exact.loc[1, "share_pct"] == round(100 * 42 / 74)
    fifths = equity.rates_by_deprivation(refs, stats_, per_year=1.0, fifths=True)
    first = fifths.set_index("imd_quintile").loc[1]
    assert first["referrals"] == 62 and first["population_adult"] == 2000
    assert first["population_pct"] == pytest.approx(100 * 2000 / 4500)
    shown = equity.FIFTH_SPEC.disclose(fifths, Level.ROUND).values.set_index("imd_quintile")
    # quintile 1: 62 shown as 60, of the quintiles as shown added up: 60 + 10 + 0 + 0 + *
    # (2, taken as 4) = 74 -> 75
    assert shown.loc[1, "all_with_decile"] == 75
    assert shown.loc[1, "share_pct"] == round(100 * 60 / 75)
    # a PCN or practice choice: shares only, no rate
    spec = equity.deprivation_rates_spec(1.0, with_rate=False)
    assert "rate_per_1000" not in spec.rates and "rate_low" not in spec.derived


def test_distribution_hides_small_groups():
    refs = pd.DataFrame(
        {
            "age_band": ["18-24"] * 40 + ["85+"] * 3 + [None] * 10,
            "sex": ["female"] * 50 + ["not stated"] * 3,
            "ethnicity": ["white"] * 53,
        }
    )
    table = equity.referral_distribution(refs)
    ages = table[table["characteristic"] == "Age band"]
    assert ages["group"].tolist() == ["18-24", "85+", "not recorded"]
    shown = equity.DISTRIBUTION_SPEC.disclose(table, Level.ROUND)
    text = shown.text()
    row = text[(table["group"] == "85+").to_numpy()].iloc[0]
    assert row["referrals"] == SUPPRESSED and row["share_pct"] == SUPPRESSED
    white = shown.values[(table["group"] == "white").to_numpy()].iloc[0]
    assert white["share_pct"] == 100


def test_recording_completeness_shares():
    refs = pd.DataFrame(
        {
            "practice_code": ["P1"] * 40 + ["P2"] * 20,
            "link_worker_id": ["L1"] * 60,
            "referral_date": pd.to_datetime(["2024-01-10"] * 30 + ["2024-02-03"] * 30),
            "ethnicity": ["white"] * 20 + ["not stated"] * 10 + [None] * 10 + ["asian"] * 20,
            "age_band": ["45-54"] * 60,
            "sex": ["female"] * 58 + ["Not stated", None],
            "area_code": ["E01"] * 59 + [None],
        }
    )
    by_practice = equity.recording_completeness(refs, "practice_code").set_index("practice_code")
    assert by_practice.loc["all referrals", "referrals"] == 60
    assert by_practice.loc["all referrals", "ethnicity_recorded"] == 40
    assert by_practice.loc["P1", "ethnicity_recorded"] == 20
    assert by_practice.loc["P2", "sex_recorded"] == 18
    months = equity.recording_completeness(refs, "month")
    assert months["month"].tolist() == ["all referrals", "2024-01", "2024-02"]
    shown = equity.completeness_spec("practice_code").disclose(
        by_practice.reset_index(), Level.ROUND
    )
    values, marks = shown.values, shown.marks
    assert values.loc[0, "ethnicity_recorded_pct"] == 67  # 40 of 60, as shown
    # 58 of 60 recorded shows as 60 of 60: the share from what is shown says 100%, and the
    # 2 not recorded stay hidden within the rounding
    assert values.loc[0, "sex_recorded_pct"] == 100
    assert values.loc[0, "age_recorded_pct"] == 100
    assert marks.loc[2, "ethnicity_recorded_pct"] == TOO_FEW  # P2: 20 referrals
    workers = equity.recording_completeness(refs.assign(link_worker_id=None), "link_worker_id")
    assert workers["link_worker_id"].tolist() == ["all referrals", "not recorded"]


def test_completeness_of_no_referrals():
    empty = pd.DataFrame(
        {
            c: pd.Series([], dtype="string")
            for c in ("practice_code", "ethnicity", "age_band", "sex", "area_code")
        }
    ).assign(referral_date=pd.Series([], dtype="datetime64[ns]"))
    out = equity.recording_completeness(empty, "month")
    assert out["referrals"].tolist() == [0]


def test_method_words_say_how_the_limits_were_set():
    counts, sizes = [300, 310, 150, 305, 3, 280], [10_000] * 6
    for method, words in (
        (equity.ADDITIVE, "additive random effect"),
        (equity.MULTIPLICATIVE, "multiplicatively by sqrt(phi)"),
        (equity.NO_ADJUSTMENT, "no allowance is made for it, as chosen"),
    ):
        _, shown = _funnel(counts, sizes, method)
        assert equity.shown_dispersion_of(shown.values).overdispersed
        assert words in equity.method_words(shown.values, method)
        curves = equity.funnel_curves(shown.values, 1.0, method)
        assert ("lower_998_adjusted" in curves) == (method != equity.NO_ADJUSTMENT)
    _, calm = _funnel([100] * 6, sizes)
    assert "no evidence" in equity.method_words(calm.values, equity.ADDITIVE)


def test_adult_mask_equals_the_referrals_module(demo_dataset):
    from socialrx.metrics import referrals as referral_metrics
    from socialrx.metrics.selection import default_selection, selected_referrals

    refs = selected_referrals(demo_dataset, default_selection(demo_dataset))
    adults = equity.adult_mask(refs.assign(age_band=refs["age_band"].astype(object)))
    assert adults.sum() == len(referral_metrics.adults(refs))


def test_every_equity_panel_on_the_demo_is_disclosed_and_labelled(demo_dataset):
    from socialrx.metrics.selection import Selection, default_selection
    from socialrx.views import equity as view
    from socialrx.views.figures import OKABE_ITO

    default = default_selection(demo_dataset)
    places = [
        default,
        Selection(default.start, default.end, "PCN", ("XPCN01",)),
        Selection(default.start, default.end, "practice", ("X90009",)),
    ]
    for selection in places:
        for panel in view.panels(demo_dataset, selection, Level.ROUND):
            figure = panel.figure
            if figure is not None:
                assert figure.layout.title.text, panel.name
                for axis in ("xaxis", "yaxis"):
                    assert figure.layout[axis].title.text, (panel.name, axis)
                colours = {
                    getattr(t.marker, "color", None) for t in figure.data if hasattr(t, "marker")
                }
                assert colours - {None, "#7f7f7f"} <= set(OKABE_ITO), panel.name
            if not panel.labels:
                continue
            exported = panel.export()
            for column in panel.spec.counts:
                if column not in panel.labels:
                    continue
                for value in exported[panel.labels[column]]:
                    assert value in (SUPPRESSED, None) or int(value) % 5 == 0, (panel.name, value)
            assert panel.caption.startswith("How to read this"), panel.name


def test_one_practice_with_few_referrals_shows_no_figure_resting_on_them(demo_dataset):
    from socialrx.metrics.selection import Selection, default_selection
    from socialrx.views import equity as view

    default = default_selection(demo_dataset)
    one = Selection(default.start, default.end, "practice", ("X90009",))
    panels = {p.name: p for p in view.panels(demo_dataset, one, Level.ROUND)}
    assert panels["practice_funnel"].figure is None
    assert "nothing to compare it with" in panels["practice_funnel"].empty
    ranked = panels["practice_rates_ranked"].disclosed
    # 18 referrals shown as 20 (18-22): the interval from the lower limit of 18 to the upper
    # limit of 22, a year's rate per 1,000 of its list
    low18, _ = intervals.poisson_interval([18])
    size = ranked.values["list_size"].iloc[0]
    per = 1000 * one.per_year / size
    assert ranked.values["referrals"].iloc[0] == 20
    assert ranked.values["rate_low"].iloc[0] == pytest.approx(low18[0] * per)
    month = panels["recording_by_month"].shown()
    assert set(month.iloc[1:]["Ethnicity recorded (%)"]) <= {TOO_FEW, SUPPRESSED}


@pytest.mark.parametrize("rows", [0, 1, 40])
def test_equity_panels_on_edge_datasets(load, rows):
    """Referrals only (no practices, no area statistics), with none, one or a few rows, some
    fields blank: every panel builds, draws or says why not, and exports."""
    from socialrx.metrics.selection import default_selection
    from socialrx.views import equity as view

    header = "referral_id,person_id,referral_date,practice_code,area_code,age_band,sex,ethnicity\n"
    lines = [
        f"R{i},P{i},2024-0{1 + i % 3}-1{i % 9},{'C87001' if i % 2 else ''},,"
        f"{'45-54' if i % 3 else ''},{'female' if i % 4 else 'not stated'},\n"
        for i in range(rows)
    ]
    dataset, report = load(
        {
            "assets.csv": "asset_id,name,category,latitude,longitude\n"
            "A1,Walk,physical activity,53.43,-1.35\n",
            "referrals.csv": header + "".join(lines),
        }
    )
    assert not report.errors, report.errors
    for level in Level:
        panels = view.panels(dataset, default_selection(dataset), level)
        names = [p.name for p in panels]
        assert "practice_funnel" in names and "recording_by_month" in names
        for panel in panels:
            assert panel.figure is None or panel.figure.layout.title.text
            panel.export()
            if panel.show_table:
                panel.shown()
        assert panels[0].empty.startswith("Comparing practices needs practices.csv")


def test_caterpillar_follows_the_ranked_table(demo_dataset):
    from socialrx.metrics.selection import default_selection
    from socialrx.views import equity as view

    panel = next(
        p
        for p in view.panels(demo_dataset, default_selection(demo_dataset), Level.ROUND)
        if p.name == "practice_rates_ranked"
    )
    order = [x for trace in panel.figure.data for x in trace.x]
    ranked = panel.shown()["Practice code"].tolist()
    assert list(panel.figure.layout.xaxis.categoryarray) == [
        next(label for label in order if f"({code})" in label) for code in ranked
    ]


# --- practices standardised for age and sex --------------------------------------------------


def _strings(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: "string" for c in frame.columns if c != "patients"})


def test_practice_standardisation_by_hand():
    refs = _strings(
        pd.DataFrame(
            {
                "practice_code": ["A"] * 6 + ["B"] * 3 + ["C"],
                "age_band": ["18-24", "18-24", "85+", "85+", None, "0-17",
                             "18-24", "85+", "85+", "18-24"],
                "sex": ["female"] * 4 + ["male", "female", "female", "female", "other", "female"],
            }
        )
    )  # fmt: skip
    ages = pd.DataFrame(
        {
            "practice_code": ["A", "A", "B", "B"],
            "age_band": ["18-24", "85+", "18-24", "85+"],
            "sex": "female",
            "patients": [100, 100, 300, 100],
        }
    )
    practices = pd.DataFrame(
        {"practice_code": ["A", "B", "C"], "name": ["Ay", "Bee", "Cee"], "pcn_name": "P"}
    )
    result = equity.practice_standardisation(refs, _strings(ages), practices)
    out = _standardised(result, Level.OFF).values.set_index("practice_code")
    # strata: 18-24 female 3 referrals (A 2, B 1) / 400 registered; 85+ female 3 (A 2, B 1)
    # / 200. A expected 100 x 3/400 + 100 x 3/200 = 2.25, B 300 x 3/400 + 100 x 3/200 = 3.75
    assert out.loc["A", "observed"] == 4 and out.loc["B", "observed"] == 2
    assert out.loc["A", "expected"] == pytest.approx(2.25)
    assert out.loc["B", "expected"] == pytest.approx(3.75)
    assert out.loc["A", "ratio"] == pytest.approx(4 / 2.25)
    # the 99.8% interval (the funnel's coverage): chi-squared quantiles 0.001 and 0.999
    assert out.loc["A", "ratio_low"] == pytest.approx(stats.chi2.ppf(0.001, 8) / 2 / 2.25)
    assert out.loc["B", "ratio_high"] == pytest.approx(stats.chi2.ppf(0.999, 6) / 2 / 3.75)
    assert out["registered"].tolist() == [200, 400]
    # adult referrals: A's five (its 0-17 is no adult; its blank age band counts as adult,
    # as referrals.adults has it), B's three; in a stratum 4 of 5 (80%) and 2 of 3 (67%)
    assert out["adults"].tolist() == [5, 3]
    assert out["age_sex_recorded_pct"].tolist() == [80, 67]
    assert out.loc["A", "name"] == "Ay" and "C" not in out.index
    # A's referral with no age band and B's of sex 'other' are left out (A's 0-17 is no
    # adult); C's has no registered adults by age and sex
    assert (result.observed, result.left_out, result.no_ages) == (6, 2, 1)


def _standardised(result, level):
    """The standardised table as shown at `level`, its strata disclosed as the panel's basis."""
    strata = {"strata": equity.STRATA_SPEC.disclose(result.strata, level)}
    return equity.standardised_spec(result).disclose(result.table, level, strata)


def _by_hand() -> equity.PracticeStandardisation:
    """Four practices in one stratum: 80 referrals from 8,000 adults (0.01 each), so A and C
    (2,400) expect 24, B (2,000) 20 and D (1,200) 12; observed 5, 35, 43 and 0."""
    table = pd.DataFrame(
        {
            "practice_code": ["A", "B", "C", "D"],
            "name": None,
            "pcn_name": None,
            "registered": [2400, 2000, 2400, 1200],
            "observed": [5, 35, 43, 0],
            "adults": [5, 40, 43, 0],
            "left_out": 0,
            "no_ages": 0,
        }
    )
    strata = pd.DataFrame(
        {"age_band": ["45-54"], "sex": ["female"], "referrals": [80], "population": [8000.0]}
    )
    population = np.array([[2400.0], [2000.0], [2400.0], [1200.0]])
    return equity.PracticeStandardisation(table, strata, population, 80, 0, 0)


def test_standardised_ratios_are_disclosed_from_the_shown_count():
    shown = _standardised(_by_hand(), Level.ROUND).text().set_index("practice_code")
    # 99.8% intervals, the funnel's coverage: chi-squared quantiles 0.001 and 0.999, halved.
    # A: 5 referrals are hidden, and so is its ratio; its interval spans every count 1-7:
    # from the lower limit of 1 (0.001) to the upper limit of 7 (19.63) over 24 expected
    assert shown.loc["A", "observed"] == SUPPRESSED and shown.loc["A", "ratio"] == SUPPRESSED
    assert shown.loc["A", "ratio_low"] == "0.00" and shown.loc["A", "ratio_high"] == "0.82"
    # any of 1-7 gives an interval wholly below 1: a safe "yes"
    assert shown.loc["A", "refers_less"] == "yes"
    # B: 35 shows as 35, the ratio 35 / 20 from it; the interval from the lower limit of 33
    # to the upper limit of 37, over 20
    assert shown.loc["B", "observed"] == "35" and shown.loc["B", "ratio"] == "1.75"
    assert shown.loc["B", "ratio_low"] == f"{stats.chi2.ppf(0.001, 66) / 2 / 20:.2f}"  # 0.90
    assert shown.loc["B", "ratio_high"] == f"{stats.chi2.ppf(0.999, 76) / 2 / 20:.2f}"
    # the lower 99.8% limit of 35 is 19.5 (under 20 expected), of 36 it is 20.3: 33-35 are
    # not above 1 beyond chance, 36 and 37 are, and all are shown as 35: open
    assert stats.chi2.ppf(0.001, 70) / 2 < 20 < stats.chi2.ppf(0.001, 72) / 2
    assert shown.loc["B", "refers_more"] == BORDERLINE
    # C: 43 shows as 45, 45 / 24 = 1.875; every count 43-47 has its interval above 1 (the
    # lower limit of 43 is 25.5, over 24)
    assert shown.loc["C", "observed"] == "45" and shown.loc["C", "ratio"] == "1.88"
    assert shown.loc["C", "refers_more"] == "yes" and shown.loc["C", "refers_less"] == "no"
    # D: none of 12 expected; the upper limit of 0 is 6.91, under 12: below beyond chance
    assert shown.loc["D", "refers_less"] == "yes"
    # beside each, the share in a stratum as shown: B 35 of 40 (88%), C 45 of 45
    assert shown.loc["B", "age_sex_recorded_pct"] == "88"
    assert shown.loc["C", "age_sex_recorded_pct"] == "100"
    exact = _standardised(_by_hand(), Level.OFF).text()
    assert exact["ratio"].tolist() == ["0.21", "1.75", "1.79", "0.00"]
    assert exact["refers_more"].tolist() == ["no", "no", "yes", "no"]
    assert exact["refers_less"].tolist() == ["yes", "no", "no", "yes"]


def test_expected_counts_add_up_to_the_strata_as_shown_not_the_exact_total():
    # two strata of 1,000 adults each, 43 and 38 referrals (81), shown as 45 and 40 (85):
    # two practices of 500 in each stratum expect 500 x 45/1,000 + 500 x 40/1,000 = 42.5 each
    table = pd.DataFrame({"practice_code": ["A", "B"], "name": None, "pcn_name": None,
                          "registered": [1000, 1000], "observed": [41, 40],
                          "adults": [41, 40], "left_out": 0, "no_ages": 0})  # fmt: skip
    strata = pd.DataFrame({"age_band": ["18-24", "85+"], "sex": "female",
                           "referrals": [43, 38], "population": [1000.0, 1000.0]})  # fmt: skip
    result = equity.PracticeStandardisation(
        table, strata, np.array([[500.0, 500.0], [500.0, 500.0]]), 81, 0, 0
    )
    shown = _standardised(result, Level.ROUND).values
    assert shown["expected"].tolist() == [pytest.approx(42.5), pytest.approx(42.5)]
    assert shown["expected"].sum() == pytest.approx(85)  # what the strata show, not 81


REGISTERED_AGES = (
    "practice_code,age_band,sex,patients\n"
    "A81001,18-24,female,100\nA81001,85+,female,100\n"
    "A81002,18-24,female,300\nA81002,85+,female,100\n"
)


def _tiny(registered: bool = True):
    """Two practices; A81001 10 referrals aged 18-24 and 30 aged 85+, A81002 15 and 25, all
    female; A81001 also 2 of sex not stated and 1 with no age band (left out)."""
    rows = (
        [("A81001", "18-24", "female")] * 10
        + [("A81001", "85+", "female")] * 30
        + [("A81002", "18-24", "female")] * 15
        + [("A81002", "85+", "female")] * 25
        + [("A81001", "45-54", "not stated")] * 2
        + [("A81001", "", "female")]
    )
    referrals = "referral_id,referral_date,practice_code,age_band,sex\n" + "".join(
        f"R{i},2024-06-{1 + i % 28:02d},{p},{a},{s}\n" for i, (p, a, s) in enumerate(rows)
    )
    files = {
        "assets.csv": "asset_id,name,category,latitude,longitude\nA1,Walk,other,53.43,-1.35\n",
        "practices.csv": "practice_code,name,list_size\nA81001,North,200\nA81002,South,400\n",
        "referrals.csv": referrals,
    }
    if registered:
        files["registered_ages.csv"] = REGISTERED_AGES
    return files


def _standardised_panel(dataset, level):
    from socialrx.metrics.selection import default_selection
    from socialrx.views import equity as view

    panels = view.panels(dataset, default_selection(dataset), level)
    return next(p for p in panels if p.name == "practice_standardised")


def test_the_standardised_panel_on_a_tiny_dataset(load):
    dataset, report = load(_tiny())
    assert not report.errors, report.errors
    panel = _standardised_panel(dataset, Level.OFF)
    shown = panel.shown().set_index("Practice code")
    # as test_indirect_standardisation_two_practices_by_hand: 33.75 and 46.25 expected
    assert shown["Adult referrals (age band and sex recorded)"].tolist() == ["40", "40"]
    assert shown["Expected at the place's rates for age and sex"].tolist() == ["33.8", "46.2"]
    assert shown.loc["A81001", "Observed / expected"] == f"{40 / 33.75:.2f}"  # 1.19
    assert shown.loc["A81002", "Observed / expected"] == f"{40 / 46.25:.2f}"  # 0.86
    low, high = intervals.poisson_interval([40], 0.998)
    assert shown.loc["A81002", "99.8% CI to"] == f"{high[0] / 46.25:.2f}"
    assert shown.index.tolist() == ["A81001", "A81002"]  # ranked by the ratio shown
    assert panel.shown_notes[0].startswith("Left out: 3 adult referrals")
    assert panel.figure is not None and list(panel.figure.data[0].y) == [
        pytest.approx(40 / 33.75),
        pytest.approx(40 / 46.25),
    ]
    exported = panel.export()
    assert list(exported.columns)[:3] == ["Practice code", "Practice", "PCN"]
    said = f"{panel.caption} {panel.method}"  # the method folds away under the caption
    assert "indirect standardisation" in said and "Technical Briefing" in said
    rounded = _standardised_panel(dataset, Level.ROUND)
    assert rounded.shown_notes[0].startswith("Left out: * adult referrals")  # 3 is 1-7


def test_a_practice_with_1_to_7_referrals_shows_a_star_and_no_ratio(load):
    files = _tiny()
    lines = files["referrals.csv"].splitlines(keepends=True)
    # A81001 keeps 5 of its referrals aged 85+ (and no others)
    keep = [lines[0]] + [line for line in lines[1:] if ",A81002," in line]
    keep += [line for line in lines[1:] if ",A81001,85+," in line][:5]
    dataset, _ = load({**files, "referrals.csv": "".join(keep)})
    panel = _standardised_panel(dataset, Level.ROUND)
    row = panel.shown().set_index("Practice code").loc["A81001"]
    assert row["Adult referrals (age band and sex recorded)"] == SUPPRESSED
    assert row["Observed / expected"] == SUPPRESSED
    # its interval spans every count 1-7 could be (hidden, yet honest about the range)
    assert float(row["99.8% CI from"]) < float(row["99.8% CI to"])
    exported = panel.export().set_index("Practice code").loc["A81001"]
    assert exported["Observed / expected"] == SUPPRESSED
    # its marker is not drawn: only A81002's ratio is
    assert sum(len(trace.y) for trace in panel.figure.data if trace.y is not None) == 1


def test_without_registered_ages_the_note_names_the_files_and_the_table(load):
    from socialrx.metrics.selection import default_selection
    from socialrx.views import equity as view

    dataset, _ = load(_tiny(registered=False))
    panels = {p.name: p for p in view.panels(dataset, default_selection(dataset), Level.ROUND)}
    panel = panels["practice_standardised"]
    assert panel.title == "Practices standardised for age and sex"
    assert "registered_ages" in panel.empty
    assert "gp-reg-pat-prac-sing-age-male.csv and -female.csv" in panel.empty
    assert "not yet standardised" in panels["practice_funnel"].caption


def test_standardised_panel_on_the_demo(demo_dataset):
    from socialrx.metrics.selection import Selection, default_selection
    from socialrx.views import equity as view

    default = default_selection(demo_dataset)
    panels = {p.name: p for p in view.panels(demo_dataset, default, Level.ROUND)}
    panel = panels["practice_standardised"]
    shown = panel.shown().set_index("Practice code")
    assert len(shown) == 10
    # the two demo practices that hardly refer are below the place beyond chance for their
    # lists, in the funnel's words
    assert shown.loc["X90004", "Below the place beyond chance"] == "yes"
    assert shown.loc["X90009", "Below the place beyond chance"] == "yes"
    assert "standardises for the age and sex" in panels["practice_funnel"].caption
    values = panel.disclosed.values
    # the place's own rates from the strata as shown: expected adds up to what they show
    strata = panel.disclosed_basis["strata"].values["referrals"]
    assert values["expected"].sum() == pytest.approx(strata.fillna(4).sum())
    one = Selection(default.start, default.end, "practice", ("X90009",))
    single = {p.name: p for p in view.panels(demo_dataset, one, Level.ROUND)}
    assert "nothing to compare" in single["practice_standardised"].empty


# --- the second question for every widening, and the standardised panel's two questions -----


def _widened_lower(expected: float, dispersion, method: str) -> float:
    """Spiegelhalter's widened 99.8% lower limit as a count, written out: on the square-root
    scale 1 - z s, s^2 = 1 / (4E) times phi (multiplicative) or plus tau^2 (additive)."""
    z = stats.norm.ppf(0.999)
    spread = (
        math.sqrt(dispersion.phi / (4 * expected))
        if method == equity.MULTIPLICATIVE
        else math.sqrt(1 / (4 * expected) + dispersion.tau2)
    )
    return max(1 - z * spread, 0) ** 2 * expected


def test_funnel_answers_the_second_question_for_every_widening():
    counts = [300, 310, 150, 305, 3, 280]  # 1,348 from 60,000 adults: 224.7 expected each
    _, shown = _funnel(counts, [10_000] * 6, equity.ADDITIVE, Level.OFF)
    values = shown.values
    expected = 1348 / 6
    phi, tau2 = _hand_dispersion(counts, [expected] * 6)
    d = equity.Dispersion(6, phi, 0.0, tau2, True)
    for method in equity.WIDENINGS:
        limit = _widened_lower(expected, d, method)
        assert values[f"below_count_{method}"].tolist() == pytest.approx([limit] * 6)
        judged = [c < limit for c in counts]
        assert equity.unusual_under(values, "less", method).tolist() == judged
    # the chosen widening (additive) is the panel's own second question; with none, the
    # second question reads as the first
    assert values["unusually_less"].tolist() == values["unusually_less_additive"].tolist()
    assert equity.unusual_under(values, "less", equity.NO_ADJUSTMENT).tolist() == (
        values["refers_less"].tolist()
    )


def _standardised_six() -> equity.PracticeStandardisation:
    """Six practices of 10,000 adults in one stratum: 600 referrals (0.01 each), so each
    expects 100; observed 130, 150, 100, 120, 80 and 20 (F); adults 20 more than observed for
    all but E, which has 400 adult referrals (so 80 of 400, 20%, are in a stratum)."""
    observed = [130, 150, 100, 120, 80, 20]
    table = pd.DataFrame({
        "practice_code": list("ABCDEF"), "name": None, "pcn_name": None,
        "registered": [10_000] * 6, "observed": observed,
        "adults": [150, 170, 120, 140, 400, 40], "left_out": 0, "no_ages": 0,
    })  # fmt: skip
    strata = pd.DataFrame({"age_band": ["45-54"], "sex": ["female"], "referrals": [600],
                           "population": [60_000.0]})  # fmt: skip
    return equity.PracticeStandardisation(table, strata, np.full((6, 1), 10_000.0), 600, 0, 0)


def test_standardised_ratios_answer_the_funnels_two_questions_by_hand():
    result = _standardised_six()
    spec = equity.standardised_spec(result, equity.ADDITIVE)
    shown = spec.disclose(result.table, Level.OFF, {"strata": equity.STRATA_SPEC.disclose(
        result.strata, Level.OFF)}).values.set_index("practice_code")  # fmt: skip
    assert shown["expected"].tolist() == pytest.approx([100.0] * 6)
    # beyond chance: F's 99.8% interval (upper limit of 20: 35.2 over 100) is wholly below 1;
    # E's reaches 104.8 / 100, so E is not; B's lower limit of 150 (119.1) is above 100
    assert stats.chi2.ppf(0.999, 42) / 2 < 100 < stats.chi2.ppf(0.999, 162) / 2
    assert stats.chi2.ppf(0.001, 300) / 2 > 100
    assert shown["refers_less"].tolist() == [False] * 5 + [True]
    assert shown.loc["B", "refers_more"]
    # unusual among practices: Spiegelhalter's test on the ratios, as the funnel's
    observed = result.table["observed"].tolist()
    phi, tau2 = _hand_dispersion(observed, [100.0] * 6)  # phi 12.1, tau2 0.034
    assert shown["phi"].iloc[0] == pytest.approx(phi)
    assert shown["tau2"].iloc[0] == pytest.approx(tau2)
    d = equity.Dispersion(6, phi, 0.0, tau2, True)
    additive = _widened_lower(100.0, d, equity.ADDITIVE)  # 16.9
    multiplicative = _widened_lower(100.0, d, equity.MULTIPLICATIVE)  # 21.4
    assert additive < 20 < multiplicative
    assert shown["below_count_adjusted"].tolist() == pytest.approx([additive] * 6)
    # F: below beyond chance; unusual with the multiplicative widening, not the additive
    assert shown["unusually_less"].tolist() == [False] * 6  # the chosen: additive
    assert shown["unusually_less_additive"].tolist() == [False] * 6
    assert shown["unusually_less_multiplicative"].tolist() == [False] * 5 + [True]
    # the share in a stratum beside each: E 80 of 400, F 20 of 40
    assert shown.loc["E", "age_sex_recorded_pct"] == 20
    assert shown.loc["F", "age_sex_recorded_pct"] == 50
    # with no widening chosen, "unusual" reads as beyond chance
    plain = equity.standardised_spec(result, equity.NO_ADJUSTMENT).disclose(
        result.table, Level.OFF, {"strata": equity.STRATA_SPEC.disclose(result.strata,
                                                                        Level.OFF)})  # fmt: skip
    assert plain.values["unusually_less"].tolist() == plain.values["refers_less"].tolist()


def test_ratios_not_overdispersed_are_unusual_when_beyond_chance():
    result = _standardised_six()
    table = result.table.assign(observed=[95, 105, 100, 110, 90, 100])
    shown = equity.standardised_spec(result).disclose(
        table, Level.OFF, {"strata": equity.STRATA_SPEC.disclose(result.strata, Level.OFF)}
    ).values  # fmt: skip
    assert not equity.shown_dispersion_of(shown).overdispersed
    assert shown["below_count_adjusted"].isna().all()  # no widened limit: the interval rules
    assert shown["unusually_less"].tolist() == shown["refers_less"].tolist()


# --- how complete the recording is beside each comparison ------------------------------------


def test_recording_sits_beside_each_practice_from_the_completeness_counts():
    refs = pd.DataFrame({
        "practice_code": ["P0"] * 40 + ["P1"] * 60,
        "age_band": ["45-54"] * 100,
        "ethnicity": ["white"] * 29 + [None] * 11 + ["asian"] * 60,
        "sex": "female", "area_code": "E01",
        "referral_date": pd.Timestamp("2024-03-01"),
    })  # fmt: skip
    completeness = equity.recording_completeness(refs, "practice_code")
    funnel = equity.practice_funnel(refs, _practices([5000, 5000]), 1.0)
    table = equity.with_recording(funnel.table, completeness)
    assert table["all_referrals"].tolist() == [40, 60]
    assert table["ethnicity_recorded"].tolist() == [29, 60]
    spec = equity.funnel_spec(1.0, equity.ADDITIVE, equity.PRACTICE_RECORDING)
    shown = spec.disclose(table, Level.ROUND).values
    # from the counts as shown: P0 30 of 40 (75%), P1 60 of 60; the same counts, disclosed
    # the same way, as the completeness panel's, so the same figure
    assert shown["ethnicity_recorded_pct"].tolist() == [75, 100]
    assert shown["age_recorded_pct"].tolist() == [100, 100]
    beside = equity.completeness_spec("practice_code").disclose(completeness, Level.ROUND)
    assert beside.values["ethnicity_recorded_pct"].tolist()[1:] == [75, 100]


def test_adult_referrals_in_no_decile_and_the_share_with_one():
    stats_ = pd.DataFrame({"area_code": ["A1", "A2", "A3"],
                           "population_adult": [1000.0, 1000.0, 2000.0],
                           "imd_decile": [1, 2, 3]})  # fmt: skip
    areas = ["A1"] * 42 + ["A2"] * 20 + ["A3"] * 12 + [None] * 6 + ["Z9"] * 5
    refs = pd.DataFrame({"area_code": areas, "age_band": "25-34"})
    refs.loc[0, "age_band"] = "0-17"  # a child: not counted at all
    deciles = equity.decile_counts(refs, stats_, 1.0)
    # 84 adults: 41 + 20 + 12 = 73 with a decile, 6 with no area and 5 in an area without one
    assert deciles["no_decile"].tolist() == [11, 11, 11]
    spec = equity.with_area_recorded(equity.deprivation_rates_spec(1.0))
    shown = spec.disclose(deciles, Level.ROUND).values
    # as shown: 40 + 20 + 10 = 70 with a decile, 10 without: 70 / 80 = 87.5, shown as 88
    assert shown["decile_known_pct"].tolist() == [88, 88, 88]
    exact = spec.disclose(deciles, Level.OFF).values
    assert exact["decile_known_pct"].iloc[0] == round(100 * 73 / 84)  # 87
    # quintiles keep the same count, on every row
    fifths = equity.rates_by_deprivation(None, stats_, 1.0, fifths=True, deciles=deciles)
    assert fifths["no_decile"].tolist() == [11, 11]
    fifth = equity.fifth_table(fifths)
    assert fifth["population_pct"].tolist() == [50, 50]  # 2,000 of 4,000 adults each
    assert equity.with_area_recorded(equity.FIFTH_SPEC).disclose(fifth, Level.ROUND).values[
        "decile_known_pct"].tolist() == [88, 88]  # fmt: skip


def test_who_was_referred_says_how_complete_each_characteristic_is():
    refs = pd.DataFrame(
        {
            "age_band": ["18-24"] * 40 + ["85+"] * 3 + [None] * 10,
            "sex": ["female"] * 50 + ["not stated"] * 3,
            "ethnicity": ["white"] * 53,
        }
    )
    table = equity.referral_distribution(refs)
    shown = equity.DISTRIBUTION_SPEC.disclose(table, Level.ROUND).values
    by = shown.drop_duplicates("characteristic").set_index("characteristic")["recorded_pct"]
    # age: 40 and * (taken as 4) recorded, 10 not: 44 / 54 = 81%; sex: 50 of 50 + * (4), 93%
    assert by.to_dict() == {"Age band": 81, "Sex": 93, "Ethnic group": 100}
    exact = equity.DISTRIBUTION_SPEC.disclose(table, Level.OFF).values
    by = exact.drop_duplicates("characteristic").set_index("characteristic")["recorded_pct"]
    assert by.to_dict() == {"Age band": 81, "Sex": 94, "Ethnic group": 100}  # 43/53, 50/53
