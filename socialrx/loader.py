"""Loading a dataset: files in, one typed `Dataset` and one `Report` of every problem out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from socialrx import adapters, checks, geography
from socialrx.dataset import Dataset
from socialrx.files import (
    GEO_SUFFIXES,
    MAX_FILE_BYTES,
    SourceFile,
    files_in_folder,
    read_csv,
    read_geo,
    read_workbook,
    table_for,
)
from socialrx.problems import WARNING, Report
from socialrx.schema import TABLES
from socialrx.tables import ROW, type_table

Progress = Callable[[float, str], None]


def content_hash(files: list[SourceFile]) -> str:
    """A digest of every file's name and bytes: the cache key of a loaded dataset."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.data).digest())
    return digest.hexdigest()


def load_folder(folder: str | Path, progress: Progress | None = None) -> tuple[Dataset, Report]:
    """Load a dataset folder; a folder that cannot be read gives an empty dataset and a report."""
    folder = Path(folder)
    if not folder.is_dir():
        report = Report()
        report.add(str(folder), "no such folder: point to a folder of dataset files")
        report.unreadable.append(str(folder))
        return Dataset(), report
    return load_files(files_in_folder(folder), progress)


def _raw_tables(files: list[SourceFile], report: Report) -> tuple[dict, dict, object, str | None]:
    """Raw text tables by name (with the file each came from), and the boundaries."""
    raw, origin, areas, vintage = {}, {}, None, None
    for file in files:
        if len(file.data) > MAX_FILE_BYTES:
            report.add(file.name, f"the file is {len(file.data) / 2**20:,.0f} MB, over the "
                       f"{MAX_FILE_BYTES / 2**20:,.0f} MB limit: split it or filter "
                       "it")  # fmt: skip
            report.unreadable.append(file.name)
            continue
        suffix = Path(file.name).suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            sheets = read_workbook(file, report)
            if sheets is None:
                report.unreadable.append(file.name)
                continue
            for name, frame in sheets.items():
                raw[name], origin[name] = frame, f"{file.name}[{name}]"
            continue
        table = table_for(file.name)
        if table is None and suffix in GEO_SUFFIXES or table == "areas":
            areas = read_geo(file, report)
            if areas is None:
                report.unreadable.append(file.name)
            continue
        if table is None:
            report.add(
                file.name,
                "not a table of the data contract (names: "
                + ", ".join(t.file for t in TABLES.values())
                + "); ignored",
                WARNING,
            )
            continue
        frame = read_csv(file, report)
        if frame is None:
            report.unreadable.append(file.name)
            continue
        if table == "practices" and adapters.looks_like_epraccur(frame.T.reset_index().T):
            frame, skipped = adapters.practices_from_epraccur(read_csv(file, report, header=False))
            if skipped:
                report.add(file.name, f"{skipped:,} closed or non-GP rows of the ODS file skipped",
                           WARNING)  # fmt: skip
        elif table == "area_stats" and adapters.iod_vintage(frame.columns):
            vintage = adapters.iod_vintage(frame.columns)
            frame = adapters.area_stats_from_iod(frame)
        raw[table], origin[table] = frame, file.name
    return raw, origin, areas, vintage


def _boundaries(areas, report: Report) -> tuple[object, str | None]:
    """Boundaries with `area_code`/`area_name`, in WGS84, and the LSOA vintage they show."""
    headers = {c.lower(): c for c in areas.columns}
    vintage = (
        "2021"
        if any("21" in h for h in headers if h.startswith("lsoa"))
        else ("2011" if any(h.startswith("lsoa11") for h in headers) else None)
    )
    raw = pd.DataFrame(areas.drop(columns="geometry")).astype("string").fillna("")
    typed = type_table(raw, TABLES["areas"], "areas.geojson", report)
    if typed is None:
        return None, vintage
    gdf = areas.loc[typed.index if len(typed) == len(areas) else typed[ROW] - 2, ["geometry"]]
    gdf = gdf.reset_index(drop=True).assign(area_code=typed["area_code"].values,
                                            area_name=typed["area_name"].values)  # fmt: skip
    return geography.areas_to_wgs84(gdf.set_geometry("geometry")), vintage


def load_files(files: list[SourceFile], progress: Progress | None = None) -> tuple[Dataset, Report]:
    """Read, type and check every file; what is good is kept, every problem reported."""
    step = progress or (lambda fraction, text: None)
    report = Report()
    step(0.05, "Reading files")
    raw, origin, geo, iod_vintage = _raw_tables(files, report)
    tables: dict[str, pd.DataFrame] = {}
    for i, (name, frame) in enumerate(raw.items()):
        step(0.1 + 0.6 * i / max(len(raw), 1), f"Checking {origin[name]}")
        typed = type_table(frame, TABLES[name], origin[name], report)
        if typed is not None:
            tables[name] = typed
    handed_in = set(raw) | {table_for(name) for name in report.unreadable}
    if "assets" not in handed_in:  # an unreadable assets file is reported as such, not missing
        report.add("assets.csv", "missing: every dataset needs a table of community assets")
    step(0.75, "Checking references and places")
    areas, area_vintage = _boundaries(geo, report) if geo is not None else (None, None)

    meta = tables.pop("dataset", None)
    first = meta.iloc[0] if meta is not None and len(meta) else {}
    extract = first.get("extract_date") if len(first) else None
    extract = extract if pd.notna(extract) else checks.latest_date(tables)
    if extract is not None:
        checks.dates_after_extract(tables, extract, report)

    _check_across(tables, areas, extract, report)
    _name_origins(report, origin)
    step(0.95, "Finishing")
    for frame in tables.values():
        frame.drop(columns=ROW, inplace=True)
    vintage = first.get("lsoa_vintage") if len(first) else None
    dataset = Dataset(
        tables=tables,
        areas=areas,
        extract_date=extract,
        lsoa_vintage=(vintage if pd.notna(vintage) else None) or area_vintage or iod_vintage,
        place_name=_text(first, "place_name"),
        source=_text(first, "source"),
        content_hash=content_hash(files),
    )
    step(1.0, "Loaded")
    return dataset, report


def _text(row, key: str) -> str:
    value = row.get(key) if len(row) else None
    return "" if value is None or pd.isna(value) else str(value)


def _check_across(tables: dict, areas, extract, report: Report) -> None:
    """Checks that need more than one table; tables are replaced by their usable rows."""
    postcodes = tables.get("postcodes")
    if "assets" in tables:
        assets = checks.place_points(tables["assets"], "assets.csv", postcodes, report)
        assets = checks.tidy_assets(assets, extract, report)
        if "organisations" in tables:
            checks.known_references(assets, "assets.csv", "organisation_id",
                                    tables["organisations"]["organisation_id"], "organisations.csv",
                                    report, WARNING)  # fmt: skip
        assets["area_code"] = geography.area_of_points(
            assets["latitude"], assets["longitude"], areas
        )
        tables["assets"] = assets
    if "practices" in tables:
        tables["practices"] = checks.place_points(
            tables["practices"], "practices.csv", postcodes, report
        )
    if "funding" in tables:
        funding = tables["funding"]
        tables["funding"] = funding[checks.financial_years(funding, report)]
    referrals = tables.get("referrals")
    if referrals is not None:
        referrals = checks.refuse_nhs_numbers(referrals, report)
        checks.referral_dates_in_order(referrals, report)
        if "link_workers" in tables:
            checks.known_references(referrals, "referrals.csv", "link_worker_id",
                                    tables["link_workers"]["link_worker_id"], "link_workers.csv",
                                    report, WARNING)  # fmt: skip
        if "practices" in tables:
            checks.known_references(referrals, "referrals.csv", "practice_code",
                                    tables["practices"]["practice_code"], "practices.csv", report,
                                    WARNING)  # fmt: skip
        known_areas = _known_area_codes(areas, tables.get("area_stats"))
        if known_areas is not None:
            checks.unmatched_area_codes(referrals, known_areas, report)
        tables["referrals"] = referrals
    referral_ids = referrals["referral_id"] if referrals is not None else None
    if "connections" in tables:
        connections = tables["connections"]
        ok = pd.Series(True, index=connections.index)
        if referral_ids is not None:
            ok &= checks.known_references(connections, "connections.csv", "referral_id",
                                          referral_ids, "referrals.csv", report)  # fmt: skip
        if "assets" in tables:
            ok &= checks.known_references(
                connections,
                "connections.csv",
                "asset_id",
                tables["assets"]["asset_id"],
                "assets.csv",
                report,
            )
        early = connections["started_date"] < connections["referred_date"]
        if early.any():
            report.add_rows("connections.csv", "started_date", connections.loc[early, ROW],
                            connections.loc[early, "started_date"].dt.strftime("%Y-%m-%d"),
                            "before referred_date: dates cannot run backwards")  # fmt: skip
        tables["connections"] = connections[ok].reset_index(drop=True)
    if "outcomes" in tables:
        outcomes = tables["outcomes"]
        ok = checks.outcome_values_in_range(outcomes, report)
        if referral_ids is not None:
            ok &= checks.known_references(outcomes, "outcomes.csv", "referral_id", referral_ids,
                                          "referrals.csv", report)  # fmt: skip
        tables["outcomes"] = outcomes[ok].reset_index(drop=True)


def _name_origins(report: Report, origin: dict[str, str]) -> None:
    """Problems found across tables name the file the user handed in (`book.xlsx[assets]`,
    `epraccur.csv`), not the contract's name for it."""
    renamed = {TABLES[n].file: o for n, o in origin.items() if o != TABLES[n].file}
    report.problems = [replace(p, file=renamed.get(p.file, p.file)) for p in report.problems]


def _known_area_codes(areas, area_stats: pd.DataFrame | None) -> pd.Series | None:
    codes = []
    if areas is not None:
        codes.append(areas["area_code"])
    if area_stats is not None:
        codes.append(area_stats["area_code"])
    return pd.concat(codes) if codes else None
