"""The demand forecast: people sent a month to the chosen assets, for the whole place, each
category and (asked for) one provider, fitted on the monthly counts as shown
(`forecast.forecast_table`), with how each forecast was made and how well it did.
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import forecast
from socialrx.metrics.selection import Selection, selected_assets
from socialrx.views import capacity_charts
from socialrx.views.capacity import provider_assets
from socialrx.views.panels import Panel, disclosure_caption, shown_months

SERIES_LABELS = {
    "name": "Series",
    "month": "Month",
    "actual": "Recorded",
    "forecast": "Forecast",
    "lower": "80% interval: low",
    "upper": "80% interval: high",
}
METHOD_LABELS = {
    "name": "Series",
    "method": "Method",
    "reason": "Why not the model",
    "months": "Months of data",
    "next_months": "People forecast, next months",
    "mape_pct": "Backtest MAPE (%)",
    "mase": "Backtest MASE",
    "naive_mape_pct": "Last year's figures: MAPE (%)",
    "naive_mase": "Last year's figures: MASE",
}
MODEL_WHY = (
    f"Forecasts use {forecast.ETS} from statsmodels (ETSModel): exponential smoothing with "
    "additive errors, a damped trend and a 12-month seasonal pattern, because demand has a "
    "strong yearly rhythm, a trend that should flatten rather than run on, and counts that "
    "can be zero; its state-space form gives the 80% prediction interval (the shaded band). "
    "With under 24 months, or mostly empty months, a seasonal naive forecast is used (each "
    "month as the same month last year). The model is fitted on the monthly counts as shown "
    "(rounded, a hidden month taken as 4), never on exact ones. The backtest fits on all but "
    "the last 6 whole months and forecasts them: MAPE is the average % error, MASE the error "
    "over that of last year's figures (under 1 beats them); the last two columns score last "
    "year's figures themselves on the same months, for comparison."
)


def forecast_data(dataset: Dataset, selection: Selection, level: Level, horizon: int = 12):
    """Forecasts of people sent a month to the chosen assets, for the whole place and each
    category, from the last whole month of the data, fitted on the monthly counts as shown at
    `level` (the heavy part: cache it)."""
    assets = selected_assets(dataset, selection)
    connections = dataset.table("connections")
    connections = connections[connections["asset_id"].isin(set(assets["asset_id"]))]
    last = forecast.last_complete_month(selection.end)
    category = connections["asset_id"].map(assets.set_index("asset_id")["category"])
    series = forecast.monthly_series(connections, last)
    series.update(forecast.monthly_series(connections, last, category))
    names = {"all": "All categories (the whole place)"}
    return forecast.forecast_table(series, shown_months(series, level), horizon, names)


def provider_forecast_data(
    dataset: Dataset, selection: Selection, level: Level, provider: str, horizon: int = 12
):
    """One provider's forecast (asked for with a button: one model, not one per provider),
    fitted on its monthly counts as shown at `level`."""
    mine = set(provider_assets(dataset, selection, provider)["asset_id"])
    connections = dataset.table("connections")
    connections = connections[connections["asset_id"].isin(mine)]
    series = forecast.monthly_series(connections, forecast.last_complete_month(selection.end))
    series = dict(zip([provider], series.values(), strict=False))
    return forecast.forecast_table(series, shown_months(series, level), horizon,
                                   {provider: "this provider"})  # fmt: skip


def forecast_panels(
    table: pd.DataFrame,
    methods: pd.DataFrame,
    level: Level,
    horizon: int,
    category: str | None = None,
    label: str = "",
) -> list[Panel]:
    """The whole place's (or a provider's) forecast, a chosen category's, and every
    series' method and backtest error (`forecast_data`, fitted at `level`); figures of
    people disclosed as counts."""
    table = forecast.within_horizon(table, horizon)
    groups = (
        [g for g in dict.fromkeys(table["group"]) if g == "all" or g == category]
        if category is not None
        else list(dict.fromkeys(table["group"]))
    )
    out = [
        _series_panel(
            table[table["group"] == group].reset_index(drop=True), group, level, horizon, label
        )
        for group in groups
    ]
    if len(methods):
        out.append(_methods_panel(forecast.people_ahead(methods, table), level, horizon, label))
    return out


def _series_panel(rows: pd.DataFrame, group: str, level: Level, horizon: int,
                  label: str) -> Panel:  # fmt: skip
    """One series recorded and forecast."""
    title = str(rows["name"].iloc[0]) if len(rows) else group
    return Panel(
        name=f"forecast_{label}{'all' if group == 'all' else 'series'}",
        title=f"Forecast: {title}",  # a category (one of the contract's) or fixed words
        caption="How to read this: people sent a month, recorded (solid) and forecast "
        f"(dashed) for the next {horizon} months, with the 80% interval shaded. The "
        "model is fitted on the months as shown; forecast figures are counts of people "
        "and disclosed as such. " + disclosure_caption(level),
        level=level,
        table=rows.assign(month=rows["month"].astype(str)),
        spec=forecast.FORECAST_SPEC,
        labels=SERIES_LABELS,
        chart=lambda v: capacity_charts.forecast_chart(v, f"People sent a month: {title}"),
        empty="Nothing to forecast (no one sent, or all counts hidden).",
        show_table=False,
        answer=lambda v: forecast_answer(v, horizon),
        download=f"Download forecast: {title} (CSV)",
    )


def _methods_panel(methods: pd.DataFrame, level: Level, horizon: int, label: str) -> Panel:
    """How each series was forecast, with the people it forecasts and its backtest error."""
    return Panel(
        name=f"forecast_{label}methods",
        title="How each forecast was made, and how well it did",
        caption=MODEL_WHY + " Errors show only for series with 30 or more people in "
        "the held-out months. " + disclosure_caption(level),
        level=level,
        table=methods,
        spec=forecast.METHOD_SPEC,
        labels={**METHOD_LABELS, "next_months": f"People forecast, next {horizon} months"},
        rank=("next_months",),
        download="Download forecast methods and errors (CSV)",
    )


def forecast_answer(values: pd.DataFrame, horizon: int) -> str:
    """A forecast in a sentence, from the figures shown: the first month's forecast and its
    80% interval, and the months it runs."""
    future = values[values["future"].astype(bool)]
    if future.empty:
        return ""
    first = future.iloc[0]

    def said(value) -> str:
        return "fewer than 8" if pd.isna(value) else f"{value:,.0f}"

    return (
        f"Forecast for {pd.Timestamp(first['month_start']):%B %Y}: {said(first['forecast'])} "
        f"people sent (80% interval {said(first['lower'])} to {said(first['upper'])}); the "
        f"forecast runs {horizon} months."
    )
