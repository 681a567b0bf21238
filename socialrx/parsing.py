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
    """Dates in any accepted form; returns (datetime64 values, per-cell error message or None)."""
    parsed = per_distinct(values, parse_one_date)
    is_date = parsed.map(lambda v: isinstance(v, date), na_action="ignore").fillna(False)
    dates = pd.to_datetime(parsed.where(is_date.astype(bool)), errors="coerce")
    errors = parsed.where(~is_date.astype(bool), None)
    return dates.astype("datetime64[ns]"), errors


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """yes/no, y/n, true/false, 1/0 in any case; returns (boolean values, bad-cell mask)."""
    parsed = per_distinct(values, lambda v: _BOOL.get(v.strip().lower())).astype("boolean")
    return parsed, parsed.isna() & ~blank(values)


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, allowing thousands separators ("29,199") and a leading £; (float values, bad)."""
    text = values.astype("string").str.strip().str.replace(r"[,£\s]", "", regex=True)
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    return parsed, parsed.isna() & ~blank(values)


def normalise_postcodes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`s601aa` and `S60  1AA` -> `S60 1AA`; returns (postcodes, bad-cell mask)."""
    squashed = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
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
