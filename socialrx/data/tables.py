"""Typing one raw table by its contract spec: every bad cell reported, the good rows kept.

A bad value in an optional column is reported and left blank; a row missing a required value,
or with a duplicate key, is reported and left out. Nothing else is dropped.
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from socialrx.data import parsing
from socialrx.data.problems import ERROR, WARNING, Report
from socialrx.data.schema import (
    BOOL,
    CHOICE,
    CHOICES,
    CODE,
    DATE,
    DECIMAL,
    INT,
    POSTCODE,
    Column,
    Table,
)

ID_DTYPE = pd.StringDtype("python")
RELEASE_ROWS = 100_000  # from this many rows, freed text is handed back column by column
ROW = "_row"  # the row number in the user's file (header = row 1), kept for later checks
BAD = "\0bad"  # a marker no cell can hold: the cell was not understood


def rename_headers(frame: pd.DataFrame, table: Table, file: str, report: Report) -> pd.DataFrame:
    """Headers matched case-insensitively, with spaces, dashes and underscores alike (and, as a
    last resort, ignored: `Post code` is postcode). A header written twice is reported and its
    first column used; columns the contract does not name follow the table's `extras` rule."""
    names, positions = header_positions(frame.columns, table, file, report)
    out = frame.iloc[:, positions]
    out.columns = names
    return out


def header_positions(
    headers, table: Table, file: str, report: Report
) -> tuple[list[str], list[int]]:
    """The contract's name of each column `rename_headers` keeps, and its position."""
    known = [c.name for c in table.columns]
    squashed = {name.replace("_", ""): name for name in known}
    names, positions, seen, unknown = [], [], set(), []
    for position, header in enumerate(headers):
        key = parsing.normalise_header(header)
        if key and key in seen:
            report.add(file, f"the header {str(header)!r} appears twice: the first column is "
                       "used", WARNING)  # fmt: skip
            continue
        seen.add(key)
        name = (key if key in known else table.aliases.get(key)) or squashed.get(
            key.replace("_", "")
        )
        if name is None:
            if key and table.extras != "keep":
                unknown.append(str(header))
            if not key or table.extras == "drop":
                continue
            name = key
        if name in names:  # two spellings of one column (pcd and pcds): the first one wins
            continue
        names.append(name)
        positions.append(position)
    if unknown:
        _report_unknown_headers(unknown, table, file, report)
    return names, positions


def _report_unknown_headers(headers: list[str], table: Table, file: str, report: Report) -> None:
    known = [c.name for c in table.columns]
    fate = (
        "not loaded: person-level files keep only the contract's columns"
        if table.extras == "drop"
        else "kept but not used"
    )
    hints = [
        f"{h!r} is not {match[0]}"
        for h in headers
        if (match := difflib.get_close_matches(parsing.normalise_header(h), known, n=1))
    ]
    report.add(file, f"column(s) {', '.join(map(repr, headers))} {fate} (the contract's are "
               f"{', '.join(known)})" + (f"; check the spelling: {'; '.join(hints)}" if hints
               else ""), WARNING)  # fmt: skip


def _choice(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """One value of the vocabulary (or a code for one), any case and spacing."""
    lookup = {a: a for a in column.allowed} | {k.lower(): v for k, v in column.codes.items()}
    codes, uniques = pd.factorize(values)
    chosen = [lookup.get(" ".join(u.lower().split())) if isinstance(u, str) else None
              for u in uniques]  # fmt: skip
    # typed once per distinct text, then spread to the cells (code -1, a missing cell: the last)
    if column.compact:
        position = {a: i for i, a in enumerate(column.allowed)}
        typed = np.array([position.get(c, -1) for c in [*chosen, None]], dtype=np.int8)[codes]
        parsed = pd.Series(pd.Categorical.from_codes(typed, dtype=compact_dtype(column)),
                           index=values.index)  # fmt: skip
    else:  # a pointer a row to one string per value: 8 MB a million rows, not 12 in Arrow
        parsed = pd.Series(pd.array([*chosen, None], dtype=ID_DTYPE).take(codes),
                           index=values.index)  # fmt: skip
    # unread: text that is no value of the vocabulary, told once per distinct text too
    unread = [c is None and (not isinstance(u, str) or bool(u.strip()))
              for u, c in zip(uniques, chosen, strict=True)]  # fmt: skip
    return parsed, pd.Series(np.array([*unread, False])[codes], index=values.index)


def compact_dtype(column: Column) -> pd.CategoricalDtype:
    """A `compact` column's dtype: its allowed values as categories, in the contract's order."""
    return pd.CategoricalDtype(list(column.allowed))


def _choices(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """`;`-separated choices, normalised and re-joined in the vocabulary's order."""
    allowed = set(column.allowed)

    def tidy(text: str) -> str:
        items = {i.strip().lower() for i in text.split(";") if i.strip()}
        if not items <= allowed:
            return BAD
        return ";".join(a for a in column.allowed if a in items)

    codes, uniques = pd.factorize(values)  # tidied once per distinct text
    tidied = [tidy(u) if isinstance(u, str) and u.strip() else "" for u in uniques]
    same: dict[str, str] = {}
    tidied = [same.setdefault(t, t) for t in tidied]  # one string a value, however written
    bad = np.array([t == BAD for t in tidied] + [False])  # the last: missing cells (code -1)
    # A blank cell (or one of separators only) has no choices: missing, as in any other column.
    # One string per distinct choice, a pointer a row: a region's reasons take 8 MB, not 33 in
    # Arrow (or 80 as a string a row, which a Series of them turns back into)
    words = np.array([t if t and t != BAD else pd.NA for t in tidied] + [pd.NA], dtype=object)
    parsed = pd.arrays.StringArray._simple_new(words[codes], ID_DTYPE)
    return pd.Series(parsed, index=values.index), pd.Series(bad[codes], index=values.index)


def parse_column(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series, str | pd.Series]:
    """(typed values, mask of unreadable cells, what is allowed) for one column.

    For dates "what is allowed" is per cell, because the reasons differ (a two-digit year,
    a month-first date, 31/02) and the user needs the one that applies to each cell."""
    if column.kind == DATE:
        dates, errors = parsing.parse_dates(values)
        return dates, errors.notna(), errors
    if column.kind == BOOL:
        parsed, bad = parsing.parse_bools(values)
        return parsed, bad, "allowed: yes/no, y/n, true/false, 1/0"
    if column.kind in (INT, DECIMAL):
        parsed, bad = parsing.parse_numbers(values)
        if column.kind == INT:
            fractional = parsed.notna() & (parsed % 1 != 0)
            bad |= fractional
            parsed = parsed.where(~fractional).astype("Int64")
        low, high = column.low, column.high
        outside = (low is not None and parsed < low) | (high is not None and parsed > high)
        outside = pd.Series(outside, index=values.index).fillna(False).astype(bool)
        bad |= outside
        parsed = parsed.where(~outside)
        what = "a whole number" if column.kind == INT else "a number"
        if low is not None or high is not None:
            what += f" from {'any' if low is None else low} to {'any' if high is None else high}"
        return parsed, bad, f"allowed: {what}"
    if column.kind == POSTCODE:
        parsed, bad = parsing.normalise_postcodes(values)
        return parsed, bad, "allowed: a UK postcode such as S60 1AA"
    if column.kind == CHOICE:
        parsed, bad = _choice(values, column)
        return parsed, bad, "allowed: " + ", ".join(column.allowed)
    if column.kind == CHOICES:
        parsed, bad = _choices(values, column)
        return parsed, bad, "allowed, separated by ';': " + ", ".join(column.allowed)
    if column.kind == CODE:
        return ids(values), pd.Series(False, index=values.index), ""
    text = values.astype("string").str.strip()
    return text.where(text != ""), pd.Series(False, index=values.index), ""


# each column's type with no value in it, worked out once (a Column holds a dict: unhashable);
# the Column is kept beside it, so its id is never another's
_NOTHING: dict[int, tuple[Column, pd.Series]] = {}


def absent(column: Column, index: pd.Index) -> pd.Series:
    """A column a file does not have: missing on every row of `index`, typed as `parse_column`
    types it. Parsing a column of nothing took 3 ms, 19 times for a small file."""
    if id(column) not in _NOTHING:
        _NOTHING[id(column)] = column, parse_column(pd.Series([pd.NA], dtype="string"), column)[0]
    nothing = _NOTHING[id(column)][1]
    return nothing.iloc[np.zeros(len(index), dtype=np.intp)].set_axis(index)


def ids(values: pd.Series) -> pd.Series:
    """Codes and ids, trimmed, as Python strings shared per distinct value: a region's practice
    or area code on a million rows costs a pointer a row (8 MB, not 60), and only the distinct
    values are made into Python objects. Ids are matched across tables with Python's hashing,
    which joins and looks them up faster than Arrow strings in pandas (an `isin` over Arrow
    strings turns its values into Python objects one by one: 4.5 s against 0.46 s for a
    region's referral ids). Trimmed and told apart in Arrow, once: half the time of doing
    both in pandas (1.0 s against 2.0 s for a region's referrals, connections and outcomes)."""
    return numbered_ids(values)[0]


class Numbering(NamedTuple):
    """An id column's rows told apart (`numbered_ids`), as `pd.factorize` would number them
    with missing as a value (`use_na_sentinel=False`), missing last."""

    codes: np.ndarray  # each row's number
    distinct: pd.arrays.StringArray  # the values by number, as pandas' uniques are
    text: pa.Array  # the same values in Arrow, missing left off: checked without a copy

    def kept(self, rows) -> Numbering:
        """The numbering of the rows `rows` selects (a mask or positions)."""
        return self._replace(codes=self.codes[rows])


def numbered_ids(values: pd.Series) -> tuple[pd.Series, Numbering]:
    """(`ids(values)`, their numbering), as told apart in Arrow: factorising the ids again
    costs 0.56 s for a region's 3.8 million outcome rows."""
    # each distinct text trimmed once, not every row (an outcome's id is on four rows)
    raw = _arrow_text(values).dictionary_encode()
    text = pc.utf8_trim_whitespace(raw.dictionary)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)  # blank: missing
    if text.equals(raw.dictionary):  # nothing trimmed: the rows' numbers stand
        dictionary, indices = raw.dictionary, raw.indices
    else:  # texts alike once trimmed are one value, numbered where it first appears
        encoded = text.dictionary_encode()
        dictionary, indices = encoded.dictionary, pc.take(encoded.indices, raw.indices)
    words = np.empty(len(dictionary) + 1, dtype=object)  # the last: missing
    words[:-1] = dictionary.to_numpy(zero_copy_only=False)
    words[-1] = pd.NA
    codes = indices.fill_null(len(words) - 1).to_numpy(zero_copy_only=False)
    # every value is a str or NA by construction: pandas' check of each (0.2 s for 3.8
    # million outcome rows) is skipped
    shared = pd.arrays.StringArray._simple_new(words.take(codes), ID_DTYPE)
    distinct = pd.arrays.StringArray._simple_new(words, ID_DTYPE)
    return pd.Series(shared, index=values.index), Numbering(codes, distinct, dictionary)


def _arrow_text(values: pd.Series) -> pa.Array:
    """A text column as one Arrow array, without a copy when pandas holds it in Arrow."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        arrow = pa.array(values.array)
    else:
        arrow = pa.array(values.astype("string").to_numpy(dtype=object, na_value=None),
                         type=pa.string())  # fmt: skip
    return arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow


def _blank_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """A mask of the rows with every cell empty, or None when there are none: columns are
    looked at one by one until no row is empty in all so far (the first, in most files), not
    as a whole table of booleans (44-86 ms for a million referrals, against 2)."""
    blank = None
    for position in range(frame.shape[1]):
        empty = frame.iloc[:, position].eq("").to_numpy(dtype=bool, na_value=False)
        blank = empty if blank is None else blank & empty
        if not blank.any():
            return None
    return blank


def type_table(raw: pd.DataFrame, table: Table, file: str, report: Report,
               numbering: dict | None = None) -> pd.DataFrame | None:  # fmt: skip
    """The raw text table typed by its spec, or None if a required column is missing or it
    has no rows (a header-only file is as good as absent; assets, required, excepted).
    `numbering`, when given, names id columns (its keys) whose `Numbering` of the rows
    returned it is given (its values), as `numbered_ids` told them apart.

    Rows with every cell empty (blank lines, the `,,,,` rows Excel leaves at the end of a
    sheet) are not data: they are dropped silently, keeping the row numbers of the rest.

    Each raw column is let go once typed, so a caller that hands over its only reference to
    `raw` holds a large table's text and its typed values side by side one column at a time."""
    frame = rename_headers(raw, table, file, report)
    found = ", ".join(map(str, raw.columns[:12])) or "none"
    del raw
    blank_rows = _blank_rows(frame)
    if blank_rows is not None:  # else no copy of the whole table
        frame = frame[~blank_rows]
    missing = [c.name for c in table.columns if c.required and c.name not in frame.columns]
    if missing:
        report.add(file, f"missing required column(s) {', '.join(missing)} (found: {found})")
        return None
    if frame.empty and table.name != "assets":  # as good as absent, and treated so
        report.add(file, "no rows, only a header: the pages that use this table will say it is "
                   "missing", WARNING)  # fmt: skip
        return None
    if frame.empty:
        report.add(file, "no rows: every dataset needs at least one community asset")
    typed = pd.DataFrame(index=frame.index)
    typed[ROW] = frame.index.to_numpy() + 2
    drop = pd.Series(False, index=frame.index)
    keyed = None  # rows with a key, where the key is required (and so already looked at)
    numbered = {}  # id columns' numbering of the rows (`numbered_ids`)
    wanted = {table.key, *(numbering or ())}
    for column in table.columns:
        if column.name not in frame.columns:
            parsed = absent(column, frame.index)
            typed[column.name] = parsed.fillna(column.default) if column.default else parsed
            continue
        values = frame.pop(column.name)
        if column.kind == CODE and column.name in wanted:  # numbers find duplicate ids too
            parsed, numbered[column.name] = numbered_ids(values)
            bad, allowed = pd.Series(False, index=values.index), ""
        else:
            parsed, bad, allowed = parse_column(values, column)
        if bad.any():
            # an error means something was left out; a value set aside in a row that is kept
            # is a warning
            fate, severity = (
                ("row left out", ERROR) if column.required else ("value not used", WARNING)
            )
            why = (
                allowed[bad]
                if isinstance(allowed, pd.Series)
                else pd.Series(allowed, bad[bad].index)
            )
            for reason, rows in why.groupby(why, sort=False).groups.items():
                report.add_rows(file, column.name, typed.loc[rows, ROW], values[rows],
                                f"not understood ({reason}); {fate}", severity)  # fmt: skip
        if column.default is not None:
            parsed = parsed.fillna(column.default)
        if column.required:
            missing = parsed.isna()  # once: a million ids' scan costs 20 ms a time
            empty = missing & ~bad
            if empty.any():
                report.add_rows(file, column.name, typed.loc[empty, ROW], [""] * int(empty.sum()),
                                "required: every row needs a value; row left out")  # fmt: skip
            drop |= missing
            if column.name == table.key:
                keyed = ~missing
        typed[column.name] = parsed
        del values, parsed  # the raw column's text, let go: Arrow keeps freed memory otherwise
        if len(frame) >= RELEASE_ROWS:  # and two tables may be typed at once (`loader`)
            pa.default_memory_pool().release_unused()
    for name in list(frame.columns):  # extra columns (e.g. more area statistics): numeric
        text = frame.pop(name)  # when they all are
        numbers, bad = parsing.parse_numbers(text)
        typed[name] = text if bad.any() else numbers
    if table.key:
        keyed = typed[table.key].notna() if keyed is None else keyed
        key = numbered.get(table.key)  # equal ids, equal numbers: 0.03 s, not 0.17, a million
        key = typed[table.key] if key is None else pd.Series(key.codes, index=typed.index)
        duplicate = key.duplicated(keep="first") & keyed
        del key
        if duplicate.any():
            report.add_rows(file, table.key, typed.loc[duplicate, ROW],
                            typed.loc[duplicate, table.key],
                            "duplicate id: ids must be unique; later row left out")  # fmt: skip
        left_out = drop & keyed
        report.leave_out(table.name, dict(zip(typed.loc[left_out, table.key],
                                              typed.loc[left_out, ROW], strict=True)))  # fmt: skip
        drop |= duplicate
    kept = ~drop.to_numpy() if drop.any() else slice(None)
    for name in list(numbering or ()):  # a column the file lacks is left off
        if name in numbered:
            numbering[name] = numbered[name].kept(kept)
        else:
            del numbering[name]
    return (typed.loc[~drop] if drop.any() else typed).reset_index(drop=True)
