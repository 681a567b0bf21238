"""Reading the messy values people actually export: dates, booleans, numbers, postcodes, headers.

Each parser takes a column of text and returns the parsed values plus a mask of the cells that
were filled in but could not be read, so the loader can report them and keep the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
)}  # fmt: skip
# A time after a date is dropped: `2024-03-31T10:15`, `31/03/2024 10:15`, SAS `31MAR2024:10:15`.
_TIME = r"(?:[ T:]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
_DATE_FORMS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{2}|\d{4})" + _TIME),
    re.compile(r"^(?P<d>\d{1,2})[- ](?P<mon>[A-Za-z]{3})[- ](?P<y>\d{2}|\d{4})" + _TIME),
    re.compile(r"^(?P<d>\d{1,2})(?P<mon>[A-Za-z]{3})(?P<y>\d{2}|\d{4})" + _TIME),
)
TWO_DIGIT_YEAR = "two-digit years are ambiguous: write the year in full, e.g. 31/03/2024"
DATE_ALLOWED = "dates are 2024-03-31, 31/03/2024, 31-Mar-2024 or 31MAR2024 (day first)"
NOT_A_DATE = "not a real calendar date"
MONTH_FIRST = "{} is not a month: dates are day first (31/03/2024), never month first"
AMBIGUOUS = (
    "this column also has month-first dates (such as 12/31/2024), so this one could be either "
    "way round: write the column's dates as 2024-03-31"
)
YEARS = (1900, 2100)  # pandas holds 1677-2262; outside this a year is a typo or a placeholder
OUT_OF_YEARS = "the year is outside 1900 to 2100: a typo, or a placeholder such as 9999-12-31 "
OUT_OF_YEARS += "(leave the cell blank instead)"
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/\d{4}")

_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
_BOOL = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False,
         "false": False, "0": False}  # fmt: skip


def normalise_header(name: str) -> str:
    """A header as the contract matches it: no BOM, trimmed, lower case, `_` for space/dash."""
    return re.sub(r"[\s_\-]+", "_", str(name).replace("\ufeff", "").strip().lower()).strip("_")


def blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty (missing, or only spaces)."""
    return values.isna() | (values.astype("string").str.strip() == "")


def parse_one_date(text: str) -> date | str:
    """One cell as a date, or the reason it is not one."""
    text = text.strip()
    for form in _DATE_FORMS:
        match = form.match(text)
        if not match:
            continue
        parts = match.groupdict()
        if len(parts["y"]) == 2:
            return TWO_DIGIT_YEAR
        month = MONTHS.get(parts["mon"].lower()) if parts.get("mon") else int(parts["m"])
        if parts.get("m") and "/" in text and month > 12 >= int(parts["d"]):
            return MONTH_FIRST.format(month)  # 03/31/2024, as US software writes it
        if not YEARS[0] <= int(parts["y"]) <= YEARS[1]:
            return OUT_OF_YEARS
        try:
            return date(int(parts["y"]), month or 0, int(parts["d"]))
        except (TypeError, ValueError):
            return NOT_A_DATE
    return DATE_ALLOWED


def per_distinct(values: pd.Series, parse: Callable[[str], object]) -> pd.Series:
    """parse(text) for every non-blank cell, computed once per distinct text (extracts repeat
    the same few thousand dates and a dozen categories a million times); None elsewhere."""
    codes, uniques = pd.factorize(values)
    results = np.empty(len(uniques) + 1, dtype=object)  # the last slot is for missing cells
    results[:-1] = [parse(u) if isinstance(u, str) and u.strip() else None for u in uniques]
    return pd.Series(results[codes], index=values.index)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates in any accepted form; returns (datetime64 values, per-cell error message or None).

    Once a column shows month-first dates (12/31/2024), its other slashed dates that could be
    read either way (03/04/2024) are errors too, not silently taken day first. Everything is
    worked out once per distinct text, then spread to the cells (a region's million referrals
    hold a few thousand distinct dates)."""
    codes, uniques = pd.factorize(values)
    texts = [u if isinstance(u, str) and u.strip() else None for u in uniques]
    parsed = [parse_one_date(t) if t is not None else None for t in texts]
    is_date = np.array([isinstance(v, date) for v in parsed] + [False])  # last: missing cells
    errors = np.array([*parsed, None], dtype=object)
    errors[is_date] = None
    if any(isinstance(e, str) and e.endswith("never month first") for e in errors):
        either_way = np.array([t is not None and _either_way(t) for t in texts] + [False])
        either_way &= is_date
        errors[either_way] = AMBIGUOUS
        is_date &= ~either_way
    days = np.array([*parsed, None], dtype=object)
    days[~is_date] = None
    days = pd.to_datetime(pd.Series(days, dtype=object), errors="coerce")
    dates = pd.Series(days.to_numpy(dtype="datetime64[ns]")[codes], index=values.index)
    return dates, pd.Series(errors[codes], index=values.index, dtype=object)


def _either_way(text: str) -> bool:
    """True for d/m/yyyy where both parts could be the month and they differ."""
    match = _SLASH_DATE.match(text)
    day, month = (int(match[1]), int(match[2])) if match else (0, 0)
    return bool(match) and day != month and max(day, month) <= 12


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """yes/no, y/n, true/false, 1/0 in any case; returns (boolean values, bad-cell mask)."""
    parsed = per_distinct(values, lambda v: _BOOL.get(v.strip().lower())).astype("boolean")
    return parsed, parsed.isna() & ~blank(values)


_NUMBER = re.compile(r"^[+-]?(£\s*)?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, allowing thousands separators ("29,199") and a leading £; (float values, bad).

    A comma anywhere else (`53,4`, a decimal comma) is not understood rather than read as 534;
    infinity and NaN are not numbers a user means. Each distinct text is parsed once."""
    codes, uniques = pd.factorize(values)
    text = pd.Series(uniques, dtype="string").str.strip()
    grouped = text.str.match(_NUMBER.pattern).fillna(False).astype(bool)
    cleaned = text.str.replace(r"[,£\s]", "", regex=True).where(grouped)
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64").to_numpy()
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)
    unread = np.isnan(numbers) & text.fillna("").ne("").to_numpy(dtype=bool)  # not blank
    parsed = pd.Series(np.append(numbers, np.nan)[codes], index=values.index)  # -1: missing
    return parsed, pd.Series(np.append(unread, False)[codes], index=values.index)


def normalise_postcodes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`s601aa` and `S60  1AA` -> `S60 1AA`; returns (postcodes, bad-cell mask)."""
    squashed = values.astype("string").str.upper().str.replace(r"[\s-]+", "", regex=True)
    ok = squashed.str.match(_POSTCODE.pattern).fillna(False).astype(bool)
    formatted = squashed.str[:-3] + " " + squashed.str[-3:]
    return formatted.where(ok), ~ok & ~blank(values)


def nhs_number_valid(values: pd.Series) -> pd.Series:
    """True where a value is ten digits whose last is the NHS number modulus-11 check digit."""
    text = values.astype("string").str.replace(r"[\s-]", "", regex=True)
    ten = text.str.fullmatch(r"\d{10}").fillna(False).astype(bool)
    result = pd.Series(False, index=values.index)
    if not ten.any():
        return result
    digits = np.array([list(map(int, v)) for v in text[ten]], dtype=np.int64)
    total = (digits[:, :9] * np.arange(10, 1, -1)).sum(axis=1)
    check = 11 - total % 11
    check[check == 11] = 0
    result[ten] = (check != 10) & (check == digits[:, 9])
    return result
