"""Demand forecasts: a synthetic series of known seasonality, the fallbacks, the backtest."""

import numpy as np
import pandas as pd
import pytest

from socialrx.disclosure import Level
from socialrx.metrics import forecast
from socialrx.views.panels import shown_months, shown_series

PATTERN = np.array([130, 120, 110, 100, 95, 80, 70, 75, 100, 115, 125, 90], dtype=float)


def _as_shown(series: dict, level: Level) -> tuple[dict, dict]:
    """The exact series and the series as shown at `level`, as the forecast view passes them."""
    return series, shown_months(series, level)


def _seasonal(months: int, noise: float = 2.0, seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = np.tile(PATTERN, months // 12 + 1)[:months] + rng.normal(0, noise, months)
    return pd.Series(values, index=pd.period_range("2022-01", periods=months, freq="M"))


def test_the_model_recovers_a_known_seasonal_pattern():
    series = _seasonal(48)
    result = forecast.forecast(series, 12)
    assert result.method == forecast.ETS and not result.reason
    assert str(result.table["month"].iloc[0]) == "2026-01"
    # the next year follows the pattern within a few people a month
    assert result.table["forecast"].to_numpy() == pytest.approx(PATTERN, abs=8)
    assert (result.table["lower"] <= result.table["forecast"]).all()
    assert (result.table["forecast"] <= result.table["upper"]).all()
    scored = forecast.backtest(series)
    assert scored.method == forecast.ETS and scored.mase < 1 and scored.mape_pct < 10


def test_the_model_gives_statsmodels_own_figures_for_the_dated_months():
    """Fitted on numbered months (quicker), the figures are those of ETSModel fitted on the
    months with their dates, as statsmodels' documentation fits a monthly series."""
    import warnings

    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = _seasonal(36, noise=6.0, seed=3)
    dated = pd.Series(series.to_numpy(), index=series.index.to_timestamp())
    dated.index.freq = "MS"
    model = ETSModel(dated, error="add", trend="add", damped_trend=True, seasonal="add",
                     seasonal_periods=12, initialization_method="heuristic")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False, maxiter=200)
    expected = fitted.get_prediction(start=36, end=47).summary_frame(alpha=0.2)
    table = forecast.ets(series, 12).table
    assert list(table["month"].astype(str))[:2] == ["2025-01", "2025-02"]
    assert table["forecast"].to_numpy() == pytest.approx(expected["mean"].clip(lower=0), rel=1e-9)
    assert table["lower"].to_numpy() == pytest.approx(expected["pi_lower"].clip(lower=0), rel=1e-9)
    assert table["upper"].to_numpy() == pytest.approx(expected["pi_upper"].clip(lower=0), rel=1e-9)


def test_the_same_months_are_fitted_once(monkeypatch):
    fits = []
    fit = forecast.ets
    monkeypatch.setattr(forecast, "ets", lambda s, h: fits.append(h) or fit(s, h))
    series = _seasonal(36, seed=7)
    first = forecast.forecast(series, 12)
    assert forecast.forecast(series.copy(), 12) is first and fits == [12]
    # another horizon, value or month is another fit
    forecast.forecast(series, 6)
    forecast.forecast(series + 1, 12)
    later = series.set_axis(pd.period_range("2022-02", periods=36, freq="M"))
    assert str(forecast.forecast(later, 12).table["month"].iloc[0]) == "2025-02"
    assert fits == [12, 6, 12, 12]


def test_under_two_years_falls_back_to_seasonal_naive():
    series = _seasonal(18, noise=0)
    result = forecast.forecast(series, 6)
    assert result.method == forecast.SEASONAL_NAIVE and "18 months" in result.reason
    # each month as the same month a year before: months 7-12 of the pattern
    assert result.table["forecast"].tolist() == PATTERN[6:12].tolist()


def test_mostly_zeros_falls_back_and_under_a_year_uses_the_mean():
    sparse = pd.Series([0.0] * 20 + [3.0, 0.0, 0.0, 1.0] * 4,
                       index=pd.period_range("2021-01", periods=36, freq="M"))  # fmt: skip
    result = forecast.forecast(sparse, 12)
    assert result.method == forecast.SEASONAL_NAIVE and "nobody" in result.reason
    assert (result.table["lower"] >= 0).all()
    short = pd.Series([4.0, 6.0, 5.0], index=pd.period_range("2024-01", periods=3, freq="M"))
    assert forecast.forecast(short, 3).table["forecast"].tolist() == [5.0, 5.0, 5.0]
    assert forecast.backtest(short) is None


def test_monthly_series_counts_people_sent_a_month_with_empty_months():
    connections = pd.DataFrame(
        {
            "referred_date": pd.to_datetime(
                ["2024-01-03", "2024-01-20", "2024-03-01", "2024-04-02", None]
            ),
            "category": ["arts", "walks", "arts", "arts", "arts"],
        }
    )
    last = forecast.last_complete_month(pd.Timestamp("2024-04-15"))
    assert str(last) == "2024-03"  # April is not over
    series = forecast.monthly_series(connections, last)
    assert series["all"].tolist() == [2, 0, 1]
    by = forecast.monthly_series(connections, last, connections["category"])
    assert by["arts"].tolist() == [1, 0, 1] and by["walks"].tolist() == [1, 0, 0]


def test_series_from_counts_equal_those_from_the_rows():
    # Jan 2024 (month 2024 * 12 + 0): 2 arts, 1 of no category; Mar: 1 walks; Apr (after
    # `last`): 4 arts
    month = [24288, 24288, 24290, 24291]
    group = ["arts", None, "walks", "arts"]
    last = pd.Period("2024-03", freq="M")
    series = forecast.counted_series(month, group, last, people=[2, 1, 1, 4])
    # January opens both series (the uncategorised person says the data starts then)
    assert series["arts"].tolist() == [2, 0, 0] and series["walks"].tolist() == [0, 0, 1]
    assert str(series["walks"].index[0]) == "2024-01"
    assert forecast.counted_series([24291], ["arts"], last) == {}


def test_forecast_figures_are_disclosed_as_counts():
    table, methods = forecast.forecast_table(*_as_shown({"all": _seasonal(36)}, Level.ROUND), 12)
    shown = forecast.FORECAST_SPEC.disclose(table, Level.ROUND).values
    future = shown[shown["forecast"].notna()]
    assert len(future) == 12 and (future["forecast"] % 5 == 0).all()
    assert (future["upper"] % 5 == 0).all()
    errors = forecast.METHOD_SPEC.disclose(methods, Level.ROUND)
    assert errors.values["mase"].notna().all()  # over 30 people held out


def test_the_backtest_scores_last_years_figures_beside_the_model():
    exact = _seasonal(36, noise=0)
    scored = forecast.backtest(exact)
    # last year's figures are exactly right; MASE is undefined when they always are (scale 0)
    assert scored.naive_mape_pct == pytest.approx(0) and scored.naive_mase is None
    noisy = forecast.backtest(_seasonal(48, noise=6, seed=3))
    assert noisy.naive_mape_pct > 0 and noisy.naive_mase > 0
    _, methods = forecast.forecast_table(*_as_shown({"all": _seasonal(36)}, Level.OFF), 12)
    assert {"naive_mape_pct", "naive_mase"} <= set(methods.columns)


def _months(values) -> pd.Series:
    return pd.Series([float(v) for v in values],
                     index=pd.period_range("2024-01", periods=len(values), freq="M"))  # fmt: skip


def test_the_model_is_fitted_on_the_months_as_shown():
    # two series whose months are shown alike, rounded to 5
    one = _seasonal(36, noise=0).round()
    two = one.copy()
    two.iloc[[0, 5, 20]] += [1, -2, 2]  # 130 -> 131, 80 -> 78, 100 -> 102: shown the same
    assert shown_series(one, Level.ROUND).equals(shown_series(two, Level.ROUND))
    first, about_one = forecast.forecast_table(*_as_shown({"all": one}, Level.ROUND), 12)
    second, about_two = forecast.forecast_table(*_as_shown({"all": two}, Level.ROUND), 12)
    future = ["forecast", "lower", "upper"]
    pd.testing.assert_frame_equal(first[future], second[future])
    scores = ["mape_pct", "mase", "naive_mape_pct", "naive_mase", "next_months"]
    pd.testing.assert_frame_equal(about_one[scores], about_two[scores])
    # and the backtest scores the series as shown, not the exact one
    scored = forecast.backtest(shown_series(one, Level.ROUND))
    assert about_one["mape_pct"].iloc[0] == pytest.approx(scored.mape_pct)
    # at "off" the exact series is fitted
    exact, _ = forecast.forecast_table(*_as_shown({"all": two}, Level.OFF), 12)
    assert not exact[future].equals(second[future])


def test_a_hidden_month_is_fitted_at_4_and_a_forecast_is_disclosed_as_a_whole_count():
    # hide 1-7 only: 8, 8, 8, 8 and a hidden month (taken as 4): the mean of five months,
    # 36 / 5 = 7.2, is 7 people, hidden; 8, 8, 8, 10, hidden: 38 / 5 = 7.6 shows as 8 (the
    # old bug showed 7.0-7.5 as 5 and 6.9 as `*` when rounding 7.2 to the nearest 5)
    for months, shown in (([8, 8, 8, 8, 5], None), ([8, 8, 8, 10, 2], 8.0), ([9] * 5, 9.0)):
        table, about = forecast.forecast_table(
            *_as_shown({"all": _months(months)}, Level.SUPPRESS), 3
        )
        assert about["method"].iloc[0] == forecast.MEAN
        values = forecast.FORECAST_SPEC.disclose(table, Level.SUPPRESS)
        future = values.values[table["future"].to_numpy()]
        marks = values.marks[table["future"].to_numpy()]
        if shown is None:
            assert future["forecast"].isna().all() and (marks["forecast"] == "*").all()
        else:
            assert future["forecast"].tolist() == [shown] * 3
    # rounded: a forecast of 7.6 is 8 people, shown as 10 (not 5)
    table, _ = forecast.forecast_table(
        *_as_shown({"all": _months([8, 8, 8, 10, 2])}, Level.SUPPRESS), 3
    )
    shown = forecast.FORECAST_SPEC.disclose(table, Level.ROUND).values
    assert shown.loc[table["future"].to_numpy(), "forecast"].tolist() == [10.0] * 3


def test_a_shorter_horizon_cuts_each_series_and_the_people_forecast_by_hand():
    table = pd.DataFrame(
        {
            "group": ["a"] * 5 + ["b"] * 3,
            "actual": [7, 9, None, None, None, 4, None, None],
            "forecast": [None, None, 10, 20, 30, None, 5, 6],
        }
    )
    # 2 months ahead: a keeps its 2 recorded months and forecasts 10, 20; b its 1 and 5, 6
    cut = forecast.within_horizon(table, 2)
    assert cut.index.tolist() == [0, 1, 2, 3, 5, 6, 7]
    methods = pd.DataFrame({"group": ["a", "b"], "next_months": [60.0, 11.0]})
    # people forecast over those months: a 10 + 20 = 30, b 5 + 6 = 11
    assert forecast.people_ahead(methods, cut)["next_months"].tolist() == [30.0, 11.0]
    assert forecast.within_horizon(table, 12).index.tolist() == list(range(8))


def test_a_series_as_shown_for_fitting():
    # 0 stays 0; 3 is hidden, at 4; 12 rounds to 10; 7.2 is 7 people, hidden; 7.6 is 8, to 10
    months = _months([0, 3, 12, 7.2, 7.6])
    assert shown_series(months, Level.ROUND).tolist() == [0, 4, 10, 4, 10]
    assert shown_series(months, Level.SUPPRESS).tolist() == [0, 4, 12, 4, 8]
    assert shown_series(months, Level.OFF).tolist() == [0, 3, 12, 7.2, 7.6]
    assert shown_series(months, Level.ROUND).index.equals(months.index)
