"""NHS Digital's monthly "Patients registered at a GP practice", accepted as downloaded.

The files are known by their headers whatever they are called (and inside the zips NHS Digital
publishes), and supplement the practices table rather than replace it:

- the practice map (`gp-reg-pat-prac-map.csv`: PRACTICE_CODE, PRACTICE_NAME, PRACTICE_POSTCODE,
  PCN_CODE, PCN_NAME, then SUB_ICB_LOCATION_* and ICB_* codes and names; before July 2022
  CCG_* and STP_*) gives each practice its PCN, and stands in for a practices file when there
  is none (codes, names, postcodes and PCNs; no coordinates). PCN code `U` ("Unallocated") is
  no PCN.
- the single-year-of-age files (`gp-reg-pat-prac-sing-age-male.csv` and `-female.csv`: ORG_CODE,
  SEX, AGE 0..94 and 95+, NUMBER_OF_PATIENTS) give list_size, the patients aged 18 and over.
  The five-year file (`gp-reg-pat-prac-quin-age.csv`: ORG_TYPE, ORG_CODE, SEX, AGE_GROUP_5
  0_4..95+) is used only without them: its 15_19 band straddles 18, so two fifths of it (ages
  18 and 19, taken as evenly spread) are counted, and the summary says the sizes are estimated.
  The totals file (`gp-reg-pat-prac-all.csv`: CODE, SEX ALL, AGE ALL) holds all ages only, so
  it cannot give adults and is not used for list_size (the message says so).
  The single-year files also give the `registered_ages` table: each practice's patients in
  the referrals' adult age bands (18-24 .. 85+) by sex, so a practice's rows add up to its
  list size from the same files. The five-year file cannot give it (18-24 is not within its
  bands) and says so.
- the LSOA file (`gp-reg-pat-prac-lsoa-all.csv`: PRACTICE_CODE, LSOA_CODE, SEX,
  NUMBER_OF_PATIENTS; quarterly, zipped with its male and female versions) gives the
  `registrations` table: each practice's registered patients (all ages) by area of residence.

Older releases say CCG where newer say SUB_ICB_LOCATION, CODE where newer say ORG_CODE, and
"Number of Patients" for NUMBER_OF_PATIENTS: all are read. Values fill only what the practices
table leaves blank (a practices file's own list size or PCN wins). The national files are read
only in the columns needed, as categories (a 1.5-million-row file takes tens of MB, not GB),
aggregated or cut to the place's practices before any table is typed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from socialrx import vocab
from socialrx.data import scope
from socialrx.data.files import SourceFile, first_line, read_csv, table_for, what_it_is
from socialrx.data.problems import WARNING, Report
from socialrx.data.tables import ID_DTYPE, ROW

MAP, AGES, LSOA = "practice map", "patients by age", "patients by area"
_AREA_HEADER = re.compile(r"^LSOA(_?\d{2,4})?_?(CODE|CD)$")
_AREA_CODE = re.compile(r"^[EW]01\d{6}$")  # an English or Welsh LSOA (2011 or 2021)
_NO_PCN = {"", "U", "UNALLOCATED"}
ADULT_AGE = 18
TOO_FEW_LISTED = 8
CHUNK_ROWS = 250_000


def nhs_header(header) -> str:
    """A header as NHS Digital spells it: upper case, `_` for spaces (`Number of Patients`)."""
    return re.sub(r"[\s\-]+", "_", str(header).replace("\ufeff", "").strip().upper())


def kind_of_headers(headers) -> str | None:
    """Which NHS Digital registration file these headers belong to, if any."""
    names = {nhs_header(h) for h in headers}
    has_area = any(_AREA_HEADER.match(n) for n in names)
    if "PRACTICE_CODE" in names and "NUMBER_OF_PATIENTS" in names and has_area:
        return LSOA
    if {"PRACTICE_CODE", "PRACTICE_POSTCODE"} <= names and names & {
        "CCG_CODE",
        "SUB_ICB_LOCATION_CODE",
        "PCN_CODE",
    }:
        return MAP
    if (
        "NUMBER_OF_PATIENTS" in names
        and names & {"ORG_CODE", "CODE"}
        and names
        & {
            "AGE",
            "AGE_GROUP_5",
        }
    ):
        return AGES
    return None


def kind_of(file: SourceFile) -> str | None:
    """The kind of NHS Digital file this is, by its first line; None for any other file. A
    file named like a contract table is not taken for the map (a user's own practices.csv
    is theirs), but the age and LSOA layouts are known under any name, registrations.csv too."""
    if Path(file.name).suffix.lower() not in (".csv", ".txt") or what_it_is(file.data):
        return None
    kind = kind_of_headers(first_line(file.data))
    if kind == MAP and table_for(Path(file.name).name) is not None:
        return None
    return kind


def split(files: list[SourceFile]) -> tuple[list[SourceFile], list[tuple]]:
    """(the other files, [(kind, file)] of the NHS Digital registration files); zips were
    unpacked before (`archives.unpacked`), so a published zip's files arrive one by one."""
    rest, found = [], []
    for file in files:
        kind = kind_of(file)
        if kind is None:
            rest.append(file)
        else:
            found.append((kind, file))
    return rest, found


@dataclass
class Held:
    """What the NHS Digital files gave, held until the practices are cut to the place."""

    map_label: str | None = None
    pcn_filled: set[str] = field(default_factory=set)  # practices whose PCN came from the map
    adults: pd.Series | None = None  # practice code -> patients aged 18+
    adults_labels: list[str] = field(default_factory=list)
    adults_estimated: bool = False
    adults_missing: dict[str, str] = field(default_factory=dict)  # practice -> why not
    # practice (categorical), sex (FEMALE/MALE), band (index into ADULT_BANDS), patients
    ages: pd.DataFrame | None = None
    ages_missing: dict[str, str] = field(default_factory=dict)  # practice -> why no rows
    lsoa: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (label, frame)


# ---------------------------------------------------------------- reading compactly


def _tidy(values: pd.Series, upper: bool = True) -> pd.Series:
    """A categorical column with its labels trimmed (and upper-cased: codes, sexes, ages);
    the codes are reused as they are when the labels are already tidy, as published."""
    values = values.astype("category")
    labels = values.cat.categories.astype(str)
    tidy = labels.str.strip()
    tidy = tidy.str.upper() if upper else tidy
    if tidy.equals(labels):
        return values
    unique, inverse = np.unique(np.asarray(tidy, dtype=object), return_inverse=True)
    codes = values.cat.codes.to_numpy()
    inverse = inverse.astype(codes.dtype)
    new = np.where(codes >= 0, inverse[np.maximum(codes, 0)], codes)
    return pd.Series(pd.Categorical.from_codes(new, unique), index=values.index)


def read_columns(file: SourceFile, roles: dict[str, tuple[str, ...]], report: Report,
                 keep_case: tuple[str, ...] = ("patients",)):  # fmt: skip
    """The columns of `file` playing each role (the first header listed for it that the file
    has), read as categories, trimmed and (but for the roles in `keep_case`) upper-cased,
    indexed by row number less 2; None if it cannot be read. A national file of millions of
    rows takes tens of MB this way: NHS England's appointments files are read so too."""
    present = [nhs_header(h) for h in first_line(file.data)]
    chosen = {}
    for role, names in roles.items():
        header = next((n for n in names if n in present), None)
        if header is None and role == "area":
            header = next((n for n in present if _AREA_HEADER.match(n)), None)
        if header is not None:
            chosen[header] = role
    try:  # in chunks, each column's categories joined
        # bytes straight to the C parser (UTF-8, a BOM dropped): naming an encoding would
        # decode the whole file into one Python string first, doubling the peak
        chunks = list(pd.read_csv(io.BytesIO(file.data), usecols=lambda c: nhs_header(c) in chosen,
                                  dtype="category", keep_default_na=False, na_filter=False,
                                  skip_blank_lines=False, on_bad_lines="error",
                                  chunksize=CHUNK_ROWS))  # fmt: skip
        frame = pd.DataFrame(
            {c: union_categoricals([chunk[c] for chunk in chunks]) for c in chunks[0].columns}
        )
    except (pd.errors.ParserError, ValueError, UnicodeError, IndexError):
        frame = read_csv(file, report, WARNING)  # the careful reader says what is wrong
        if frame is None:
            return None
        frame = frame.loc[:, [c for c in frame.columns if nhs_header(c) in chosen]]
    renamed = {}
    for column in frame.columns:
        renamed.setdefault(chosen[nhs_header(column)], frame[column])
    return pd.DataFrame({role: _tidy(col, role not in keep_case) for role, col in renamed.items()})


def whole_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(counts as floats, bad mask) for a categorical column of patient counts: a whole number
    of 0 or more (thousands separators allowed); blank counts as bad."""
    labels = pd.Series(values.cat.categories.astype(str))
    parsed = pd.to_numeric(labels.str.replace(",", "", regex=False), errors="coerce").to_numpy(
        dtype="float64"
    )
    ok = np.isfinite(parsed) & (parsed >= 0) & (parsed % 1 == 0)
    codes = values.cat.codes.to_numpy()
    good = np.append(ok, False)[codes]  # code -1 (missing) is bad
    return np.append(parsed, np.nan)[codes], ~good


def _rows(index: pd.Index) -> np.ndarray:
    return index.to_numpy() + 2


# ---------------------------------------------------------------- the practice map


def read_map(file: SourceFile, report: Report) -> pd.DataFrame | None:
    """The practice map as `practices` text columns (practice_code, name, postcode, pcn_code,
    pcn_name), indexed by row number less 2; CCG-era and sub-ICB-era layouts alike."""
    frame = read_csv(file, report, WARNING)
    if frame is None:
        return None
    headers: dict[str, object] = {}
    for column in frame.columns:
        headers.setdefault(nhs_header(column), column)

    def text(name: str) -> pd.Series:
        column = headers.get(name)
        if column is None:
            return pd.Series("", index=frame.index, dtype="str")
        return frame[column].astype("str").str.strip()

    out = pd.DataFrame(
        {
            "practice_code": text("PRACTICE_CODE").str.upper(),
            "name": text("PRACTICE_NAME"),
            "postcode": text("PRACTICE_POSTCODE"),
            "pcn_code": text("PCN_CODE").str.upper(),
            "pcn_name": text("PCN_NAME"),
        }
    )
    unallocated = out["pcn_code"].isin(_NO_PCN)
    out.loc[unallocated, ["pcn_code", "pcn_name"]] = ""
    if "PCN_CODE" not in headers:
        report.add(file.name, "this practice map has no PCN_CODE column (releases before 2020 "
                   "had none), so it gives no PCNs", WARNING)  # fmt: skip
    return out


def _fill_practices(practices: pd.DataFrame, mapped: pd.DataFrame) -> set[str]:
    """Blank name, postcode and PCN cells of a raw practices table filled from the map, in
    place; returns the practices whose PCN came from the map."""
    by_header: dict[str, object] = {}
    for column in practices.columns:
        by_header.setdefault(str(column).replace("\ufeff", "").strip().lower(), column)
    code_column = by_header.get("practice_code")
    if code_column is None:
        return set()  # typing reports the missing column
    codes = practices[code_column].astype("str").str.strip().str.upper()
    lookup = mapped[mapped["practice_code"] != ""].drop_duplicates("practice_code")
    lookup = lookup.set_index("practice_code")
    filled_pcn: set[str] = set()
    for name in ("name", "postcode", "pcn_code", "pcn_name"):
        column = by_header.get(name, name)
        if column not in practices.columns:
            practices[column] = ""
        current = practices[column].astype("str").fillna("").str.strip()
        current = current.where(practices[column].notna(), "")
        offered = codes.map(lookup[name]).fillna("")
        fill = (current == "") & (offered != "")
        practices.loc[fill, column] = offered[fill]
        if name == "pcn_code":
            filled_pcn = set(codes[fill])
    return filled_pcn


# ---------------------------------------------------------------- list sizes from ages


AGES_ALLOWED = "allowed: a single year 0 to 94, 95+, a five-year band such as 15_19, or ALL"
ADULT_BANDS = vocab.AGE_BANDS[1:]  # 18-24 .. 85+, the referrals' adult bands
_BAND_LOWS = np.array([int(b.split("-")[0].rstrip("+")) for b in ADULT_BANDS])
SEXES = ("FEMALE", "MALE")


def _band_of(ages: pd.DataFrame) -> np.ndarray:
    """For each AGE label of `_age_table`: the index of its adult band in ADULT_BANDS, -1 for
    ages under 18 (and totals and labels not understood), -2 for an age group that spans two
    bands (not a single year, and not open-ended from 85)."""
    lo = ages["lo"].to_numpy(dtype=float)
    hi = ages["hi"].to_numpy(dtype=float)
    usable = np.isfinite(lo) & ~ages["total"].to_numpy() & ~ages["bad"].to_numpy()
    first = np.searchsorted(_BAND_LOWS, np.nan_to_num(lo), side="right") - 1
    last = np.searchsorted(_BAND_LOWS, np.nan_to_num(hi, posinf=0), side="right") - 1
    last = np.where(np.isinf(hi), len(ADULT_BANDS) - 1, last)
    band = np.where(first == last, first, -2)
    with np.errstate(invalid="ignore"):
        band = np.where(usable & (hi >= ADULT_AGE), band, -1)
    return np.where(usable & (lo < ADULT_AGE) & (band != -1), -2, band).astype(np.int8)


def _age_table(labels: pd.Index) -> pd.DataFrame:
    """For each AGE label: lo, hi (inf for 95+), whether it is a total (ALL), a five-year
    band, not understood; and the share of its patients aged 18 or over."""
    rows = []
    for label in labels:
        text = str(label).strip().upper()
        if text == "ALL":
            rows.append((np.nan, np.nan, True, False, False))
        elif m := re.fullmatch(r"(\d{1,3})", text):
            rows.append((int(m[1]), int(m[1]), False, False, False))
        elif m := re.fullmatch(r"(\d{1,3})\s*\+", text):
            rows.append((int(m[1]), np.inf, False, False, False))
        elif (m := re.fullmatch(r"(\d{1,3})\s*[_\-]\s*(\d{1,3})", text)) and int(m[1]) <= int(m[2]):
            rows.append((int(m[1]), int(m[2]), False, int(m[1]) < int(m[2]), False))
        else:
            rows.append((np.nan, np.nan, False, False, True))
    table = pd.DataFrame(rows, columns=["lo", "hi", "total", "band", "bad"])
    lo, hi = table["lo"], table["hi"]
    span = (hi - lo + 1).where(np.isfinite(hi))
    share = ((hi - ADULT_AGE + 1) / span).clip(0, 1)
    share = share.where(np.isfinite(hi), (lo >= ADULT_AGE).astype(float))
    table["adult_share"] = share.where(~table["total"] & ~table["bad"])
    return table


def _adults_by_sex(file: SourceFile, report: Report):
    """(per practice and sex: adults, bad; the file's granularity; per practice, sex and adult
    band: patients, and whether a row spans two bands) for one age file; granularity is
    "single", "quinary" or "totals"; None if unreadable."""
    roles = {
        "practice": ("ORG_CODE", "CODE"),
        "type": ("ORG_TYPE", "TYPE"),
        "sex": ("SEX",),
        "age": ("AGE", "AGE_GROUP_5"),
        "patients": ("NUMBER_OF_PATIENTS",),
    }
    frame = read_columns(file, roles, report)
    if frame is None or "age" not in frame or "patients" not in frame:
        return None
    if "type" in frame:  # the five-year file also holds PCN, sub-ICB, ICB and region rows
        frame = frame[frame["type"].astype(str).isin(["GP", "GP PRACTICE"])]
    frame = frame[frame["practice"].astype(str) != ""]
    ages = _age_table(frame["age"].cat.categories)
    codes = frame["age"].cat.codes.to_numpy()
    bad_age = ages["bad"].to_numpy()[codes]
    if bad_age.any():
        report.add_rows(file.name, "AGE", _rows(frame.index[bad_age]),
                        frame["age"].to_numpy()[bad_age], f"not understood ({AGES_ALLOWED}); "
                        "that practice's list size is left blank", WARNING)  # fmt: skip
    counts, bad_count = whole_numbers(frame["patients"])
    bad_count &= ~ages["total"].to_numpy()[codes]
    if bad_count.any():
        report.add_rows(file.name, "NUMBER_OF_PATIENTS", _rows(frame.index[bad_count]),
                        frame["patients"].to_numpy()[bad_count], "not understood (allowed: a "
                        "whole number from 0); that practice's list size is left blank",
                        WARNING)  # fmt: skip
    used = ~ages["total"].to_numpy()[codes]  # ALL rows are totals: not added to the ages
    if ages["band"].any():
        granularity = "quinary"
    elif (~ages["total"] & ~ages["bad"]).any():
        granularity = "single"
    else:
        granularity = "totals"
    share = ages["adult_share"].to_numpy()[codes]
    everyone = pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), ["ALL"])
    per_row = pd.DataFrame(  # categorical codes, not a million strings
        {
            "practice": frame["practice"].array,
            "sex": frame["sex"].array if "sex" in frame else everyone,
            "adults": np.where(used, np.nan_to_num(counts) * np.nan_to_num(share), 0.0),
            "bad": bad_age | bad_count,
            "band": _band_of(ages)[codes],
        }
    )[used]
    grouped = per_row.groupby(["practice", "sex"], sort=False, observed=True).agg(
        adults=("adults", "sum"), bad=("bad", "any")
    )
    grouped.index = grouped.index.set_levels([level.astype(str) for level in grouped.index.levels])
    bands = None
    if granularity == "single":  # patients by adult band: grouped on codes, not strings
        adult = per_row[per_row["band"] != -1]
        bands = (
            adult.assign(spans=adult["band"] == -2, band=adult["band"].clip(lower=0))
            .groupby(["practice", "sex", "band"], sort=False, observed=True)
            .agg(patients=("adults", "sum"), spans=("spans", "any"))
        )
    return grouped, granularity, bands


def adults_from_ages(files: list[SourceFile], held: Held, report: Report) -> None:
    """Patients aged 18+ per practice from the age files, into `held` (single-year files
    preferred; the five-year file estimated; the totals file said to be unusable)."""
    read = []
    for file in files:
        result = _adults_by_sex(file, report)
        if result is not None:
            read.append((file.name, *result))
    for label, _, granularity, _ in read:
        if granularity == "totals":
            report.add(label, "holds each practice's patients of all ages only (AGE is ALL), "
                       "so it cannot give list sizes of adults aged 18+: load the "
                       "single-year-of-age files (gp-reg-pat-prac-sing-age-male.csv and "
                       "-female.csv) from the same publication", WARNING)  # fmt: skip
            report.ignored[label] = "totals of all ages: list sizes need adults 18+ (load the "
            report.ignored[label] += "single-year-of-age files)"
    best = next((g for g in ("single", "quinary") if any(r[2] == g for r in read)), None)
    if best is None:
        return
    for label, _, granularity, _ in read:
        if granularity not in (best, "totals"):
            report.add(label, "not used: the single-year-of-age files give list sizes exactly "
                       "(this five-year file's 15-19 band straddles 18)", WARNING)  # fmt: skip
    chosen = [r for r in read if r[2] == best]
    joined = (
        pd.concat([r[1] for r in chosen])
        .groupby(level=["practice", "sex"])
        .agg(adults=("adults", "sum"), bad=("bad", "any"))
    )
    adults = joined["adults"].unstack("sex").reindex(columns=["ALL", "MALE", "FEMALE"])
    bad = joined["bad"].unstack("sex").fillna(False).astype(bool).any(axis=1)
    both = adults["MALE"].notna() & adults["FEMALE"].notna()
    value = adults["ALL"].where(adults["ALL"].notna(), (adults["MALE"] + adults["FEMALE"]))
    value = value.where(adults["ALL"].notna() | both)
    missing = {}
    for practice in value.index[value.isna() & ~bad]:
        missing[practice] = "only one sex's file was loaded (load both male and female files)"
    for practice in value.index[bad]:
        missing[practice] = "a row of its age file was not understood"
    value = value.where(~bad)
    held.adults = np.floor(value.dropna() + 0.5).astype("int64")
    held.adults_labels = sorted(r[0] for r in chosen)
    held.adults_estimated = best == "quinary"
    held.adults_missing = missing
    if best == "quinary":
        report.add(_and(held.adults_labels), "gives no registered adults by age band and sex "
                   "(registered_ages): its 15_19 band straddles 18, so the 18-24 band is not "
                   "known exactly; the single-year-of-age files (gp-reg-pat-prac-sing-age-male"
                   ".csv and -female.csv) give them", WARNING)  # fmt: skip
        return
    _ages_by_band([r[3] for r in chosen if r[3] is not None], joined, bad, held)


def _ages_by_band(pieces: list[pd.DataFrame], joined: pd.DataFrame, bad: pd.Series,
                  held: Held) -> None:  # fmt: skip
    """Patients by practice, sex and adult band into `held.ages`: only practices with both
    sexes, every row understood and no age group spanning two bands."""
    if not pieces:
        return
    bands = pd.concat(pieces)
    bands.index = bands.index.set_levels(
        [level.astype(str) for level in bands.index.levels[:2]] + [bands.index.levels[2]],
        level=[0, 1, 2],
    )
    bands = bands.groupby(level=["practice", "sex", "band"], sort=False).agg(
        patients=("patients", "sum"), spans=("spans", "any")
    )
    sexes = joined.index.to_frame(index=False)
    sexes = sexes[sexes["sex"].isin(SEXES)].groupby("practice")["sex"].nunique()
    both = set(sexes.index[sexes == len(SEXES)])
    spans = bands["spans"].groupby(level="practice").any()
    spanning = set(spans.index[spans])
    broken = set(bad.index[bad])
    missing = {}
    for practice in sexes.index.union(pd.Index(list(broken))):
        if practice in broken:
            missing[practice] = "a row of its age file was not understood"
        elif practice not in both:
            missing[practice] = "only one sex's file was loaded (load both male and female files)"
        elif practice in spanning:
            missing[practice] = "an age group of its file spans two of the age bands"
    rows = bands.reset_index()
    rows = rows[rows["sex"].isin(SEXES) & ~rows["practice"].isin(list(missing))]
    held.ages = rows[["practice", "sex", "band", "patients"]].reset_index(drop=True)
    held.ages_missing = missing


# ---------------------------------------------------------------- registrations by area


def read_lsoa(files: list[SourceFile], report: Report) -> list[tuple[str, pd.DataFrame]]:
    """The LSOA files needed, read compactly: the all-persons file when given (its male and
    female versions, zipped with it, are then not read), else male and female together."""
    sexes = {}
    for file in files:
        try:
            head = pd.read_csv(io.BytesIO(file.data[:65536]), nrows=20, dtype=str,
                               encoding="utf-8-sig", encoding_errors="replace",
                               on_bad_lines="skip")  # fmt: skip
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            head = pd.DataFrame()  # read in full below, where the careful reader says why
        column = next((c for c in head.columns if nhs_header(c) == "SEX"), None)
        sexes[file.name] = (
            set(head[column].dropna().str.strip().str.upper()) if column else {"ALL"}
        ) or {"ALL"}
    whole = [f for f in files if "ALL" in sexes[f.name]]
    if whole:
        for file in files:
            if file not in whole:
                report.add(file.name, f"not read: {whole[0].name} holds both sexes", WARNING)
        files = whole[:1]
        for file in whole[1:]:
            report.add(file.name, f"two files hold registrations by area: {whole[0].name} is "
                       "used and this one ignored; keep one of them", WARNING)  # fmt: skip
    else:
        found = set().union(*sexes.values()) if sexes else set()
        if not {"MALE", "FEMALE"} <= found:
            label = " and ".join(f.name for f in files)
            report.add(label, "registrations by area for one sex only: load "
                       "gp-reg-pat-prac-lsoa-all.csv (or both the male and female files)",
                       WARNING)  # fmt: skip
            return []
    roles = {
        "practice": ("PRACTICE_CODE",),
        "area": ("LSOA_CODE",),
        "sex": ("SEX",),
        "patients": ("NUMBER_OF_PATIENTS",),
    }
    out = []
    for file in files:
        frame = read_columns(file, roles, report)
        if frame is not None and {"practice", "area", "patients"} <= set(frame.columns):
            out.append((file.name, frame))
    return out


def _practices_kept(tables: dict) -> set[str] | None:
    practices = tables.get("practices")
    if practices is not None:
        return set(practices["practice_code"].dropna().astype(str))
    referring = scope.referring_practices(tables)
    return referring or None


def _registrations_from_lsoa(label: str, frame: pd.DataFrame, kept: set[str] | None,
                             report: Report) -> tuple[pd.DataFrame, int, int]:  # fmt: skip
    """One LSOA file's rows for the kept practices, typed; and the rows and patients left out
    for having no known area."""
    in_file = frame["practice"].cat.categories.astype(str)
    if kept is not None:
        wanted = np.append(in_file.isin(list(kept)), False)
        frame = frame[wanted[frame["practice"].cat.codes.to_numpy()]]
    counts, bad = whole_numbers(frame["patients"])
    if bad.any():
        report.add_rows(label, "NUMBER_OF_PATIENTS", _rows(frame.index[bad]),
                        frame["patients"].to_numpy()[bad], "not understood (allowed: a whole "
                        "number from 0); row left out")  # fmt: skip
    areas = frame["area"].astype(str)
    known_area = areas.str.match(_AREA_CODE.pattern).to_numpy()
    no_area = ~known_area & ~bad
    keep = known_area & ~bad
    typed = pd.DataFrame(
        {
            ROW: _rows(frame.index[keep]),
            "practice_code": frame["practice"].astype(str).to_numpy()[keep],
            "area_code": areas.to_numpy()[keep],
            "patients": counts[keep].astype("int64"),
        }
    )
    typed = typed.astype({"practice_code": ID_DTYPE, "area_code": ID_DTYPE, "patients": "Int64"})
    return typed, int(no_area.sum()), int(np.nansum(counts[no_area]))


def _cut(registrations: pd.DataFrame, kept: set[str] | None, label: str, report: Report,
         target: str) -> pd.DataFrame:  # fmt: skip
    """A contract registrations table cut to the kept practices: a file covering more
    practices than the place is cut quietly; in a local one, an unknown practice is named."""
    if kept is None:
        return registrations
    codes = registrations["practice_code"].astype(str)
    unknown = ~codes.isin(kept)
    if not unknown.any():
        return registrations
    wide = codes.nunique() > max(2 * len(kept), scope.NATIONAL_PRACTICES)
    if not wide:
        report.add_rows(label, "practice_code", registrations.loc[unknown, ROW],
                        codes[unknown], f"no such practice in {target}; row left out",
                        WARNING)  # fmt: skip
    return registrations[~unknown].reset_index(drop=True)


def _list(codes) -> str:
    codes = sorted(codes)
    shown = ", ".join(codes[:TOO_FEW_LISTED])
    return shown + (f" and {len(codes) - TOO_FEW_LISTED:,} more" if len(codes) > TOO_FEW_LISTED
                    else "")  # fmt: skip


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + f" and {labels[-1]}"


# ---------------------------------------------------------------- the loader's two steps


def supplement(raw: dict, origin: dict, found: list[tuple], report: Report) -> Held:
    """Before typing: the practice map fills the raw practices table's blanks (or stands in
    for it); age files give list sizes and LSOA files registrations, held for `finish`."""
    held = Held()
    maps = [f for kind, f in found if kind == MAP]
    for extra in maps[1:]:
        report.add(extra.name, f"two practice maps: {maps[0].name} is used and this one "
                   "ignored; keep one of them", WARNING)  # fmt: skip
    if maps and (mapped := read_map(maps[0], report)) is not None:
        held.map_label = maps[0].name
        if "practices" in raw:
            held.pcn_filled = _fill_practices(raw["practices"], mapped)
        else:
            raw["practices"] = mapped[mapped["practice_code"] != ""]
            origin["practices"] = maps[0].name
            held.pcn_filled = set(mapped.loc[mapped["pcn_code"] != "", "practice_code"])
            report.add(maps[0].name, "stands in for the practices file: practice codes, names, "
                       "postcodes and PCNs (no coordinates: the ONS postcode file places "
                       "them)", WARNING)  # fmt: skip
    ages = [f for kind, f in found if kind == AGES]
    if ages:
        adults_from_ages(ages, held, report)
    lsoa = [f for kind, f in found if kind == LSOA]
    if lsoa:
        if "registrations" in raw:
            for file in lsoa:
                report.add(file.name, f"not read: {origin['registrations']} holds the "
                           "registrations by area", WARNING)  # fmt: skip
        else:
            held.lsoa = read_lsoa(lsoa, report)
    return held


def finish(held: Held, tables: dict, areas, origin: dict, report: Report) -> None:
    """After the practices are cut to the place: list sizes filled where blank, registrations
    cut to the kept practices and typed, and one summary line per file."""
    practices = tables.get("practices")
    target = origin.get("practices", "practices.csv")
    if held.map_label and practices is not None:
        got = practices["practice_code"].astype(str).isin(held.pcn_filled)
        report.add(held.map_label, f"PCNs for {int(got.sum()):,} of {len(practices):,} "
                   "practices", WARNING)  # fmt: skip
    if held.adults is not None:
        _fill_list_sizes(held, practices, target, report)
    kept = _practices_kept(tables)
    if "registered_ages" in tables:  # the user's own table wins
        label = origin.get("registered_ages", "registered_ages.csv")
        if held.ages is not None:
            report.add(_and(held.adults_labels), f"registered adults by age band and sex not "
                       f"taken from these files: {label} holds them", WARNING)  # fmt: skip
        tables["registered_ages"] = _cut(tables["registered_ages"], kept, label, report, target)
    elif held.ages is not None:
        _registered_ages(held, tables, kept, report)
        if "registered_ages" in tables:
            origin["registered_ages"] = _and(held.adults_labels)
    if "registrations" in tables:
        label = origin.get("registrations", "registrations.csv")
        tables["registrations"] = _cut(tables["registrations"], kept, label, report, target)
    elif held.lsoa:
        _registrations(held, tables, kept, target, report)
        if "registrations" in tables:
            origin["registrations"] = _and([label for label, _ in held.lsoa])
    if "registrations" in tables:
        _vintage_check(tables, areas, origin.get("registrations", "registrations.csv"), report)


def _fill_list_sizes(held: Held, practices: pd.DataFrame | None, target: str,
                     report: Report) -> None:  # fmt: skip
    labels = _and(held.adults_labels)
    if practices is None:
        report.add(labels, "list sizes need a practices file (practices.csv, epraccur.csv or "
                   "the practice map gp-reg-pat-prac-map.csv): not used", WARNING)  # fmt: skip
        return
    codes = practices["practice_code"].astype(str)
    offered = codes.map(held.adults)
    blank = practices["list_size"].isna()
    fill = blank & offered.notna()
    practices.loc[fill, "list_size"] = offered[fill].astype("int64")
    practices["list_size"] = practices["list_size"].astype("Int64")
    how = "estimated" if held.adults_estimated else "list sizes (adults 18+)"
    estimate = (
        " (adults 18+: ages 20 and over plus two fifths of the 15-19 band, taken as evenly "
        "spread; the single-year-of-age files give them exactly)"
        if held.adults_estimated
        else ""
    )
    message = f"{how} for {int(fill.sum()):,} of {len(practices):,} practices"
    message += estimate
    kept_own = int((~blank & offered.notna()).sum())
    if kept_own:
        message += f"; {kept_own:,} kept the list size {target} gives (it wins)"
    absent = codes[blank & offered.isna()]
    reasons = absent.map(held.adults_missing)
    not_in = absent[reasons.isna()]
    if len(not_in):
        message += f"; not in the files: {_list(not_in)}"
    for why, group in absent[reasons.notna()].groupby(reasons[reasons.notna()]):
        message += f"; left blank, {why}: {_list(group)}"
    report.add(labels, message, WARNING)


def _registered_ages(held: Held, tables: dict, kept: set[str] | None, report: Report) -> None:
    """`registered_ages` from the single-year files, cut to the kept practices, typed, and a
    summary line saying for how many practices and why any have none."""
    label = _and(held.adults_labels)
    ages = held.ages
    codes = ages["practice"].astype(str)
    everyone = set(codes) | set(held.ages_missing)
    if kept is None and len(everyone) > scope.NATIONAL_PRACTICES:
        report.add(label, f"registered adults by age band and sex for {len(everyone):,} "
                   "practices, more than any place has: load a practices file (or the practice "
                   "map) or referrals, so only the place's practices are kept; not used",
                   WARNING)  # fmt: skip
        return
    if kept is not None:
        ages = ages[codes.isin(kept).to_numpy()]
        codes = codes[codes.isin(kept)]
    ages = ages.assign(practice=codes.to_numpy()).sort_values(["practice", "band", "sex"])
    typed = pd.DataFrame(
        {
            ROW: np.zeros(len(ages), dtype=np.int64),  # summed from many rows: no one row
            "practice_code": ages["practice"].to_numpy(),
            "age_band": np.asarray(ADULT_BANDS, dtype=object)[ages["band"].to_numpy(dtype=int)],
            "sex": ages["sex"].str.lower().to_numpy(),
            "patients": np.floor(ages["patients"].to_numpy(dtype=float) + 0.5).astype("int64"),
        }
    ).astype({"practice_code": ID_DTYPE, "age_band": "string", "sex": "string",
              "patients": "Int64"})  # fmt: skip
    have = set(typed["practice_code"].astype(str))
    if kept is not None:
        of = f"{len(have & kept):,} of {len(kept):,}"
        absent = kept - have
    else:
        of, absent = f"{len(have):,}", set()
    message = f"registered adults by age band and sex (registered_ages) for {of} practices"
    if typed.empty:
        message += ": none usable, so practices are not standardised for age and sex"
    why = pd.Series({p: held.ages_missing.get(p, "") for p in absent}, dtype=object)
    if len(not_in := why[why == ""]):
        message += f"; not in the files: {_list(not_in.index)}"
    for reason, group in why[why != ""].groupby(why[why != ""]):
        message += f"; none, {reason}: {_list(group.index)}"
    report.add(label, message, WARNING)
    if not typed.empty:
        tables["registered_ages"] = typed.reset_index(drop=True)


def _registrations(held: Held, tables: dict, kept: set[str] | None, target: str,
                   report: Report) -> None:  # fmt: skip
    labels = [label for label, _ in held.lsoa]
    label = _and(labels)
    if kept is None:
        practices = set().union(*(set(f["practice"].cat.categories) for _, f in held.lsoa))
        if len(practices) > scope.NATIONAL_PRACTICES:
            report.add(label, f"registrations of {len(practices):,} practices, more than any "
                       "place has: load a practices file (or the practice map) or referrals, "
                       "so only the place's practices are kept; not used", WARNING)  # fmt: skip
            return
    pieces, rows_no_area, patients_no_area, total_rows = [], 0, 0, 0
    for each, frame in held.lsoa:
        total_rows += len(frame)
        typed, rows, patients = _registrations_from_lsoa(each, frame, kept, report)
        pieces.append(typed)
        rows_no_area += rows
        patients_no_area += patients
    joined = pd.concat(pieces, ignore_index=True)
    if len(pieces) > 1:  # male and female files: one row per practice and area
        joined = (
            joined.groupby(["practice_code", "area_code"], as_index=False, sort=False)
            .agg(**{ROW: (ROW, "min"), "patients": ("patients", "sum")})
            .astype({"practice_code": ID_DTYPE, "area_code": ID_DTYPE, "patients": "Int64"})
        )
    tables["registrations"] = joined
    if kept is not None:
        have = set(joined["practice_code"].astype(str))
        practices = tables.get("practices")
        of = f" of {len(kept):,} practices" if practices is not None else " referring practices"
        message = (
            f"registered patients by area for {len(have & kept):,}{of} ({len(joined):,} of "
            f"{total_rows:,} rows: those of the place's practices)"
        )
        if practices is not None and (missing := kept - have):
            message += f"; not in the file: {_list(missing)}"
    else:
        message = f"registered patients by area ({len(joined):,} rows)"
    if rows_no_area:
        message += (
            f"; {patients_no_area:,} patients in {rows_no_area:,} "
            f"{'row' if rows_no_area == 1 else 'rows'} have no known area "
            "(LSOA_CODE such as NO2011 or CLOSED: no address or an invalid postcode) and are "
            "left out of catchments"
        )
    report.add(label, message, WARNING)


def _vintage_check(tables: dict, areas, label: str, report: Report) -> None:
    """A warning when most registered patients live in areas the dataset does not know: the
    LSOA file's codes (2011 in older releases, 2021 in newer) may not match the boundaries."""
    known = set()
    if areas is not None:
        known |= set(areas["area_code"].astype(str))
    if "area_stats" in tables:
        known |= set(tables["area_stats"]["area_code"].dropna().astype(str))
    registrations = tables["registrations"]
    if not known or registrations.empty:
        return
    inside = registrations["area_code"].astype(str).isin(known)
    share = registrations.loc[inside, "patients"].sum() / max(registrations["patients"].sum(), 1)
    if share < 0.5:
        report.add(label, f"only {share:.0%} of these practices' registered patients live in "
                   "areas of the boundaries or area statistics: the file's LSOA codes (2011 in "
                   "releases before 2025, 2021 after) may be of another vintage than the "
                   "dataset's, or the practices lie outside it", WARNING)  # fmt: skip
