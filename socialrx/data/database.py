"""A database as the data source: its tables read in full as text, then loaded as files are.

`SOCIALRX_DATA` (and `validate`/`refresh`) may name a database instead of a folder:
`sqlite:///path.db`, `postgresql://user:password@host/db`, `mssql+pyodbc://...` (SQLAlchemy),
`duckdb:///path.duckdb` (DuckDB's own Python API), or the path of a SQLite or DuckDB file.
`?schema=NAME` reads another schema than the default (`public`, `dbo`, `main`).

Which tables are read: those named after a contract table (`referrals`, `Assets`, an
`epraccur` or `iod_2019` table as files are named), those a `file` row of the mapping names
(its `from` matches the table's name, `*` for any characters), and official downloads known
by their headers (the ONS postcode directory, a Census table, NHS Digital registrations, ...),
told from the column names alone, so a warehouse's other tables are never read. The mapping
is a table called `mapping` or, beside a SQLite or DuckDB file, a `mapping.csv` file.

Every value is turned into the text a CSV export would hold (`_text`) and the table written as
CSV, so the same reader, checks and messages apply as to files: a DATE `2024-03-31`, a
TIMESTAMP at midnight the same (with its time otherwise), numbers as written (a float with no
fraction without `.0`), booleans `true`/`false`, NULL an empty cell. The driver's types never
stand in for the checks: a 9999-12-31 placeholder or a negative count is reported as it would
be in a file. Boundaries are an `areas` table with a `geometry` column (WKT, WKB or GeoJSON;
PostGIS geometry comes as WKB), in WGS84 or British National Grid.

Problems name `table referrals`, its row counting the table's rows from 1 in the order the
database returns them (for SQLite and DuckDB, the order they were inserted), and the column.
A password in the address never appears in a message, a log line or the provenance (`masked`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import logging
import math
import re
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from socialrx.data import benchmarks, census, gp_registrations, mapping
from socialrx.data.files import SourceFile, table_by_content, table_for
from socialrx.data.parsing import normalise_header
from socialrx.data.problems import WARNING, Report
from socialrx.data.schema import TABLES

log = logging.getLogger(__name__)

SCHEMES = ("sqlite", "postgresql", "mssql", "duckdb")
FORMS = (
    "sqlite:///path.db, postgresql://user:password@host/database, "
    "mssql+pyodbc://user:password@dsn, duckdb:///path.duckdb, or the path of a SQLite or "
    "DuckDB file"
)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_DUCKDB_MAGIC = b"DUCK"  # at byte 8 of a DuckDB file
_CHUNK_ROWS = 50_000  # rows fetched at a time through SQLAlchemy
GEOMETRY_COLUMNS = ("geometry", "geom", "wkt", "the_geom", "shape")
# A server database has no cheap sign of change: the app looks again this often.
RECHECK_SECONDS = 15 * 60


TABLE_LABEL = "table {}"  # how problems name a database's table


def is_table_label(file: str) -> bool:
    """True for a problem's file that is a database's table."""
    return file.startswith(TABLE_LABEL.format(""))


class SourceError(Exception):
    """The database cannot be read at all; the message is safe to show (password masked)."""


def database_url(source: str | Path) -> str | None:
    """The database URL a data source names, or None when it is a folder (or file) path."""
    text = str(source).strip()
    scheme, separator, _ = text.partition("://")
    if separator and re.fullmatch(r"[A-Za-z][\w+.-]*", scheme):
        return text  # any URL: one this does not read is reported as such, not as a folder
    path = Path(text)
    if path.suffix.lower() == ".duckdb":
        return f"duckdb:///{path}"
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:  # a folder, or nothing there
        return None
    if head.startswith(_SQLITE_MAGIC):
        return f"sqlite:///{path}"
    if head[8:12] == _DUCKDB_MAGIC:
        return f"duckdb:///{path}"
    return None


def is_database(source: str | Path) -> bool:
    return database_url(source) is not None


def masked(text: str) -> str:
    """`text` (an address, or a message quoting one) with any password replaced by ***."""
    text = re.sub(r"(://[^:/@\s]*:)[^/\s]*@", r"\1***@", str(text))
    return re.sub(r"(?i)\b(password|pwd)=[^;&\s]*", r"\1=***", text)


def _safe(text: str, url: str) -> str:
    """A driver's message, without the address's password wherever it is quoted."""
    password = _password(url)
    text = masked(text)
    return text.replace(password, "***") if password else text


def _password(url: str) -> str | None:
    try:
        import sqlalchemy as sa

        return sa.make_url(url).password or None
    except Exception:  # noqa: BLE001 - an unparseable address has no password to hide
        return None


def file_of(url: str) -> Path | None:
    """The file of a SQLite or DuckDB address (None for a server)."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0].lower() not in ("sqlite", "duckdb") or not rest.startswith("/"):
        return None
    path = rest[1:].split("?")[0]
    return Path(path) if path and path != ":memory:" else None


def identity(url: str) -> tuple[str, str]:
    """A short name for the database (its file's or its own), and the address that tells it
    from others (a file's resolved path; without a password)."""
    path = file_of(url)
    if path is not None:
        return path.stem, f"{url.partition('://')[0]}:{path.resolve()}"
    name = re.sub(r"[?#].*", "", url.rsplit("/", 1)[-1]) or "database"
    return name, masked(url)


def fingerprint(url: str, now: float | None = None) -> str:
    """Cheap to work out on every rerun, and it changes when the data may have: a file's
    size and times (its write-ahead log's too); for a server, every RECHECK_SECONDS."""
    path = file_of(url)
    if path is None:
        return f"every {RECHECK_SECONDS} s: {int((now or time.time()) // RECHECK_SECONDS)}"
    parts = []
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + ".wal")):
        try:
            s = each.stat()
        except OSError:
            continue
        parts.append(f"{each.name}:{s.st_size}:{s.st_mtime_ns}:{s.st_ctime_ns}:{s.st_ino}")
    return ";".join(parts) or "missing"


# --------------------------------------------------------------------------------------------
# Connections: SQLAlchemy for SQLite, PostgreSQL and SQL Server; DuckDB's own API.


class _Connection:
    def columns(self) -> dict[str, list[str]]:
        raise NotImplementedError

    def read(self, table: str) -> tuple[list[str], list]:
        """The table's column names, and its columns (lists of values, or Arrow arrays)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _Alchemy(_Connection):
    def __init__(self, url: str):
        import sqlalchemy as sa

        try:
            parsed = sa.make_url(url)
        except Exception:  # noqa: BLE001 - ArgumentError, ValueError: not an address
            raise SourceError(f"{masked(url)}: not a database address: use {FORMS}") from None
        self.schema = parsed.query.get("schema") or None
        parsed = parsed.difference_update_query(["schema"])
        backend = parsed.get_backend_name()
        if backend not in ("sqlite", "postgresql", "mssql"):
            raise SourceError(f"{masked(url)}: {backend} databases are not read: use {FORMS}")
        connect_args: dict = {}
        if backend == "sqlite":
            path = Path(parsed.database or "")
            if not parsed.database or not path.is_file():  # SQLite would make an empty one
                raise SourceError(f"{masked(url)}: no such database file")
            parsed = parsed.set(database=f"{path.resolve().as_uri()}?mode=ro")  # read-only
            parsed = parsed.update_query_dict({"uri": "true"})
        elif backend == "postgresql":
            connect_args["connect_timeout"] = 15
        else:
            connect_args["timeout"] = 15
        try:
            self.engine = sa.create_engine(parsed, connect_args=connect_args, poolclass=sa.NullPool)
        except ModuleNotFoundError as exc:
            raise SourceError(
                f"{masked(url)}: its driver ({exc.name}) is not installed: "
                + ("pip install pyodbc, with Microsoft's ODBC Driver for SQL Server (see "
                   "docs/deployment.md)" if backend == "mssql" else "see docs/deployment.md")
            ) from None  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - NoSuchModuleError and friends
            raise SourceError(f"{masked(url)}: {_safe(str(exc), url)}: use {FORMS}") from None
        try:
            self.connection = self.engine.connect()
        except Exception as exc:  # noqa: BLE001 - each driver raises its own
            reason = _safe(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], url)
            raise SourceError(f"{masked(url)}: could not connect ({reason})") from None

    def columns(self) -> dict[str, list[str]]:
        import sqlalchemy as sa
        from sqlalchemy.engine.reflection import ObjectKind

        inspector = sa.inspect(self.connection)
        with warnings.catch_warnings():  # "did not recognize type 'geometry'": names suffice
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            found = inspector.get_multi_columns(schema=self.schema, kind=ObjectKind.ANY)
        return {name: [c["name"] for c in columns] for (_, name), columns in found.items()}

    def read(self, table: str) -> tuple[list[str], list]:
        import sqlalchemy as sa

        query = sa.select(sa.text("*")).select_from(sa.table(table, schema=self.schema))
        result = self.connection.execution_options(stream_results=True).execute(query)
        keys = result.keys()  # a result's column names, not a dict's
        header = [str(k) for k in keys]
        columns: list[list] = [[] for _ in header]
        for chunk in result.partitions(_CHUNK_ROWS):
            for column, values in zip(columns, zip(*chunk, strict=True), strict=True):
                column.extend(values)
        return header, columns

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()


class _Duck(_Connection):
    def __init__(self, url: str):
        import duckdb

        path = file_of(url)
        if path is None:
            raise SourceError(f"{masked(url)}: name a DuckDB file: duckdb:///path.duckdb")
        if not path.is_file():
            raise SourceError(f"{masked(url)}: no such database file")
        self.schema = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", url)).get("schema", "main")
        try:
            self.connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise SourceError(f"{masked(url)}: could not be opened ({str(exc).splitlines()[0]})"
                              ) from None  # fmt: skip

    def columns(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for table, column in self.connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema "
            "= ? AND table_catalog = current_database() ORDER BY table_name, ordinal_position",
            [self.schema],
        ).fetchall():
            found.setdefault(table, []).append(column)
        return found

    def read(self, table: str) -> tuple[list[str], list]:
        quoted = ".".join('"' + part.replace('"', '""') + '"' for part in (self.schema, table))
        frame = self.connection.sql(f"SELECT * FROM {quoted}").to_arrow_table()  # noqa: S608
        return [str(n) for n in frame.column_names], list(frame.columns)  # column by column

    def close(self) -> None:
        self.connection.close()


def _connect(url: str) -> _Connection:
    scheme = url.partition("://")[0].lower()
    if scheme.split("+")[0] == "duckdb":
        return _Duck(url)
    if scheme.split("+")[0] not in SCHEMES:
        raise SourceError(f"{masked(url)}: not a database address this reads: use {FORMS}")
    return _Alchemy(url)


# --------------------------------------------------------------------------------------------
# Values as text, as a CSV export would hold them.


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, decimal.Decimal):
        return "" if value.is_nan() else format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + data.hex()
    return str(value)


def _column_text(values: list) -> list[str]:
    if all(type(v) is str for v in values):  # a text column: nothing to convert
        return values
    return [_text(v) for v in values]


# --------------------------------------------------------------------------------------------
# Reading a database into the files the loader reads.


@dataclass
class Read:
    """A database's tables as the files the loader reads, and how problems name them."""

    url: str
    files: list[SourceFile] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # file name -> `table referrals`
    found: list[str] = field(default_factory=list)  # every table and view, by name

    def unreadable_in(self, report: Report) -> bool:
        return masked(self.url) in report.unreadable


def read(url: str, report: Report, progress=None, edited: bytes | None = None,
         only_mapping: bool = False) -> Read:  # fmt: skip
    """Connect, choose the tables to read (by name, the mapping, or their columns), and read
    each in full as a CSV file; a database that cannot be read is reported (unreadable).
    `edited`: a mapping (the Data page's) in place of the database's; `only_mapping`: read
    the database's mapping and nothing else."""
    step = progress or (lambda fraction, text: None)
    done = Read(url)
    label = masked(url)
    chosen: list[str] = []
    try:
        step(0.01, f"Connecting to {label}")
        connection = _connect(url)
    except SourceError as exc:
        report.add(label, str(exc).removeprefix(f"{label}: "))
        report.unreadable.append(label)
        return done
    try:
        columns = connection.columns()
        done.found = sorted(columns)
        maps = [n for n, c in columns.items() if _is_mapping(n, c)]
        if edited is not None:
            mapping_files = [SourceFile(mapping.FILE_NAME, edited)]
        else:
            mapping_files = _mapping_beside(url) + [_as_file(connection, n, done) for n in maps]
        done.files += mapping_files
        if only_mapping:
            return done
        extract = mapping.Mapping()
        extract.take(mapping_files, Report())  # the loader reports its problems when it reads it
        chosen = [n for n, c in columns.items() if n not in maps and _wanted(n, c, extract)]
        for i, name in enumerate(chosen):
            step(0.02 + 0.03 * i / max(len(chosen), 1), f"Reading table {name}")
            areas = (extract.table_of(name) or table_for(name)) == "areas"
            if areas and not any(normalise_header(c) in GEOMETRY_COLUMNS for c in columns[name]):
                why = "boundaries need a geometry column (WKT, WKB or GeoJSON): not read"
                report.add(TABLE_LABEL.format(name), why)
                continue
            done.files.append(_as_file(connection, name, done, areas, report))
    except Exception as exc:  # noqa: BLE001 - a table that vanished, a lost connection
        log.warning("reading %s failed: %s", label, _safe(str(exc), url))
        reason = _safe(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], url)
        report.add(label, f"could not be read ({reason})")
        report.unreadable.append(label)
        done.files = []
    finally:
        connection.close()
    if not done.unreadable_in(report) and not chosen:
        listed = ", ".join(done.found[:30]) + (" ..." if len(done.found) > 30 else "")
        report.add(label, "no table or view is named after a table of the data contract "
                   "(assets, referrals, organisations, area_stats, ...) or mapped to one by a "
                   f"file row of the mapping; found: {listed or 'none'}")  # fmt: skip
    return done


def mapping_files(url: str) -> list[SourceFile]:
    """The database's mapping: its `mapping` table, or the mapping.csv beside its file."""
    return read(url, Report(), only_mapping=True).files


def _mapping_beside(url: str) -> list[SourceFile]:
    path = file_of(url)
    if path is None or not path.parent.is_dir():
        return []
    return [SourceFile(p.name, p.read_bytes()) for p in sorted(path.parent.iterdir())
            if p.is_file() and p.name.lower() == mapping.FILE_NAME]  # fmt: skip


def _header_file(name: str, columns: list[str]) -> SourceFile:
    """A table's header as a one-line CSV: what files are recognised by, before reading."""
    line = io.StringIO()
    pd.DataFrame(columns=[str(c) for c in columns]).to_csv(line, index=False)
    return SourceFile(f"{name}.csv", line.getvalue().encode())


def _is_mapping(name: str, columns: list[str]) -> bool:
    return normalise_header(name) == "mapping" or mapping.is_mapping(_header_file(name, columns))


def _wanted(name: str, columns: list[str], extract: mapping.Mapping) -> bool:
    """A table to read: named after a contract table, mapped by the mapping, or an official
    download known by its headers."""
    if extract.table_of(name) or table_for(name) or normalise_header(name) in TABLES:
        return True
    header = [_header_file(name, columns)]
    if table_by_content(header[0]):
        return True
    for split in (gp_registrations.split, census.split, census.split_ethnicity, benchmarks.split):
        rest, _ = split(header)
        if not rest:
            return True
    return False


def _as_file(connection: _Connection, name: str, done: Read, areas: bool = False,
             report: Report | None = None) -> SourceFile:  # fmt: skip
    """One table, read in full, as the CSV file a folder would hold (boundaries: GeoJSON)."""
    import pyarrow as pa
    import pyarrow.csv

    header, columns = connection.read(name)
    geometry = next((i for i, h in enumerate(header) if normalise_header(h) in GEOMETRY_COLUMNS),
                    None)  # fmt: skip
    if areas and geometry is not None:
        values = [c.to_pylist() if isinstance(c, pa.ChunkedArray) else c for c in columns]
        file = SourceFile(f"{name}.geojson", _geojson(header, values, geometry, name, report))
    else:
        table = pa.Table.from_arrays([_text_array(c) for c in columns], names=header)
        out = io.BytesIO()
        pyarrow.csv.write_csv(table, out)  # Arrow's writer: quoted as needed, NULL empty
        file = SourceFile(f"{name}.csv", out.getvalue())
    done.labels[file.name] = TABLE_LABEL.format(name)
    return file


def _text_array(column):
    """A column as Arrow text: text as it is, anything else through `_text`."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            return column
        column = column.to_pylist()
    return pa.array(_column_text(column), pa.string())


def _geojson(header, cells, geometry: int, name: str, report: Report | None) -> bytes:
    """The boundaries table as GeoJSON with no CRS (the loader tells WGS84 from BNG metres)."""
    import geopandas as gpd
    import shapely

    shapes, bad = [], []
    for row, value in enumerate(cells[geometry], start=1):
        try:
            shapes.append(_shape(value, shapely))
        except Exception:  # noqa: BLE001 - shapely raises GEOSException, ValueError, TypeError
            shapes.append(None)
            bad.append(row)
    if bad and report is not None:
        report.add_rows(TABLE_LABEL.format(name), header[geometry], bad, [None] * len(bad),
                        "not a geometry (WKT, WKB or GeoJSON): area left without a boundary",
                        WARNING)  # fmt: skip
    properties = {h: _column_text(cells[i]) for i, h in enumerate(header) if i != geometry}
    return gpd.GeoDataFrame(properties, geometry=shapes).to_json().encode("utf-8")


def _shape(value, shapely):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return shapely.from_wkb(bytes(value))
    text = str(value).strip()
    if text.startswith("{"):
        return shapely.from_geojson(text)
    if re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", text):  # PostGIS: hex (E)WKB
        return shapely.from_wkb(bytes.fromhex(text))
    return shapely.from_wkt(text)


# --------------------------------------------------------------------------------------------
# Problems named after tables.


def name_tables(report: Report, done: Read) -> Report:
    """Problems in the loader's file words put in the database's: `referrals.csv:5` (the
    header being row 1) becomes `table referrals:4`, and the contract's file names in
    messages (`no such id in assets.csv`) the table's."""
    labels = dict(done.labels)
    for name, spec in TABLES.items():  # tables the database lacks: `table assets: missing`
        labels.setdefault(spec.file, TABLE_LABEL.format(name))
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, labels)) + r")(?![\w.])")
    rows = re.compile(r"\(row (\d+)\)")

    def words(text: str | None) -> str | None:
        return pattern.sub(lambda m: labels[m.group()], text) if text else text

    def shifted(text: str | None) -> str | None:
        return rows.sub(lambda m: f"(row {int(m.group(1)) - 1})", text) if text else text

    problems = []
    for p in report.problems:
        if p.file in labels:
            p = replace(p, row=None if p.row is None else p.row - 1,
                        value=shifted(p.value), message=shifted(p.message))  # fmt: skip
        if p.file not in report.ignored:
            p = replace(p, file=labels.get(p.file, p.file), message=words(p.message))
        problems.append(p)
    report.problems = problems
    report.unreadable = [labels.get(f, f) for f in report.unreadable]
    report.person_files = list(dict.fromkeys(labels.get(f, f) for f in report.person_files))
    report.ignored = {labels.get(f, f): why for f, why in report.ignored.items()}
    return report


def load(url: str, progress=None, edited: bytes | None = None):
    """The database's dataset and report, as `loader.load_folder` gives a folder's (with
    `edited` as its mapping, if given)."""
    from socialrx.data.dataset import Dataset
    from socialrx.data.loader import load_files

    report = Report()
    done = read(url, report, progress, edited)
    if done.unreadable_in(report):
        return Dataset(), report
    dataset, report = load_files(done.files, progress, report)
    return dataset, name_tables(report, done)


# --------------------------------------------------------------------------------------------
# A data folder written into a database (the demo as a database, for trying this out).


def out_url(out: str | Path) -> str | None:
    """The database a `--out` names: a URL, or a new file ending .duckdb, .sqlite or .db."""
    text = str(out)
    if "://" in text:
        return text
    suffix = Path(text).suffix.lower()
    if suffix == ".duckdb":
        return f"duckdb:///{text}"
    return f"sqlite:///{text}" if suffix in (".sqlite", ".sqlite3", ".db") else None


def write_folder(folder: Path, url: str) -> dict[str, int]:
    """Every table of a data folder written into a database as text columns, named after its
    files (a zip's files each a table; boundaries as an `areas` table of WKT), replacing
    tables of those names: how an analyst's extract might sit in one. Rows by table."""
    tables = _folder_tables(Path(folder))
    if url.lower().startswith("duckdb"):
        import duckdb

        path = file_of(url)
        if path is None:
            raise SourceError(f"{masked(url)}: name a DuckDB file: duckdb:///path.duckdb")
        path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(path)) as connection:
            for name, frame in tables.items():
                connection.register("incoming", frame)
                quoted = '"' + name.replace('"', '""') + '"'
                connection.execute(f"CREATE OR REPLACE TABLE {quoted} AS SELECT * FROM incoming")
                connection.unregister("incoming")
    else:
        import sqlalchemy as sa

        if (path := file_of(url)) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        try:
            with engine.begin() as connection:
                for name, frame in tables.items():
                    frame.to_sql(name, connection, if_exists="replace", index=False,
                                 dtype=dict.fromkeys(frame.columns, sa.Text()))  # fmt: skip
        finally:
            engine.dispose()
    return {name: len(frame) for name, frame in tables.items()}


def _folder_tables(folder: Path) -> dict[str, pd.DataFrame]:
    import zipfile

    import geopandas as gpd

    def text(data) -> pd.DataFrame:
        return pd.read_csv(data, dtype=str, keep_default_na=False).astype(object)

    tables = {}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix == ".csv":
            tables[path.stem] = text(path)
        elif suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for inner in archive.namelist():
                    if inner.lower().endswith(".csv"):
                        tables[Path(inner).stem] = text(io.BytesIO(archive.read(inner)))
        elif suffix == ".geojson":
            areas = gpd.read_file(path)
            frame = pd.DataFrame(areas.drop(columns=areas.geometry.name)).astype(object)
            frame["geometry"] = areas.geometry.to_wkt(rounding_precision=-1)
            tables[path.stem] = frame
    return tables
