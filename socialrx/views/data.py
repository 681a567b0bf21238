"""The data page: what was loaded, every problem found in the files, and the tables."""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.data.problems import Report
from socialrx.data.schema import PERSON_LEVEL, TABLES
from socialrx.disclosure import Level, Spec
from socialrx.views.panels import Panel, disclosure_caption


def loaded_panel(dataset: Dataset, level: Level) -> Panel:
    """Each table: loaded or not, how many rows (person-level rows disclosed), what for."""
    rows = []
    for name, table in TABLES.items():
        if name == "dataset":
            continue
        loaded = dataset.has(name)
        count = (
            (len(dataset.areas) if name == "areas" else len(dataset.table(name)))
            if loaded
            else None
        )
        person = name in PERSON_LEVEL
        rows.append(
            {
                "table": table.file,
                "loaded": "yes" if loaded else "no",
                # not person-level: exact, as text so an absent count reads "–", not "None"
                "rows": "–" if person or count is None else f"{count:,}",
                "person_rows": count if person else None,
                "about": table.about,
            }
        )
    frame = pd.DataFrame(rows).astype({"person_rows": "Float64"})
    extract = (
        f"Extract date: {dataset.extract_date:%d %b %Y}. "
        if dataset.extract_date is not None
        else ""
    )
    return Panel(
        name="tables_loaded",
        title="Tables",
        caption=extract + "Rows of person-level tables (referrals, connections, outcomes) "
        "count people and are disclosed; the others are exact. " + disclosure_caption(level),
        level=level,
        table=frame,
        spec=Spec(counts=("person_rows",)),
        labels={
            "table": "Table",
            "loaded": "Loaded",
            "rows": "Rows",
            "person_rows": "Rows (person-level)",
            "about": "What it holds",
        },
    )


def problems_table(report: Report) -> pd.DataFrame:
    """Every problem, errors first, then by file and row, as a user works through a file."""
    problems = pd.DataFrame(
        [
            {
                "severity": p.severity,
                "file": p.file,
                "row": p.row,
                "column": p.column or "",
                "value": p.value or "",
                "problem": p.message,
            }
            for p in report.errors + report.warnings
        ],
        columns=["severity", "file", "row", "column", "value", "problem"],
    ).astype({"row": "Int64"})
    return problems.sort_values(["severity", "file", "row"], na_position="first", kind="stable")
