"""Published benchmarks accepted as downloaded, known by their headers whatever they are called:

- NHS England's "Appointments in General Practice" (GPAD). The practice-level monthly file
  (`Practice_Level_Crosstab_*.csv`: APPOINTMENT_MONTH_START_DATE, GP_CODE, GP_NAME, SUPPLIER,
  PCN_CODE, PCN_NAME, SUB_ICB_LOCATION_CODE, SUB_ICB_LOCATION_NAME, HCP_TYPE, APPT_MODE,
  NATIONAL_CATEGORY, TIME_BETWEEN_BOOK_AND_APPT, COUNT_OF_APPOINTMENTS, APPT_STATUS) gives
  `gp_appointments`; the sub-ICB daily file by national category (SUB_ICB_LOCATION_CODE,
  SUB_ICB_LOCATION_ONS_CODE, SUB_ICB_LOCATION_NAME, ICB_ONS_CODE, REGION_ONS_CODE,
  Appointment_Date, SERVICE_SETTING, CONTEXT_TYPE, NATIONAL_CATEGORY, COUNT_OF_APPOINTMENTS)
  with the coverage file of the same zip (`APPOINTMENTS_GP_COVERAGE.csv`:
  SUB_ICB_LOCATION_CODE, ..., Appointment_Month, Included Practices, Open Practices, Patients
  registered at included practices, Patients registered at open practices) gives
  `sub_icb_appointments`. Only the national category "Social Prescribing Service" is counted,
  every status (attended, did not attend, unknown) together, as the publication's totals
  are; a practice or sub-ICB in the file with none that month counts 0. Older releases say
  CCG (`CCG_CODE`, `COMMISSIONER_ORGANISATION_CODE`): both are read. Files of several months
  are added together.
- OHID Fingertips exports (Indicator ID, Indicator Name, Parent Code, Parent Name, Area Code,
  Area Name, Area Type, Sex, Age, Category Type, Category, Time period, Value, Lower CI 95.0
  limit, Upper CI 95.0 limit, Lower CI 99.8 limit, Upper CI 99.8 limit, Count, Denominator,
  Value note, Recent Trend, Compared to England value or percentiles, ..., Time period
  Sortable, ...) give `indicators`: whole-population rows (no Category Type) for England, the
  sub-ICBs, ICBs and regions, and the place's own areas, practices, PCNs and authorities.

The national files are read in the columns needed, as categories (`gp_registrations`), and
summed or cut before any table is typed. These are published figures about appointments and
areas, not the extract's people: no disclosure control applies to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from socialrx.data.dataset import empty_table
from socialrx.data.files import SourceFile, first_line, what_it_is
from socialrx.data.gp_registrations import nhs_header, read_columns, whole_numbers
from socialrx.data.problems import WARNING, Report

PRACTICE, SUB_ICB, COVERAGE, FINGERTIPS = (
    "practice appointments",
    "sub-ICB appointments",
    "appointments coverage",
    "Fingertips indicators",
)
SOCIAL_PRESCRIBING = "Social Prescribing Service"  # GPAD's national category
ENGLAND = "E92000001"
# Fingertips rows kept from a national export whatever the place: England, and the sub-ICBs,
# ICBs and NHS regions a place is compared with (a few hundred rows an indicator)
_WIDE_AREAS = ("E38", "E54", "E40")

_SUB_ICB_CODE = ("SUB_ICB_LOCATION_CODE", "CCG_CODE", "COMMISSIONER_ORGANISATION_CODE")
_ROLES = {
    PRACTICE: {
        "practice": ("GP_CODE",),
        "pcn": ("PCN_CODE",),
        "sub_icb": _SUB_ICB_CODE,
        "sub_icb_name": ("SUB_ICB_LOCATION_NAME", "CCG_NAME"),
        "month": ("APPOINTMENT_MONTH_START_DATE", "APPOINTMENT_MONTH"),
        "category": ("NATIONAL_CATEGORY",),
        "count": ("COUNT_OF_APPOINTMENTS",),
    },
    SUB_ICB: {
        "sub_icb": _SUB_ICB_CODE,
        "ons": ("SUB_ICB_LOCATION_ONS_CODE", "CCG_ONS_CODE"),
        "sub_icb_name": ("SUB_ICB_LOCATION_NAME", "CCG_NAME"),
        "month": ("APPOINTMENT_DATE",),
        "category": ("NATIONAL_CATEGORY",),
        "count": ("COUNT_OF_APPOINTMENTS",),
    },
    COVERAGE: {
        "sub_icb": _SUB_ICB_CODE,
        "month": ("APPOINTMENT_MONTH",),
        "registered": ("PATIENTS_REGISTERED_AT_INCLUDED_PRACTICES",),
    },
    FINGERTIPS: {
        "indicator_id": ("INDICATOR_ID",),
        "indicator_name": ("INDICATOR_NAME",),
        "area_code": ("AREA_CODE",),
        "area_name": ("AREA_NAME",),
        "area_type": ("AREA_TYPE",),
        "sex": ("SEX",),
        "age": ("AGE",),
        "category_type": ("CATEGORY_TYPE",),
        "time_period": ("TIME_PERIOD",),
        "time_period_sortable": ("TIME_PERIOD_SORTABLE",),
        "value": ("VALUE",),
        "lower_ci": ("LOWER_CI_95.0_LIMIT",),
        "upper_ci": ("UPPER_CI_95.0_LIMIT",),
        "count": ("COUNT",),
        "denominator": ("DENOMINATOR",),
    },
}
# what each kind needs to be used at all (the rest of its roles are optional)
_NEEDED = {
    PRACTICE: ("practice", "month", "category", "count"),
    SUB_ICB: ("sub_icb", "month", "category", "count"),
    COVERAGE: ("sub_icb", "month", "registered"),
    FINGERTIPS: ("indicator_id", "indicator_name", "area_code", "time_period", "value"),
}
# NHS England prints dates as 01SEP2026 (some releases 01-Sep-26 or Sep-26); ISO and UK too
_DATE_FORMATS = ("%d%b%Y", "%d-%b-%y", "%d-%b-%Y", "%b-%y", "%b%Y", "%Y-%m-%d", "%d/%m/%Y")
DATES_ALLOWED = "allowed: a date such as 01SEP2026, as NHS England publishes it, or 2026-09-01"
COUNT_ALLOWED = "allowed: a whole number from 0"


def kind_of_headers(headers) -> str | None:
    """Which published benchmark file these headers belong to, if any."""
    names = {nhs_header(h) for h in headers}
    if {"GP_CODE", "NATIONAL_CATEGORY", "COUNT_OF_APPOINTMENTS"} <= names:
        return PRACTICE
    if {"APPOINTMENT_DATE", "NATIONAL_CATEGORY", "COUNT_OF_APPOINTMENTS"} <= names and (
        names & set(_SUB_ICB_CODE)
    ):
        return SUB_ICB
    if {"INCLUDED_PRACTICES", "PATIENTS_REGISTERED_AT_INCLUDED_PRACTICES"} <= names:
        return COVERAGE
    if {"INDICATOR_ID", "INDICATOR_NAME", "AREA_CODE", "TIME_PERIOD", "VALUE"} <= names:
        return FINGERTIPS
    return None


def split(files: list[SourceFile]) -> tuple[list[SourceFile], list[tuple[str, SourceFile]]]:
    """(the other files, [(kind, file)] of the published benchmark files)."""
    rest, found = [], []
    for file in files:
        text = Path(file.name).suffix.lower() in (".csv", ".txt") and not what_it_is(file.data)
        kind = kind_of_headers(first_line(file.data)) if text else None
        if kind is None:
            rest.append(file)
        else:
            found.append((kind, file))
    return rest, found


@dataclass
class Held:
    """What the benchmark files gave, summed small, held until the place is known."""

    practice: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    sub_icb: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    coverage: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    fingertips: list[tuple[str, pd.DataFrame]] = field(default_factory=list)


def _month_of(label: str) -> pd.Timestamp | None:
    text = str(label).strip()
    for form in _DATE_FORMATS:
        try:
            day = datetime.strptime(text.title() if "%b" in form else text, form)
        except ValueError:
            continue
        return pd.Timestamp(day.year, day.month, 1)
    return None


def _months(values: pd.Series) -> pd.Series:
    """The first day of each cell's month, NaT where it is not a date (worked out once per
    distinct value: a national file repeats a few dozen dates a million times)."""
    labels = values.cat.categories
    firsts = pd.DatetimeIndex([_month_of(label) for label in labels])
    codes = values.cat.codes.to_numpy()
    out = np.append(firsts.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))[codes]
    return pd.Series(out, index=values.index)


def _usable(kind: str, file: SourceFile, report: Report) -> pd.DataFrame | None:
    """The file's columns by role, or None (said why) when one it needs is missing."""
    keep_case = tuple(r for r in _ROLES[kind] if r not in ("practice", "pcn", "sub_icb", "ons"))
    frame = read_columns(file, _ROLES[kind], report, keep_case=keep_case)
    if frame is None:
        return None
    missing = [_ROLES[kind][role][0] for role in _NEEDED[kind] if role not in frame]
    if missing:
        report.add(file.name, f"looks like {kind} from its headers but has no "
                   f"{', '.join(missing)} column: not used")  # fmt: skip
        return None
    return frame


def _counted_by_month(kind: str, file: SourceFile, frame: pd.DataFrame, keys: list[str],
                      report: Report) -> pd.DataFrame | None:  # fmt: skip
    """GPAD rows summed by `keys` and month: "Social Prescribing Service" appointments (0 for a
    practice or sub-ICB the file holds with none that month). Rows whose date or count is not
    understood are named and left out."""
    month = _months(frame["month"])
    social = (frame["category"].astype(str).str.strip().str.lower()
              == SOCIAL_PRESCRIBING.lower()).to_numpy()  # fmt: skip
    counts, bad_count = whole_numbers(frame["count"])
    bad_month = month.isna().to_numpy()
    header = {role: names[0] for role, names in _ROLES[kind].items()}
    if bad_month.any():
        report.add_rows(file.name, header["month"], frame.index[bad_month] + 2,
                        frame["month"].astype(str)[bad_month],
                        f"not understood ({DATES_ALLOWED}); row left out")  # fmt: skip
    bad_count &= social & ~bad_month  # a bad count elsewhere changes nothing counted here
    if bad_count.any():
        report.add_rows(file.name, header["count"], frame.index[bad_count] + 2,
                        frame["count"].astype(str)[bad_count],
                        f"not understood ({COUNT_ALLOWED}); row left out")  # fmt: skip
    if not social.any():
        found = ", ".join(sorted(map(str, frame["category"].cat.categories))[:6])
        report.add(file.name, f"no \u201c{SOCIAL_PRESCRIBING}\u201d appointments in this file "
                   f"(its national categories include {found}): not used", WARNING)  # fmt: skip
        return None
    keep = ~bad_month & ~bad_count
    summed = pd.DataFrame(
        {
            **{k: frame[k].astype(str).to_numpy()[keep] for k in keys},
            "month": month.to_numpy()[keep],
            "appointments": np.where(social, np.nan_to_num(counts), 0.0)[keep],
        }
    )
    names = [k for k in ("sub_icb_name", "pcn", "sub_icb", "ons") if k in frame and k not in keys]
    extra = {k: frame[k].astype(str).to_numpy()[keep] for k in names}
    summed = summed.assign(**extra)
    return summed.groupby([*keys, "month"], as_index=False, sort=True).agg(
        appointments=("appointments", "sum"), **{k: (k, "first") for k in names}
    )


def read(found: list[tuple[str, SourceFile]], report: Report) -> Held:
    """Every benchmark file read and summed small (by practice or sub-ICB and month)."""
    held = Held()
    for kind, file in found:
        frame = _usable(kind, file, report)
        if frame is None:
            continue
        if kind == PRACTICE:
            summed = _counted_by_month(kind, file, frame, ["practice"], report)
            if summed is not None:
                held.practice.append((file.name, summed))
        elif kind == SUB_ICB:
            summed = _counted_by_month(kind, file, frame, ["sub_icb"], report)
            if summed is not None:
                held.sub_icb.append((file.name, summed))
        elif kind == COVERAGE:
            held.coverage.append((file.name, _coverage(file, frame, report)))
        else:
            held.fingertips.append((file.name, frame))
    return held


def _coverage(file: SourceFile, frame: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Patients registered at the practices whose appointments are counted, by sub-ICB and
    month (the denominator NHS England gives for its own coverage figures)."""
    month = _months(frame["month"])
    patients, bad = whole_numbers(frame["registered"])
    bad_month = month.isna().to_numpy()
    for mask, column, allowed in ((bad_month, "Appointment_Month", DATES_ALLOWED),
                                  (bad & ~bad_month, "Patients registered at included "
                                   "practices", COUNT_ALLOWED)):  # fmt: skip
        if mask.any():
            source = frame["month"] if column == "Appointment_Month" else frame["registered"]
            report.add_rows(file.name, column, frame.index[mask] + 2,
                            source.astype(str)[mask], f"not understood ({allowed}); row left "
                            "out")  # fmt: skip
    keep = ~bad_month & ~bad
    table = pd.DataFrame(
        {
            "sub_icb": frame["sub_icb"].astype(str).to_numpy()[keep],
            "month": month.to_numpy()[keep],
            "registered": patients[keep],
        }
    )
    return table.groupby(["sub_icb", "month"], as_index=False)["registered"].sum()


# ---------------------------------------------------------------- after the place is known


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + f" and {labels[-1]}"


def _joined(pieces: list[tuple[str, pd.DataFrame]], keys: list[str], report: Report):
    """Several months' files as one table; a practice's (or sub-ICB's) month given twice is
    counted once, from the first file, and said."""
    joined = pd.concat([frame for _, frame in pieces], ignore_index=True)
    twice = joined.duplicated([*keys, "month"])
    if twice.any():
        n = int(twice.sum())
        report.add(_and([label for label, _ in pieces]), f"{n:,} month{'s' if n > 1 else ''} of "
                   f"a practice or sub-ICB {'are' if n > 1 else 'is'} in more than one file: "
                   "counted once, from the first", WARNING)  # fmt: skip
    return joined[~twice].reset_index(drop=True)


def _typed(name: str, columns: dict) -> pd.DataFrame:
    base = empty_table(name)
    rows = pd.DataFrame({k: v for k, v in columns.items() if v is not None})
    return pd.concat([base, rows], ignore_index=True)[list(base.columns)].astype(base.dtypes)


def _blank(values: pd.Series) -> pd.Series:
    return values.where(~values.isin(["", "nan", "None"]))


def finish(held: Held, tables: dict, known: set[str], adults: pd.Series | None, origin: dict,
           report: Report) -> None:  # fmt: skip
    """The benchmark tables, once the dataset's own codes are known: practices' registered
    adults from NHS Digital's files where loaded (`adults`: practice -> patients 18+), sub-ICBs'
    registered patients from the coverage file, Fingertips cut to what the place is compared
    with. A contract file of the same table (gp_appointments.csv, ...) wins."""
    for name, pieces in (("gp_appointments", held.practice), ("sub_icb_appointments",
                         held.sub_icb), ("indicators", held.fingertips)):  # fmt: skip
        if pieces and name in tables:
            report.add(_and([label for label, _ in pieces]), f"not read: {origin.get(name, name)} "
                       f"holds the {name} table", WARNING)  # fmt: skip
    if held.practice and "gp_appointments" not in tables:
        _practice_table(held, tables, adults, report)
    if held.sub_icb and "sub_icb_appointments" not in tables:
        _sub_icb_table(held, tables, report)
    elif held.coverage and not held.sub_icb:
        report.add(_and([label for label, _ in held.coverage]), "registered patients by sub-ICB "
                   "need the sub-ICB daily file by national category beside them (in the same "
                   "zip as published): not used", WARNING)  # fmt: skip
    if held.fingertips and "indicators" not in tables:
        _indicator_table(held, tables, known, report)


def _practice_table(held: Held, tables: dict, adults: pd.Series | None, report: Report) -> None:
    joined = _joined(held.practice, ["practice"], report)
    registered = (
        joined["practice"].map(adults).round()
        if adults is not None
        else pd.Series(np.nan, index=joined.index)
    )
    tables["gp_appointments"] = _typed(
        "gp_appointments",
        {
            "practice_code": joined["practice"],
            "month": joined["month"],
            "appointments": joined["appointments"].round().astype("int64"),
            "pcn_code": _blank(joined["pcn"]) if "pcn" in joined else None,
            "sub_icb_code": _blank(joined["sub_icb"]) if "sub_icb" in joined else None,
            "sub_icb_name": _blank(joined["sub_icb_name"]) if "sub_icb_name" in joined else None,
            "registered": registered,
        },
    )


def _sub_icb_table(held: Held, tables: dict, report: Report) -> None:
    label = _and([label for label, _ in held.sub_icb])
    joined = _joined(held.sub_icb, ["sub_icb"], report)
    registered = pd.Series(np.nan, index=joined.index)
    if held.coverage:
        cover = pd.concat([f for _, f in held.coverage]).drop_duplicates(["sub_icb", "month"])
        matched = joined.merge(cover, on=["sub_icb", "month"], how="left")
        registered = matched["registered"]
    tables["sub_icb_appointments"] = _typed(
        "sub_icb_appointments",
        {
            "sub_icb_code": joined["sub_icb"],
            "month": joined["month"],
            "appointments": joined["appointments"].round().astype("int64"),
            "sub_icb_name": _blank(joined["sub_icb_name"]) if "sub_icb_name" in joined else None,
            "sub_icb_ons_code": _blank(joined["ons"]) if "ons" in joined else None,
            "registered": registered.round(),
        },
    )
    if not held.coverage:
        report.add(label, "no registered patients for the sub-ICBs: add APPOINTMENTS_GP_COVERAGE"
                   ".csv (published in the same zip) to work out rates", WARNING)  # fmt: skip
    elif (missing := int(registered.isna().sum())) > 0:
        report.add(label, f"{missing:,} sub-ICB months have no registered patients in the "
                   "coverage file: those sub-ICBs have no rate", WARNING)  # fmt: skip


def _numbers(values: pd.Series, file: str, column: str, report: Report) -> pd.Series:
    """Fingertips numbers: blank where Fingertips left them blank (suppressed or not
    calculated), and where not understood (named, as a warning)."""
    text = values.astype(str).str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & (text != "")
    if bad.any():
        report.add_rows(file, column, values.index[bad] + 2, values.astype(str)[bad],
                        "not a number; left blank", WARNING)  # fmt: skip
    return numbers


def _indicator_table(held: Held, tables: dict, known: set[str], report: Report) -> None:
    label = _and([label for label, _ in held.fingertips])
    parts, rows = [], 0
    for file, frame in held.fingertips:
        rows += len(frame)
        whole = (
            frame["category_type"].astype(str).str.strip() == ""
            if "category_type" in frame
            else pd.Series(True, index=frame.index)
        )
        codes = frame["area_code"].astype(str)
        wanted = codes.isin(known | {ENGLAND}) | codes.str.startswith(_WIDE_AREAS)
        kept = frame[(whole & wanted).to_numpy()]
        out = {
            role: _blank(kept[role].astype(str).str.strip())
            for role in (
                "indicator_id",
                "indicator_name",
                "area_code",
                "area_name",
                "area_type",
                "sex",
                "age",
                "time_period",
            )  # fmt: skip
            if role in kept
        }
        for role, header in (("time_period_sortable", "Time period Sortable"), ("value", "Value"),
                             ("lower_ci", "Lower CI 95.0 limit"),
                             ("upper_ci", "Upper CI 95.0 limit"), ("count", "Count"),
                             ("denominator", "Denominator")):  # fmt: skip
            if role in kept:
                out[role] = _numbers(kept[role], file, header, report)
        parts.append(pd.DataFrame(out))
    joined = pd.concat(parts, ignore_index=True)
    if joined.empty:
        report.add(label, "no rows for England, sub-ICBs or the place's own areas, practices "
                   "or authorities: not used", WARNING)  # fmt: skip
        return
    tables["indicators"] = _typed("indicators", joined.to_dict("series"))
    if len(joined) < rows:
        report.add(label, f"kept {len(joined):,} of {rows:,} rows: whole-population rows for "
                   "England, the sub-ICBs, ICBs and regions, and the place's own areas, "
                   "practices, PCNs and authorities", WARNING)  # fmt: skip


def dataset_codes(tables: dict, areas) -> set[str]:
    """Every code the dataset knows its place by: practices, PCNs, small areas, wards,
    MSOAs and local authorities (what a Fingertips export is cut to)."""
    codes: set[str] = set()
    for name, columns in (
        ("practices", ("practice_code", "pcn_code")),
        ("area_stats", ("area_code", "local_authority")),
        ("area_lookup", ("area_code", "ward_code", "msoa_code", "la_code")),
    ):
        frame = tables.get(name)  # fmt: skip
        for column in columns if frame is not None else ():
            if column in frame:
                codes |= set(frame[column].dropna().astype(str))
    if areas is not None:
        codes |= set(areas["area_code"].dropna().astype(str))
    return codes
