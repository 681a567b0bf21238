"""Turning the files a user hands in (a folder, uploads, one workbook) into raw text tables."""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from socialrx.parsing import normalise_header
from socialrx.problems import WARNING, Report
from socialrx.schema import TABLES

# Streamlit's default upload limit; the same limit applies to files read from a folder.
MAX_FILE_BYTES = 200 * 1024 * 1024
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
READABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", *GEO_SUFFIXES)


@dataclass(frozen=True)
class SourceFile:
    """One file as handed in: its name and its bytes."""

    name: str
    data: bytes


def files_in_folder(folder: Path) -> list[SourceFile]:
    """Every readable file in a dataset folder (README and other files are skipped)."""
    return [
        SourceFile(p.name, p.read_bytes())
        for p in sorted(Path(folder).iterdir())
        if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES
    ]


def table_for(name: str) -> str | None:
    """Which contract table a file name stands for (`Assets.CSV` -> assets), if any."""
    stem = normalise_header(Path(name).stem)
    if stem in TABLES:
        return stem
    if "epraccur" in stem:
        return "practices"
    if stem.startswith(("file_7", "file_1")) or "imd" in stem or "iod" in stem:
        return "area_stats"
    return None


def what_it_is(data: bytes) -> str | None:
    """A short description if the bytes are plainly not text (a PDF renamed .csv, say)."""
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive or Excel workbook"
    if data.startswith((b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff")):
        return "an old Excel (.xls), Word or image file"
    if b"\x00" in data[:4096]:
        return "a binary file"
    return None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which is what Excel in the UK saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(file: SourceFile, report: Report, header: bool = True) -> pd.DataFrame | None:
    """A CSV file as a table of text cells; None (with the reason reported) if unreadable."""
    kind = what_it_is(file.data)
    if kind:
        report.add(file.name, f"this is {kind}, not a CSV text file: save it as CSV (UTF-8)")
        return None
    text = decode_text(file.data)
    if not text.strip():
        report.add(file.name, "the file is empty: it needs a header row and at least one row")
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            header=0 if header else None,
            skipinitialspace=False,
            skip_blank_lines=False,  # kept (then dropped when typed) so row numbers match the file
            on_bad_lines="error",
        )
    except pd.errors.ParserError:
        return _read_ragged_csv(file.name, text, report, header)
    except ValueError as exc:
        report.add(file.name, f"could not be read as CSV ({str(exc).splitlines()[0]})")
        return None
    return frame


def _read_ragged_csv(name: str, text: str, report: Report, header: bool) -> pd.DataFrame | None:
    """Rows with more cells than the header (an unquoted comma in a name, usually) are
    reported and left out; every other row is kept, with its row number."""
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        report.add(name, f"could not be read as CSV ({exc})")
        return None
    width = len(records[0])
    columns = records[0] if header else list(range(width))
    body = records[1:] if header else records
    first_row = 2 if header else 1
    kept, index = [], []
    for i, record in enumerate(body):
        if len(record) > width:
            report.add(
                name,
                f"{len(record)} cells where the header has {width}: put text that "
                "contains commas in double quotes; row left out",
                row=i + first_row,
            )
            continue
        kept.append(record + [""] * (width - len(record)))
        index.append(i)
    return pd.DataFrame(kept, columns=columns, index=index, dtype=str)


def read_workbook(file: SourceFile, report: Report) -> dict[str, pd.DataFrame] | None:
    """Each sheet of an Excel workbook named like a table (`assets`, `referrals`, ...); None
    (with the reason reported) if it cannot be opened at all."""
    try:
        sheets = pd.read_excel(io.BytesIO(file.data), sheet_name=None, dtype=str, header=0)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        report.add(file.name, f"could not be opened as an Excel workbook ({type(exc).__name__})")
        return None
    tables = {}
    for sheet, frame in sheets.items():
        table = table_for(sheet)
        if table is None:
            names = ", ".join(TABLES)
            report.add(f"{file.name}[{sheet}]", f"sheet ignored: sheets are named {names}",
                       severity=WARNING)  # fmt: skip
            continue
        tables[table] = frame.fillna("")
    return tables


def read_geo(file: SourceFile, report: Report):
    """Boundaries from GeoJSON, GeoPackage or a zipped shapefile, in any CRS."""
    import geopandas as gpd

    suffix = Path(file.name).suffix.lower()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(file.data)
        try:
            return gpd.read_file(f"zip://{path}" if suffix == ".zip" else path)
        except Exception as exc:  # GDAL raises several types for a damaged file
            report.add(file.name, f"could not be read as boundaries ({str(exc)[:120]})")
            return None
