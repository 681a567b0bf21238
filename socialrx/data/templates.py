"""A blank dataset to fill in, generated from the contract's column specs (`schema.TABLES`), so
the templates can never drift from what the loader reads.

Every table gets a CSV with its header and one example row; the example rows refer to each
other (the connection names the example referral and asset), so the set loads with no errors.
`notes.csv` lists every column with its type, whether it is required and what it allows, and
`mapping.csv` shows, with example rows, how to map a case-management system's own file names,
headers and values onto the contract's (`socialrx.data.mapping`). An
Excel workbook (one sheet per table) is offered only when a writer engine is installed
(`xlsxwriter`); calamine, the reader the loader uses, cannot write.
"""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile

import pandas as pd

from socialrx import vocab
from socialrx.data import mapping
from socialrx.data.schema import (
    BOOL,
    CHOICE,
    CHOICES,
    CODE,
    DATE,
    DECIMAL,
    INT,
    POSTCODE,
    TABLES,
    Column,
    Table,
)

# Example values by column name, where the kind alone would not make a good or consistent one
# (ids that other tables refer to, dates in lifecycle order, coordinates in the UK).
EXAMPLES: dict[str, dict[str, str]] = {
    "dataset": {
        "extract_date": "2025-03-31",
        "lsoa_vintage": "2021",
        "place_name": "Rotherham",
        "source": "link worker case system, March 2025 extract",
        "local_authorities": "E08000018",
        "pcn_codes": "",
    },  # fmt: skip
    "assets": {
        "asset_id": "A001",
        "name": "Clifton Park walking group",
        "organisation_id": "O001",
        "category": "physical activity",
        "latitude": "53.4301",
        "longitude": "-1.3561",
        "postcode": "S65 2AA",
        "schedule": "Tue 10:00-12:00; Thu 18:00-20:00",
        "min_age": "18",
        "max_age": "120",
        "capacity_per_month": "12",
        "cost_per_person_gbp": "25",
        "last_verified": "2025-01-15",
        "url": "https://example.org/walks",
        "description": "A gentle weekly walk in the park, with tea after",
    },  # fmt: skip
    "organisations": {
        "organisation_id": "O001",
        "name": "Clifton Walkers",
        "type": "community group",
        "charity_number": "1234567",
        "volunteers": "8",
    },  # fmt: skip
    "funding": {
        "organisation_id": "O001",
        "financial_year": "2024/25",
        "funder": "Rotherham Council",
        "amount_gbp": "5000",
    },  # fmt: skip
    "link_workers": {
        "link_worker_id": "LW01",
        "employer": "U12345",
        "wte": "1",
        "start_date": "2023-04-01",
        "end_date": "",
    },  # fmt: skip
    "referrals": {
        "referral_id": "R0001",
        "person_id": "P0001",
        "referral_date": "2025-01-06",
        "referrer_org_code": "C87001",
        "practice_code": "C87001",
        "area_code": "E01033000",
        "link_worker_id": "LW01",
        "status": "completed",
        "first_contact_date": "2025-01-08",
        "first_appointment_date": "2025-01-13",
        "closed_date": "2025-03-10",
        "closure_reason": "goals met",
        "reasons": "loneliness and isolation; physical inactivity",
    },  # fmt: skip
    "connections": {
        "referral_id": "R0001",
        "asset_id": "A001",
        "referred_date": "2025-01-13",
        "started_date": "2025-01-21",
        "ended_date": "",
        "outcome": "attending",
    },
    "outcomes": {
        "referral_id": "R0001",
        "measure": "ons4_life_satisfaction",
        "timepoint": "baseline",
        "assessed_date": "2025-01-13",
        "value": "4",
    },
    "practices": {
        "practice_code": "C87001",
        "name": "Example Medical Centre",
        "latitude": "53.4302",
        "longitude": "-1.3560",
        "postcode": "S65 2AA",
        "pcn_code": "U12345",
        "pcn_name": "Example PCN",
        "list_size": "8000",
    },
    "postcodes": {
        "postcode": "S65 2AA",
        "latitude": "53.4301",
        "longitude": "-1.3561",
        "area_code": "E01033000",
        "local_authority": "E08000018",
    },  # fmt: skip
    "registrations": {"practice_code": "C87001", "area_code": "E01033000", "patients": "412"},
    "registered_ages": {
        "practice_code": "C87001",
        "age_band": "25-34",
        "sex": "female",
        "patients": "596",
    },  # fmt: skip
    "area_lookup": {
        "area_code": "E01033000",
        "area_name": "Rotherham 012F",
        "ward_code": "E05012957",
        "ward_name": "Boston Castle",
        "msoa_code": "E02001523",
        "msoa_name": "Rotherham 012",
        "la_code": "E08000018",
        "la_name": "Rotherham",
    },
    "neighbourhoods": {"neighbourhood": "Town centre", "area_code": "E01033000"},
    "area_stats": {
        "area_code": "E01033000",
        "population_adult": "1450",
        "imd_decile": "2",
        "imd_score": "41.2",
    },  # fmt: skip
    "areas": {"area_code": "E01033000", "area_name": "Rotherham 012F"},
    "area_ethnicity": {"area_code": "E01033000", "ethnic_group": "asian", "residents": "212"},
    "gp_appointments": {
        "practice_code": "C87001",
        "month": "2025-01-01",
        "appointments": "61",
        "pcn_code": "U12345",
        "sub_icb_code": "03L",
        "sub_icb_name": "NHS South Yorkshire ICB - 03L",
        "registered": "8000",
    },  # fmt: skip
    "sub_icb_appointments": {
        "sub_icb_code": "03L",
        "month": "2025-01-01",
        "appointments": "1250",
        "sub_icb_name": "NHS South Yorkshire ICB - 03L",
        "sub_icb_ons_code": "E38000146",
        "registered": "281000",
    },  # fmt: skip
    "indicators": {
        "indicator_id": "93553",
        "indicator_name": "Deprivation score (IMD 2019)",
        "area_code": "E08000018",
        "area_name": "Rotherham",
        "area_type": "Districts & UAs (from Apr 2023)",
        "sex": "Persons",
        "age": "All ages",
        "time_period": "2019",
        "time_period_sortable": "20190000",
        "value": "29.6",
        "lower_ci": "",
        "upper_ci": "",
        "count": "",
        "denominator": "",
    },  # fmt: skip
}

# Example rows of mapping.csv, one of each kind: they load with no problems (tested).
MAPPING_EXAMPLES = [
    {"table": "referrals", "kind": mapping.FILE, "column": "", "from": "Referrals_Export_*.csv",
     "to": "", "note": "a file named Referrals_Export_ then anything (* is any characters) is "
     "referrals.csv"},
    {"table": "referrals", "kind": mapping.COLUMN, "column": "", "from": "Referral Source",
     "to": "referrer_type", "note": "your header -> the contract's column"},
    {"table": "referrals", "kind": mapping.VALUE, "column": "status",
     "from": "Closed - goals met", "to": "completed", "note": "your word -> the allowed value, "
     "within one column (any case and spacing)"},
    {"table": "referrals", "kind": mapping.VALUE, "column": "referrer_type", "from": "GP",
     "to": "gp practice", "note": ""},
    {"table": "referrals", "kind": mapping.DROP, "column": "", "from": "Patient Name", "to": "",
     "note": "a column to leave out without a warning"},
]  # fmt: skip
# What each column of mapping.csv holds, for notes.csv: (type, required, allowed values).
MAPPING_NOTES = {
    "table": ("text", "yes", "; ".join(TABLES)),
    "kind": ("text", "yes", "file: a file name (* for any characters) is this table; column: "
             "your header is the column in 'to'; value: within 'column', your value is the "
             "allowed value in 'to'; drop: leave your column 'from' out"),
    "column": ("text", "for value rows", "a column of the table"),
    "from": ("text", "yes", "your file name, header or value, any case"),
    "to": ("text", "for column and value rows", "a column of the table, or an allowed value of "
           "'column'"),
    "note": ("text", "no", "anything: where the row comes from"),
}  # fmt: skip
MAPPING_ABOUT = (
    "how your system's extract maps onto the contract (optional): file names, headers and "
    "values, applied before the checks"
)


# What each kind of column takes, for notes.csv.
KIND_NOTES = {
    "text": "text",
    "code": "a code or id (text)",
    "date": "a date: 2025-03-31 or 31/03/2025",
    "bool": "yes or no",
    "int": "a whole number",
    "decimal": "a number",
    "choice": "one of the allowed values",
    "choices": "one or more of the allowed values, separated by ;",
    "postcode": "a UK postcode",
}
NOTES_COLUMNS = ["file", "column", "type", "required", "allowed values", "about the table"]


def example_value(table: Table, column: Column) -> str:
    """A value of `column` that the loader accepts, consistent with the other examples."""
    given = EXAMPLES.get(table.name, {})
    if column.name in given:
        return given[column.name]
    if column.default is not None:
        return column.default
    if column.kind in (CHOICE, CHOICES) and column.allowed:
        return column.allowed[0]
    return {
        BOOL: "yes",
        DATE: "2025-01-06",
        INT: str(int(column.low or 0) + 1),
        DECIMAL: str(int(column.low or 0) + 1),
        POSTCODE: "S65 2AA",
        CODE: "X1",
    }.get(column.kind, "")


def blank_table(table: Table) -> pd.DataFrame:
    """The table's header (every contract column, in contract order) and one example row."""
    return pd.DataFrame([{c.name: example_value(table, c) for c in table.columns}], dtype=str)


def blank_tables() -> dict[str, pd.DataFrame]:
    """Every table but the boundaries (GeoJSON, not a sheet), keyed by table name."""
    return {name: blank_table(t) for name, t in TABLES.items() if not t.geometry}


def areas_geojson() -> bytes:
    """An example boundaries file: one small square area with its code and name."""
    lon, lat, d = -1.3561, 53.4301, 0.005
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d],
            [lon - d, lat - d]]  # fmt: skip
    feature = {
        "type": "Feature",
        "properties": {c.name: example_value(TABLES["areas"], c) for c in TABLES["areas"].columns},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}, indent=1).encode()


def notes() -> pd.DataFrame:
    """One row per contract column: its file, type, whether required and what it allows."""
    rows = []
    for table in TABLES.values():
        for column in table.columns:
            allowed = "; ".join(column.allowed)
            if table.name == "outcomes" and column.name == "value":
                allowed = "; ".join(f"{m}: {r}" for m, r in vocab.MEASURES_RANGE.items())
            elif column.low is not None or column.high is not None:
                low = "" if column.low is None else f"{column.low:g}"
                high = "" if column.high is None else f"{column.high:g}"
                allowed = f"{low} to {high}".strip() if high else f"{low} or more"
            rows.append({
                "file": table.file,
                "column": column.name,
                "type": KIND_NOTES.get(column.kind, column.kind),
                "required": "yes" if column.required else "no",
                "allowed values": allowed,
                "about the table": table.about,
            })  # fmt: skip
    for column in mapping.COLUMNS:
        kind, required, allowed = MAPPING_NOTES[column]
        rows.append({
            "file": mapping.FILE_NAME,
            "column": column,
            "type": kind,
            "required": required,
            "allowed values": allowed,
            "about the table": MAPPING_ABOUT,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=NOTES_COLUMNS)


def blank_mapping() -> pd.DataFrame:
    """mapping.csv's header (`mapping.COLUMNS`) with one example row of each kind."""
    return pd.DataFrame(MAPPING_EXAMPLES, columns=list(mapping.COLUMNS), dtype=str)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def template_files() -> dict[str, bytes]:
    """The blank dataset as files: one CSV per table, areas.geojson, mapping.csv and notes.csv."""
    files = {TABLES[name].file: _csv(frame) for name, frame in blank_tables().items()}
    files["areas.geojson"] = areas_geojson()
    files[mapping.FILE_NAME] = _csv(blank_mapping())
    files["notes.csv"] = _csv(notes())
    return files


def template_zip() -> bytes:
    """The blank dataset as one zip: unzip it into a folder and fill the files in."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in template_files().items():
            archive.writestr(f"socialrx_dataset/{name}", data)
    return buffer.getvalue()


def excel_engine() -> str | None:
    """The installed engine pandas can write a workbook with, or None (the CSVs then)."""
    return "xlsxwriter" if importlib.util.find_spec("xlsxwriter") else None


def template_workbook() -> bytes | None:
    """The blank dataset as one Excel workbook, a sheet per table (boundaries excepted: they
    are a GeoJSON file), or None when no writer engine is installed."""
    engine = excel_engine()
    if engine is None:
        return None
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine=engine) as writer:
        for name, frame in blank_tables().items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()
