"""Turning the files a user hands in (a folder, uploads, one workbook) into raw text tables."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from socialrx.data.lookups import looks_like_lookup
from socialrx.data.parsing import normalise_header
from socialrx.data.problems import ERROR, WARNING, Report
from socialrx.data.schema import TABLES
from socialrx.data.source import GEO_SUFFIXES, MAX_FILE_BYTES, READABLE_SUFFIXES

_IOD_CODE = re.compile(r"^lsoa code \((2011|2021)\)$")  # as in adapters.iod_vintage


@dataclass(frozen=True)
class SourceFile:
    """One file as handed in: its name and its bytes."""

    name: str
    data: bytes


# Spreadsheet and text formats we cannot read but people will try: say what to do instead.
OTHER_FORMATS = {
    ".xls": "the old Excel format: save it as .xlsx or CSV",
    ".ods": "a LibreOffice spreadsheet: save it as .xlsx or CSV",
    ".tsv": "tab-separated: save it as CSV (comma-separated)",
    ".numbers": "an Apple Numbers file: export it as CSV",
}


def files_in_folder(folder: Path, report: Report) -> list[SourceFile]:
    """Every readable file in a dataset folder (README and other files are skipped); files
    over the size limit are reported without being read into memory."""
    files = []
    for path in sorted(Path(folder).iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file():
            continue
        if suffix in OTHER_FORMATS:
            report.add(path.name, f"not read: {OTHER_FORMATS[suffix]}", WARNING)
            report.ignored[path.name] = OTHER_FORMATS[suffix]
        elif suffix in READABLE_SUFFIXES:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                too_big(path.name, size, report)
            else:
                files.append(SourceFile(path.name, path.read_bytes()))
    return files


def too_big(name: str, size: int, report: Report) -> None:
    """Report a file over the upload limit (it is not read)."""
    report.add(name, f"the file is {size / 2**20:,.0f} MB, over the {MAX_FILE_BYTES / 2**20:,.0f} "
               "MB limit: split it or filter it")  # fmt: skip
    report.unreadable.append(name)


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


# A postcode directory (ONSPD, NSPL, NSPD, or a subset of one) by its headers: a postcode, a
# latitude and a longitude under the names ONS publishes them with.
POSTCODE_HEADERS = frozenset({"pcd", "pcd7", "pcd8", "pcds"})
LATITUDE_HEADERS = frozenset({"lat", "lat_derived_wgs84"})
LONGITUDE_HEADERS = frozenset({"long", "long_derived_wgs84"})


def first_line(data: bytes) -> list[str]:
    """The cells of a text file's first non-blank line (its header, if it has one)."""
    head = decode_text(data[:65536].rsplit(b"\n", 1)[0] if len(data) > 65536 else data)
    for line in head.splitlines():
        if line.strip():
            return next(csv.reader([line]), [])
    return []


def looks_like_postcodes(headers) -> bool:
    """True for the headers of an ONS postcode directory (ONSPD, NSPL, NSPD) or a subset."""
    names = {normalise_header(h) for h in headers}
    return bool(names & POSTCODE_HEADERS and names & LATITUDE_HEADERS
                and names & LONGITUDE_HEADERS)  # fmt: skip


def table_by_content(file: SourceFile) -> str | None:
    """Which contract table an official file is, told by its first line whatever the file is
    called: an ONS postcode directory (`pcds`, `lat`, `long`, ...), an Indices of Deprivation
    file (`LSOA code (2011)`, ...), an ONS area lookup (`LSOA21CD, WD22CD, LAD22CD, ...`) or
    the headerless NHS ODS epraccur file."""
    if Path(file.name).suffix.lower() not in (".csv", ".txt") or what_it_is(file.data):
        return None
    cells = first_line(file.data)
    if looks_like_postcodes(cells):
        return "postcodes"
    if any(_IOD_CODE.match(c.replace("\ufeff", "").strip().lower()) for c in cells):
        return "area_stats"
    if looks_like_lookup(cells):  # ONS LSOA -> ward / MSOA / local authority lookups
        return "area_lookup"
    if len(cells) >= 26 and re.fullmatch(r"[A-Z]\d{5}", cells[0].strip()):
        return "practices"
    return None


def what_it_is(data: bytes) -> str | None:
    """A short description if the bytes are plainly not text (a PDF renamed .csv, say)."""
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive or Excel workbook"
    if data.startswith((b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff")):
        return "an old Excel (.xls), Word or image file"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (Excel's 'Unicode text')"
    if b"\x00" in data[:4096]:
        return "a binary file"
    return None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which is what Excel in the UK saves.

    A file that is neither throughout (a UTF-8 export with one line pasted in from an old
    spreadsheet) is decoded line by line, so one odd `£` does not garble every accent."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)
    return "".join(_decode_line(line) for line in lines)


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def read_csv(file: SourceFile, report: Report, empty: str = ERROR) -> pd.DataFrame | None:
    """A CSV file as a table of text cells, its first line the header, indexed so that
    index + 2 is the row number a spreadsheet shows (the header being row 1); None (with the
    reason reported) if it cannot be read or holds nothing."""
    kind = what_it_is(file.data)
    if kind:
        report.add(file.name, f"this is {kind}, not a CSV text file: save it as CSV (UTF-8)")
        report.unreadable.append(file.name)
        return None
    records, header_row = _arrow_records(file.data)
    if records is not None:
        return _rectangle(records, header_row, file.name, report)
    text = decode_text(file.data)
    if not text.strip():
        report.add(file.name, "the file is empty: it needs a header row and at least one row",
                   empty)  # fmt: skip
        return None
    body = text.lstrip("\r\n")  # blank lines above the header: skipped, but counted
    header_row = _line_count(text[: len(text) - len(body)]) + 1
    records = _fast_records(body)
    if records is None:
        records = _records(body, header_row, file.name, report)
    if records is None:
        return None
    return _rectangle(records, header_row, file.name, report)


def _line_count(text: str) -> int:
    return text.count("\n") or text.count("\r")


_BOM = b"\xef\xbb\xbf"
_FIRST_CELL = re.compile(rb"[^\r\n]")
_TEXT = re.compile(rb"\S")


def _arrow_records(data: bytes) -> tuple[pd.DataFrame | None, int]:
    """The records (header included) and the header's line number, read by Arrow's
    multi-threaded reader straight from UTF-8 bytes: the C parser's table in a third of its
    time and without a decoded copy of the file. (None, 0) for anything it cannot read the same
    way (not UTF-8, ragged or blank rows, an empty file), which the other readers then handle
    and report. Read as large strings, pandas' own storage, so no column is cast (copied)."""
    body = data.removeprefix(_BOM)
    first = _FIRST_CELL.search(body)
    if first is None or _TEXT.search(body) is None:
        return None, 0
    skipped = body[: first.start()]
    header_row = (skipped.count(b"\n") or skipped.count(b"\r")) + 1
    line_end = body.find(b"\n", first.start())
    header = body[first.start() : line_end if line_end > 0 else len(body)]
    quoted = b'"' in body
    try:
        width = len(next(csv.reader([header.decode("utf-8")])))
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)[first.start() :]),  # the bytes, not a copy
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=quoted,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.large_string() for i in range(width)},
                null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False),
        )  # fmt: skip
    except (pa.ArrowInvalid, UnicodeDecodeError, StopIteration):
        return None, 0
    if table.num_columns != width:
        return None, 0
    raw = table.to_pandas()
    raw.columns = range(width)
    if quoted:  # only a quoted cell holds a line break, which may hide rows
        lines = body.count(b"\n") or body.count(b"\r")
        if lines - header_row + 1 > len(raw) and _swallows_rows(raw):
            return None, 0
    return raw, header_row


def _swallows_rows(raw: pd.DataFrame) -> bool:
    """True where a cell's line breaks hide whole CSV rows (see `_swallowed_rows`)."""
    for column in raw.columns:
        cells = raw[column]
        broken = cells[cells.str.contains("\n", regex=False, na=False)]
        if any(_swallowed_rows(cell, raw.shape[1]) for cell in broken):
            return True
    return False


def _fast_records(text: str) -> pd.DataFrame | None:
    """The records (header included), read by pandas' C parser; None when it cannot tell them
    apart (ragged rows, an unclosed quote), for the careful reader to handle."""
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                          skip_blank_lines=False, on_bad_lines="error")  # fmt: skip
    except (pd.errors.ParserError, ValueError):
        return None
    if _line_count(text) > len(raw) and _swallows_rows(raw):  # a cell holds a line break
        return None
    return raw.fillna("")


def _records(text: str, header_row: int, name: str, report: Report) -> list[list[str]] | None:
    """The records read by Python's csv module; an unclosed quote, which swallows the rows
    after it, is reported and the file read again line by line, so no rows are lost."""
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        report.add(name, f"could not be read as CSV ({exc})")
        report.unreadable.append(name)
        return None
    width = len(records[0])
    for number, record in enumerate(records):
        last = number == len(records) - 1  # a cell running to the end of the file
        if any(_swallowed_rows(cell, width, last) for cell in record):
            report.add(name, "a double quote opens a cell here and is never closed, so the "
                       "lines after it were read as one cell: the file is read line by line "
                       "instead (a cell with a line break then splits); close the quote",
                       row=header_row + number)  # fmt: skip
            return [next(csv.reader([line]), []) for line in text.splitlines()]
    return records


def _swallowed_rows(cell: str, width: int, at_end: bool = False) -> bool:
    """True for a cell whose line breaks hide whole CSV rows: two or more lines as wide as a
    row (one will do for a cell that runs to the end of the file). A description with one
    line of commas after a break is not enough: quoted line breaks are legitimate."""
    if width < 3 or ("\n" not in cell and "\r" not in cell):
        return False
    rows = sum(line.count(",") >= width - 1 for line in cell.splitlines()[1:])
    return rows >= 2 or (at_end and rows >= 1)


# a table's rows left out as read, with their cells under the header (`_rectangle`)
LEFT_OUT = "left_out_rows"


def _rectangle(records, header_row: int, name: str, report: Report) -> pd.DataFrame:
    """The records as a table under their first row, the header (names kept as written, so a
    repeated one is seen, not renamed `name.1`). A row with more cells than the header (an
    unquoted comma in a name, usually) is reported and left out, unless its extra cells are
    empty (a trailing comma); short rows are padded. The index is the row number less 2."""
    if isinstance(records, pd.DataFrame):  # the fast reader's rows are already rectangular
        frame = records.iloc[1:]  # not copied: a million rows' text is held once
        frame.columns = [str(c) for c in records.iloc[0]]
        frame.index = np.arange(len(frame)) + header_row - 1
        return frame
    columns, width = records[0], len(records[0])
    kept, index, left_out = [], [], {}
    for i, record in enumerate(records[1:], start=header_row + 1):
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            report.add(name, f"{len(record)} cells where the header has {width}: put text that "
                       "contains commas in double quotes; row left out", row=i)  # fmt: skip
            left_out[i] = record[:width]
            continue
        kept.append(record[:width] + [""] * (width - len(record)))
        index.append(i - 2)
    frame = pd.DataFrame(kept, columns=columns, index=index, dtype=str)
    if left_out:  # by row: the loader names a reference to one as such, and lets go of them
        frame.attrs[LEFT_OUT] = left_out
    return frame


def headless(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read with a header, as the file it came from had none (the ODS epraccur file):
    the header row becomes the first row, numbered as it was, and columns are numbered."""
    row = frame.index.min() - 1 if len(frame) else -1  # a one-line file: its line is row 1
    top = pd.DataFrame([[str(c) for c in frame.columns]], index=[row])
    body = frame.set_axis(range(frame.shape[1]), axis=1)
    return pd.concat([top, body]) if len(frame) else top


def read_workbook(file: SourceFile, report: Report) -> dict[str, tuple[str, pd.DataFrame]] | None:
    """Each sheet of an Excel workbook named like a table (`assets`, `referrals`, ...), with
    the sheet's own name; None (with the reason reported) if it cannot be opened at all."""
    try:  # calamine (Rust) reads a 100,000-row sheet many times faster than openpyxl
        sheets = pd.read_excel(
            io.BytesIO(file.data), sheet_name=None, dtype=str, header=None, engine="calamine"
        )
    except Exception as exc:  # a damaged workbook raises many types
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
        cells = frame.fillna("")
        filled = cells.ne("").any(axis=1).to_numpy()
        if not filled.any():
            report.add(f"{file.name}[{sheet}]", "the sheet is empty", WARNING)
            continue
        first = int(filled.argmax())  # blank rows above the header are skipped, not the header
        name = f"{file.name}[{sheet}]"
        tables[sheet] = (table, _rectangle(cells.iloc[first:], first + 1, name, report))
    return tables


def _gdal_reason(exc: Exception, path: Path) -> str:
    """GDAL's complaint without the temporary path or its advice on drivers."""
    text = str(exc)
    if "not recognized as being in a supported file format" in text:
        if path.suffix == ".json" and _is_json(path):
            return "JSON but not GeoJSON"
        return "not a format it knows: GeoJSON, a GeoPackage or a zipped shapefile"
    return text.split(";")[0].replace(str(path), path.name).strip(" .")


def _is_json(path: Path) -> bool:
    try:
        json.loads(path.read_bytes())
    except ValueError:
        return False
    return True


def read_geo(file: SourceFile, report: Report):
    """Boundaries from GeoJSON, GeoPackage or a zipped shapefile, in any CRS; None (with the
    reason reported) if the file holds no readable boundaries."""
    import geopandas as gpd

    suffix = Path(file.name).suffix.lower()
    if suffix not in GEO_SUFFIXES:
        report.add(file.name, "boundaries must be GeoJSON (.geojson), a GeoPackage (.gpkg) or a "
                   "zipped shapefile (.zip)")  # fmt: skip
        report.unreadable.append(file.name)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(file.data)
        try:
            areas = gpd.read_file(f"zip://{path}" if suffix == ".zip" else path)
        except Exception as exc:  # GDAL raises several types for a damaged file
            report.add(file.name, f"could not be read as boundaries ({_gdal_reason(exc, path)})")
            report.unreadable.append(file.name)
            return None
    if not isinstance(areas, gpd.GeoDataFrame) or areas.geometry.isna().all():
        report.add(file.name, "holds no boundaries (no geometry): areas must be polygons in "
                   "GeoJSON, a GeoPackage or a zipped shapefile")  # fmt: skip
        return None
    return areas
