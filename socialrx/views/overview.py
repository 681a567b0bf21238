"""The overview page: five headline cards, each against the same months just before.

Each card's change is the difference of the two figures it shows, so the arithmetic on the
screen adds up, and it is coloured by whether the change is better for that measure."""

from __future__ import annotations

import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.disclosure import TOO_FEW, Level, Spec
from socialrx.metrics import capacity, outcomes, overview, referrals
from socialrx.metrics.selection import Selection, data_period
from socialrx.views.panels import Card, Panel, disclosure_caption

CONNECTED = f"Connected within {referrals.CONNECTION_WINDOW_DAYS} days"


def _referral_count(figures: overview.PeriodFigures | None, level: Level):
    frame = pd.DataFrame({"referrals": [figures.referrals if figures else None]})
    return Spec(counts=("referrals",)).disclose(frame.astype("Float64"), level)


def _connected(figures: overview.PeriodFigures | None, level: Level):
    frame = pd.DataFrame([figures.connected if figures else dict.fromkeys(("referrals",))])
    frame = frame.reindex(columns=["referrals", "eligible", "connected", "too_recent"])
    return referrals.CONNECTED_SPEC.disclose(frame.astype("Float64"), level)


def _over_capacity(figures: overview.PeriodFigures | None, months: float, level: Level):
    if figures is None:
        return None, 0
    shown = capacity.strain_spec(months).disclose(figures.strain, level)
    summary = capacity.summarise(shown.values, shown.marks)
    return summary.over, summary.undecided


def _change(figures: overview.PeriodFigures | None, level: Level):
    if figures is None or figures.change is None:
        return None
    row = figures.change.to_frame().T.reset_index(drop=True)
    row = row.astype({c: "Float64" for c in (*outcomes.COUNTS, *outcomes.STATISTICS)})
    return outcomes.SPEC.disclose(row, level)


def _figure(disclosed, column: str):
    """A disclosed figure (None where not shown) and its mark (`*`, `too few`, ...)."""
    if disclosed is None:
        return None, "–"
    value = disclosed.values[column].iloc[0]
    return (None if pd.isna(value) else float(value)), disclosed.marks[column].iloc[0]


def _card(name, now, before, help_text, *, unit="", decimals=0, change_unit="",
          lower_is_better=False, missing=None, compared=True) -> Card:  # fmt: skip
    """A card from shown figures (value, mark) now and before."""
    if missing:
        return Card(name, "–", help_text, missing)
    (value, mark), (previous, _) = now, before
    if value is None and mark == TOO_FEW:  # a card has room for two words: the rest below
        return Card(name, "too few", help_text, "fewer than 30 people: not judged")
    text = mark if value is None else f"{value:,.{decimals}f}{unit}"
    if not compared:
        return Card(name, text, help_text, "no earlier figure", figure=value)
    if value is None or previous is None:
        return Card(name, text, help_text, None, figure=value, previous=previous)
    change = round(value - previous, decimals)
    numbers = {"figure": value, "previous": previous, "difference": change}
    if change == 0:
        words = f"no change from {previous:,.{decimals}f}{unit}"
        return Card(name, text, help_text, words, **numbers)
    better = (change < 0) if lower_is_better else (change > 0)
    suffix = change_unit or unit
    if abs(change) == 1 and not decimals and suffix.endswith("points"):
        suffix = suffix.removesuffix("s")
    words = f"{change:+,.{decimals}f}{suffix}"
    return Card(name, text, help_text, words, better, **numbers)


def headline_panel(dataset: Dataset, selection: Selection, level: Level) -> Panel:
    """The five cards and the table behind them."""
    now, before, previous = overview.headline_periods(dataset, selection)
    compared = before is not None
    absent = overview.missing_reasons(dataset)
    months = selection.months

    n_now, n_before = _referral_count(now, level), _referral_count(before, level)
    c_now, c_before = _connected(now, level), _connected(before, level)
    recent = now.connected["too_recent"]
    over_now, borderline = _over_capacity(now, months, level)
    over_before, _ = _over_capacity(before, previous.months, level)
    ch_now, ch_before = _change(now, level), _change(before, level)
    assets = overview.active_assets(dataset, selection)
    has_capacity = dataset.table("assets")["capacity_per_month"].notna().any()

    measure = None if now.change is None else vocab.MEASURES[now.change["measure"]]
    short = measure.label.split(" (")[0] if measure else "Wellbeing"
    paired = "" if now.change is None else _pairs_text(ch_now)
    cards = (
        _card("Referrals", _figure(n_now, "referrals"), _figure(n_before, "referrals"),
              "Referrals received in the period from the chosen place.",
              missing=absent.get("referrals"), compared=compared),
        _card(CONNECTED, _figure(c_now, "connected_pct"), _figure(c_before, "connected_pct"),
              f"Of referrals made at least {referrals.CONNECTION_WINDOW_DAYS} days before the "
              "data ends, the share who started at an asset (attending, moved on or stopped) "
              f"within {referrals.CONNECTION_WINDOW_DAYS} days. "
              + (f"{_count_text(c_now, 'too_recent')} more referrals are too recent to judge. "
                 if recent else "")
              + "Both periods are measured the same way, so the change is not just time.",
              unit="%", change_unit=" points",
              missing=absent.get("referrals") or absent.get("connections")
              or (None if now.referrals else "no referrals"),
              compared=compared and bool(before and before.referrals)),
        _card("Active assets", (float(assets), ""), (None, ""),
              "Assets with status active (in the chosen areas, if areas are chosen). "
              "assets.csv holds current status only, so there is no previous-period figure.",
              missing=absent.get("assets"), compared=False),
        _card("Over capacity",
              (None if over_now is None else float(over_now), ""),
              (None if over_before is None else float(over_before), ""),
              "Assets sent more people a month than the capacity their provider states, "
              "counting everyone sent to them in the period. "
              + capacity.undecided_note(borderline),
              lower_is_better=True,
              missing=absent.get("connections")
              or (None if has_capacity else "no capacity stated"),
              compared=compared),
        _card(f"{short} change" if measure else "Wellbeing change",
              _figure(ch_now, "mean_change"), _figure(ch_before, "mean_change"),
              (f"{measure.label}: mean change in points from baseline to the latest follow-up "
               f"for people referred in the period who have both ({paired}); "
               f"{'higher' if measure.higher_is_better else 'lower'} is better. "
               "Shown only when it rests on at least 30 people."
               if measure else "Mean change from baseline to latest follow-up."),
              unit=" points", decimals=1,
              lower_is_better=bool(measure and not measure.higher_is_better),
              missing=absent.get("outcomes") or (
                  None if measure else ("nobody measured twice" if now.measured
                                        else "no outcomes")),
              compared=compared and before is not None and before.change is not None),
    )  # fmt: skip
    table = pd.DataFrame(
        [
            {"figure": c.name, "value": c.figure, "previous": c.previous,
             "change": c.difference, "shown": c.value}
            for c in cards
        ]
    )  # fmt: skip
    period = f"{previous.start:%d %b %Y} to {previous.end:%d %b %Y}"
    compares = (
        f"Changes compare with {period}: the difference of the two figures shown, in green "
        "where it is better for that measure, red where worse. "
        if data_period(dataset) is not None
        else "The data has no dated records, so there is no earlier period to compare with. "
    )
    return Panel(
        name="overview_headlines",
        title="Headline figures",
        caption=compares + disclosure_caption(level),
        level=level,
        table=table,
        labels={
            "figure": "Figure",
            "shown": "As shown",
            "value": "Value",
            "previous": "Previous period",
            "change": "Change",
        },  # fmt: skip
        cards=cards,
        show_table=False,
    )


def _count_text(disclosed, column: str) -> str:
    value, _ = _figure(disclosed, column)
    return "*" if value is None else f"{value:,.0f}"


def _pairs_text(disclosed) -> str:
    value, _ = _figure(disclosed, "paired")
    return "1-7 people" if value is None else f"{value:,.0f} people"
