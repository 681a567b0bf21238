"""Equity metrics: intervals, indirect standardisation, funnel limits and overdispersion, the
slope index of inequality, recording completeness, and their disclosure."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from socialrx.data.loader import load_folder
from socialrx.disclosure import BORDERLINE, SUPPRESSED, TOO_FEW, Level
from socialrx.metrics import equity
from socialrx.views.equity_charts import funnel_chart, practice_status

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


@pytest.fixture(scope="module")
def demo_dataset():
    return load_folder(DEMO)[0]


# --- intervals --------------------------------------------------------------------------------


def test_exact_poisson_interval_matches_scipy():
    counts = np.array([0, 1, 5, 10, 30, 100, 1000])
    low, high = equity.poisson_interval(counts)
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
    exact_low, exact_high = equity.poisson_interval(counts)
    byar_low, byar_high = equity.byar_interval(counts)
    assert np.allclose(byar_low, exact_low, rtol=0.01)
    assert np.allclose(byar_high, exact_high, rtol=0.005)
    # by hand for 10: 10 (1 - 1/90 - 1.96/(3 sqrt 10))^3 and 11 (1 - 1/99 + 1.96/(3 sqrt 11))^3
    z = stats.norm.ppf(0.975)
    assert byar_low[0] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3)
    assert byar_high[0] == pytest.approx(11 * (1 - 1 / 99 + z / (3 * math.sqrt(11))) ** 3)
    assert equity.byar_interval([0])[0][0] == 0


def test_rate_interval_per_1000_a_year():
    table = pd.DataFrame({"n": [10, 0, 5], "pop": [2000, 1000, pd.NA]})
    out = equity.add_rate_interval(table, "n", "pop", per_year=2.0)  # a six-month period
    assert out.loc[0, "rate_low"] == pytest.approx(4.795 / 2000 * 1000 * 2, abs=1e-3)
    assert out.loc[1, "rate_low"] == 0
    assert pd.isna(out.loc[2, "rate_low"]) and pd.isna(out.loc[2, "rate_high"])


# --- indirect standardisation -----------------------------------------------------------------


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
    low, high = equity.poisson_interval([40])
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


def test_practice_funnel_on_a_small_place():
    # three practices, one year: 100 + 100 + 0 referrals from 5,000 + 5,000 + 5,000 adults
    funnel = equity.practice_funnel(_referrals([100, 100, 0]), _practices([5000] * 3), 1.0)
    assert funnel.place_rate == pytest.approx(200 / 15000 * 1000)
    assert funnel.dispersion is None and funnel.method == equity.NO_ADJUSTMENT
    table = funnel.table.set_index("practice_code")
    e = 200 / 3
    assert table.loc["P0", "expected"] == pytest.approx(e)
    low = equity.poisson_limits([e], 0.001)[0]
    assert table.loc["P2", "lower_998"] == pytest.approx(low * funnel.place_rate)
    assert table.loc["P2", "below_count"] == pytest.approx(low * e)
    shown = equity.funnel_spec(1.0).disclose(funnel.table, Level.ROUND)
    assert shown.values["refers_less"].tolist() == [False, False, True]
    # 100 against 66.7 expected is above the upper limit (about 92)
    assert shown.values["refers_more"].tolist() == [True, True, False]


def test_funnel_judgement_is_borderline_where_rounding_could_change_it():
    base = equity.practice_funnel(_referrals([100] * 6), _practices([10_000] * 6), 1.0)
    spec = equity.funnel_spec(1.0)
    table = base.table.copy()
    table["below_count"] = 256.5  # flagged below 256.5 referrals
    table.loc[0, "referrals"] = 256  # shown as 255: the true count could be 253-257
    table.loc[1, "referrals"] = 250  # shown as 250: 248-252, all below the limit
    table.loc[2, "referrals"] = 262  # shown as 260: 258-262, all above it
    exact = spec.disclose(table, Level.OFF).values["refers_less"]
    assert exact.iloc[:3].tolist() == [True, True, False]
    rounded = spec.disclose(table, Level.ROUND)
    assert rounded.marks["refers_less"].iloc[:3].tolist() == [BORDERLINE, "", ""]
    assert rounded.text()["refers_less"].iloc[:3].tolist() == [BORDERLINE, "yes", "no"]
    # "hide 1-7 only" shows exact counts above 7: nothing left open
    assert spec.disclose(table, Level.SUPPRESS).marks["refers_less"].iloc[0] == ""


def test_hidden_practice_is_judged_only_when_every_count_agrees_and_drawn_as_a_range():
    funnel = equity.practice_funnel(
        _referrals([300, 310, 290, 305, 3]), _practices([10_000] * 5), 1.0, equity.NO_ADJUSTMENT
    )
    assert funnel.dispersion.overdispersed and funnel.method == equity.NO_ADJUSTMENT
    shown = equity.funnel_spec(1.0).disclose(funnel.table, Level.ROUND)
    assert shown.marks.loc[4, "referrals"] == SUPPRESSED
    assert shown.marks.loc[4, "rate_per_1000"] == SUPPRESSED
    assert shown.marks.loc[4, "rate_low"] == TOO_FEW
    # 1-7 referrals from 10,000 adults is far below any limit: "yes" for every possible count
    assert bool(shown.values.loc[4, "refers_less"]) is True
    assert practice_status(shown.values).tolist()[4] == "below"
    fig = funnel_chart(shown.values, funnel.curves(), funnel.place_rate, 1.0)
    names = [t.name for t in fig.data]
    assert any("hidden" in n for n in names)
    hidden = next(t for t in fig.data if "hidden" in t.name)
    assert hidden.y[0] == pytest.approx(0.4)  # 1-7 per 10,000 a year: centre 4 per 10,000
    assert fig.layout.xaxis.title.text.startswith("Registered adults")
    assert fig.layout.yaxis.title.text == "Referrals per 1,000 adults a year"


def test_unknown_practices_keep_a_row_without_a_rate():
    refs = pd.concat([_referrals([50, 60]), pd.DataFrame({"practice_code": ["ZZZ"] * 9})])
    funnel = equity.practice_funnel(refs, _practices([4000, 5000]), 1.0)
    row = funnel.table.iloc[-1]
    assert row["practice_code"] == "(not among the practices loaded)" and row["referrals"] == 9
    assert pd.isna(row["rate_per_1000"]) and pd.isna(row["lower_998"])
    assert funnel.place_referrals == 110  # the place's rate counts known lists only
    shown = equity.funnel_spec(1.0).disclose(funnel.table, Level.ROUND)
    assert shown.marks["refers_less"].iloc[-1] == "–"


# --- deprivation and the slope index ------------------------------------------------------------


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
    assert index.referrals == 1000


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
        {"area_code": ["A1"] * 40 + ["A2"] * 20 + ["A3"] * 10 + ["A4"] * 2, "age_band": "25-34"}
    )
    deciles = equity.rates_by_deprivation(refs, stats_, per_year=1.0)
    assert deciles.set_index("imd_decile").loc[1, "rate_per_1000"] == pytest.approx(40)
    low, high = equity.poisson_interval([40])
    assert deciles.loc[0, "rate_low"] == pytest.approx(low[0])
    fifths = equity.rates_by_deprivation(refs, stats_, per_year=1.0, fifths=True)
    first = fifths.set_index("imd_quintile").loc[1]
    assert first["referrals"] == 60 and first["population_adult"] == 2000
    assert first["rate_per_1000"] == pytest.approx(30)
    assert first["population_pct"] == pytest.approx(100 * 2000 / 4500)
    top = equity.most_deprived_fifth(fifths).iloc[0]
    assert top["share_pct"] == pytest.approx(100 * 60 / 72)
    assert top["population_pct"] == pytest.approx(100 * 2000 / 4500)
    shown = equity.FIFTH_SPEC.disclose(equity.most_deprived_fifth(fifths), Level.ROUND)
    assert shown.values.loc[0, "share_pct"] == round(100 * 60 / 72)
    # a PCN or practice choice: shares only, no rate
    spec = equity.deprivation_rates_spec(1.0, with_rate=False)
    assert "rate_per_1000" not in spec.rates and "rate_low" not in spec.statistics


# --- distributions and completeness ------------------------------------------------------------


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
    shown = equity.completeness_spec().disclose(by_practice.reset_index(), Level.ROUND)
    values, marks = shown.values, shown.marks
    assert values.loc[0, "ethnicity_recorded_pct"] == 67  # 40 of 60
    assert marks.loc[0, "sex_recorded_pct"] == SUPPRESSED  # the 2 not recorded are 1-7
    assert marks.loc[0, "area_recorded_pct"] == SUPPRESSED
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
    refs, practices = _referrals([300, 310, 150, 305, 3, 280]), _practices([10_000] * 6)
    for method, words in (
        (equity.ADDITIVE, "additive random effect"),
        (equity.MULTIPLICATIVE, "multiplicatively by sqrt(phi)"),
        (equity.NO_ADJUSTMENT, "not widened, as chosen"),
    ):
        funnel = equity.practice_funnel(refs, practices, 1.0, method)
        assert funnel.dispersion.overdispersed
        assert words in funnel.method_words()
        curves = funnel.curves()
        assert ("lower_998_poisson" in curves) == (method != equity.NO_ADJUSTMENT)
    calm = equity.practice_funnel(_referrals([100] * 6), practices, 1.0)
    assert calm.method == equity.NO_ADJUSTMENT and "no evidence" in calm.method_words()


def test_decile_counts_equal_the_referrals_module(demo_dataset):
    from socialrx.metrics import referrals as referral_metrics
    from socialrx.metrics.selection import default_selection, selected_referrals

    selection = default_selection(demo_dataset)
    refs = selected_referrals(demo_dataset, selection)
    stats_ = demo_dataset.table("area_stats")
    ours = equity.decile_counts(refs, stats_, selection.per_year)
    theirs = referral_metrics.referrals_by_deprivation(refs, stats_, selection.per_year)
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)
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
    ranked = panels["practice_rates_ranked"].shown().iloc[0]
    assert ranked["95% CI from"] == TOO_FEW  # 18 referrals: fewer than 30
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
    out = result.table.set_index("practice_code")
    # strata: 18-24 female 3 referrals (A 2, B 1) / 400 registered; 85+ female 3 (A 2, B 1)
    # / 200. A expected 100 x 3/400 + 100 x 3/200 = 2.25, B 300 x 3/400 + 100 x 3/200 = 3.75
    assert out.loc["A", "observed"] == 4 and out.loc["B", "observed"] == 2
    assert out.loc["A", "expected"] == pytest.approx(2.25)
    assert out.loc["B", "expected"] == pytest.approx(3.75)
    assert out.loc["A", "ratio"] == pytest.approx(4 / 2.25)
    assert out.loc["A", "ratio_low"] == pytest.approx(stats.chi2.ppf(0.025, 8) / 2 / 2.25)
    assert out.loc["B", "ratio_high"] == pytest.approx(stats.chi2.ppf(0.975, 6) / 2 / 3.75)
    assert out["registered"].tolist() == [200, 400]
    assert out.loc["A", "name"] == "Ay" and "C" not in out.index
    # A's referral with no age band and B's of sex 'other' are left out (A's 0-17 is no
    # adult); C's has no registered adults by age and sex
    assert (result.observed, result.left_out, result.no_ages) == (6, 2, 1)


def _spec_table() -> pd.DataFrame:
    observed = pd.Series([5, 32, 43])
    expected = pd.Series([24.0, 20.0, 24.0])
    low, high = equity.poisson_interval(observed)
    return pd.DataFrame(
        {
            "practice_code": ["A", "B", "C"],
            "observed": observed,
            "expected": expected,
            "ratio": observed / expected,
            "ratio_low": low / expected,
            "ratio_high": high / expected,
            "place_referrals": 80,
        }
    )


def test_standardised_ratios_are_disclosed_from_the_shown_count():
    shown = equity.STANDARDISED_SPEC.disclose(_spec_table(), Level.ROUND).text()
    shown = shown.set_index("practice_code")
    # A: 5 referrals are hidden, and so is every figure resting on them
    assert shown.loc["A", "observed"] == SUPPRESSED and shown.loc["A", "ratio"] == SUPPRESSED
    assert shown.loc["A", "ratio_low"] == TOO_FEW and shown.loc["A", "ratio_high"] == TOO_FEW
    # any of 1-7 gives an interval wholly below 1 (7: upper limit 14.4 / 24): a safe "yes"
    assert shown.loc["A", "refers_less"] == "yes"
    # B: 32 shows as 30, the ratio 30 / 20 from it; the interval from the exact 32 (30+)
    assert shown.loc["B", "observed"] == "30" and shown.loc["B", "ratio"] == "1.50"
    assert shown.loc["B", "ratio_low"] == f"{stats.chi2.ppf(0.025, 64) / 2 / 20:.2f}"  # 1.09
    # 28 (low 18.6 / 20 < 1) and 32 (21.9 / 20 > 1) are both shown as 30: left open
    assert shown.loc["B", "refers_more"] == BORDERLINE
    # C: 43 shows as 45, 45 / 24 = 1.875; every count 43-47 has its interval above 1
    assert shown.loc["C", "observed"] == "45" and shown.loc["C", "ratio"] == "1.88"
    assert shown.loc["C", "refers_more"] == "yes" and shown.loc["C", "refers_less"] == "no"
    exact = equity.STANDARDISED_SPEC.disclose(_spec_table(), Level.OFF).text()
    assert exact["ratio"].tolist() == ["0.21", "1.60", "1.79"]
    assert exact["refers_more"].tolist() == ["no", "yes", "yes"]


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
    low, high = equity.poisson_interval([40])
    assert shown.loc["A81002", "95% CI to"] == f"{high[0] / 46.25:.2f}"
    assert shown.index.tolist() == ["A81001", "A81002"]  # ranked by the ratio shown
    assert panel.notes[0].startswith("Left out: 3 adult referrals")
    assert panel.figure is not None and list(panel.figure.data[0].y) == [
        pytest.approx(40 / 33.75),
        pytest.approx(40 / 46.25),
    ]
    exported = panel.export()
    assert list(exported.columns)[:3] == ["Practice code", "Practice", "PCN"]
    assert "indirect standardisation" in panel.caption and "Technical Briefing" in panel.caption
    rounded = _standardised_panel(dataset, Level.ROUND)
    assert rounded.notes[0].startswith("Left out: * adult referrals")  # 3 is 1-7


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
    assert row["95% CI from"] == TOO_FEW and row["95% CI to"] == TOO_FEW
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
    # the two demo practices that hardly refer are fewer than expected for their lists
    assert shown.loc["X90004", "Fewer than expected"] == "yes"
    assert shown.loc["X90009", "Fewer than expected"] == "yes"
    assert "standardises for the age and sex" in panels["practice_funnel"].caption
    table = panel.table
    # the place's own rates: expected adds up to observed over the practices
    assert table["expected"].sum() == pytest.approx(table["observed"].sum())
    one = Selection(default.start, default.end, "practice", ("X90009",))
    single = {p.name: p for p in view.panels(demo_dataset, one, Level.ROUND)}
    assert "nothing to compare" in single["practice_standardised"].empty
