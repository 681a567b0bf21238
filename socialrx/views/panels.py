"""Panels: what a page shows, built once in `socialrx` so a page and the workshop pack draw the
same thing. A panel holds exact figures and the spec saying what counts people; disclosure is
applied here, once, at the level chosen, and everything drawn or exported comes from that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from socialrx.disclosure import (
    HIDDEN_MIDDLE,
    NOT_APPLICABLE,
    Disclosed,
    Level,
    Spec,
    describe,
)


@dataclass(frozen=True)
class Card:
    """One headline figure as shown: its value and the change since the previous period,
    both text; `better` says whether the change is an improvement (None: neither, or no
    direction), so it is coloured by the measure's better direction."""

    name: str
    value: str
    help: str
    change: str | None = None
    better: bool | None = None
    figure: float | None = None  # the numbers shown, for the CSV
    previous: float | None = None
    difference: float | None = None


@dataclass
class Panel:
    """A titled figure or table with how to read it, built from exact figures.

    `table` holds exact figures and `spec` says which columns count people; `labels` names
    the columns to show, in order. `chart` draws from the disclosed values and returns None
    when there is nothing to draw, and then `empty` is said instead. `rank` sorts rows by
    disclosed columns (largest first), so an order never gives away a hidden figure."""

    name: str
    title: str
    caption: str
    level: Level
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    spec: Spec = field(default_factory=Spec)
    labels: dict[str, str] = field(default_factory=dict)
    chart: Callable[[pd.DataFrame], object] | None = None
    empty: str = ""
    rank: tuple[str, ...] = ()
    show_table: bool = True
    cards: tuple[Card, ...] = ()
    notes: tuple[str, ...] = ()
    still: Callable[[], bytes] | None = None  # a PNG for print, where the figure is a live map
    # what a click on a live map at (lat, lon) points at: a title and (field, value) rows
    details: Callable[[float, float], tuple[str, list] | None] | None = None
    download: str = ""  # the download button's label, where the default would repeat another's
    # drawn on the page and never into a file (no download, no place in a pack or report): a
    # provider's own exact counts (`access.own_records_level`)
    on_screen_only: bool = False
    # sentences worked out from the disclosed values only: the panel's answer in the reader's
    # words (drawn before the figure), and notes that quote figures shown (after the caption)
    answer: Callable[[pd.DataFrame], str] | None = None
    said: Callable[[pd.DataFrame], tuple[str, ...]] | None = None
    # the answer's opening, for the page's summary, where the whole answer runs long
    lead: Callable[[pd.DataFrame], str] | None = None
    # how the figures are worked out (methods, sources, the disclosure rule): folded away on
    # the page, printed in the pack; `caption` keeps the one line on how to read the figure
    method: str = ""
    # headline cards worked out from the disclosed values (and the disclosed basis)
    cards_from: Callable[[pd.DataFrame, dict[str, Disclosed]], tuple[Card, ...]] | None = None

    # columns worked out from the disclosed values that count nobody themselves (an SPC chart's
    # centre line, limits and signals: text as well as numbers), added to what is shown
    annotate: Callable[[pd.DataFrame], dict] | None = None

    # other exact tables the panel's derived figures rest on (name -> table and spec), disclosed
    # with it; their counts are the panel's too (a funnel's place total, a standardisation's
    # strata)
    basis: dict[str, tuple[pd.DataFrame, Spec]] = field(default_factory=dict)

    @cached_property
    def disclosed_basis(self) -> dict[str, Disclosed]:
        return {
            name: spec.disclose(table, self.level) for name, (table, spec) in self.basis.items()
        }

    @cached_property
    def disclosed(self) -> Disclosed:
        disclosed = self.spec.disclose(self.table, self.level, self.disclosed_basis)
        if self.annotate is not None:
            disclosed.values = disclosed.values.assign(**self.annotate(disclosed.values))
        if self.rank and len(self.table):
            # ties on the figures shown broken by the first column that names a row (a code or
            # a name), never by the table's own order, which may follow exact counts
            names = [c for c in self.labels if c not in self.spec.columns][:1]
            order = disclosed.values.sort_values(
                [*self.rank, *names],
                ascending=[False] * len(self.rank) + [True] * len(names),
                na_position="last",
                kind="stable",
            ).index
            disclosed = disclosed.reorder(order)
        return disclosed

    @cached_property
    def answer_text(self) -> str:
        """The panel's answer, from what is shown ("" where it has none)."""
        return self.answer(self.disclosed.values) if self.answer else ""

    @cached_property
    def lead_text(self) -> str:
        """The answer as the page's summary gives it: its opening where it has one."""
        if not self.answer_text:
            return ""
        return (self.lead(self.disclosed.values) if self.lead else "") or self.answer_text

    @cached_property
    def shown_cards(self) -> tuple[Card, ...]:
        """The panel's cards: fixed ones, then those worked out from what is shown."""
        made = (
            self.cards_from(self.disclosed.values, self.disclosed_basis) if self.cards_from else ()
        )
        return (*self.cards, *made)

    @cached_property
    def shown_notes(self) -> tuple[str, ...]:
        """The notes under the caption: fixed ones, then those quoting figures shown."""
        said = self.said(self.disclosed.values) if self.said else ()
        return (*self.notes, *(note for note in said if note))

    @cached_property
    def figure(self):
        """The chart (plotly figure or folium map), or None when there is nothing to draw."""
        return None if self.chart is None else self.chart(self.disclosed.values)

    @property
    def counted(self) -> list[str]:
        """The shown columns holding disclosed figures (drawn as text, aligned as numbers)."""
        return [self.labels[c] for c in self.spec.columns if c in self.labels]

    def shown(self) -> pd.DataFrame:
        """The table for the screen: disclosed figures as text, headed by `labels`."""
        return self.disclosed.text(list(self.labels)).rename(columns=self.labels)

    @cached_property
    def grid(self) -> tuple[pd.DataFrame, list[str], list[str]]:
        """`shown()` as the screen's grid takes it (`grid_table`), worked out once: a panel
        kept between reruns only draws (thousands of assets' cells made text every run cost
        a map's rerun about a fifth of its time)."""
        return grid_table(self.shown())

    def export(self) -> pd.DataFrame:
        """The table for a CSV: numbers stay numbers, marks where a figure is not shown."""
        return self.disclosed.export()[list(self.labels)].rename(columns=self.labels)


def shown_series(counts: pd.Series, level: Level) -> pd.Series:
    """A series of counts (people a month) as a panel shows them at `level`, each disclosed on
    its own, a hidden one at 4, the middle of 1-7 (exact at "off"): what a forecast is fitted
    on, so that it says no more than the months shown."""
    frame = pd.DataFrame({"count": counts.to_numpy()})
    shown = Spec(counts=("count",)).disclose(frame, level).values["count"]
    return pd.Series(shown.fillna(HIDDEN_MIDDLE).to_numpy(dtype=float), index=counts.index)


def shown_months(series: dict[str, pd.Series], level: Level) -> dict[str, pd.Series]:
    """Each of several series as shown (`shown_series`), by name."""
    return {name: shown_series(counts, level) for name, counts in series.items()}


def cell_text(value) -> str:
    """A table's cell as the screen's grid shows it: whole numbers with thousands separators,
    others to at most 3 decimals, yes or no, and "–" where there is no value (never `<NA>`,
    `None`, `False` or `1257.0`)."""
    if isinstance(value, str):
        return value
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return NOT_APPLICABLE
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3f}".rstrip("0")
    return str(value)


def grid_table(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """A table as the screen's grid shows it, with its number columns and those of them with
    gaps: text and gaps as `cell_text` (a missing value "–", never the grid's "None" or a
    blank), numbers left as numbers."""
    shown = frame.copy()
    numbers = list(shown.select_dtypes(include="number").columns)
    gaps = [c for c in numbers if shown[c].isna().any()]  # the grid would show "None"
    text = [*shown.select_dtypes(include=["string", "object"]).columns, *gaps]
    # all text, so the grid's Arrow table never meets a number beside a mark ("–" and 32,807
    # in one column made pyarrow refuse it: a practice without a list size)
    # a list a column, not pandas' map: every panel's table is made text on its first view
    for place in np.flatnonzero(shown.columns.isin(text)):
        cells = [cell_text(value) for value in shown.iloc[:, place].tolist()]
        shown.isetitem(place, pd.Series(cells, index=shown.index, dtype=object))
    return shown, numbers, gaps


def table_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text (`cell_text`): a table for print, or to compare with the screen's."""
    return frame.apply(lambda column: column.map(cell_text)).astype(object)


@dataclass
class Section:
    """Panels a page groups under one heading (a tab), so a long page opens on its answers
    and a reader can jump to the detail."""

    title: str
    panels: list[Panel]


def sections_by_name(panels: list[Panel], groups: dict[str, tuple[str, ...]]) -> list[Section]:
    """Panels in sections by the start of their names (`groups`: title -> name prefixes, in
    the page's order), each keeping its order; one matching no group joins the last section,
    so a section never loses a panel. Empty sections are left out."""
    titles = list(groups)
    placed: dict[str, list[Panel]] = {title: [] for title in titles}
    for panel in panels:
        title = next((t for t in titles if panel.name.startswith(groups[t])), titles[-1])
        placed[title].append(panel)
    return [Section(title, shown) for title, shown in placed.items() if shown]


FOUND = "What this page found"


def found(sections: list[Section]) -> list[tuple[str, str]]:
    """A page's summary as (heading, answers): a titled section's panels' answers together
    under its title, an untitled section's one by one, in the page's order, leaving out
    those with none and any said already. Each answer is the panel's own opening
    (`lead_text`), worked out from its disclosed values, so the summary says nothing the panels
    do not."""
    out, seen = [], []
    for section in sections:
        # two panels saying the same (too few to judge a change, or its effect size) once, and
        # one whose words an earlier answer opens with ("Too few ... judgeable)." after the
        # same with "35 had a baseline." added)
        said = []
        for text in (p.lead_text for p in section.panels if p.lead_text):
            if not any(earlier.startswith(text.removesuffix(".")) for earlier in seen):
                said.append(text)
                seen.append(text)
        if section.title:
            out += [(section.title, " ".join(said))] if said else []
        else:
            out += [("", text) for text in said]
    return out


def disclosure_caption(level: Level) -> str:
    """The sentence every panel of person-level figures ends with."""
    if level == Level.OFF:
        return "Counts of people are exact (disclosure control is off)."
    return (
        f"Counts of people are {describe(level)}; a statistic resting on fewer than 30 people "
        "reads “too few”; “borderline” is a judgement the rounding leaves open."
    )
