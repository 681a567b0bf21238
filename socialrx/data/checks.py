"""Checks across rows and tables: references, date order, ranges, places, NHS numbers.

Each check reports what it finds and returns the table with what can still be used.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from socialrx import vocab
from socialrx.data import geography
from socialrx.data.parsing import nhs_number_valid
from socialrx.data.problems import ERROR, WARNING, WITHHELD, Report
from socialrx.data.schema import DATE, PUBLISHED, TABLES
from socialrx.data.tables import ROW, Numbering
from socialrx.disclosure import people_in_words

STALE_AFTER = pd.DateOffset(months=12)
_FINANCIAL_YEAR = re.compile(r"^\d{4}/\d{2}$")


def date_columns(name: str) -> list[str]:
    return [c.name for c in TABLES[name].columns if c.kind == DATE]


def latest_date(tables: dict[str, pd.DataFrame]) -> pd.Timestamp | None:
    """The latest date anywhere in the data: the default "as at" date of an extract."""
    latest = [
        frame[col].max()
        for name, frame in tables.items()
        if name != "dataset" and name not in PUBLISHED
        for col in date_columns(name)
        if col in frame and frame[col].notna().any()
    ]
    return max(latest) if latest else None


def dates_after_extract(tables: dict[str, pd.DataFrame], extract: pd.Timestamp, report: Report):
    """No date may fall after the extract date (a typo in the year, usually). A directory
    record's last_verified may: a provider confirms its record in the app after the extract,
    and the corrected assets.csv goes back into the folder."""
    for name, frame in tables.items():
        if name == "dataset" or name in PUBLISHED:
            continue
        for col in date_columns(name):
            if (name, col) == ("assets", "last_verified"):
                continue
            late = frame[col] > extract
            if late.any():
                report.add_rows(TABLES[name].file, col, frame.loc[late, ROW],
                                frame.loc[late, col].dt.strftime("%Y-%m-%d"),
                                f"after the extract date {extract:%Y-%m-%d}: dates cannot be in "
                                "the future of the extract")  # fmt: skip


# Only values shaped like a number of 10 digits are looked at closely: on a million pseudonyms
# a regex in Arrow takes a fraction of a second, Python's string methods many
NHS_SHAPE = r"^\s*\d[\d\s-]{8,12}\d(\.0+)?\s*$"


def nhs_shaped(ids: pd.Series, numbering: Numbering | None = None) -> tuple[np.ndarray, int]:
    """(a mask of the values shaped like an NHS number, how many values are given) for
    `refuse_nhs_numbers`; each distinct value looked at once, in Arrow, when `numbering` (the
    ids', as typed: `tables.numbered_ids`) is given."""
    if numbering is None:
        text = pa.array(ids.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        shaped = pc.match_substring_regex(text, NHS_SHAPE).fill_null(False)
        return shaped.to_numpy(zero_copy_only=False), len(ids) - text.null_count
    # each distinct value once, in Arrow as typed: no million Python strings turned back
    shaped = pc.match_substring_regex(numbering.text, NHS_SHAPE).to_numpy(zero_copy_only=False)
    missing = len(numbering.text)  # the number of a missing value
    codes = numbering.codes
    return np.append(shaped, False)[codes], int(len(codes) - np.count_nonzero(codes == missing))


def refuse_nhs_numbers(
    frame: pd.DataFrame, file: str, column: str, report: Report, shaped: tuple | None = None
) -> pd.DataFrame | None:
    """Ids must be pseudonyms. Values passing the NHS number check (however written: spaced,
    dashed, or as Excel's 9434765919.0) are never kept or echoed. When they are most of the
    column it is NHS numbers: a person_id column is blanked, a referral_id column (which
    every row needs) refuses the whole table (None). When they are a few among pseudonyms,
    only those are withheld: a person_id blanked, a row with such a referral_id left out,
    each named by its row, so the good data stays. `shaped`: `nhs_shaped` of the column,
    when the caller has it (worked out as the table was typed)."""
    shaped, given = shaped or nhs_shaped(frame[column])
    if not given:
        return frame
    digits = frame[column][shaped].str.replace(r"[\s-]|\.0+$", "", regex=True)
    passing = digits.index[nhs_number_valid(digits).to_numpy(dtype=bool)]
    if passing.empty:
        return frame
    whole = column == "referral_id"
    advice = "Use a pseudonym, never the NHS number"
    if len(passing) > given / 2:  # the column is NHS numbers
        fate = "the whole file is refused" if whole else "this column is refused and not used"
        report.add(file, f"{people_in_words(len(passing))} of {people_in_words(given)} values "
                   f"pass the NHS number check digit: {fate}. {advice}", column=column,
                   value=WITHHELD)  # fmt: skip
        if whole:
            return None
        return frame.assign(**{column: pd.Series(pd.NA, index=frame.index, dtype="string")})
    fate = "row left out" if whole else "blanked, the rest of the row kept"
    report.add_rows(file, column, frame.loc[passing, ROW], [WITHHELD] * len(passing),
                    f"passes the NHS number check digit: {fate}. {advice} (10-digit "
                    "pseudonyms can pass by chance: add a letter)")  # fmt: skip
    if whole:
        return frame.drop(index=passing)
    blanked = frame[column].copy()
    blanked[passing] = pd.NA
    return frame.assign(**{column: blanked})


def dates_in_order(
    frame: pd.DataFrame, file: str, earlier: str, later: str, report: Report, severity=ERROR
) -> None:
    """`later` may not fall before `earlier` (a contact before its referral, say)."""
    backwards = frame[later] < frame[earlier]
    if backwards.any():
        report.add_rows(file, later, frame.loc[backwards, ROW],
                        frame.loc[backwards, later].dt.strftime("%Y-%m-%d"),
                        f"before {earlier}: dates cannot run backwards", severity)  # fmt: skip


def follow_ups_after_baseline(
    outcomes: pd.DataFrame, report: Report, referral: np.ndarray | None = None
) -> pd.Series:
    """Mask of outcome rows to keep: a follow-up dated before its referral's baseline of the
    same measure is an error and left out, never paired as if it came after. `referral`, when
    the caller has it: each row's referral as a whole number from 0 (equal ids, equal numbers)."""
    if referral is None:
        referral = pd.factorize(outcomes["referral_id"], use_na_sentinel=False)[0]
    dated = outcomes["assessed_date"].notna().to_numpy()
    dated = slice(None) if dated.all() else dated  # no copies of every row when all are
    measure, measures = pd.factorize(outcomes["measure"], use_na_sentinel=False)
    # (referral, measure) as one whole number, a position in an array of first baselines: a
    # region's 3.8 million rows need no hash table of keys, let alone of id strings
    key = (referral.astype(np.int64) * max(len(measures), 1) + measure)[dated]
    del measure
    when = outcomes["assessed_date"].to_numpy()[dated].view(np.int64)
    timepoint = outcomes["timepoint"]
    base = timepoint.eq("baseline").fillna(False).to_numpy(bool)[dated]
    follow = timepoint.eq("follow_up").fillna(False).to_numpy(bool)[dated]
    none = np.iinfo(np.int64).max  # no baseline: no follow-up of it is early
    first = np.full(int(key.max()) + 1 if len(key) else 0, none)
    np.minimum.at(first, key[base], when[base])  # each pair's first baseline
    baseline = first[key[follow]]
    early = outcomes.index[dated][follow][(when[follow] < baseline) & (baseline != none)]
    if len(early):
        report.add_rows("outcomes.csv", "assessed_date", outcomes.loc[early, ROW],
                        outcomes.loc[early, "assessed_date"].dt.strftime("%Y-%m-%d"),
                        "a follow-up dated before the baseline of the same measure for this "
                        "referral: follow-ups must come after their baseline", ERROR)  # fmt: skip
    return ~outcomes.index.isin(early)


def closures_dated(referrals: pd.DataFrame, report: Report) -> None:
    """A closed referral (completed, declined, did not engage, closed) needs its closed_date."""
    needs = (
        referrals["status"].isin(vocab.STATUS_NEEDS_CLOSED_DATE) & referrals["closed_date"].isna()
    )
    if needs.any():
        report.add_rows("referrals.csv", "closed_date", referrals.loc[needs, ROW],
                        [""] * int(needs.sum()), "required when status is "
                        + ", ".join(vocab.STATUS_NEEDS_CLOSED_DATE))  # fmt: skip


# the row of its own table named beside a left-out id (`known_references`): dropped where
# which rows is not shown (`views.data`)
ROW_OF = re.compile(r" \(row \d+\)$")


def known_references(
    frame: pd.DataFrame,
    file: str,
    column: str,
    known: pd.Series,
    target: str,
    report: Report,
    severity: str = "error",
    left_out: dict[str, int] | None = None,
    found: pd.Series | None = None,
) -> pd.Series:
    """Mask of rows whose `column` names a row of the target table (blanks count as known).

    An id whose own row was left out of the target for an error (`left_out`: id -> row) is
    reported as that, so the user fixes the one cause rather than chasing every reference.
    `found`, when the caller has already looked the ids up, is the mask of rows found."""
    unknown = frame[column].notna() & ~(frame[column].isin(known) if found is None else found)
    fate = "; row left out" if severity == "error" else ""
    if unknown.any() and len(known) == 0:  # one line, not one per row
        report.add(file, f"{target} has no usable rows, so no {column} can be matched"
                   f"{fate.replace('row', 'rows')}", severity, column=column)  # fmt: skip
    elif unknown.any():
        dropped = frame[column].isin(list(left_out or {})) & unknown
        if dropped.any():
            values = frame.loc[dropped, column].map(lambda v: f"{v} (row {left_out[v]})")
            report.add_rows(file, column, frame.loc[dropped, ROW], values,
                            f"its row in {target} was left out for an error: fix that row{fate}",
                            severity)  # fmt: skip
        rest = unknown & ~dropped
        if rest.any():
            report.add_rows(file, column, frame.loc[rest, ROW], frame.loc[rest, column],
                            f"no such id in {target}{fate}", severity)  # fmt: skip
    return ~unknown


def outcome_values_in_range(outcomes: pd.DataFrame, report: Report) -> pd.Series:
    """Each measure's value inside its published range (and whole where it must be)."""
    ok = pd.Series(True, index=outcomes.index)
    for name, measure in vocab.MEASURES.items():
        rows = outcomes["measure"] == name
        values = outcomes.loc[rows, "value"]
        bad = ~values.between(measure.low, measure.high)
        if measure.integer:
            bad |= values % 1 != 0
        if bad.any():
            kind = "whole numbers" if measure.integer else "values"
            shown = values[bad].map("{:g}".format)  # 36, as the user wrote it, not 36.0
            report.add_rows("outcomes.csv", "value", outcomes.loc[bad[bad].index, ROW], shown,
                            f"outside the range of {name}: {kind} from {measure.low:g} to "
                            f"{measure.high:g}; row left out")  # fmt: skip
            ok[bad[bad].index] = False
    return ok


def reported_rows(report: Report, file: str, columns: tuple[str, ...]) -> set[int]:
    """Rows of `file` with a problem already reported in one of `columns`: not reported again."""
    return {p.row for p in report.problems if p.file == file and p.column in columns}


def _grid_metres(easting: pd.Series, northing: pd.Series) -> pd.Series:
    """True where a pair looks like British National Grid metres rather than degrees."""
    metres = (easting > 180) | (northing > 180)
    return metres & easting.between(0, 700_000) & northing.between(0, 1_300_000)


def place_points(
    frame: pd.DataFrame, file: str, postcodes: pd.DataFrame | None, report: Report
) -> pd.DataFrame:
    """Coordinates checked against the UK box (swaps named), gaps filled from postcodes."""
    lat, lon = frame["latitude"], frame["longitude"]
    given = lat.notna() & lon.notna()
    unreadable = frame[ROW].isin(reported_rows(report, file, ("latitude", "longitude")))
    half = (lat.notna() ^ lon.notna()) & ~unreadable  # the other one was already reported
    swapped = given & ~geography.in_uk(lat, lon) & geography.in_uk(lon, lat)
    grid = given & (_grid_metres(lat, lon) | _grid_metres(lon, lat))
    outside = given & ~geography.in_uk(lat, lon) & ~swapped & ~grid
    box = "latitude 49.8 to 60.9, longitude -8.7 to 1.8"
    for mask, message in (
        (swapped, f"latitude and longitude look swapped ({box}); coordinates not used"),
        (grid, "these look like British National Grid easting and northing: give latitude "
               f"and longitude ({box}); coordinates not used"),
        (outside, f"outside the UK ({box}); coordinates not used"),
        (half, "only one of latitude and longitude is given: both are needed; not used"),
    ):  # fmt: skip
        if mask.any():
            values = [
                ", ".join("" if pd.isna(v) else f"{v:.10g}" for v in pair)
                for pair in zip(lat[mask], lon[mask], strict=True)
            ]
            report.add_rows(file, "latitude, longitude", frame.loc[mask, ROW], values, message)
    given &= ~swapped & ~grid & ~outside
    frame = frame.assign(latitude=lat.where(given), longitude=lon.where(given))
    wants = frame["latitude"].isna() & frame["postcode"].notna()
    if not wants.any():
        return frame
    if postcodes is None:
        report.add_rows(file, "postcode", frame.loc[wants, ROW], frame.loc[wants, "postcode"],
                        "no coordinates, and no postcodes.csv to place the postcode: add one",
                        WARNING)  # fmt: skip
        return frame
    # Latitude 99.999999 is how ONS marks a postcode with no grid reference: not a place.
    placed = geography.in_uk(postcodes["latitude"], postcodes["longitude"])
    lookup = postcodes[placed].set_index("postcode")
    found = wants & frame["postcode"].isin(lookup.index)
    if found.any():  # (an empty assignment of text to the float column would raise)
        frame.loc[found, "latitude"] = frame.loc[found, "postcode"].map(lookup["latitude"])
        frame.loc[found, "longitude"] = frame.loc[found, "postcode"].map(lookup["longitude"])
    lost = wants & ~found
    if lost.any():
        report.add_rows(file, "postcode", frame.loc[lost, ROW], frame.loc[lost, "postcode"],
                        "postcode not in postcodes.csv (or it has no grid reference): not placed",
                        WARNING)  # fmt: skip
    return frame


def tidy_assets(
    assets: pd.DataFrame, extract: pd.Timestamp | None, report: Report, file: str
) -> pd.DataFrame:
    """Only http(s) links kept; in-person assets need a place; old records flagged stale."""
    url = assets["url"]
    bad_url = url.notna() & ~url.str.match(r"(?i)^https?://").fillna(False).astype(bool)
    if bad_url.any():
        report.add_rows(file, "url", assets.loc[bad_url, ROW], url[bad_url],
                        "only http:// or https:// links are kept; link dropped",
                        WARNING)  # fmt: skip
    # A postcode the lookup cannot place is a warning (from place_points), not a missing place.
    # Rows whose coordinates were already reported (unreadable, swapped, ...) are not
    # reported again as having none.
    reported = reported_rows(report, file, ("latitude", "longitude", "latitude, longitude"))
    needs_place = (
        assets["delivery"].isin(vocab.DELIVERY_NEEDS_LOCATION)
        & assets["latitude"].isna()
        & assets["postcode"].isna()
        & ~assets[ROW].isin(reported)
    )
    if needs_place.any():
        # kept (in the directory, off the map): a warning, as the Open Referral import says
        report.add_rows(file, "latitude, longitude", assets.loc[needs_place, ROW],
                        [None] * int(needs_place.sum()), "in-person and hybrid assets need "
                        "coordinates or a postcode that can be placed; not on the map",
                        WARNING)  # fmt: skip
    cutoff = extract - STALE_AFTER if extract is not None else None
    stale = assets["last_verified"] < cutoff if cutoff is not None else False
    return assets.assign(url=url.where(~bad_url), stale=stale)


def unmatched_area_codes(referrals: pd.DataFrame, area_codes: pd.Series, report: Report) -> None:
    """Area codes that match no area are counted and listed, never silently dropped."""
    unmatched = referrals["area_code"].notna() & ~referrals["area_code"].isin(area_codes)
    if not unmatched.any():
        return
    counts = referrals.loc[unmatched, "area_code"].value_counts()
    listed = ", ".join(f"{code} ({people_in_words(n)})" for code, n in counts.head(20).items())
    more = f" and {len(counts) - 20:,} more codes" if len(counts) > 20 else ""
    report.add(
        "referrals.csv",
        f"{people_in_words(int(unmatched.sum()))} referrals have an area code matching no area "
        f"in the boundaries or area statistics: {listed}{more}. They count in totals but not on "
        "maps or per-area rates",
        severity=WARNING,
        column="area_code",
    )


def financial_years(funding: pd.DataFrame, report: Report) -> pd.Series:
    """Financial years written as `2024/25`."""
    bad = ~funding["financial_year"].str.match(_FINANCIAL_YEAR.pattern).fillna(False).astype(bool)
    if bad.any():
        report.add_rows("funding.csv", "financial_year", funding.loc[bad, ROW],
                        funding.loc[bad, "financial_year"],
                        "write financial years as 2024/25 (April to March); "
                        "row left out")  # fmt: skip
    return ~bad
