"""How fresh the data is, and a refresh a scheduler can run.

`as_at`: the date a dataset is as at (the extract date it names, else its latest dated record).
`stale_days`: how old this deployment lets the data get (`SOCIALRX_STALE_DAYS`). `refresh`:
load a data folder (or database), check it, write its saved copy (`store`), and say what
changed since the last refresh, from a small record (`refresh.json`) kept beside the saved
copy: rows added and removed per table (matched row by row against the last refresh's saved
copy, or as a net change when that copy is gone) and problems not reported before. A running
app keys its load on the folder's files, so it sees refreshed files at its next rerun and reads
them through the copy the refresh saved; on a database file's size and times, or a server's
every quarter hour (`database.fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from socialrx.data import checks, database, store
from socialrx.data.dataset import DERIVED, Dataset, keep
from socialrx.data.problems import Problem, Report

STALE_VARIABLE = "SOCIALRX_STALE_DAYS"
RECORD = "refresh.json"


@dataclass(frozen=True)
class AsAt:
    """The date the data is as at, and what that date is, in words."""

    date: pd.Timestamp | None
    basis: str = ""


def as_at(dataset: Dataset) -> AsAt:
    """The extract date: the one `dataset.csv` names, else (as the loader defaults it) the
    latest date in the data."""
    if dataset.extract_date is None:
        return AsAt(None)
    date = pd.Timestamp(dataset.extract_date).normalize()
    named = date != checks.latest_date(dataset.tables)
    return AsAt(date, "the extract date" if named else "the latest date in the data")


def dataset_as_at(dataset: Dataset) -> AsAt:
    """`as_at`, once per dataset (kept with its saved copy)."""
    return dataset.derived("as_at", lambda: as_at(dataset))


# kept with the saved copy (`dataset.keep`): the latest date in the data reads every table
keep("as_at", lambda when: {"as_at": pd.DataFrame({"date": pd.array([when.date]),
                                                   "basis": [when.basis]})},
     lambda f: AsAt(None if pd.isna(f["as_at"]["date"][0]) else f["as_at"]["date"][0],
                    f["as_at"]["basis"][0]), "socialrx.data.freshness",
     ask=dataset_as_at)  # fmt: skip


def stale_days(environ: dict | None = None) -> tuple[int | None, str]:
    """The most days old this deployment lets the data be (None: not checked), and what is
    wrong with the setting when it is not a whole number of days."""
    text = (environ if environ is not None else os.environ).get(STALE_VARIABLE, "").strip()
    if not text:
        return None, ""
    if not text.isdigit() or int(text) < 1:
        return None, (f"{STALE_VARIABLE} is {text!r}, not a whole number of days (1 or more): "
                      "the data's age is not checked")  # fmt: skip
    return int(text), ""


def age_in_days(date, today: pd.Timestamp | None = None) -> int:
    """Whole days from `date` (a date, or a refresh's local time) to today."""
    date = pd.Timestamp(date)
    if date.tzinfo is not None:
        date = date.tz_localize(None)  # its own wall-clock time
    today = today if today is not None else pd.Timestamp.now()
    return int((today.normalize() - date.normalize()).days)


# --------------------------------------------------------------------------------------------
# Refresh


@dataclass
class TableChange:
    """One table since the last refresh: rows now, and rows added and removed (None when only
    the net change is known, the last refresh's saved copy being gone)."""

    table: str
    rows: int
    before: int | None  # None: a new table
    added: int | None = None
    removed: int | None = None
    present: bool = True  # False: the table was there at the last refresh and is not now


@dataclass
class Refreshed:
    dataset: Dataset
    report: Report
    at: datetime
    previous: dict | None = None  # the last refresh's record
    changes: list[TableChange] = field(default_factory=list)
    new_problems: list[Problem] = field(default_factory=list)
    record: Path | None = None  # where this refresh's record was written (None: nowhere)
    saved: Path | None = None  # the saved copy (None: not written, or turned off)


def _problem_key(problem: Problem) -> str:
    """A problem without its row (rows move when rows are added above it), as a short digest
    so the record holds no values from the data."""
    text = "\0".join(str(x) for x in (problem.file, problem.message, problem.column,
                                      problem.value, problem.severity))  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _row_hashes(frame: pd.DataFrame, table: str) -> pd.Series:
    """One number per row over the columns the data holds (not those the loader derives,
    such as `stale`, which move with the extract date)."""
    columns = [c for c in frame.columns if c not in DERIVED.get(table, {})]
    return pd.util.hash_pandas_object(frame[columns], index=False)


def _added_removed(old: pd.Series, new: pd.Series) -> tuple[int, int]:
    """Rows in `new` and not in `old`, and the reverse, counting repeats."""
    difference = new.value_counts().sub(old.value_counts(), fill_value=0)
    return int(difference[difference > 0].sum()), int(-difference[difference < 0].sum())


def _identity(source: str | Path) -> str:
    """What a refresh record names its source by: a folder's resolved path, a database's
    address without its password (a file's resolved)."""
    url = database.database_url(source)
    return database.identity(url)[1] if url is not None else str(Path(source).resolve())


def last_record(source: str | Path) -> tuple[dict | None, Path | None]:
    """The last refresh's record for this folder or database, and the cache root it is in."""
    identity = _identity(source)
    for root in store.cache_locations(source):
        try:
            record = json.loads((root / RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("folder") == identity:
            return record, root
    return None, None


def last_refresh(source: str | Path, content_hash: str) -> datetime | None:
    """When the data as loaded (its content hash) was last refreshed; None if it was not."""
    record, _ = last_record(source)
    if record is None or record.get("content_hash") != content_hash:
        return None
    try:
        return datetime.fromisoformat(record["refreshed_at"])
    except (KeyError, TypeError, ValueError):
        return None


def refresh(
    source: str | Path,
    progress: Callable[[float, str], None] | None = None,
    now: datetime | None = None,
) -> Refreshed:
    """Load and check a folder (or database), save its copy, and compare with the last
    refresh."""
    previous, root = last_record(source)
    old_rows = _saved_rows(root / previous["key"]) if previous and previous.get("key") else None
    dataset, report, key = store.load_source(source, progress)
    at = (now or datetime.now()).astimezone()
    done = Refreshed(dataset, report, at, previous)
    if not readable(source, report):
        return done
    roots = store.cache_locations(source)
    done.saved = next((r / key for r in roots if key and (r / key / "manifest.json").is_file()),
                      None)  # fmt: skip
    same = previous is not None and key is not None and previous.get("key") == key
    before = (previous or {}).get("tables", {})
    for name in sorted(set(dataset.tables) | set(before)):
        frame = dataset.tables.get(name)
        change = TableChange(name, 0 if frame is None else len(frame), before.get(name),
                             present=frame is not None)  # fmt: skip
        if previous is not None and frame is not None and name in before:
            if same:
                change.added = change.removed = 0
            elif old_rows is not None and name in old_rows:
                change.added, change.removed = _added_removed(old_rows[name],
                                                              _row_hashes(frame, name))  # fmt: skip
        done.changes.append(change)
    seen = set((previous or {}).get("problems", []))
    if previous is not None:
        done.new_problems = [p for p in report.problems if _problem_key(p) not in seen]
    when = as_at(dataset)
    record = {
        "refreshed_at": at.isoformat(timespec="seconds"),
        "folder": _identity(source),
        "key": key if done.saved is not None else None,
        "content_hash": dataset.content_hash,
        "tables": {name: len(frame) for name, frame in dataset.tables.items()},
        "problems": sorted({_problem_key(p) for p in report.problems}),
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "as_at": None if when.date is None else when.date.date().isoformat(),
    }
    for place in ([done.saved.parent] if done.saved is not None else []) + roots:
        if _write_record(place, record):
            done.record = place / RECORD
            break
    return done


def readable(source: str | Path, report: Report) -> bool:
    """False for a folder that is not there or a database that could not be read."""
    url = database.database_url(source)
    if url is not None:
        return database.masked(url) not in report.unreadable
    return Path(source).is_dir()


def _saved_rows(entry: Path) -> dict[str, pd.Series] | None:
    """Each table's row hashes in the saved copy at `entry`; None when it is gone or broken."""
    if not (entry / "manifest.json").is_file():
        return None
    try:
        dataset, _ = store.read_copy(entry)
    except Exception:  # noqa: BLE001 - a broken copy only means rows cannot be matched
        return None
    return {name: _row_hashes(frame, name) for name, frame in dataset.tables.items()}


def _write_record(root: Path, record: dict) -> bool:
    """The record written whole (a temporary file, then a rename); False if it cannot be."""
    temporary = root / f".{RECORD}.{os.getpid()}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(temporary, root / RECORD)
        return True
    except OSError:
        temporary.unlink(missing_ok=True)
        return False
