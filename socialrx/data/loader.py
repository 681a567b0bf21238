"""Loading a dataset: files in, one typed `Dataset` and one `Report` of every problem out."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from socialrx import vocab
from socialrx.data import (
    adapters,
    archives,
    benchmarks,
    census,
    checks,
    geography,
    gp_registrations,
    lookups,
    openreferral,
    scope,
)
from socialrx.data.dataset import Dataset
from socialrx.data.files import (
    GEO_SUFFIXES,
    LEFT_OUT,
    MAX_FILE_BYTES,
    SourceFile,
    files_in_folder,
    headless,
    looks_like_postcodes,
    read_csv,
    read_geo,
    read_workbook,
    table_by_content,
    table_for,
    too_big,
)
from socialrx.data.mapping import Mapping
from socialrx.data.memory import map_large_arrays
from socialrx.data.parsing import normalise_header
from socialrx.data.problems import ERROR, WARNING, Report
from socialrx.data.schema import PERSON_LEVEL, TABLES
from socialrx.data.tables import ID_DTYPE, ROW, Numbering, header_positions, type_table

Progress = Callable[[float, str], None]
NOT_RECOGNISED = (
    "not a table of the data contract: name it after its table ("
    + ", ".join(f"{n}.csv" for n in TABLES if n != "areas")
    + ", areas.geojson), or say which table it is with a file row in mapping.csv; official "
    "files as downloaded (IoD, Census age and ethnic group tables, ONS lookups and postcodes, "
    "NHS Digital registrations, epraccur, NHS England appointments, Fingertips) are known by "
    "their headers"
)
log = logging.getLogger(__name__)
map_large_arrays()  # before any table is read: every process that loads data (server, CLI)


def content_hash(files: list[SourceFile]) -> str:
    """A digest of every file's name and bytes: the cache key of a loaded dataset."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.data).digest())
    return digest.hexdigest()


def load_folder(folder: str | Path, progress: Progress | None = None) -> tuple[Dataset, Report]:
    """Load a dataset folder; a folder that cannot be read gives an empty dataset and a report."""
    folder = Path(folder)
    report = Report()
    if not folder.is_dir():
        report.add(str(folder), "no such folder: point to a folder of dataset files")
        report.unreadable.append(str(folder))
        return Dataset(), report
    # the folder's files are this call's own: their bytes are let go once read into tables
    return _guarded(files_in_folder(folder, report), progress, report, owned=True)


def _sources(
    files: list[SourceFile], directory: list, report: Report, extract: Mapping | None = None
) -> dict[str, tuple[str, object]]:
    """For each table, the one source to read: (label, file or workbook frame). When two files
    hold the same table, a file named exactly like it wins over a workbook sheet, which wins
    over an official file recognised by its name or its headers (epraccur, IoD, a postcode
    directory such as NSPD under its downloaded name); the other is reported."""
    chosen: dict[str, tuple[int, str, object]] = {}

    def offer(table: str, rank: int, label: str, source) -> None:
        if table == "area_lookup" and rank == 0 and chosen.get(table, (None,))[0] == 0:
            _, kept_label, kept = chosen[table]  # ONS lookups (wards, MSOAs): merged, not one
            kept = kept if isinstance(kept, list) else [(kept_label, kept)]
            chosen[table] = (0, f"{kept_label} and {label}", [*kept, (label, source)])
            return
        if table in chosen:
            kept_rank, kept_label, _ = chosen[table]
            used, ignored = (label, kept_label) if rank > kept_rank else (kept_label, label)
            report.add(ignored, f"two files hold the {table} table: {used} is used and this "
                       "one ignored; keep one of them")  # fmt: skip
            if rank <= kept_rank:
                return
        chosen[table] = (rank, label, source)

    extract = extract if extract is not None else Mapping()
    files = extract.take(files, report)  # mapping.csv: the extract's names -> the contract's
    for label, table, frame in directory:
        offer(table, 1, label, frame)  # ranked as a workbook sheet
    for file in files:
        if len(file.data) > MAX_FILE_BYTES:
            too_big(file.name, len(file.data), report)
            continue
        suffix = Path(file.name).suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            sheets = read_workbook(file, report)
            if sheets is None:
                report.unreadable.append(file.name)
                continue
            for sheet, (table, frame) in sheets.items():
                exact = normalise_header(sheet) == table
                offer(table, 1 if exact else 0, f"{file.name}[{sheet}]", frame)
            continue
        table = extract.table_of(file.name) or table_for(file.name) or table_by_content(file)
        if table is None and suffix in GEO_SUFFIXES:
            table = "areas"
        if table is None:
            report.add(file.name, f"ignored: {NOT_RECOGNISED}", WARNING)
            report.ignored[file.name] = (
                "not a file socialrx knows: name it after its table (e.g. referrals.csv), or "
                "say which table it is in mapping.csv (Data page: mapping); official downloads "
                "are known as published"
            )
            continue
        exact = normalise_header(Path(file.name).stem) == table
        offer(table, 2 if exact else 0, file.name, file)
    return {table: (label, source) for table, (_, label, source) in chosen.items()}


def _raw_tables(
    files: list[SourceFile],
    directory: list,
    report: Report,
    owned: bool = False,
    take: Callable[[str, str, pd.DataFrame], bool] | None = None,
) -> tuple[dict, dict, object, str | None]:
    """Raw text tables by name (with the file each came from), and the boundaries. With
    `owned`, `files` is emptied and each file's bytes are let go once its table is read, so a
    region's referrals are read beside its other tables' text, not beside every file's bytes.
    `take(table, label, frame)` is offered each table as it is read: one it takes (True) is
    left out of the tables returned."""
    raw, areas, vintage, extract = {}, None, None, Mapping()
    sources = _sources(files, directory, report, extract)
    if owned:
        files.clear()
    origin = {table: label for table, (label, _) in sources.items()}  # in the files' order
    found = {table: Report() for table in origin}  # each file's problems, listed in that order
    try:
        for table in sorted(sources, key=lambda t: _read_first(t, sources[t][1])):
            label, source = sources.pop(table)
            vintage = _read_one(table, label, source, found[table], extract, raw, take) or vintage
            if table == "areas" and "areas" in raw:
                areas = raw.pop("areas")
    finally:
        for table in origin:
            report.extend(found[table])
    return raw, origin, areas, vintage


def _read_one(table: str, label: str, source, found: Report, extract: Mapping, raw: dict,
              take) -> str | None:  # fmt: skip
    """Read one table's source into `raw` (the boundaries as "areas"), or hand it to `take`;
    the IoD vintage where it is the official IoD file. Problems go to `found`."""
    vintage = None
    sheet = isinstance(source, pd.DataFrame)
    if table == "areas":
        if sheet:
            message = "a workbook sheet cannot hold boundaries: give them as GeoJSON, a "
            found.add(label, message + "GeoPackage or a zipped shapefile")
        else:
            raw["areas"] = read_geo(source, found)
        return None
    if table == "area_lookup":
        frame = _area_lookup(source if isinstance(source, list) else [(label, source)],
                             found)  # fmt: skip
        if frame is not None:
            raw[table] = frame
        return None
    if table in PERSON_LEVEL:  # its problems name people's rows, even if the load then fails
        found.person_files = list(dict.fromkeys((label, TABLES[table].file)))
    empty = ERROR if table == "assets" else WARNING
    frame = source if sheet else read_csv(source, found, empty=empty)
    if frame is None:
        return None
    _left_out_as_read(table, frame, found)
    frame = extract.apply(table, frame, label, found)
    if table == "practices" and adapters.looks_like_epraccur(rows := headless(frame)):
        frame, skipped = adapters.practices_from_epraccur(rows)
        if skipped:
            found.add(label, f"{skipped:,} closed or non-GP rows of the ODS file skipped",
                      WARNING)  # fmt: skip
    elif table == "postcodes" and looks_like_postcodes(frame.columns):
        frame = adapters.postcodes_from_directory(frame)
    elif table == "area_stats" and adapters.iod_vintage(frame.columns):
        vintage = adapters.iod_vintage(frame.columns)
        frame = adapters.area_stats_from_iod(frame)
    if take is None or not take(table, label, frame):
        raw[table] = frame
    return vintage


def _left_out_as_read(table: str, frame: pd.DataFrame, found: Report) -> None:
    """The ids of rows left out as the file was read (more cells than its header), as typing
    lists those it leaves out (`Report.left_out`): a reference to one names its row."""
    rows = frame.attrs.pop(LEFT_OUT, None)
    key = TABLES[table].key if table in TABLES else None
    if not rows or not key:
        return
    names, positions = header_positions(frame.columns, TABLES[table], "", Report())
    if key in names:
        at = positions[names.index(key)]
        ids = {cells[at].strip(): row for row, cells in rows.items() if cells[at].strip()}
        found.leave_out(table, ids)


def _read_first(table: str, source) -> tuple[bool, int]:
    """The order tables are read in: person-level files first, the largest first, so that
    the longest typing (`_load_files`) starts soonest; the others in the files' order."""
    return table not in PERSON_LEVEL, -len(getattr(source, "data", b""))


def _area_lookup(sources: list, report: Report) -> pd.DataFrame | None:
    """The area lookup from one or more files: ONS lookups as downloaded are adapted to the
    contract's columns, and several (one for wards, one for MSOAs) merged into one."""
    frames = []
    for label, source in sources:
        frame = source if isinstance(source, pd.DataFrame) else read_csv(source, report, WARNING)
        if frame is None:
            continue
        if lookups.looks_like_lookup(frame.columns):
            frame = lookups.area_lookup_from_ons(frame, label, report)
        frames.append(frame)
    return lookups.merge_lookups(frames) if frames else None


def _boundaries(areas, label: str, report: Report) -> tuple[object, str | None]:
    """Boundaries with `area_code`/`area_name`, in WGS84, and the LSOA vintage they show."""
    headers = {c.lower(): c for c in areas.columns}
    vintage = (
        "2021"
        if any("21" in h for h in headers if h.startswith("lsoa"))
        else ("2011" if any(h.startswith("lsoa11") for h in headers) else None)
    )
    raw = pd.DataFrame(areas.drop(columns="geometry")).astype("string").fillna("")
    before = len(report.problems)
    typed = type_table(raw, TABLES["areas"], label, report)
    _number_features(report, before)
    if typed is None:
        return None, vintage
    gdf = areas.loc[typed.index if len(typed) == len(areas) else typed[ROW] - 2, ["geometry"]]
    gdf = gdf.reset_index(drop=True).assign(area_code=typed["area_code"].values,
                                            area_name=typed["area_name"].values)  # fmt: skip
    return geography.areas_to_wgs84(gdf.set_geometry("geometry"), label, report), vintage


def _number_features(report: Report, since: int) -> None:
    """Problems in a boundaries file name the feature (`feature 3`, counting from 1), not a
    spreadsheet row: a GeoJSON file has no header row to count."""
    for i in range(since, len(report.problems)):
        problem = report.problems[i]
        message = problem.message.replace(" more rows like this", " more features like this")
        if problem.row is not None:
            message = f"feature {problem.row - 1:,}: {message}"
        report.problems[i] = replace(problem, row=None, message=message)


def load_files(
    files: list[SourceFile], progress: Progress | None = None, report: Report | None = None
) -> tuple[Dataset, Report]:
    """Read, type and check every file; what is good is kept, every problem reported.

    A file that defeats every check gets a message, not a traceback: the user cannot act on
    one, and the app must keep running for the next upload."""
    return _guarded(files, progress, report if report is not None else Report(), owned=False)


def _guarded(files: list[SourceFile], progress: Progress | None, report: Report,
             owned: bool) -> tuple[Dataset, Report]:  # fmt: skip
    """`load_files`; with `owned`, `files` is emptied once its tables are read (no one else
    holds the list), so a region's 375 MB of CSV bytes are not held while it is checked."""
    names = [f.name for f in files]
    try:
        return _load_files(files, progress, report, owned)
    except Exception as exc:  # noqa: BLE001 - the last line of defence, reported as a problem
        log.exception("loading %s failed", names)  # for the maintainers
        report.add(
            ", ".join(names) or "dataset",
            f"could not be loaded: an unexpected problem ({type(exc).__name__}) that the "
            "checks did not catch. Please report it, with the files if you can",
        )
        report.unreadable.append("dataset")
        return Dataset(), report


def _load_files(
    files: list[SourceFile], progress: Progress | None, report: Report, owned: bool
) -> tuple[Dataset, Report]:
    step = progress or (lambda fraction, text: None)
    tables: dict[str, pd.DataFrame] = {}
    written: dict[str, pd.DataFrame] = {}  # date columns as the files wrote them
    numbered = {}  # by table, what `_typed` worked out for the checks across tables
    # ended in `finally`: a load stopped or failed midway waits only for the table being typed
    typing = ThreadPoolExecutor(max_workers=TYPING_THREADS)
    try:
        # hashed by the thread while the largest file is read (hashlib lets go of the GIL)
        digest = typing.submit(content_hash, list(files))
        step(0.05, "Reading files")
        others, directory = openreferral.directory_sources(files, report)  # ORUK, HSDS, zip
        others = archives.unpacked(others, report)  # other zips: their files, as if handed in
        others, nhs_digital = gp_registrations.split(others)  # known by their headers
        others, census_ages = census.split(others)
        others, census_ethnicity = census.split_ethnicity(others)
        others, published = benchmarks.split(others)
        if owned:  # `others` holds the tables' files from here, each let go once read
            files.clear()
        typed: dict[str, Future | tuple] = {}
        handed: dict[str, list] = {}
        rows: dict[str, int] = {}

        def type_now(name: str, label: str, raw_table: pd.DataFrame) -> bool:
            """A person-level table is typed as soon as it is read, beside the next file's
            reading (Arrow's reader and much of the typing let go of the GIL)."""
            if name in PERSON_LEVEL:
                handed[name], rows[name] = [raw_table], len(raw_table)
                typed[name] = typing.submit(_typed, name, label, handed[name])
            return name in PERSON_LEVEL

        raw, origin, geo, iod_vintage = _raw_tables(others, directory, report, owned, type_now)
        del others
        held_benchmarks = benchmarks.read(published, report)
        registered = gp_registrations.supplement(raw, origin, nhs_digital, report)
        lookup_year = (
            raw["area_lookup"].attrs.get(lookups.VINTAGE_ATTR) if "area_lookup" in raw else None
        )
        names = [name for name in origin if name in typed or name in raw]  # the files' order
        # all read: what the thread has not begun is typed here meanwhile, the largest first,
        # each taken from the thread's queue only as it starts (the thread, free, takes the
        # next); the other tables' text handed over, not kept: let go once typed
        largest = sorted(names, key=lambda name: -rows.get(name, -1))
        for i, name in enumerate(largest):
            if name in raw or typed[name].cancel():
                step(0.1 + 0.6 * i / max(len(names), 1), f"Checking {origin[name]}")
                taken = handed.pop(name) if name in handed else [raw.pop(name)]
                typed[name] = _typed(name, origin[name], taken)
        for name in names:  # problems in the files' order
            done = typed.pop(name)
            table, found, written[name], numbers = (
                done.result() if isinstance(done, Future) else done
            )
            if numbers is not None:
                numbered[name] = numbers
            report.extend(found)
            if table is not None:
                tables[name] = table
        done = table = numbers = None  # the last table as typed: `numbered` alone holds it
        digest = digest.result()
    finally:
        typing.shutdown(wait=True, cancel_futures=True)
    release_unused()  # the raw text just let go: Arrow's allocator keeps freed memory otherwise
    if "assets" not in origin:  # an unreadable or empty assets file is reported as such
        report.add("assets.csv", "missing: every dataset needs a table of community assets")
    step(0.75, "Checking references and places")
    areas, area_vintage = (None, None)
    if geo is not None:
        areas, area_vintage = _boundaries(geo, origin["areas"], report)

    meta = tables.pop("dataset", None)
    if meta is not None and len(meta) > 1:
        report.add(origin["dataset"], f"{len(meta):,} rows: only the first describes the "
                   "extract, the rest are ignored", WARNING)  # fmt: skip
    first = meta.iloc[0] if meta is not None and len(meta) else {}
    extract = first.get("extract_date") if len(first) else None
    extract = extract if pd.notna(extract) else checks.latest_date(tables)
    if extract is not None:
        checks.dates_after_extract(tables, extract, report)

    # a national practice file is cut to the place first: practices elsewhere raise no problems
    scope.scope_practices_to_place(tables, areas, first, origin, report)
    _check_across(tables, areas, extract, report, origin, numbered)
    del numbered
    areas = scope.scope_areas_to_place(tables, areas, first, origin, report)
    gp_registrations.finish(registered, tables, areas, origin, report)  # list sizes, by area
    known_areas = lookups.dataset_area_codes(tables, areas)
    if "neighbourhoods" in tables:
        lookups.check_neighbourhoods(tables["neighbourhoods"], known_areas,
                                     origin["neighbourhoods"], report)  # fmt: skip
    _quote_dates_as_written(report, written, origin)
    _name_origins(report, origin)
    step(0.95, "Finishing")
    for frame in tables.values():
        frame.drop(columns=ROW, inplace=True)
    if census_ages:  # adults 18+ by area, into area_stats
        census.supplement(tables, census_ages, known_areas, iod_vintage is not None, report)
    if census_ethnicity:  # residents by ethnic group and area
        census.supplement_ethnicity(tables, census_ethnicity, known_areas, report)
    benchmarks.finish(held_benchmarks, tables, benchmarks.dataset_codes(tables, areas),
                      registered.adults, origin, report)  # fmt: skip
    vintage = _vintage(first, area_vintage, iod_vintage, origin, report)
    if "area_lookup" in tables:  # a national lookup: the dataset's own areas
        tables["area_lookup"] = lookups.cut_to_dataset(
            tables["area_lookup"], known_areas, lookup_year, vintage, origin["area_lookup"], report
        )
    dataset = Dataset(
        tables=tables,
        areas=areas,
        extract_date=extract,
        lsoa_vintage=vintage,
        place_name=_text(first, "place_name"),
        source=_text(first, "source"),
        content_hash=digest,
    )
    del written
    release_unused()
    step(1.0, "Loaded")
    return dataset, report


# One thread types the person-level tables as each is read (the largest read first), beside
# the reading of the next file; once all are read, the main thread types what it has not
# begun. A region's load took 6.7-7.8 s and peaked at 1.33-1.36 GB, against 9.1-10.6 s and
# 1.40-1.42 GB typing after reading; two typing threads were no faster (6.8-7.5 s: both cores
# are busy) and peaked higher (1.45-1.47 GB)
TYPING_THREADS = 1


def _typed(name: str, label: str, handed: list[pd.DataFrame]):
    """(the table typed or None, its problems, its dates as written, and what the checks
    across tables use: for the outcomes what `_outcomes_alone` finds, for the referrals
    (the table, `checks.nhs_shaped` of its ids)) for the raw table in `handed`, which is
    taken out of it: typing lets go of each column's text once typed, so nothing else may
    hold the raw table."""
    found = Report()
    written = _dates_as_written(handed[0], name, label)
    numbering = dict.fromkeys(NUMBERED.get(name, ()))
    table = type_table(handed.pop(), TABLES[name], label, found, numbering)
    numbered = None
    if name == "outcomes" and table is not None:
        numbered = _outcomes_alone(table, numbering.get("referral_id"))
    elif name == "referrals" and table is not None:  # a mask a column, not its numbering
        numbered = table, {c: checks.nhs_shaped(table[c], n) for c, n in numbering.items()}
    return table, found, written, numbered


# Id columns the checks across tables use the numbering of, as typed (`tables.numbered_ids`):
# the outcomes' referrals, looked up; the referrals' ids, checked for NHS numbers
NUMBERED = {"outcomes": ("referral_id",), "referrals": ("referral_id", "person_id")}


def _outcomes_alone(outcomes: pd.DataFrame, referral: Numbering | None = None) -> tuple:
    """(the outcomes, each row's referral number (`pd.factorize`: codes, distinct ids; from
    `referral` as typed when given), the rows the checks of the outcomes alone keep, and
    those checks' problems): worked out as soon as the outcomes are typed, beside the main
    thread's typing of the referrals, where they took 0.7 s of the checks across tables at
    the region's size. `_check_across` uses them with the very table they were made from
    and lists the problems where it would."""
    found = Report()
    if referral is None:
        referral = pd.factorize(outcomes["referral_id"], use_na_sentinel=False)
    else:
        referral = referral.codes, referral.distinct
    ok = checks.outcome_values_in_range(outcomes, found)
    ok &= checks.follow_ups_after_baseline(outcomes, found, referral[0])
    return outcomes, referral, ok, found


def release_unused() -> None:
    """Hand the memory of freed Arrow buffers back to the system: Arrow's allocator keeps it
    for reuse, and a region's raw text is about 300 MB that a server would otherwise hold."""
    pa.default_memory_pool().release_unused()


def _vintage(first, from_areas, from_iod, origin: dict, report: Report) -> str | None:
    """The LSOA vintage: dataset.csv's, else what the boundaries or the IoD file show; a
    disagreement is reported, since 2011 and 2021 codes only partly match."""
    stated = first.get("lsoa_vintage") if len(first) else None
    claims = {
        origin.get("dataset", "dataset.csv"): stated if pd.notna(stated) else None,
        origin.get("areas", "areas.geojson"): from_areas,
        origin.get("area_stats", "area_stats.csv"): from_iod,
    }
    claims = {file: year for file, year in claims.items() if year}
    if len(set(claims.values())) > 1:
        listed = ", ".join(f"{file} {year}" for file, year in claims.items())
        message = (
            f"the files disagree on the LSOA vintage ({listed}): 2011 and 2021 area codes "
            "only partly match, so some areas will find no data"
        )
        report.add(next(iter(claims)), message, WARNING)
    return next(iter(claims.values()), None)


def _text(row, key: str) -> str:
    value = row.get(key) if len(row) else None
    return "" if value is None or pd.isna(value) else str(value)


def _check_across(tables: dict, areas, extract, report: Report, origin: dict,
                  numbered: dict | None = None) -> None:  # fmt: skip
    """Checks that need more than one table; tables are replaced by their usable rows.
    `numbered`, by table, what was worked out as it was typed (`_typed`): for the outcomes
    what `_outcomes_alone` found, for the referrals (the table, `checks.nhs_shaped` of its
    ids by column)."""
    numbered = numbered or {}
    postcodes = tables.get("postcodes")
    if "assets" in tables:
        file = origin["assets"]  # type_table reported under this name: checks follow it
        assets = checks.place_points(tables["assets"], file, postcodes, report)
        _unplaced_postcodes(assets, "assets", file, postcodes is not None, report)
        assets = checks.tidy_assets(assets, extract, report, file)
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
            tables["practices"], origin["practices"], postcodes, report
        )
        _unplaced_postcodes(tables["practices"], "practices", origin["practices"],
                            postcodes is not None, report)  # fmt: skip
    if "funding" in tables:
        funding = tables["funding"]
        tables["funding"] = funding[checks.financial_years(funding, report)]
    referrals = tables.get("referrals")
    if referrals is not None:  # NHS numbers looked for as typed, while no row is left out
        typed, shaped = numbered.pop("referrals", (None, {}))
        shaped = shaped if typed is referrals else {}
        referrals = checks.refuse_nhs_numbers(referrals, "referrals.csv", "referral_id", report,
                                              shaped.get("referral_id"))  # fmt: skip
    if referrals is None:
        tables.pop("referrals", None)
    else:
        shaped = shaped if referrals is typed else {}
        referrals = checks.refuse_nhs_numbers(referrals, "referrals.csv", "person_id", report,
                                              shaped.get("person_id"))  # fmt: skip
        del typed, shaped
        for later in ("first_contact_date", "first_appointment_date", "closed_date"):
            checks.dates_in_order(referrals, "referrals.csv", "referral_date", later, report)
        checks.closures_dated(referrals, report)
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
    if "link_workers" in tables:
        checks.dates_in_order(tables["link_workers"], "link_workers.csv", "start_date",
                              "end_date", report)  # fmt: skip
    for name in ("connections", "outcomes") if referrals is None else ():
        # with referrals loaded, an id must match one of its (checked) ids or is left out
        if name in tables:
            kept = checks.refuse_nhs_numbers(tables[name], TABLES[name].file, "referral_id",
                                             report)  # fmt: skip
            if kept is None:
                del tables[name]
            else:
                tables[name] = kept
    referred_on = (
        referrals.set_index("referral_id")["referral_date"] if referrals is not None else None
    )
    if "connections" in tables:
        tables["connections"] = _usable_connections(tables, referred_on, report)
    if "outcomes" in tables:
        outcomes = tables["outcomes"]
        alone = numbered.pop("outcomes", None)
        if alone is None or alone[0] is not outcomes:  # rows left out since typed
            alone = _outcomes_alone(outcomes)
        # each row's referral as a whole number, for both checks that look the referral up
        _, (referral, ids), ok, found = alone
        report.extend(found)
        del alone, found
        if referred_on is not None:
            dates, found = _referral_dates(outcomes, referred_on, (referral, ids))
            ok &= _known_referrals(outcomes, "outcomes.csv", referred_on, found, report)
            dated = outcomes.assign(referral_date=dates)
            checks.dates_in_order(dated, "outcomes.csv", "referral_date", "assessed_date",
                                  report, WARNING)  # fmt: skip
        tables["outcomes"] = _kept(outcomes, ok)


def _unplaced_postcodes(frame: pd.DataFrame, what: str, file: str, looked_up: bool,
                        report: Report) -> None:  # fmt: skip
    """One line naming the missing piece when rows with only a postcode are off the map because
    no postcode file was loaded (a postcode the loaded file lacks is listed row by row)."""
    if looked_up:
        return
    waiting = frame["latitude"].isna() & frame["postcode"].notna()
    if "delivery" in frame:  # online and telephone assets need no place
        waiting &= frame["delivery"].isin(vocab.DELIVERY_NEEDS_LOCATION)
    count = int(waiting.sum())
    if count:
        noun, has, they = (
            (what, "have", "they are") if count > 1 else (what.removesuffix("s"), "has", "it is")
        )
        report.add(file, f"{count:,} {noun} {has} a postcode but no postcode file was loaded, "
                   f"so {they} not on the map: add the ONS postcode directory for your place "
                   "(NSPD, NSPL or ONSPD as downloaded, under any name)", WARNING)  # fmt: skip


def _referral_dates(
    frame: pd.DataFrame, referred_on: pd.Series, factorized: tuple | None = None
) -> tuple[pd.Series, pd.Series]:
    """Each row's referral date (NaT for an unknown referral) and whether its referral is
    known: the ids looked up once, not once to check and again to date; each distinct id
    once when the caller has them factorized (`pd.factorize`: codes, distinct ids). The
    frame's referral ids become the referrals' own strings where known: one string per id
    across the tables (a region's connections and outcomes held 80 MB of copies)."""
    if factorized is None:
        where = referred_on.index.get_indexer(frame["referral_id"])
    else:
        codes, ids = factorized
        where = referred_on.index.get_indexer(ids)[codes]
    found = where >= 0
    dates = np.full(len(where), np.datetime64("NaT"), dtype=referred_on.dtype)
    dates[found] = referred_on.to_numpy()[where[found]]
    shared = frame["referral_id"].to_numpy(dtype=object)  # a copy of the pointers
    shared[found] = referred_on.index.to_numpy(dtype=object)[where[found]]
    frame["referral_id"] = pd.arrays.StringArray._simple_new(shared, ID_DTYPE)  # str or NA
    return pd.Series(dates, index=frame.index), pd.Series(found, index=frame.index)


def _known_referrals(frame, file: str, referred_on: pd.Series, found: pd.Series,
                     report: Report) -> pd.Series:  # fmt: skip
    return checks.known_references(frame, file, "referral_id", referred_on.index,
                                   "referrals.csv", report,
                                   left_out=report.left_out.get("referrals"),
                                   found=found)  # fmt: skip


def _usable_connections(tables: dict, referred_on, report: Report) -> pd.DataFrame:
    """Connections that name a known referral and asset, with their dates checked in order."""
    connections = tables["connections"]
    ok = pd.Series(True, index=connections.index)
    if referred_on is not None:
        dates, found = _referral_dates(connections, referred_on)
        ok &= _known_referrals(connections, "connections.csv", referred_on, found, report)
        sent_after = connections.assign(referral_date=dates)
        checks.dates_in_order(sent_after, "connections.csv", "referral_date", "referred_date",
                              report)  # fmt: skip
    if "assets" in tables:
        ok &= checks.known_references(connections, "connections.csv", "asset_id",
                                      tables["assets"]["asset_id"], "assets.csv", report,
                                      left_out=report.left_out.get("assets"))  # fmt: skip
    checks.dates_in_order(connections, "connections.csv", "referred_date", "started_date", report)
    checks.dates_in_order(connections, "connections.csv", "started_date", "ended_date", report)
    return _kept(connections, ok)


def _kept(frame: pd.DataFrame, ok: pd.Series) -> pd.DataFrame:
    """The rows to keep, renumbered; the table itself (no copy of a million rows) when all are."""
    return (frame if ok.all() else frame[ok]).reset_index(drop=True)


def _dates_as_written(frame: pd.DataFrame, name: str, file: str) -> pd.DataFrame:
    """The table's date columns as text, as its file wrote them, by the file's row less 2
    (the typed table's ROW less 2). Each is made a categorical in `frame` itself, which is
    typed from it: a few thousand distinct dates held once, not a million rows of text kept
    until the checks are done (about 150 MB at a region's size)."""
    names, positions = header_positions(frame.columns, TABLES[name], file, Report())  # reported
    dates = set(checks.date_columns(name))
    written = {}
    for column, position in zip(names, positions, strict=True):
        if column in dates:
            frame.isetitem(position, frame.iloc[:, position].astype("category"))
            written[column] = frame.iloc[:, position]
    return pd.DataFrame(written, index=frame.index)


def _quote_dates_as_written(report: Report, written: dict, origin: dict[str, str]) -> None:
    """A problem with a date found after typing (after the extract date, before the
    referral, a follow-up before its baseline) quotes the date as the file has it
    (`20/08/2024`, not `2024-08-20`), so the user can find it."""
    dates = {}
    for name, frame in written.items():
        dates[origin[name]] = dates[TABLES[name].file] = frame
    quoted = []
    for p in report.problems:
        frame = dates.get(p.file)
        if p.row is not None and p.value and frame is not None and p.column in frame.columns:
            text = frame[p.column].get(p.row - 2)
            if isinstance(text, str) and text.strip() and text != p.value:
                p = replace(p, value=text)
        quoted.append(p)
    report.problems = quoted


def _name_origins(report: Report, origin: dict[str, str]) -> None:
    """Problems found across tables name the file the user handed in (`book.xlsx[assets]`,
    `epraccur.csv`), not the contract's name for it."""
    renamed = {TABLES[n].file: o for n, o in origin.items() if o != TABLES[n].file}
    if not renamed:
        return
    # "no such id in assets.csv" names the contract's file too: \b keeps my_assets.csv whole
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, renamed)) + r")\b")
    report.problems = [
        p
        if p.file in report.ignored  # its message names the contract's files, as a list
        else replace(
            p,
            file=renamed.get(p.file, p.file),
            message=pattern.sub(lambda m: renamed[m.group()], p.message),
        )
        for p in report.problems
    ]


def _known_area_codes(areas, area_stats: pd.DataFrame | None) -> pd.Series | None:
    codes = []
    if areas is not None:
        codes.append(areas["area_code"])
    if area_stats is not None:
        codes.append(area_stats["area_code"])
    return pd.concat(codes) if codes else None
