"""Command line: `python -m socialrx validate DIR`, `refresh DIR`, `demo --out DIR`, `report DIR
--out OUT`, and Open Referral in (files or a live feed) and out. Where a command reads a data
folder, a database address or file may stand in its place (`socialrx.data.database`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from socialrx.data import database
from socialrx.data.demo import DEFAULT_PLACE, place_names, write_demo
from socialrx.data.loader import load_folder
from socialrx.disclosure import Level

VALID, INVALID, UNREADABLE = 0, 1, 2


def _load(source: str | Path):
    """A data folder's or a database's dataset and report."""
    url = database.database_url(source)
    return database.load(url) if url is not None else load_folder(Path(source))


def _shown(source: str | Path) -> str:
    """The source as printed: a database address without its password."""
    return database.masked(str(source))


def validate(source: str | Path) -> int:
    """Print every problem, one line each; exit 0 valid, 1 errors, 2 unreadable."""
    folder = _shown(source)
    try:
        dataset, report = _load(source)
    except OSError as exc:  # a folder we may not list or a file we may not open
        print(f"{folder}: could not be read ({exc.strerror or exc})")
        return UNREADABLE
    for line in report.lines():
        print(line)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in dataset.tables.items())
    if report.unreadable:
        what = "source(s)" if database.is_database(source) else "file(s)"
        print(f"{len(report.unreadable)} {what} could not be read: {', '.join(report.unreadable)}")
        return UNREADABLE
    verdict = f"{len(report.errors):,} errors, {len(report.warnings):,} warnings"
    print(f"{folder}: {verdict}. Rows usable: {counts or 'none'}")
    return INVALID if report.errors else VALID


def refresh(source: str | Path) -> int:
    """Load and check a data folder (or database), write its saved copy and say what changed
    since the last refresh; exit 0 valid, 1 errors, 2 unreadable (for cron or a scheduled
    task)."""
    from socialrx.data import freshness

    folder = _shown(source)
    try:
        done = freshness.refresh(source)
    except OSError as exc:
        print(f"{folder}: could not be read ({exc.strerror or exc})")
        return UNREADABLE
    report = done.report
    if not freshness.readable(source, report):
        for line in report.lines():
            print(line)
        return UNREADABLE
    saved = f"saved copy {done.saved}" if done.saved else "no saved copy (SOCIALRX_CACHE_DIR)"
    print(f"Refreshed {folder} at {done.at:%Y-%m-%d %H:%M}: {saved}.")
    when = freshness.as_at(done.dataset)
    if when.date is not None:
        print(f"Data as at {when.date:%d %b %Y} ({when.basis}).")
        days, _ = freshness.stale_days()
        age = freshness.age_in_days(when.date)
        if days is not None and age > days:
            print(f"The data is {age:,} days old, older than the {days:,} days this deployment "
                  f"allows ({freshness.STALE_VARIABLE}).")  # fmt: skip
    previous = done.previous
    if previous is None:
        kind = "database" if database.is_database(source) else "folder"
        print(f"First refresh of this {kind}: nothing to compare with. Rows: " + ", ".join(
            f"{c.table} {c.rows:,}" for c in done.changes) + ".")  # fmt: skip
    else:
        last = str(previous.get("refreshed_at", "?"))[:16].replace("T", " ")
        print(f"Since the last refresh ({last}):")
        for change in done.changes:
            print(f"  {change.table}: {_table_change(change)}")
        listed = done.new_problems
        print(f"{len(listed):,} new problem(s)" + (":" if listed else "."))
        for problem in listed[:20]:
            print(f"  {problem}")
        if len(listed) > 20:
            print(f"  and {len(listed) - 20:,} more (`python -m socialrx validate {folder}`)")
    if done.record is None:
        print("No record of this refresh was kept (no writable cache folder): the next one has "
              "nothing to compare with.")  # fmt: skip
    print(f"{len(report.errors):,} errors, {len(report.warnings):,} warnings.")
    if report.unreadable:
        print(f"Could not be read: {', '.join(report.unreadable)}")
        return UNREADABLE
    return INVALID if report.errors else VALID


def _table_change(change) -> str:
    """`12 rows added, 3 removed (1,020 now)`, or what else happened to the table."""
    if change.before is None:
        return f"new table ({change.rows:,} rows)"
    if not change.present:
        return f"gone (was {change.before:,} rows)"
    if change.added is None:
        net = change.rows - change.before
        return (
            f"{net:+,} rows net ({change.rows:,} now; the last refresh's copy is gone, so "
            "rows could not be matched)"
        )
    if not change.added and not change.removed:
        return f"no change ({change.rows:,} rows)"
    added = f"{change.added:,} row{'' if change.added == 1 else 's'} added"
    return f"{added}, {change.removed:,} removed ({change.rows:,} now)"


def _progress(fraction: float, text: str) -> None:
    """Long work says where it is (on stderr, so stdout stays the result)."""
    print(f"{fraction:4.0%} {text}", file=sys.stderr, flush=True)


def demo(
    out: str | Path,
    referrals: int,
    seed: int,
    assets: int | None = None,
    practices: int | None = None,
    place: str = DEFAULT_PLACE,
) -> int:
    """Write the synthetic demo dataset: a folder, or a database (`--out demo.duckdb`, a
    `.sqlite` file or an address), whose tables are then the folder's files."""
    import tempfile

    started = time.perf_counter()
    url = database.out_url(out)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "demo" if url else Path(out)
        counts = write_demo(folder, referrals, seed, progress=_progress, assets=assets,
                            practices=practices, place=place)  # fmt: skip
        if url:
            try:
                database.write_folder(folder, url)
            except Exception as exc:  # noqa: BLE001 - any driver's failure, said plainly
                print(f"{database.masked(url)}: could not be written "
                      f"({database.masked(str(exc).splitlines()[0])})")  # fmt: skip
                return UNREADABLE
    rows = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"Wrote demo data to {_shown(url or out)} in {time.perf_counter() - started:.1f} s: "
          f"{rows}")  # fmt: skip
    return 0


def report(
    folder: str | Path,
    out: Path,
    place: str | None,
    first: str | None,
    last: str | None,
    level: str,
    provider: str | None = None,
    year: str | None = None,
) -> int:
    """Write the workshop pack for a data folder (report.html and a CSV per table), or with
    `provider`, that provider's report for its funders for financial year `year`."""
    from socialrx import disclosure
    from socialrx.report import build_pack

    dataset, problems = _load(folder)
    if problems.unreadable or not dataset.has("assets"):
        folder = _shown(folder)
        print(f"{folder}: cannot make a pack: run `python -m socialrx validate {folder}`")
        return UNREADABLE
    floor = disclosure.deployment_floor()
    chosen = disclosure.Level(level)
    if chosen not in disclosure.allowed_levels(floor):
        print(f"Disclosure '{level}' is looser than this deployment allows: using '{floor}'.")
        chosen = floor
    if provider is not None or year is not None:
        if place or first or last:
            print("--provider reports on one financial year (--year) for the whole data: "
                  "--place, --from and --to do not apply.")  # fmt: skip
            return INVALID
        return _funder_report(dataset, out, provider, year, chosen)
    try:
        sel, words = _pack_selection(dataset, place, first, last, chosen)
    except ValueError as exc:
        print(f"{exc}")
        return INVALID
    started = time.perf_counter()
    written = build_pack(dataset, sel, chosen, words).write(out)
    print(f"Wrote the pack for {words} to {out} in {time.perf_counter() - started:.1f} s: "
          f"{len(written)} files (report.html and {len(written) - 1} CSV tables)")  # fmt: skip
    return VALID


def _funder_report(dataset, out: Path, provider: str | None, year: str | None, level) -> int:
    """One provider's report for its funders: checked provider and year, then written."""
    from socialrx.metrics import capacity, funding
    from socialrx.report import funder_report
    from socialrx.views.capacity import provider_names

    if not provider or not year:
        print("A funder report needs both --provider ORG and --year 2025/26.")
        return INVALID
    if not dataset.has("connections"):
        print("A funder report needs connections.csv (who was sent to each asset).")
        return INVALID
    assets = dataset.table("assets")
    if provider not in set(capacity.provider_of(assets)):
        print(f"--provider: {provider!r} runs no asset in this dataset (use its organisation_id).")
        return INVALID
    if funding.financial_year_start(year) is None:
        print(f"--year must be a financial year like 2025/26, not {year!r}.")
        return INVALID
    name = provider_names(dataset, assets).get(provider, provider)
    started = time.perf_counter()
    try:
        pack = funder_report(dataset, level, provider, year)
    except ValueError as exc:
        print(exc)
        return INVALID
    written = pack.write(out)
    label = funding.financial_year_label(funding.financial_year_start(year).year)
    print(f"Wrote the {label} report for funders of {name} to {out} in "
          f"{time.perf_counter() - started:.1f} s: {len(written)} files (report.html and "
          f"{len(written) - 1} CSV tables)")  # fmt: skip
    return VALID


def _pack_selection(dataset, place: str | None, first: str | None, last: str | None, level=None):
    """The pack's place (KIND:CODE[,CODE]; one code below disclosure "off") and whole-month
    period (YYYY-MM), checked against the data; default the whole dataset and its last 12
    months."""
    import pandas as pd

    from socialrx.metrics import selection

    default = selection.default_selection(dataset)
    start, end = default.start, default.end
    span = selection.data_period(dataset)
    if first or last:
        try:
            months = [pd.Period(m, "M") for m in (first or last, last or first)]
        except ValueError:
            raise ValueError(
                f"--from/--to must be months like 2025-04, not {first or last!r}"
            ) from None
        data_end = span[1] if span else months[1].end_time
        start, end = selection.month_period(months[0], months[1], data_end)
    if not place:
        return selection.Selection(start, end), "the whole dataset"
    kind, _, codes = place.partition(":")
    kinds = {
        "pcn": selection.PCN,
        "practice": selection.PRACTICE,
        "area": selection.AREA,
        "ward": selection.WARD,
        "msoa": selection.MSOA,
        "la": selection.LA,
        "neighbourhood": selection.NEIGHBOURHOOD,
        "catchment": selection.CATCHMENT,
    }
    if kind.lower() not in kinds or not codes:
        raise ValueError(f"--place must be KIND:CODE with KIND one of {', '.join(kinds)} "
                         f"(e.g. ward:E05012957), not {place!r}")  # fmt: skip
    options = selection.place_options(dataset).get(kinds[kind.lower()], {})
    chosen = tuple(c.strip() for c in codes.split(",") if c.strip())
    unknown = [c for c in chosen if c not in options]
    if unknown:
        raise ValueError(f"--place: {', '.join(unknown)} not found in this dataset's {kind}s")
    if level is not None and (rule := selection.place_rule(kinds[kind.lower()], chosen, level)):
        raise ValueError(f"--place: {rule}")
    words = ", ".join(options[c] for c in chosen)
    return selection.resolve(dataset, start, end, kinds[kind.lower()], chosen), words


def import_feed(url: str, out: Path, mapping: Path | None, full: bool, limits) -> int:
    """Read a live Open Referral feed into assets.csv and organisations.csv (later runs fetch
    what changed and keep local corrections), then check them as `validate` would."""
    from socialrx.data import feeds, openreferral
    from socialrx.data.files import SourceFile
    from socialrx.data.problems import Report

    found = Report()
    in_folder = out / openreferral.MAPPING_FILE
    mapping = mapping or (in_folder if in_folder.is_file() else None)
    try:
        data = mapping.read_bytes() if mapping else None
    except OSError as exc:
        print(f"{mapping}: could not be read ({exc.strerror or exc})")
        return UNREADABLE
    rules = openreferral.read_mapping(SourceFile(mapping.name, data), found) if mapping else None
    fetcher = feeds.Fetcher(limits)
    try:
        updated = feeds.update_folder(url, out, found, rules, feeds.mapping_digest(data), full,
                                      fetcher, _progress)  # fmt: skip
    except feeds.FeedError as exc:
        print(f"{exc}\nNothing was written to {out}.")
        return UNREADABLE
    except OSError as exc:
        print(f"{out}: could not be written ({exc.strerror or exc}); nothing was written")
        return UNREADABLE
    for line in found.lines():
        print(line)
    read = updated.read
    since = "" if updated.first else (
        f" ({len(read.unchanged):,} unchanged since the last run, "
        f"{updated.removed_services:,} removed from the feed)"
    )  # fmt: skip
    print(f"Read {read.pages:,} page(s) of {url}: {len(read.modified):,} services listed, "
          f"{read.details:,} full records fetched{since}; {updated.requests:,} requests, "
          f"{updated.bytes / 2**20:,.1f} MB.")  # fmt: skip
    changes = "" if updated.first else (
        f" ({updated.added:,} added, {updated.changed:,} changed and {updated.removed:,} removed "
        f"by the feed since the last run; {updated.kept:,} of your corrections kept)"
    )  # fmt: skip
    print(f"Wrote {len(updated.assets):,} assets and {len(updated.organisations):,} "
          f"organisations to {out}{changes}.")  # fmt: skip
    if len(updated.conflicts):
        print(f"{len(updated.conflicts):,} of your corrections conflict with the feed, which "
              "changed the same field; the feed's value was written (all of them are in "
              f"{out / feeds.STATE_FOLDER / 'conflicts.csv'}):")  # fmt: skip
        for row in updated.conflicts.head(20).itertuples(index=False):
            print(f"  {row.table} {row.id}, {row.field}: yours {row[3]!r}, the feed's now "
                  f"{row[5]!r} (was {row[4]!r})")  # fmt: skip
    print("Checking them:")
    return validate(out)


def import_openreferral(source: Path, out: Path, mapping: Path | None = None) -> int:
    """Flatten an Open Referral UK directory (ORUK JSON, HSDS CSV folder, or a zip) into
    assets.csv and organisations.csv, then check them as `validate` would."""
    from socialrx.data import openreferral
    from socialrx.data.files import SourceFile, files_in_folder
    from socialrx.data.problems import Report
    from socialrx.escape import csv_bytes

    found = Report()
    try:
        if source.is_dir():
            files = files_in_folder(source, found)
        else:
            files = [SourceFile(source.name, source.read_bytes())]
        rules = None
        if mapping is not None:
            rules = openreferral.read_mapping(SourceFile(mapping.name, mapping.read_bytes()), found)
    except OSError as exc:
        print(f"{source}: could not be read ({exc.strerror or exc})")
        return UNREADABLE
    imported, _ = openreferral.import_directory(files, found, rules)
    for line in found.lines():
        print(line)
    if imported is None or imported.assets.empty:
        print(f"{source}: no Open Referral services found (an ORUK /services JSON page, a "
              "folder of HSDS CSV tables with service.csv, or a zip of either)")  # fmt: skip
        return UNREADABLE
    out.mkdir(parents=True, exist_ok=True)
    (out / "assets.csv").write_bytes(csv_bytes(imported.assets))
    (out / "organisations.csv").write_bytes(csv_bytes(imported.organisations))
    print(f"Wrote {len(imported.assets):,} assets and {len(imported.organisations):,} "
          f"organisations to {out}; checking them:")  # fmt: skip
    return validate(out)


def export_openreferral(source: str | Path, out: Path) -> int:
    """Write a dataset's assets and organisations as HSDS 3 CSV tables and services.json."""
    from socialrx.data import openreferral

    dataset, found = _load(source)
    folder = _shown(source)
    if not dataset.has("assets") or dataset.table("assets").empty:
        for line in found.lines():
            print(line)
        print(f"{folder}: no assets to export: run `python -m socialrx validate {folder}`")
        return UNREADABLE if found.unreadable or not dataset.has("assets") else INVALID
    organisations = dataset.table("organisations") if dataset.has("organisations") else None
    files = openreferral.export_files(dataset.table("assets"), organisations)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    print(f"Wrote {len(dataset.table('assets')):,} assets as Open Referral UK (HSDS 3) to "
          f"{out}: {', '.join(sorted(files))}")  # fmt: skip
    if found.errors:
        print(f"{len(found.errors):,} errors in {folder}: rows with errors in required values "
              "were left out (see `validate`)")  # fmt: skip
    return INVALID if found.errors else VALID


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m socialrx", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="check a dataset folder and list every problem")
    check.add_argument("folder", help="the data folder, or a database (address or file)")
    again = commands.add_parser(
        "refresh",
        help="load and check a data folder, write its saved copy, say what changed (for cron)",
    )
    again.add_argument("source", help="the data folder, or a database (address or file)")
    make = commands.add_parser("demo", help="write the synthetic demo dataset")
    make.add_argument(
        "--out",
        required=True,
        help="a folder, or a database: a file ending .duckdb, .sqlite or .db, or an address",
    )
    make.add_argument("--referrals", type=_at_least_one, default=8000)
    make.add_argument("--seed", type=int, default=2026)
    make.add_argument(
        "--assets", type=_at_least_one, help="community assets (default: scaled with the place)"
    )
    make.add_argument(
        "--practices", type=_at_least_one, help="GP practices (default: scaled with the place)"
    )
    make.add_argument(
        "--place",
        choices=place_names(),
        default=DEFAULT_PLACE,
        help="local authorities on real LSOA 2011 boundaries (default: %(default)s)",
    )
    pack = commands.add_parser(
        "report",
        help="write the workshop pack (HTML and CSVs), or with --provider and --year one "
        "provider's report for its funders",
    )
    pack.add_argument("folder", help="the data folder, or a database (address or file)")
    pack.add_argument("--out", type=Path, required=True)
    pack.add_argument(
        "--place",
        help="KIND:CODE[,CODE]: pcn, practice, area, ward, msoa, la (local authority), "
        "neighbourhood (its name in neighbourhoods.csv) or catchment (a PCN's code)",
    )
    pack.add_argument("--from", dest="first", help="first month, YYYY-MM")
    pack.add_argument("--to", dest="last", help="last month, YYYY-MM")
    pack.add_argument(
        "--disclosure",
        choices=[lv.value for lv in Level],
        default="round",
        help="never below the deployment's floor (SOCIALRX_MIN_DISCLOSURE)",
    )
    pack.add_argument("--provider", help="an organisation_id: its report for its funders")
    pack.add_argument("--year", help="the funder report's financial year, e.g. 2025/26")
    into = commands.add_parser(
        "import-openreferral",
        help="Open Referral UK directory (a live feed's https:// address, JSON, HSDS CSV folder "
        "or zip) -> assets, organisations",
    )
    into.add_argument("source", help="a feed's address (https://...), a file or a folder")
    into.add_argument("--out", type=Path, required=True)
    into.add_argument("--mapping", type=Path, help="taxonomy mapping CSV: term,vocabulary,category")
    into.add_argument(
        "--full", action="store_true", help="a feed: fetch every service, not only what changed"
    )
    into.add_argument("--timeout", type=float, default=30.0, help="a feed: seconds per request")
    into.add_argument(
        "--retries", type=int, default=3, help="a feed: tries again after a failure (backing off)"
    )
    into.add_argument("--max-pages", type=_at_least_one, default=500, help="a feed: most pages")
    into.add_argument("--max-mb", type=_at_least_one, default=200, help="a feed: most MB read")
    outof = commands.add_parser(
        "export-openreferral", help="a dataset's assets as Open Referral UK (HSDS 3) tables + JSON"
    )
    outof.add_argument("folder", help="the data folder, or a database (address or file)")
    outof.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate(args.folder)
    if args.command == "refresh":
        return refresh(args.source)
    if args.command == "import-openreferral":
        if args.source.lower().startswith(("http://", "https://")):
            from socialrx.data.feeds import Limits

            limits = Limits(timeout=args.timeout, retries=max(0, args.retries),
                            max_pages=args.max_pages, max_bytes=args.max_mb * 2**20)  # fmt: skip
            return import_feed(args.source, args.out, args.mapping, args.full, limits)
        return import_openreferral(Path(args.source), args.out, args.mapping)
    if args.command == "export-openreferral":
        return export_openreferral(args.folder, args.out)
    if args.command == "report":
        return report(args.folder, args.out, args.place, args.first, args.last, args.disclosure,
                      args.provider, args.year)  # fmt: skip
    return demo(args.out, args.referrals, args.seed, args.assets, args.practices, args.place)


def _at_least_one(text: str) -> int:
    """A whole number of 1 or more, for the demo's sizes."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: give 1 or more")
    return value


if __name__ == "__main__":
    sys.exit(main())
