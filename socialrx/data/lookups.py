"""ONS area lookups as downloaded: which ward, MSOA and local authority each small area lies in.

ONS publishes these as CSV files whose headers carry the year of each geography
(`LSOA21CD, LSOA21NM, WD22CD, WD22NM, LAD22CD, LAD22NM, ...`; `OA21CD, LSOA21CD, ...,
MSOA21CD, ..., LAD22CD`; the postcode-based ones in lower case, `lsoa21cd`, `ladcd`). They are
recognised by those headers whatever the file is called, read into the contract's
`area_lookup` columns (one row per small area: an output-area or postcode lookup has many rows
per LSOA, deduplicated), merged when a ward lookup and an MSOA lookup are both handed in, and
cut to the dataset's own areas (a national lookup has 35,672 of them).
"""

from __future__ import annotations

import re

import pandas as pd

from socialrx.data.parsing import normalise_header
from socialrx.data.problems import WARNING, Report
from socialrx.data.tables import ROW

# Contract column -> the (lower-case) published header it comes from; the year digits vary.
_PATTERNS = {
    "area_code": re.compile(r"^lsoa(\d\d)cd$"),
    "area_name": re.compile(r"^lsoa(\d\d)nm$"),
    "ward_code": re.compile(r"^wd(\d\d)cd$"),
    "ward_name": re.compile(r"^wd(\d\d)nm$"),
    "msoa_code": re.compile(r"^msoa(\d\d)cd$"),
    "msoa_name": re.compile(r"^msoa(\d\d)nm$"),
    "la_code": re.compile(r"^(?:lad|ltla)(\d\d)?cd$"),
    "la_name": re.compile(r"^(?:lad|ltla)(\d\d)?nm$"),
}
_SMALLER = re.compile(r"^(?:oa\d\dcd|pcd[s78]?)$")  # output-area and postcode lookups
COLUMNS = tuple(_PATTERNS)
VINTAGE_ATTR = "lsoa_vintage"  # kept in the adapted frame's attrs for the loader


def _columns(headers) -> dict[str, object]:
    """Contract column -> the header holding it (the first of each, as published)."""
    found: dict[str, object] = {}
    for header in headers:
        key = normalise_header(header)
        for column, pattern in _PATTERNS.items():
            if column not in found and pattern.match(key):
                found[column] = header
    return found


def looks_like_lookup(headers) -> bool:
    """True for the headers of an ONS lookup from LSOAs to wards, MSOAs or local authorities."""
    found = _columns(headers)
    return "area_code" in found and bool({"ward_code", "msoa_code", "la_code"} & set(found))


def lookup_vintage(headers) -> str | None:
    """'2011' or '2021': the LSOA vintage the lookup's headers name (LSOA11CD, LSOA21CD)."""
    header = _columns(headers).get("area_code")
    if header is None:
        return None
    year = _PATTERNS["area_code"].match(normalise_header(header)).group(1)
    return f"20{year}"


def area_lookup_from_ons(raw: pd.DataFrame, label: str, report: Report) -> pd.DataFrame:
    """An ONS lookup (text cells, as read) as `area_lookup` columns, one row per LSOA.

    A lookup from output areas or postcodes repeats each LSOA on many rows: the first row of
    each LSOA is kept and the user told. The LSOA vintage is kept in `attrs`."""
    found = _columns(raw.columns)
    out = pd.DataFrame({column: raw[header] for column, header in found.items()})
    out.attrs[VINTAGE_ATTR] = lookup_vintage(raw.columns)
    finer = any(_SMALLER.match(normalise_header(h)) for h in raw.columns)
    codes = out["area_code"].str.strip()
    repeated = codes.ne("") & codes.duplicated()
    if repeated.any():
        kept = out[~repeated]
        what = "one per output area or postcode" if finer else "some areas on several rows"
        report.add(label, f"{len(out):,} rows ({what}) read as {len(kept):,} areas: one row per "
                   "LSOA kept (its first)", WARNING)  # fmt: skip
        kept.attrs[VINTAGE_ATTR] = out.attrs[VINTAGE_ATTR]
        out = kept
    return out


def merge_lookups(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Several lookups (a ward lookup and an MSOA lookup, say) as one row per area: each
    column from the first lookup that fills it in for that area. Row numbers are the first
    file's where it has the area."""
    if len(frames) == 1:
        return frames[0]
    merged = None
    for frame in frames:
        frame = frame.copy()
        frame["_index"] = frame.index
        frame = frame.drop_duplicates("area_code").set_index("area_code")
        frame = frame.replace("", pd.NA)
        merged = frame if merged is None else merged.combine_first(frame)
    vintages = [f.attrs.get(VINTAGE_ATTR) for f in frames]
    merged = merged.reset_index().set_index("_index")
    merged.index.name = None
    if not merged.index.is_unique:  # rows from two files: row numbers can no longer be told
        merged.index = pd.RangeIndex(len(merged))
    out = merged.reindex(columns=[c for c in COLUMNS if c in merged]).fillna("").astype(str)
    out.attrs[VINTAGE_ATTR] = next((v for v in vintages if v), None)
    return out


def cut_to_dataset(
    lookup: pd.DataFrame,
    dataset_codes: set[str],
    lookup_year: str | None,
    dataset_year: str | None,
    label: str,
    report: Report,
) -> pd.DataFrame:
    """The lookup's rows for the dataset's own areas (those in the boundaries, area statistics,
    referrals or assets), saying how many were kept, and how many of the dataset's areas it
    covers when its LSOA vintage is not the dataset's (2011 and 2021 codes only partly match).
    With no areas known from elsewhere, the lookup is kept whole."""
    if not dataset_codes:
        return lookup
    inside = lookup["area_code"].isin(dataset_codes)
    matched = int(lookup.loc[inside, "area_code"].nunique())
    if lookup_year and dataset_year and lookup_year != dataset_year:
        report.add(label, f"the lookup is for LSOA {lookup_year}; the dataset's areas are LSOA "
                   f"{dataset_year}: {matched:,} of {len(dataset_codes):,} codes match, so the "
                   "rest have no ward, MSOA or local authority", WARNING)  # fmt: skip
    elif matched < len(dataset_codes):
        missing = sorted(dataset_codes - set(lookup["area_code"]))
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5:,} more" if len(missing) > 5
                                          else "")  # fmt: skip
        report.add(label, f"{len(missing):,} of the dataset's {len(dataset_codes):,} areas are "
                   f"not in the lookup ({shown}): they have no ward, MSOA or local authority",
                   WARNING)  # fmt: skip
    if inside.all():
        return lookup
    report.add(label, f"kept {int(inside.sum()):,} of {len(lookup):,} areas: those in the "
               "dataset", WARNING)  # fmt: skip
    return lookup[inside]


def msoa_names_from_areas(names: pd.Series) -> pd.Series:
    """The MSOA name each LSOA name gives: ONS names an LSOA after its MSOA and a letter
    (`Rotherham 012F` is in `Rotherham 012`); blank where a name is not of that form."""
    text = names.fillna("").astype(str).str.strip()
    return text.str.extract(r"^(.*\S\s+\d{3})[A-Z]$", expand=False).fillna("")


def dataset_area_codes(tables: dict[str, pd.DataFrame], areas) -> set[str]:
    """Every area code the dataset knows: its boundaries, area statistics, referrals and
    assets (the lookups and neighbourhoods describe these, and nothing else)."""
    codes: set[str] = set()
    if areas is not None:
        codes |= set(areas["area_code"].dropna().unique())
    for name in ("area_stats", "referrals", "assets"):
        frame = tables.get(name)
        if frame is not None and "area_code" in frame:
            codes |= set(frame["area_code"].dropna().unique())  # not a million one by one
    return {str(c) for c in codes}


def check_neighbourhoods(frame: pd.DataFrame, known: set[str], file: str, report: Report) -> None:
    """Warn, row by row, of neighbourhood areas the dataset does not have (a typing slip, or
    a code of the other LSOA vintage): they add nothing to the neighbourhood's figures."""
    if not known:
        return
    unknown = frame["area_code"].notna() & ~frame["area_code"].isin(known)
    if unknown.any():
        rows = frame.loc[unknown, ROW] if ROW in frame else frame.index[unknown] + 2
        report.add_rows(file, "area_code", rows, frame.loc[unknown, "area_code"],
                        "not an area of the dataset (its boundaries, area statistics, referrals "
                        "or assets): it adds nothing to the neighbourhood", WARNING)  # fmt: skip
