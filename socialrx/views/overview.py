"""The overview page: five headline cards, each against the same months just before.

The exact figures of both periods are the panel's basis, disclosed where the panel is drawn;
each card is worked out from those disclosed tables, so it says no more than they do. Each
card's change is the difference of the two figures it shows, so the arithmetic on the screen
adds up, and it is coloured by whether the change is better for that measure."""

from __future__ import annotations

import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.disclosure import TOO_FEW, Derived, Disclosed, Level, Spec
from socialrx.metrics import capacity, outcomes, overview, referrals
from socialrx.metrics.selection import Selection, data_period
from socialrx.views.panels import Card, Panel, disclosure_caption, shown_series

CONNECTED = f"Connected within {referrals.CONNECTION_WINDOW_DAYS} days"
NAMES = ("Referrals", CONNECTED, "Active assets", "Over capacity")


def headlined(figures: overview.PeriodFigures, level: Level) -> str | None:
    """The outcome measure the overview headlines (`outcomes.headline_measure`), chosen on the
    numbers measured twice as shown at `level`; None where nobody was."""
    changes = figures.changes
    row = outcomes.headline_measure(changes.assign(paired=shown_series(changes["paired"], level)))
    return None if row is None else str(row["measure"])


def _basis(figures: overview.PeriodFigures | None, when: str, months: float,
           measure: str | None) -> dict:  # fmt: skip
    """One period's exact tables, each with its spec, for the panel's basis (the change in
    the headline `measure`)."""
    if figures is None:
        return {}
    connected = pd.DataFrame([figures.connected]).reindex(
        columns=["referrals", "eligible", "connected", "too_recent"]
    )
    out = {
        f"months_{when}": (figures.monthly, referrals.PERIOD_SPEC),
        f"connected_{when}": (connected.astype("Float64"), referrals.CONNECTED_SPEC),
        f"strain_{when}": (figures.strain, capacity.strain_spec(months)),
    }
    change = figures.change(measure)
    if change is not None:
        row = change.to_frame().T.reset_index(drop=True)
        numbers = [c for c in row.columns if c not in ("measure", "label", "higher_is_better")]
        out[f"change_{when}"] = (row.astype({c: "Float64" for c in numbers}), outcomes.SPEC)
    return out


def _figure(shown: dict[str, Disclosed], table: str, column: str):
    """A disclosed figure (None where not shown) and its mark (`*`, `too few`, ...)."""
    disclosed = shown.get(table)
    if disclosed is None or disclosed.values.empty:
        return None, "–"
    value = disclosed.values[column].iloc[0]
    return (None if pd.isna(value) else float(value)), disclosed.marks[column].iloc[0]


def _over_capacity(shown: dict[str, Disclosed], when: str):
    disclosed = shown.get(f"strain_{when}")
    if disclosed is None:
        return (None, ""), 0
    summary = capacity.summarise(disclosed.values)
    return (float(summary.over), ""), summary.undecided


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


def _changed(card: Card, unit: str = "") -> str:
    """A card's change on the months just before, in words ("360 more", "up 1 point", "as many
    as"); "" where it has none. `unit`: "point" for a share (up or down), none for a count."""
    if card.difference is None or card.previous is None:
        return ""
    size = abs(card.difference)
    if unit:
        if size == 0:
            return "unchanged"
        amount = f"{size:,.0f} {unit}{'' if size == 1 else 's'}"
        return f"{'up' if card.difference > 0 else 'down'} {amount}"
    if size == 0:
        return "as many as"
    return f"{size:,.0f} {'more' if card.difference > 0 else 'fewer'} than"


def headline_answer(cards: tuple[Card, ...], measure) -> str:
    """The overview's answer: each headline as shown, and its change on the months just before,
    in one sentence (from the cards, which are worked out from the disclosed figures)."""
    by_name = {card.name: card for card in cards}
    parts = []
    referred = by_name.get("Referrals")
    if referred and referred.figure is not None:
        change = _changed(referred)
        parts.append(
            f"{referred.value} referrals"
            + (f", {change} in the months just before" if change else "")
        )
    connected = by_name.get(CONNECTED)
    window = referrals.CONNECTION_WINDOW_DAYS
    if connected and connected.figure is not None:
        change = _changed(connected, "point")
        parts.append(
            f"{connected.value} of those old enough to judge connected within {window} days"
            + (f", {change}" if change else "")
        )
    elif connected and connected.value == "too few":
        parts.append(f"too few referrals old enough to judge connection within {window} days")
    over = by_name.get("Over capacity")
    if over and over.figure is not None:
        change = _changed(over)
        assets = "asset" if over.figure == 1 else "assets"
        parts.append(
            f"{over.value} {assets} over capacity" + (f", {change} before" if change else "")
        )
    wellbeing = cards[-1] if len(cards) == 5 else None
    if measure is not None and wellbeing is not None:
        name = measure.label.split(" (")[0]
        if wellbeing.figure is not None:
            better = "higher" if measure.higher_is_better else "lower"
            moved = (
                "did not change on average"
                if wellbeing.figure == 0
                else f"{'rose' if wellbeing.figure > 0 else 'fell'} by "
                f"{abs(wellbeing.figure):,.1f} points on average"
            )
            parts.append(f"{name} {moved} among people measured twice ({better} is better)")
        elif wellbeing.value == "too few":
            parts.append(f"too few people measured twice to say whether {name} changed")
    if not parts:
        return ""
    text = "; ".join(parts) + "."
    return text[:1].upper() + text[1:]


def _count_text(value) -> str:
    return "*" if value is None else f"{value:,.0f}"


def headline_panel(dataset: Dataset, selection: Selection, level: Level) -> Panel:
    """The five cards and the table behind them."""
    now, before, previous = overview.headline_periods(dataset, selection)
    compared = before is not None
    absent = overview.missing_reasons(dataset)
    code = headlined(now, level)
    basis = {**_basis(now, "now", selection.months, code),
             **_basis(before, "before", previous.months, code)}  # fmt: skip
    assets = overview.active_assets(dataset, selection)
    has_capacity = dataset.table("assets")["capacity_per_month"].notna().any()
    measure = None if code is None else vocab.MEASURES[code]
    short = measure.label.split(" (")[0] if measure else "Wellbeing"

    def cards(_values, shown: dict[str, Disclosed]) -> tuple[Card, ...]:
        recent, _ = _figure(shown, "connected_now", "too_recent")
        over_now, borderline = _over_capacity(shown, "now")
        over_before, _ = _over_capacity(shown, "before")
        paired, _ = _figure(shown, "change_now", "paired")
        pairs = "1-7 people" if paired is None else f"{paired:,.0f} people"
        return (
            _card("Referrals", _figure(shown, "months_now", "all"),
                  _figure(shown, "months_before", "all"),
                  "Referrals received in the period from the chosen place: the months as shown "
                  "added up (a hidden month as 4), so the total cannot narrow a hidden month.",
                  missing=absent.get("referrals"), compared=compared),
            _card(CONNECTED, _figure(shown, "connected_now", "connected_pct"),
                  _figure(shown, "connected_before", "connected_pct"),
                  f"Of referrals made at least {referrals.CONNECTION_WINDOW_DAYS} days before the "
                  "data ends, the share who started at an asset (attending, moved on or stopped) "
                  f"within {referrals.CONNECTION_WINDOW_DAYS} days, from the counts as shown. "
                  + (f"{_count_text(recent)} more referrals are too recent to judge. "
                     if now.connected["too_recent"] else "")
                  + "Both periods are measured the same way, so the change is not just time.",
                  unit="%", change_unit=" points",
                  missing=absent.get("referrals") or absent.get("connections")
                  or (None if now.referrals else "no referrals"),
                  compared=compared and bool(before and before.referrals)),
            _card("Active assets", (float(assets), ""), (None, ""),
                  "Assets with status active (in the chosen areas, if areas are chosen). "
                  "assets.csv holds current status only, so there is no previous-period figure.",
                  missing=absent.get("assets"), compared=False),
            _card("Over capacity", over_now, over_before,
                  "Assets sent more people a month than the capacity their provider states, "
                  "counting everyone sent to them in the period. "
                  + capacity.undecided_note(borderline),
                  lower_is_better=True,
                  missing=absent.get("connections")
                  or (None if has_capacity else "no capacity stated"),
                  compared=compared),
            _card(f"{short} change" if measure else "Wellbeing change",
                  _figure(shown, "change_now", "mean_change"),
                  _figure(shown, "change_before", "mean_change"),
                  (f"{measure.label}: mean change in points from baseline to the latest "
                   f"follow-up for people referred in the period who have both ({pairs}); "
                   f"{'higher' if measure.higher_is_better else 'lower'} is better. "
                   "Shown only when it rests on at least 30 people."
                   if measure else "Mean change from baseline to latest follow-up."),
                  unit=" points", decimals=1,
                  lower_is_better=bool(measure and not measure.higher_is_better),
                  missing=absent.get("outcomes") or (
                      None if measure else ("nobody measured twice" if now.measured
                                            else "no outcomes")),
                  compared=compared and before is not None and before.change(code) is not None),
        )  # fmt: skip

    def column(field: str, decimals: int) -> Derived:
        def compute(shown) -> pd.Series:
            made = cards(shown.values, shown.basis)
            return pd.Series([getattr(c, field) for c in made], index=shown.values.index,
                             dtype="Float64")  # fmt: skip

        return Derived(compute, decimals=decimals)

    names = [
        *NAMES,
        f"{short} change" if measure else "Wellbeing change",
    ]
    period = f"{previous.start:%d %b %Y} to {previous.end:%d %b %Y}"
    compares = (
        f"Changes compare with {period}: the difference of the two figures shown, in green "
        "where it is better for that measure, red where worse. "
        if data_period(dataset) is not None
        else "The data has no dated records, so there is no earlier period to compare with. "
    )
    panel = Panel(
        name="overview_headlines",
        title="Headline figures",
        caption=compares + disclosure_caption(level),
        level=level,
        table=pd.DataFrame({"figure": names}),
        spec=Spec(
            derived={
                "value": column("figure", 1),
                "previous": column("previous", 1),
                "change": column("difference", 1),
            }
        ),
        basis=basis,
        labels={
            "figure": "Figure",
            "value": "Value",
            "previous": "Previous period",
            "change": "Change",
        },  # fmt: skip
        cards_from=cards,
        show_table=False,
    )
    # the answer is the cards in words: they are worked out from the disclosed basis
    panel.answer = lambda _values: headline_answer(panel.shown_cards, measure)
    return panel
