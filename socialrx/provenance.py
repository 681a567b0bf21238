"""Where an output came from: the one record every pack, report and CSV download carries.

The data's content hash (the SHA-256 of every file's contents, the same digest the saved copy
keys on) and extract date say which data; the app's version which code; the disclosure level,
place and period which view of it; made at and made by, when and for whom it was made. A CSV
carries it below its table (`csv_with_provenance`), an HTML report as a block at its top.
"""

from __future__ import annotations

import csv
import functools
import io
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from socialrx import __version__
from socialrx.disclosure import LABELS, Level
from socialrx.escape import csv_bytes, html_text, spreadsheet_safe

FOOTER_TITLE = "About this table"
# The lines below a CSV's table: a blank line, the title, then one line a field. Constant, so
# a program reads the table alone with `pandas.read_csv(path, skipfooter=FOOTER_LINES,
# engine="python")`.
FIELDS = (
    ("made_with", "Made with"),
    ("data", "Data"),
    ("content_hash", "Data content hash (SHA-256)"),
    ("extract_date", "Extract date (as at)"),
    ("disclosure", "Disclosure control"),
    ("place", "Place"),
    ("period", "Period"),
    ("made_at", "Made at"),
    ("made_by", "Made by"),
)
FOOTER_LINES = 2 + len(FIELDS)


@functools.cache
def app_version() -> str:
    """The package version, and the git commit when running from a checkout (`-dirty` when
    its files differ from that commit): the version number alone changes too rarely to say
    which code made an output."""
    here = Path(__file__).resolve().parent
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=10"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return f"socialrx {__version__}" + (f" ({described})" if described else "")


@dataclass(frozen=True)
class Provenance:
    """One output's origin, as text ready to print (see the module docstring)."""

    data: str
    content_hash: str
    extract_date: str
    disclosure: str
    place: str
    period: str
    made_at: str
    made_with: str
    made_by: str = ""  # who asked for it (`Person.described`): empty from the command line

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) for every field, in the order they are printed."""
        return [(label, getattr(self, name)) for name, label in FIELDS]


def record(
    dataset,
    selection,
    level: Level,
    place: str = "the whole dataset",
    *,
    dated: bool = True,
    made_by: str = "",
    now: datetime | None = None,
) -> Provenance:
    """The provenance of an output made now from `dataset` (a `Dataset`) for the `selection`'s
    period at `level`; `place` is the chosen place in words, `dated` False when the data has no
    dated records (so no period)."""
    made = (now or datetime.now(UTC)).astimezone()
    extract = dataset.extract_date
    known = extract is not None and pd.notna(extract)
    period = f"{selection.start:%d %b %Y} to {selection.end:%d %b %Y}"
    return Provenance(
        data=dataset.label,
        content_hash=dataset.content_hash or "not known",
        extract_date=f"{extract:%Y-%m-%d}" if known else "not known: no dates in the data",
        disclosure=f"{Level(level).value}: {LABELS[Level(level)]}",
        place=place,
        period=period if dated else "no dated records",
        made_at=made.isoformat(timespec="seconds"),
        made_with=app_version(),
        made_by=made_by,
    )


def csv_with_provenance(table: pd.DataFrame, made: Provenance) -> bytes:
    """A table as CSV (formula-safe, as `csv_bytes`) with its provenance below it: a blank
    line, then "About this table" and one `label,value` line a field.

    Below, not above: a spreadsheet opens the table as any CSV, its header in row 1, and its
    sort, filter, pivot and "format as table" take the block of cells from A1 to the blank
    line, so the provenance travels with the file without becoming rows of data; lines above
    the header (`# key: value`) would push the header down and open as data rows."""
    footer = io.StringIO()
    writer = csv.writer(footer, lineterminator="\n")
    writer.writerow([])
    writer.writerow([FOOTER_TITLE])
    about = spreadsheet_safe(pd.DataFrame(made.rows(), columns=["label", "value"]))
    writer.writerows(about.itertuples(index=False, name=None))
    return csv_bytes(table) + footer.getvalue().encode("utf-8")


def html_block(made: Provenance) -> str:
    """The provenance as a small HTML table for the top of a report, every value escaped."""
    rows = "".join(
        f"<tr><th>{html_text(label)}</th><td>{html_text(value) or '–'}</td></tr>"
        for label, value in made.rows()
    )
    return f"<table class='provenance'><caption>Where this came from</caption>{rows}</table>"
