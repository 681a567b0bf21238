"""Demand forecasts: people sent to VCS assets a month, for the next 6-12 months.

The model is ETS(A,Ad,A) from statsmodels (`ETSModel`: additive errors, a damped additive
trend, additive 12-month seasonality). Why: social prescribing demand has a strong yearly
pattern (a January peak, a summer and Christmas dip), a trend that should not be run on for
ever (damped), and counts that can be zero (so not multiplicative); the state-space form gives
prediction intervals without a simulation. It needs two full years to see the seasonality
(its starting states come from them);
with fewer than 24 months, or a series that is mostly zeros, the forecast is seasonal naive
(each month as the same month last year; with under a year, the mean), its interval from
the spread of the series' own year-on-year changes.

At a disclosure level other than "off" the model is fitted on the monthly counts as shown
(`views.panels.shown_series`, worked out where the panels are: rounded, a hidden month at 4, the
middle of 1-7), never on the exact ones, and
the backtest scores it against them; forecast figures of people are counts and are disclosed as
counts (`FORECAST_SPEC`: a forecast of 7.2 is hidden like 7, one of 7.6 shows like 8).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from socialrx.disclosure import Spec, Statistic
from socialrx.metrics.capacity import month_index, named
from socialrx.metrics.recent import Recent

SEASON = 12
MIN_MONTHS_FOR_MODEL = 24
HOLD_OUT = 6
INTERVAL = 0.80  # an 80% prediction interval
_Z = 1.2815515655446004  # the normal quantile for an 80% two-sided interval
ETS = "ETS(A,Ad,A)"
SEASONAL_NAIVE = "seasonal naive"
MEAN = "mean of the months seen"


def monthly_series(
    connections: pd.DataFrame,
    last_month: pd.Period,
    key: pd.Series | None = None,
) -> dict[str, pd.Series]:
    """People sent a month (exact), from the first month of the data to `last_month`, as one
    series for the whole (key None: "all") or one per value of `key` (aligned with
    connections, e.g. each connection's asset category). Months with nobody are 0."""
    groups = (
        pd.Series("all", index=connections.index)
        if key is None
        else key.astype("string").reindex(connections.index)
    )
    return counted_series(month_index(connections["referred_date"]), groups.to_numpy(),
                          last_month)  # fmt: skip


def counted_series(month, group, last_month: pd.Period, people=None) -> dict[str, pd.Series]:
    """`monthly_series` from counts already made: `people` (1 where None) sent in each month
    (`capacity.month_index`) of each `group` (NA: in no series, but its months count as the
    data's), aligned with one another."""
    code = np.asarray(month)
    last = last_month.year * 12 + last_month.month - 1
    keep = (code >= 0) & (code <= last)
    if not keep.any():
        return {}
    first = int(code[keep].min())
    index = pd.period_range(
        pd.Period(year=first // 12, month=first % 12 + 1, freq="M"), last_month, freq="M"
    )
    people = np.ones(len(code)) if people is None else np.asarray(people, dtype=float)
    frame = pd.DataFrame({"code": code[keep], "group": pd.array(group, dtype="string")[keep],
                          "people": people[keep]})  # fmt: skip
    frame = frame.dropna(subset=["group"])
    counts = frame.groupby(["group", "code"])["people"].sum()
    out = {}
    for group, series in counts.groupby(level=0):
        values = series.droplevel(0).reindex(range(first, last + 1), fill_value=0)
        out[str(group)] = pd.Series(values.to_numpy(dtype=float), index=index)
    return out


def last_complete_month(end: pd.Timestamp) -> pd.Period:
    """The last whole calendar month on or before `end` (the data's last day)."""
    month = end.to_period("M")
    return month if end.normalize() >= month.end_time.normalize() else month - 1


@dataclass(frozen=True)
class Forecast:
    """A series' forecast: per future month the forecast and its 80% interval, the method
    used (and why, when it is not the model)."""

    table: pd.DataFrame  # month, forecast, lower, upper
    method: str
    reason: str = ""


def _mostly_zeros(y: np.ndarray) -> bool:
    return bool(len(y)) and float((y == 0).mean()) > 0.5


def _future(last: pd.Period, horizon: int) -> pd.PeriodIndex:
    return pd.period_range(last + 1, periods=horizon, freq="M")


def seasonal_naive(series: pd.Series, horizon: int) -> Forecast:
    """Each future month as the same month a year before (with under 12 months: their mean),
    the interval from the spread of year-on-year (or month-to-month) changes."""
    y = series.to_numpy(dtype=float)
    months = _future(series.index[-1], horizon)
    if len(y) >= SEASON:
        step = np.arange(horizon)
        forecast = y[len(y) - SEASON + step % SEASON]
        changes = y[SEASON:] - y[:-SEASON]
        spread = np.sqrt(step // SEASON + 1)
        method = SEASONAL_NAIVE
    else:
        forecast = np.full(horizon, y.mean() if len(y) else 0.0)
        changes = np.diff(y)
        spread = np.ones(horizon)
        method = MEAN
    sd = float(np.sqrt(np.mean(changes**2))) if len(changes) else float(np.std(y))
    half = _Z * sd * spread
    table = pd.DataFrame(
        {
            "month": months,
            "forecast": forecast,
            "lower": np.clip(forecast - half, 0, None),
            "upper": forecast + half,
        }
    )
    return Forecast(table, method)


@cache
def _blas():
    """The BLAS libraries loaded once statsmodels' fit is (found once: it takes ~10 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def ets(series: pd.Series, horizon: int) -> Forecast:
    """ETS(A,Ad,A) fitted to the series, forecast `horizon` months with an 80% interval."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # numbered months, not dated ones: the model needs only their order, and with a date index
    # statsmodels builds date ranges for every index lookup (a third of a fit's time)
    y = pd.Series(series.to_numpy(dtype=float))
    # initial level, trend and seasonal states from the first two years (Hyndman et al.'s
    # heuristic) leave four smoothing parameters to fit: ~30x faster than estimating all 17
    model = ETSModel(
        y,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=SEASON,
        initialization_method="heuristic",
    )
    # the fit's optimiser (scipy's L-BFGS-B) makes hundreds of BLAS calls on 4 numbers: one
    # BLAS thread gives the same figures in a fifth of the CPU time of OpenBLAS's waking others
    with warnings.catch_warnings(), _blas().limit(limits=1, user_api="blas"):
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False, maxiter=200)
        frame = fitted.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(
            alpha=1 - INTERVAL
        )
    table = pd.DataFrame(
        {
            "month": _future(series.index[-1], horizon),
            "forecast": np.clip(frame["mean"].to_numpy(), 0, None),
            "lower": np.clip(frame["pi_lower"].to_numpy(), 0, None),
            "upper": np.clip(frame["pi_upper"].to_numpy(), 0, None),
        }
    )
    if not np.isfinite(table[["forecast", "lower", "upper"]].to_numpy()).all():
        raise ValueError("the model gave no finite forecast")
    return Forecast(table, ETS)


# Forecasts already made, by their months and values: the Capacity and Commissioning pages and
# the pack fit the same months, and a fit takes about 20 ms
_MADE = Recent(512)


def forecast(series: pd.Series, horizon: int = 12) -> Forecast:
    """The model where there are two years of data that are not mostly zeros, otherwise
    seasonal naive (saying why); a model that fails to fit falls back too. Worked out once
    for the same months, values and horizon (Forecast is frozen; its table is only read)."""
    y = series.to_numpy(dtype=float)
    months = (str(series.index[0]), str(series.index[-1])) if len(y) else ("", "")
    return _MADE.get((*months, y.tobytes(), horizon), lambda: _forecast(series, y, horizon))


def _forecast(series: pd.Series, y: np.ndarray, horizon: int) -> Forecast:
    if len(y) < MIN_MONTHS_FOR_MODEL:
        return _because(
            seasonal_naive(series, horizon),
            f"only {len(y)} months of data (the model needs {MIN_MONTHS_FOR_MODEL})",
        )
    if _mostly_zeros(y):
        return _because(seasonal_naive(series, horizon), "most months have nobody sent")
    try:
        return ets(series, horizon)
    except (ValueError, np.linalg.LinAlgError) as error:  # pragma: no cover - rare
        return _because(seasonal_naive(series, horizon), f"the model did not fit ({error})")


def _because(result: Forecast, reason: str) -> Forecast:
    return Forecast(result.table, result.method, reason)


@dataclass(frozen=True)
class Backtest:
    """Forecast error on the last `HOLD_OUT` months, fitted on the months before them.
    MAPE is the mean absolute percentage error over months with anyone sent; MASE the mean
    absolute error over that of a seasonal naive forecast within the fitted months (under 1:
    better than last year's figures)."""

    method: str
    mape_pct: float | None
    mase: float | None
    months: int
    naive_mape_pct: float | None = None  # the same scores for last year's figures
    naive_mase: float | None = None


def backtest(series: pd.Series, hold_out: int = HOLD_OUT) -> Backtest | None:
    """Hold out the last `hold_out` months, forecast them from the rest, and score it; None
    when there is too little data (under a year before the held-out months)."""
    if len(series) < SEASON + hold_out:
        return None
    train, test = series.iloc[:-hold_out], series.to_numpy(dtype=float)[-hold_out:]
    result = forecast(train, hold_out)
    y = train.to_numpy(dtype=float)
    lag = SEASON if len(y) > SEASON else 1
    scale = float(np.mean(np.abs(y[lag:] - y[:-lag]))) if len(y) > lag else 0.0
    some = test > 0

    def scores(predicted: np.ndarray) -> tuple[float | None, float | None]:
        error = np.abs(test - predicted)
        mape = float(np.mean(error[some] / test[some]) * 100) if some.any() else None
        return mape, (float(np.mean(error) / scale) if scale > 0 else None)

    mape, mase = scores(result.table["forecast"].to_numpy(dtype=float))
    naive = scores(seasonal_naive(train, hold_out).table["forecast"].to_numpy(dtype=float))
    return Backtest(result.method, mape, mase, hold_out, *naive)


def forecast_table(
    series: dict[str, pd.Series],
    shown: dict[str, pd.Series],
    horizon: int = 12,
    names: dict[str, str] | None = None,
    with_backtest: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecasts of several series (a category each, or "all") in one long table (group,
    month, actual for past months, forecast, lower, upper) and one row per series on the
    method and its backtest error. Each is fitted and scored on its months as shown
    (`shown`, by group: `views.panels.shown_series`); `actual` holds the exact counts
    (`series`), disclosed with the rest by `FORECAST_SPEC`, as are the people held out
    (`METHOD_SPEC`)."""
    rows, about = [], []
    for group, values in series.items():
        result = forecast(shown[group], horizon)
        past = pd.DataFrame({"month": values.index, "actual": values.to_numpy()}).tail(24)
        future = result.table
        both = pd.concat([past, future], ignore_index=True)
        both.insert(0, "group", group)
        both["future"] = [False] * len(past) + [True] * len(future)
        rows.append(both)
        scored = backtest(shown[group]) if with_backtest else None
        held_out = float(values.iloc[-HOLD_OUT:].sum()) if scored is not None else 0.0
        about.append(
            {
                "group": group,
                "method": result.method,
                "reason": result.reason,
                "months": len(values),
                "mape_pct": None if scored is None else scored.mape_pct,
                "mase": None if scored is None else scored.mase,
                "backtest_method": None if scored is None else scored.method,
                "held_out_people": held_out,
                "naive_mape_pct": None if scored is None else scored.naive_mape_pct,
                "naive_mase": None if scored is None else scored.naive_mase,
                "next_months": float(future["forecast"].sum()),
            }
        )
    table = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(
            columns=["group", "month", "actual", "forecast", "lower", "upper", "future"]
        )
    )
    table["name"] = named(table["group"], names)
    table["month_start"] = table["month"].map(lambda p: p.start_time)
    methods = pd.DataFrame(about)
    if len(methods):
        methods["name"] = named(methods["group"], names)
    return table, methods


def within_horizon(table: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """A `forecast_table`'s recorded months and the first `horizon` forecast months of each
    series (it is fitted for the longest horizon once; a shorter one is cut from it)."""
    recorded = table["actual"].notna().groupby(table["group"]).transform("sum")
    ahead = table.groupby("group").cumcount() - recorded  # 0 for the first forecast month
    return table[table["forecast"].isna() | (ahead < horizon)]


def people_ahead(methods: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """`forecast_table`'s methods with `next_months` the people forecast over the forecast
    months of `table` (`within_horizon`), series by series."""
    ahead = table.groupby("group")["forecast"].sum()
    return methods.assign(next_months=methods["group"].map(ahead).astype(float))


FORECAST_SPEC = Spec(counts=("actual", "forecast", "lower", "upper"))
# the errors are worked out from the series as shown; shown where 30 or more people (as shown)
# were sent in the months held out
METHOD_SPEC = Spec(
    counts=("next_months", "held_out_people"),
    statistics={
        "mape_pct": Statistic("held_out_people", decimals=0),
        "mase": Statistic("held_out_people", decimals=2),
        "naive_mape_pct": Statistic("held_out_people", decimals=0),
        "naive_mase": Statistic("held_out_people", decimals=2),
    },
)
