"""Disclosure control: the one place person-level numbers pass before display or export.

Default is the NHS Digital convention: 0 stays 0, 1-7 shows as `*`, other counts are rounded
to the nearest 5, each on its own. The one rule: at any level other than "off", everything
shown is computed from what is shown. Rates, shares, intervals, limits and judgements are
worked out from the disclosed counts (`Derived` figures see only those, with the range of
true counts each allows: `count_bounds`), and every show/hide decision is made on them.
Statistics of values (means, medians, effect sizes) keep exact values in their estimate,
shown when the disclosed count of people behind them is at least 30.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

FLOOR_VARIABLE = "SOCIALRX_MIN_DISCLOSURE"
SUPPRESSED = "*"
NOT_APPLICABLE = "–"  # no figure to hide: nothing measured, or no denominator
WITHHELD = "withheld"  # a total that would narrow a hidden cell beside it
MIN_VALUES = 3  # a hidden count keeps at least this many possible values
SMALL = 7  # counts 1..SMALL are hidden
FLOAT = pd.Float64Dtype()  # the dtype itself: its name is looked up in a registry every call


class Level(StrEnum):
    ROUND = "round"  # hide 1-7, round the rest to 5 (default)
    SUPPRESS = "suppress"  # hide 1-7, show the rest exactly
    OFF = "off"  # exact figures, for analysts entitled to person-level data


_STRICTNESS = {Level.OFF: 0, Level.SUPPRESS: 1, Level.ROUND: 2}
LABELS = {
    Level.ROUND: "Round to 5, hide 1-7 (NHS Digital)",
    Level.SUPPRESS: "Hide 1-7 only",
    Level.OFF: "Off: exact figures",
}


def deployment_floor(environ: dict | None = None) -> Level:
    """The least strict level this deployment allows (environment `SOCIALRX_MIN_DISCLOSURE`):
    "round" unless the deployment says otherwise, so exact figures are never offered by
    default."""
    value = (environ if environ is not None else os.environ).get(FLOOR_VARIABLE) or "round"
    try:
        return Level(value.strip().lower())
    except ValueError:
        return Level.ROUND  # a mistyped floor fails safe


def allowed_levels(floor: Level) -> list[Level]:
    """The levels a user may choose, strictest first."""
    return [
        lvl
        for lvl in (Level.ROUND, Level.SUPPRESS, Level.OFF)
        if _STRICTNESS[lvl] >= _STRICTNESS[floor]
    ]


def disclose_counts(counts, level: Level) -> pd.Series:
    """Counts as they may be shown: NA where hidden (shown as `*`), rounded where required.
    A figure that is not a whole number (a forecast) is taken to the nearest whole one first,
    so 7.2 is hidden like 7 and 7.6 shows like 8."""
    values = (
        pd.Series(counts, dtype=FLOAT)
        if not isinstance(counts, pd.Series)
        else counts.astype(FLOAT)
    )
    if level == Level.OFF:
        return values
    shown = _shown_counts(floats(values), level)
    return pd.Series(shown, index=values.index, dtype=FLOAT, name=values.name)


def floats(values) -> np.ndarray:
    """Numbers (a series, an array, a list) as a new array of floats, NA as NaN: arithmetic on
    counts runs on every table's every figure, and pandas' nullable series cost several
    times as much."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return values.astype(float)  # a copy
    if isinstance(values, pd.Series) and (
        values.dtype == FLOAT
        or (isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf")
    ):
        return values.to_numpy(dtype=float, na_value=np.nan, copy=True)
    return pd.Series(values).astype(FLOAT).to_numpy(dtype=float, na_value=np.nan, copy=True)


def disclose_count(count: float, level: Level) -> float | None:
    """One count as it may be shown; None where it is hidden."""
    value = disclose_counts([count], level).iloc[0]
    return None if pd.isna(value) else float(value)


def describe(level: Level, short: bool = False) -> str:
    """How counts of people are shown at `level`: a phrase for captions ("Counts of people
    are ..."), or a word or two for an axis title."""
    if short:
        return {Level.ROUND: "rounded", Level.SUPPRESS: "1-7 hidden", Level.OFF: "exact"}[level]
    return {
        Level.ROUND: "rounded to 5, with 1-7 hidden as *",
        Level.SUPPRESS: "exact, with 1-7 hidden as *",
        Level.OFF: "exact (disclosure control is off)",
    }[level]


def shown(value, decimals: int = 0, suffix: str = "") -> str:
    """A disclosed number as text: `*` where hidden, thousands separators otherwise."""
    if value is None or pd.isna(value):
        return SUPPRESSED
    return f"{value:,.{decimals}f}{suffix}"


def people_in_words(count: int) -> str:
    """A count of person-level rows in a message of the file checks, disclosed by the default
    convention: the problem report is shown and exported before anyone chooses a level."""
    return shown(disclose_count(count, Level.ROUND))


TOO_FEW = "too few"  # a statistic resting on fewer than MIN_PEOPLE people
BORDERLINE = "borderline"  # a judgement the disclosed count leaves open
MIN_PEOPLE = 30  # statistics of people rest on at least this many (disclosed count)
HIDDEN_MIDDLE = (1 + SMALL) / 2  # where a hidden count stands when a centre is needed


@dataclass(frozen=True)
class Rate:
    """A count of people divided by something (a population, a capacity, a number of months),
    shown from the disclosed numerator (and denominator, where that counts people too), so it
    cannot undo their rounding. `denominator` None divides by 1: `per` alone scales it.
    `as_range`: where the numerator is hidden, show the range of rates its 1-7 allows (as
    text, "0.4 to 2.9") instead of `*`."""

    numerator: str
    denominator: str | None = None
    per: float = 1.0
    decimals: int = 1
    times: str | None = None  # a column multiplying it (a cost per person), not person-level
    as_range: bool = False


@dataclass(frozen=True)
class Statistic:
    """A mean, median or effect size of `people`'s values, computed on exact values and shown
    only when the disclosed count of `people` is at least 30, to `decimals` places."""

    people: str
    decimals: int = 1
    hidden_with: str | None = None  # a share it reveals as much as: hidden with it


@dataclass(frozen=True)
class Share:
    """numerator / denominator as a whole-number percentage, worked out from the disclosed
    counts (as NHS Digital computes percentages) and shown when both are shown and the
    disclosed denominator is at least 30 people."""

    numerator: str
    denominator: str


@dataclass(frozen=True)
class Shown:
    """What a figure derived after disclosure may be worked out from: the disclosed table
    (`values`: counts as shown, NA where hidden; rates, shares, statistics and earlier derived
    figures as shown; columns that are not person-level as they are), for each count the
    least and greatest true count consistent with what is shown (`low`, `high`), and the
    disclosed tables the panel rests on besides (`basis`). `kept`: what several derived
    figures of one table share (a test on the counts, the sums of a basis), worked out once;
    only from what does not change while they are (all but the derived figures)."""

    values: pd.DataFrame
    low: pd.DataFrame
    high: pd.DataFrame
    level: Level
    basis: dict[str, Disclosed] = field(default_factory=dict)
    kept: dict = field(default_factory=dict, compare=False, repr=False)

    def centre(self, column: str) -> pd.Series:
        """Each count where a single value is needed: as shown, a hidden one at 4 (the middle
        of 1-7)."""
        return self.values[column].astype(FLOAT).fillna(HIDDEN_MIDDLE)


@dataclass(frozen=True)
class Derived:
    """A figure worked out after disclosure from what is shown (an interval, a limit, an
    expected count): `compute(shown)` returns one value per row, NA where there is none.
    `hidden_with`: counts whose being hidden hides it (`*`); `people`: a count whose disclosed
    value under 30 makes it "too few" (an interval around a statistic); `statistic`: it
    moves with the exact values of a statistic (a mean's interval), not only with counts."""

    compute: Callable[[Shown], pd.Series]
    decimals: int = 1
    hidden_with: tuple[str, ...] = ()
    people: str | None = None
    statistic: bool = False


@dataclass(frozen=True)
class Judgement:
    """A yes/no answer (over capacity, refers less than expected) that rises or falls with
    `count`: `decide(values, counts)` answers for every row given candidate counts, where
    `values` is the disclosed table with its derived figures. Shown only when every true
    count consistent with the disclosed one gives the same answer, otherwise "borderline"."""

    count: str
    decide: Callable[[pd.DataFrame, pd.Series], pd.Series]


@dataclass(frozen=True)
class Total:
    """A total of people and the disclosed cells it adds up: `cells` over the table's rows
    (within each value of `group`, over the rows where `where` is true), or over the rows of
    the panel's `basis` table whose `basis_key` equals this row's `key` (and, with `where`,
    whose `where` column is true).

    By default the total is worked out from the cells as shown (a hidden one taken as 4), then
    disclosed like a count: a total rounded on its own beside its rounded cells could narrow a
    hidden one (two hidden halves of a shown 15 are each 6 or 7), one made of what is shown
    tells nothing more than the cells. With `own`, the table's exact total is rounded on its
    own (NHS Digital's convention: it reads true), and withheld where, with its cells, it
    would leave a hidden cell fewer than 3 possible values. Either way its range of true
    counts is the cells' together where it is not shown."""

    cells: str
    group: str | None = None
    where: str | None = None
    basis: str | None = None
    key: str | None = None
    basis_key: str | None = None
    own: bool = False


@dataclass(frozen=True)
class Spec:
    """What a metric table's columns are: counts of people, and the figures resting on them.
    Columns not named are not person-level (names, codes, populations, capacities); a column
    worked out from counts of people must be named, or it would be shown as it is."""

    counts: tuple[str, ...] = ()
    rates: dict[str, Rate] = field(default_factory=dict)
    statistics: dict[str, Statistic] = field(default_factory=dict)
    shares: dict[str, Share] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)
    judgements: dict[str, Judgement] = field(default_factory=dict)
    totals: dict[str, Total] = field(default_factory=dict)
    # (label column, label): a row of the table that totals the others, in every count column
    total_row: tuple[str, str] | None = None

    @property
    def columns(self) -> list[str]:
        return [
            *self.counts,
            *self.totals,
            *self.rates,
            *self.statistics,
            *self.shares,
            *self.derived,
            *self.judgements,
        ]

    @property
    def statistic_columns(self) -> list[str]:
        """Columns that move with exact values of people (not only with counts)."""
        return [*self.statistics, *(c for c, d in self.derived.items() if d.statistic)]

    def disclose(
        self, frame: pd.DataFrame, level: Level, basis: dict[str, Disclosed] | None = None
    ) -> Disclosed:
        """The table as it may be shown at `level` (see `Disclosed`); `basis`: the disclosed
        tables its derived figures rest on besides."""
        return _disclose(frame, self, level, basis or {})


@dataclass
class Disclosed:
    """A metric table after disclosure: `values` holds what may be shown (NA where not) and
    `marks` says why a value is missing (`*` hidden, `too few`, `borderline`, `–` nothing to
    compute, or a range of rates as text; "" where shown). Only the spec's columns change;
    `low` and `high` hold the range of true counts each disclosed count allows."""

    values: pd.DataFrame
    marks: pd.DataFrame
    decimals: dict[str, int]
    low: pd.DataFrame = field(default_factory=pd.DataFrame)
    high: pd.DataFrame = field(default_factory=pd.DataFrame)

    def text(self, columns: list[str] | None = None) -> pd.DataFrame:
        """For the screen: figures formatted with separators, missing ones as their mark
        (`columns`: only those, in that order)."""
        index = self.values.index
        names = self.values.columns if columns is None else pd.Index(columns)
        out = {}
        for column in names:
            places = self.decimals.get(column)
            if places is None:
                out[column] = self.values[column]
                continue
            # lists, not a series' own iteration: a cell at a time, on every first view
            marks = self.marks[column].tolist()
            if places < 0:  # a judgement
                answers = self.values[column].tolist()
                words = [m or (v if v is pd.NA else "yes" if v else "no")
                         for v, m in zip(answers, marks, strict=True)]  # fmt: skip
                out[column] = pd.Series(words, index=index, dtype=object)
            else:  # as `shown` words them (NaN is the one float not equal to itself)
                numbers, write = floats(self.values[column]).tolist(), f"{{:,.{places}f}}".format
                words = [m or (write(v) if v == v else SUPPRESSED)
                         for v, m in zip(numbers, marks, strict=True)]  # fmt: skip
                out[column] = pd.Series(words, index=index)
        return pd.DataFrame(out, index=index, columns=names)

    def export(self) -> pd.DataFrame:
        """For a CSV: figures stay numbers at the precision shown, missing ones as their mark
        (blank where there is nothing to compute)."""
        index = self.values.index
        out = {}
        for column in self.values.columns:
            places = self.decimals.get(column)
            values = self.values[column]
            if places is None:
                out[column] = values
                continue
            if places < 0:
                numbers = values.to_numpy(dtype=object, copy=True)
                numbers[values.isna().to_numpy()] = None
            else:  # Python numbers at the precision shown (whole ones as ints)
                rounded = np.round(floats(values), places)
                known = ~np.isnan(rounded)
                numbers = np.full(len(values), None, dtype=object)
                numbers[known] = (rounded[known].astype(np.int64) if places == 0
                                  else rounded[known]).astype(object)  # fmt: skip
            marks = self.marks[column].to_numpy(dtype=object)
            noted = np.where(marks == NOT_APPLICABLE, None, marks)
            out[column] = pd.Series(
                np.where(marks == "", numbers, noted), index=index, dtype=object
            )
        return pd.DataFrame(out, index=index, columns=self.values.columns)

    def reorder(self, order) -> Disclosed:
        """The same table with its rows in `order` (index labels)."""
        low = self.low.loc[order] if len(self.low.columns) else self.low
        high = self.high.loc[order] if len(self.high.columns) else self.high
        return Disclosed(self.values.loc[order], self.marks.loc[order], self.decimals, low, high)


def _shown_counts(exact: np.ndarray, level: Level) -> np.ndarray:
    """`disclose_counts` on floats (NaN where none): in NumPy, as it runs for every count
    column of every panel."""
    if level == Level.OFF:
        return exact.copy()
    whole = np.floor(exact + 0.5)
    hidden = (whole >= 1) & (whole <= SMALL)
    if level == Level.ROUND:
        whole = np.floor(whole / 5 + 0.5) * 5
    whole[hidden] = np.nan
    return whole


def _bounds(shown: np.ndarray, level: Level) -> tuple[np.ndarray, np.ndarray]:
    """`count_bounds` on floats (NaN where hidden)."""
    low, high = shown.copy(), shown.copy()
    if level == Level.ROUND:
        low, high = np.maximum(shown - 2, SMALL + 1), shown + 2
        low[shown == 0], high[shown == 0] = 0, 0
    hidden = np.isnan(shown)
    low[hidden], high[hidden] = 1, SMALL
    return low, high


def count_bounds(shown_counts: pd.Series, level: Level) -> tuple[pd.Series, pd.Series]:
    """The least and greatest true count consistent with each disclosed count: 1-7 where
    hidden, 8-12 for a shown 10 at the rounding level, the count itself otherwise."""
    shown_counts = shown_counts.astype(FLOAT)
    low, high = _bounds(floats(shown_counts), level)
    index = shown_counts.index
    return pd.Series(low, index=index, dtype=FLOAT), pd.Series(high, index=index, dtype=FLOAT)


def _nullable(values: np.ndarray) -> pd.arrays.FloatingArray:
    """Floats as a nullable array, NaN as NA (the array is kept, not copied)."""
    return pd.arrays.FloatingArray(values, np.isnan(values))


def _cell_arrays(shown, marks, low, high):
    """Cells as arrays: each one's count as shown (a hidden one as 4), least and greatest true
    count, and whether it is hidden."""
    marks = np.asarray(marks, dtype=object)
    counted = _filled(shown, HIDDEN_MIDDLE)
    counted[marks == NOT_APPLICABLE] = 0
    return counted, _filled(low, 0.0), _filled(high, 0.0), marks == SUPPRESSED


def _filled(values, missing: float) -> np.ndarray:
    """Counts as floats, `missing` where NA."""
    numbers = floats(values)
    numbers[np.isnan(numbers)] = missing
    return numbers


def narrows(total_low: float, total_high: float, low, high, hidden) -> bool:
    """Whether a total in [total_low, total_high] beside cells in [low, high] leaves a hidden
    cell fewer than MIN_VALUES possible counts."""
    low, high = np.asarray(low, float), np.asarray(high, float)
    hidden = np.asarray(hidden, bool)
    if not hidden.any():
        return False
    low_sum, high_sum = low.sum(), high.sum()  # whole counts as floats: the sums are exact
    least = np.fmax(low[hidden], total_low - (high_sum - high[hidden]))  # as max(a, nan) = a
    most = np.fmin(high[hidden], total_high - (low_sum - low[hidden]))
    return bool((most - least + 1 < MIN_VALUES).any())


def _narrowed(total_low, total_high, low, high, hidden, group, count: int) -> np.ndarray:
    """`narrows` for `count` groups at once: each cell's `group` number beside its range and
    whether it is hidden, each group's total range by its number; per group, whether the
    total leaves a hidden cell of it fewer than MIN_VALUES possible counts."""
    low_sum = np.bincount(group, low, count)  # whole counts as floats: the sums are exact
    high_sum = np.bincount(group, high, count)
    mine = group[hidden]
    low, high = low[hidden], high[hidden]
    least = np.fmax(low, total_low[mine] - (high_sum[mine] - high))  # as max(a, nan) = a
    most = np.fmin(high, total_high[mine] - (low_sum[mine] - low))
    return np.bincount(mine[most - least + 1 < MIN_VALUES], minlength=count) > 0


def _by_label(labels, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """The table's rows grouped by label (none for a missing one), each group's cells its rows
    marked in `rows`: every row and its group's number, every cell and its group's number,
    and each group's first row. Found in one sort: a table can have thousands of labels."""
    codes, _ = pd.factorize(pd.Series(labels), use_na_sentinel=True)
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    group = codes[order]
    sizes = np.bincount(group)
    first = order[np.cumsum(sizes) - sizes]
    cell = rows[order]
    return order, group, order[cell], group[cell], first


def _by_key(keys, cell_keys, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """A group a row of the table (its key in `keys`), its cells the rows of the basis whose
    key (`cell_keys`) is the same and that are marked in `rows`; as `_by_label` gives them."""
    n = len(keys)
    kept = np.flatnonzero(rows)
    found = np.asarray(cell_keys, dtype=object)[kept]
    codes, _ = pd.factorize(np.concatenate([np.asarray(keys, dtype=object), found]))
    mine, theirs = codes[:n], codes[n:]
    order = np.argsort(theirs, kind="stable")
    order = order[theirs[order] >= 0]
    sizes = np.bincount(theirs[order], minlength=codes.max(initial=-1) + 1)
    known = mine >= 0  # a missing key finds nothing
    each, begin = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    each[known] = sizes[mine[known]]
    begin[known] = (np.cumsum(sizes) - sizes)[mine[known]]
    offset = np.arange(each.sum()) - np.repeat(np.cumsum(each) - each, each)
    cells = kept[order[np.repeat(begin, each) + offset]]
    rows_at = np.arange(n)
    return rows_at, rows_at, cells, np.repeat(rows_at, each), rows_at


def _true(values) -> np.ndarray:
    """A column of yes/no as an array, NA as no."""
    return pd.Series(values).astype("boolean").fillna(False).to_numpy(dtype=bool)


class _Table:
    """A table being disclosed: each spec column as floats as shown so far (NaN where not),
    its marks, and each count's range of true counts, as arrays until the end (through pandas
    they were most of a page's disclosure cost)."""

    def __init__(self, frame: pd.DataFrame, spec: Spec, level: Level):
        self.frame, self.spec, self.level = frame, spec, level
        self.off = level == Level.OFF
        self.shown: dict[str, np.ndarray] = {}
        self.marks = {column: np.full(len(frame), "", dtype=object) for column in spec.columns}
        self.low: dict[str, np.ndarray] = {}
        self.high: dict[str, np.ndarray] = {}
        self.values: pd.DataFrame | None = None  # made once a derived figure needs it

    def column(self, name: str) -> pd.Series:
        """A column as it stands: as shown where disclosed, as it is otherwise."""
        if name in self.shown:
            return pd.Series(_nullable(self.shown[name]), index=self.frame.index)
        return self.frame[name]

    def people(self, name: str) -> np.ndarray:
        """The disclosed count of people (a count column) or the column as it is."""
        return self.shown[name] if name in self.shown else floats(self.frame[name])

    def mark(self, column: str, where, text) -> None:
        marked = self.marks[column]
        here = _flags(where, self.frame.index) & (marked == "")
        marked[here] = text[here] if isinstance(text, np.ndarray) else text

    def hidden(self, column: str) -> np.ndarray:
        if column in self.spec.counts or column in self.spec.totals:
            marked = self.marks[column]
            return (marked == SUPPRESSED) | (marked == WITHHELD)
        return np.zeros(len(self.frame), dtype=bool)

    def show(self, column: str, value: np.ndarray) -> None:
        """`column` as shown: `value` where it has no mark."""
        value = np.where(self.marks[column] == "", value, np.nan)
        self.shown[column] = value
        if self.values is not None:
            self.values[column] = _nullable(value)

    def ranges(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        index = self.frame.index
        return tuple(
            pd.DataFrame({c: _nullable(a) for c, a in bounds.items()}, index=index)
            for bounds in (self.low, self.high)
        )

    def table(self) -> pd.DataFrame:
        """The disclosed table as a frame: the table's columns in their order, then new ones."""
        if self.values is None:
            frame = self.frame
            columns = {c: frame[c] for c in frame.columns}
            columns.update({c: _nullable(v) for c, v in self.shown.items()})
            self.values = pd.DataFrame(columns, index=frame.index)
            self.values.columns.name = frame.columns.name
        return self.values


def _add_up(table: _Table, basis: dict[str, Disclosed]) -> None:
    """Totals (`Spec.totals`, `Spec.total_row`) in place, from or checked against their
    disclosed cells (at level off the cells are exact, and so are the totals)."""
    spec, level, off, n = table.spec, table.level, table.off, len(table.frame)
    for column, total in spec.totals.items():
        if total.basis:
            source = basis[total.basis]
            keys = source.values[total.basis_key].to_numpy(dtype=object)
            rows = _true(source.values[total.where]) if total.where else np.ones(len(keys), bool)
            rows_at, row_group, cells_at, cell_group, first = _by_key(
                table.column(total.key).to_numpy(dtype=object), keys, rows
            )
            cells = (source.values[total.cells], source.marks[total.cells],
                     source.low[total.cells], source.high[total.cells])  # fmt: skip
        else:
            rows = np.ones(n, dtype=bool)
            if total.where:
                rows &= _true(table.column(total.where))
            labels = table.column(total.group) if total.group else np.zeros(n)
            rows_at, row_group, cells_at, cell_group, first = _by_label(labels, rows)
            cells = (table.shown[total.cells], table.marks[total.cells],
                     table.low[total.cells], table.high[total.cells])  # fmt: skip
        # arrays, not a pandas call a row or group: a provider table has thousands of rows
        counted, lows, highs, hidden = _cell_arrays(*cells)
        count = len(first)
        has = np.bincount(cell_group, minlength=count) > 0
        value_g, least_g, most_g = (
            np.where(has, np.bincount(cell_group, a[cells_at], count), np.nan)
            for a in (counted, lows, highs)
        )
        withheld = np.zeros(n, dtype=bool)
        if total.own:  # the table's own counts, each rounded on its own, and their ranges
            exact = floats(table.frame[column])
            own_low, own_high = (
                (exact, exact) if off else _bounds(_shown_counts(exact, level), level)
            )
            value_g = exact[first]
            own = ~has  # no cells to narrow: a count like any other
            if not off:
                narrow = has & _narrowed(
                    own_low[first], own_high[first], lows[cells_at], highs[cells_at],
                    hidden[cells_at], cell_group, count,
                )  # fmt: skip
                withheld[rows_at] = narrow[row_group]
                own |= ~narrow
            least_g = np.where(own, own_low[first], least_g)
            most_g = np.where(own, own_high[first], most_g)
        value, least, most = (np.full(n, np.nan) for _ in range(3))
        value[rows_at], least[rows_at], most[rows_at] = (
            a[row_group] for a in (value_g, least_g, most_g)
        )
        shown = _shown_counts(value, level)
        shown[withheld] = np.nan
        table.shown[column] = shown
        table.low[column], table.high[column] = (value, value) if off else (least, most)
        marked = table.marks[column]
        marked[withheld] = WITHHELD
        empty = (marked == "") & np.isnan(shown)
        counted_none = np.isnan(value)
        marked[empty & counted_none] = NOT_APPLICABLE
        marked[empty & ~counted_none] = SUPPRESSED
    if spec.total_row and not off:  # off: the row as counted
        label, name = spec.total_row
        is_total = (table.column(label).astype(str) == name).to_numpy()
        if is_total.any():
            rest = ~is_total
            for column in spec.counts:
                parts = (table.shown[column], table.marks[column], table.low[column],
                         table.high[column])  # fmt: skip
                counted, lows, highs, _ = _cell_arrays(*(c[rest] for c in parts))
                shown = _shown_counts(np.array([counted.sum()]), level)[0]
                for arrays, value in ((table.shown, shown), (table.low, lows.sum()),
                                      (table.high, highs.sum())):  # fmt: skip
                    arrays[column] = arrays[column].copy()
                    arrays[column][is_total] = value
                table.marks[column][is_total] = "" if not np.isnan(shown) else SUPPRESSED


def _answers(answers: pd.Series, index: pd.Index) -> np.ndarray:
    """A judgement's answers on `index`'s rows as floats: 1 yes, 0 no, NaN none."""
    answers = answers.astype("boolean")
    if not answers.index.equals(index):
        answers = answers.reindex(index)
    return answers.to_numpy(dtype=float, na_value=np.nan)


def _flags(where, index: pd.Index) -> np.ndarray:
    """True and false as an array (NA as false), a series aligned on `index` first."""
    if isinstance(where, pd.Series):
        if not where.index.equals(index):
            where = where.reindex(index)
        return where.to_numpy(dtype=bool, na_value=False)
    return np.asarray(where, dtype=bool)


def _disclose(
    frame: pd.DataFrame, spec: Spec, level: Level, basis: dict[str, Disclosed]
) -> Disclosed:
    table = _Table(frame, spec, level)
    mark, hidden, people, off = table.mark, table.hidden, table.people, table.off
    decimals: dict[str, int] = {}

    # Counts: each disclosed on its own; nothing below reads the exact ones again.
    for column in spec.counts:
        exact = floats(frame[column])
        shown = _shown_counts(exact, level)
        mark(column, np.isnan(shown) & ~np.isnan(exact), SUPPRESSED)
        mark(column, np.isnan(shown), NOT_APPLICABLE)
        decimals[column] = 0
        low, high = (exact, exact) if off else _bounds(shown, level)
        nothing = table.marks[column] == NOT_APPLICABLE
        table.low[column] = np.where(nothing, np.nan, low)
        table.high[column] = np.where(nothing, np.nan, high)
        table.shown[column] = shown
    _add_up(table, basis)  # off: the exact cells add up exactly
    for column in spec.totals:
        decimals[column] = 0
    low, high = table.ranges()

    with np.errstate(divide="ignore", invalid="ignore"):
        for column, rate in spec.rates.items():
            numerator = people(rate.numerator)
            denominator = (
                np.ones(len(frame)) if rate.denominator is None else people(rate.denominator)
            )
            scale = 1 / np.where(denominator > 0, denominator, np.nan) * rate.per
            if rate.times:
                scale = scale * floats(frame[rate.times])
            value = numerator * scale
            hide = hidden(rate.numerator)
            if rate.denominator is not None:
                hide |= hidden(rate.denominator)
            if rate.as_range and not off and rate.numerator in spec.counts:
                first = np.round(table.low[rate.numerator] * scale, rate.decimals)
                last = np.round(table.high[rate.numerator] * scale, rate.decimals)
                words = np.array(
                    [
                        f"{a:,.{rate.decimals}f} to {b:,.{rate.decimals}f}"
                        if not (np.isnan(a) or np.isnan(b))
                        else SUPPRESSED
                        for a, b in zip(first.tolist(), last.tolist(), strict=True)
                    ],
                    dtype=object,
                )
                mark(column, hidden(rate.numerator) & ~hidden(rate.denominator or column), words)
            mark(column, hide, SUPPRESSED)
            mark(column, np.isnan(value), NOT_APPLICABLE)
            table.show(column, value)
            decimals[column] = rate.decimals
        for column, share in spec.shares.items():
            part, whole = people(share.numerator), people(share.denominator)
            value = 100 * part / np.where(whole > 0, whole, np.nan)
            if not off:  # a whole of 1-7 is too few before it is hidden
                anyone = ~np.isnan(value) | hidden(share.numerator) | hidden(share.denominator)
                few = (np.nan_to_num(whole, nan=0.0) < MIN_PEOPLE) & anyone
                mark(column, few, TOO_FEW)
                mark(column, hidden(share.numerator), SUPPRESSED)
            mark(column, np.isnan(value), NOT_APPLICABLE)
            table.show(column, np.round(value, 0))
            decimals[column] = 0
    for column, statistic in spec.statistics.items():
        value = floats(frame[column])
        if not off:
            few = np.nan_to_num(people(statistic.people), nan=0.0) < MIN_PEOPLE
            mark(column, ~np.isnan(value) & few, TOO_FEW)
        mark(column, np.isnan(value), NOT_APPLICABLE)
        # rounded to what is shown once the figures derived from it are worked out
        table.show(column, value)
        decimals[column] = statistic.decimals
    for column, statistic in spec.statistics.items():
        if statistic.hidden_with:
            marked = table.marks[column]
            blank = marked == ""
            marked[blank] = table.marks[statistic.hidden_with][blank]
            table.show(column, table.shown[column])
    kept: dict = {}
    for column, derived in spec.derived.items():
        shown_now = Shown(table.table(), low, high, level, basis, kept)
        value = floats(pd.Series(derived.compute(shown_now), index=frame.index))
        for count in derived.hidden_with:
            mark(column, hidden(count), SUPPRESSED)
        if derived.people and not off:
            count = people(derived.people)
            # "too few" even where a statistic it rests on was withheld (NA) for the same reason
            someone = (count > 0) | hidden(derived.people)
            few = np.nan_to_num(count, nan=0.0) < MIN_PEOPLE
            mark(column, (~np.isnan(value) | someone) & few, TOO_FEW)
        mark(column, np.isnan(value), NOT_APPLICABLE)
        table.show(column, value)
        decimals[column] = derived.decimals
    values = table.table()
    for column, judgement in spec.judgements.items():
        first, last = (_answers(judgement.decide(values, b[judgement.count]), frame.index)
                       for b in (low, high))  # fmt: skip
        open_, none = first != last, np.isnan(first) | np.isnan(last)
        mark(column, open_ & ~none, BORDERLINE)
        mark(column, none, NOT_APPLICABLE)
        values[column] = pd.arrays.BooleanArray(first == 1, table.marks[column] != "")
        decimals[column] = -1
    # statistics, and what moves with them, at the precision shown: at full precision a mean's
    # interval would give the exact mean away
    moving = {c: s.decimals for c, s in spec.statistics.items()}
    moving.update({c: d.decimals for c, d in spec.derived.items() if d.statistic})
    for column, places in moving.items():
        values[column] = _nullable(np.round(table.shown[column], places) + 0.0)  # no "-0.0"
    # one block of text: a frame built column by column cost as much again
    block = np.column_stack([table.marks[c] for c in spec.columns]) if spec.columns else None
    marks = pd.DataFrame(block, index=frame.index, columns=spec.columns, dtype=object)
    return Disclosed(values, marks, decimals, low, high)
