"""Official files accepted as downloaded: the English Indices of Deprivation, NHS ODS epraccur
and the ONS postcode directories (ONSPD, NSPL, NSPD).

Each adapter turns the official layout into the contract's columns, so users need not edit
a 56-column government spreadsheet before they can use it.
"""

from __future__ import annotations

import re

import pandas as pd

from socialrx.data.parsing import normalise_header, parse_numbers

_IOD_CODE = re.compile(r"^lsoa code \((2011|2021)\)$")
_IOD_MEASURE = re.compile(r"^(?P<what>.*?)\s+(?P<kind>score|rank|decile)\b", re.IGNORECASE)


def iod_vintage(columns) -> str | None:
    """'2011' or '2021' if these are the headers of an Indices of Deprivation file."""
    for header in columns:
        match = _IOD_CODE.match(str(header).replace("\ufeff", "").strip().lower())
        if match:
            return match.group(1)
    return None


def _slug(what: str) -> str:
    what = re.sub(r"\([^)]*\)", "", what.lower())  # "(IMD)", "(rate)"
    return re.sub(r"[^a-z0-9]+", "_", what).strip("_")


def area_stats_from_iod(raw: pd.DataFrame) -> pd.DataFrame:
    """IoD2019 File 1 or 7, or IoD2025 File 7, as `area_stats` columns (text, typed later).

    Columns are matched by their prefix up to Score, Rank or Decile, because the official
    headers differ between editions and some are cut short (`...10% of LSO`).
    """
    headers = {h: str(h).replace("\ufeff", "").strip() for h in raw.columns}
    out = pd.DataFrame(index=raw.index)
    for header, clean in headers.items():
        if _IOD_CODE.match(clean.lower()):
            out["area_code"] = raw[header]
            continue
        match = _IOD_MEASURE.match(clean)
        if not match:
            continue
        what, kind = _slug(match["what"]), match["kind"].lower()
        name = f"imd_{kind}" if what == "index_of_multiple_deprivation" else f"{what}_{kind}"
        if kind != "rank" or name == "imd_rank":
            out[name] = raw[header]
    for header, clean in headers.items():  # the area's local authority: scopes the place
        lowered = clean.lower()
        if lowered.startswith("local authority district code"):
            out["local_authority"] = raw[header]
        elif lowered.startswith("local authority district name"):
            out["local_authority_name"] = raw[header]
    if "imd_score" not in out:
        out["imd_score"] = ""  # File 1 has ranks and deciles only

    def column(prefix: str) -> pd.Series | None:
        header = next((h for h, c in headers.items() if c.lower().startswith(prefix)), None)
        return None if header is None else parse_numbers(raw[header])[0]

    total, children = column("total population"), column("dependent children aged 0-15")
    age16_59, over60 = column("population aged 16-59"), column("older population aged 60")
    if age16_59 is not None and over60 is not None:  # IoD2019: 16-59 plus 60 and over
        out["population_adult"] = (age16_59 + over60).astype("string")
    elif total is not None and children is not None:  # IoD2025: total less children 0-15
        out["population_adult"] = (total - children).astype("string")
    return out.fillna("")


# epraccur fields (1-based in the ODS documentation): 1 code, 2 name, 10 postcode,
# 13 status, 26 prescribing setting (4 = GP practice).
_EPRACCUR_FIELDS = {0: "practice_code", 1: "name", 9: "postcode", 12: "status", 25: "setting"}


def looks_like_epraccur(raw: pd.DataFrame) -> bool:
    """True for the headerless ODS layout: 26+ fields, the first an ODS practice code."""
    if raw.shape[1] < 26 or raw.empty:
        return False
    return bool(re.fullmatch(r"[A-Z]\d{5}", str(raw.iloc[0, 0]).strip()))


def practices_from_epraccur(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Active GP practices (status A, setting 4) as `practices` columns; and how many skipped.

    `raw` is read without a header; its index + 2 is still each row's line number."""
    frame = raw.iloc[:, list(_EPRACCUR_FIELDS)].copy()
    frame.columns = list(_EPRACCUR_FIELDS.values())
    keep = (frame["status"].str.strip() == "A") & (frame["setting"].str.strip() == "4")
    return frame.loc[keep, ["practice_code", "name", "postcode"]], int((~keep).sum())


# ONS postcode directories (ONSPD, NSPL, NSPD, and subsets of them such as the NSPD extract
# some packages ship): the columns each role may come under, the preferred spelling first.
_DIRECTORY_COLUMNS = {
    "postcode": ("pcds", "pcd", "pcd8", "pcd7"),
    "latitude": ("lat", "lat_derived_wgs84"),
    "longitude": ("long", "long_derived_wgs84"),
    "area_code": ("lsoa21cd", "lsoa21", "lsoa11cd", "lsoa11"),
    "local_authority": ("laua", "oslaua", "lad25cd", "lad24cd", "lad23cd", "lad22cd", "ladcd"),
}


def postcodes_from_directory(raw: pd.DataFrame) -> pd.DataFrame:
    """An ONS postcode directory as `postcodes` columns (text, typed later): one column per
    role, the rest of the directory's many columns left out.

    Where a directory carries both LSOA vintages (NSPL, ONSPD), the 2021 codes are used when
    they are filled in, else the 2011 ones; `laua` (`oslaua` in ONSPD, `ladNNcd` in NSPD) is
    the local authority, which scopes a national practice file to the place."""
    headers: dict[str, object] = {}
    for header in raw.columns:
        headers.setdefault(normalise_header(header), header)
    out = pd.DataFrame(index=raw.index)
    for role, names in _DIRECTORY_COLUMNS.items():
        for name in names:
            column = raw[headers[name]] if name in headers else None
            if column is not None and (role != "area_code" or column.str.strip().ne("").any()):
                out[role] = column
                break
    return out
