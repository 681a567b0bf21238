"""Problems found in a user's files, reported the way a planner can act on them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from socialrx.data.parsing import nhs_number_valid

ERROR = "error"
WARNING = "warning"
# Past this many rows with the same problem, one summary line stands for the rest.
ROWS_LISTED = 20
WITHHELD = "value withheld"
_TEN_DIGITS = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")


def withhold(text: str) -> str:
    """`text` with anything that passes the NHS number check replaced: never echo one."""

    def hide(match: re.Match) -> str:
        return WITHHELD if nhs_number_valid(pd.Series([match.group()])).iloc[0] else match.group()

    return _TEN_DIGITS.sub(hide, text)


@dataclass(frozen=True)
class Problem:
    """One problem: `file:row: column: value: message`; row counts the header as row 1."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = ERROR

    def __post_init__(self) -> None:
        # Values, and messages listing values or headers, quote the user's data: wherever a
        # problem is shown (CLI, data page, download), an NHS number in it is withheld.
        object.__setattr__(self, "message", withhold(self.message))
        if self.value:
            object.__setattr__(self, "value", withhold(self.value))

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        parts = [where]
        if self.column:
            parts.append(self.column)
        if self.value is not None:
            parts.append(repr(self.value) if self.value else "(empty)")
        parts.append(self.message)
        text = ": ".join(parts)
        return text if self.severity == ERROR else f"{text} (warning)"


@dataclass
class Report:
    """Every problem found while loading a dataset, errors and warnings together."""

    problems: list[Problem] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # files that could not be read at all
    # Files read but not used, each with what it would need to be: every page names them.
    ignored: dict[str, str] = field(default_factory=dict)
    # Per table, the ids of rows left out for errors, with their row: a reference to one of
    # them is explained as such, not as an unknown id.
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)
    # The files (as named in problems) holding person-level tables: their problems name rows
    # of people, so below disclosure "off" they are shown as disclosed counts, not rows.
    person_files: list[str] = field(default_factory=list)

    def add(self, file: str, message: str, severity: str = ERROR, **where) -> None:
        self.problems.append(Problem(file, message, severity=severity, **where))

    def add_rows(
        self,
        file: str,
        column: str | None,
        rows: Iterable[int],
        values: Iterable[object],
        message: str,
        severity: str = ERROR,
    ) -> None:
        """The same problem on many rows: the first ROWS_LISTED listed, the rest counted."""
        rows, values = list(rows), list(values)
        for row, value in zip(rows[:ROWS_LISTED], values[:ROWS_LISTED], strict=False):
            shown = None if value is None or value is pd.NA else str(value)
            self.problems.append(Problem(file, message, int(row), column, shown, severity))
        if len(rows) > ROWS_LISTED:
            more = f"and {len(rows) - ROWS_LISTED:,} more rows like this: {message}"
            self.problems.append(Problem(file, more, column=column, severity=severity))

    def leave_out(self, table: str, rows: dict[str, int]) -> None:
        """Note rows of `table` left out for errors (id -> row), beside those already noted:
        left out as the file was read, then as it was typed."""
        self.left_out[table] = {**self.left_out.get(table, {}), **rows}

    def extend(self, other: Report) -> None:
        """`other`'s findings after this report's own: a file read or typed apart (the loader
        reads the largest first and types two at once, and lists them in the files' order)."""
        self.problems += other.problems
        self.unreadable += other.unreadable
        self.ignored |= other.ignored
        for table, rows in other.left_out.items():
            self.leave_out(table, rows)
        self.person_files += [f for f in other.person_files if f not in self.person_files]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def lines(self) -> list[str]:
        """Errors first, then warnings, one line each."""
        return [str(p) for p in self.errors + self.warnings]
