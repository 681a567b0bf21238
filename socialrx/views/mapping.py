"""The Data page's mapping section: the values of an extract still not allowed after its
mapping (person-level counts disclosed), and what the editor shows."""

from __future__ import annotations

import hashlib

import pandas as pd

from socialrx.data import mapping
from socialrx.data.problems import Report
from socialrx.data.schema import PERSON_LEVEL
from socialrx.disclosure import Level, Spec
from socialrx.views.panels import Panel, disclosure_caption

INTRO = (
    "A case-management system's extract (Elemental, Joy, an EMIS or SystmOne search) has its "
    "own file names, headers and words. mapping.csv says which are the contract's: one row "
    "per name, with table, kind (file, column, value or drop), column (for value rows), from "
    "(your name or value, any case) and to (the contract's). Edit it here, start from a "
    "starter mapping, apply it to this browser session to see the data load, and download it "
    "to keep with your files. An applied mapping is used only in this browser session."
)
IN_USE = ""  # the editor's first choice: the mapping the data went through


def _nothing_unmapped(report: Report) -> str:
    """Why the list is empty: every value allowed, or files not read at all (an extract under
    its own name, waiting for a file row in the mapping)."""
    if not report.ignored and not report.unreadable:
        return "Every value of every choice column is one the contract allows."
    names = ", ".join([*report.ignored, *report.unreadable])
    return (
        f"No values to map among the files read; not read: {names}. An extract under its own "
        "name needs a file row (table referrals, kind file, from its name) and column rows "
        "for its headers; then its values are listed here."
    )


def unmapped_panel(report: Report, level: Level) -> Panel:
    """Each value a choice column still does not allow, with how many rows hold it: rows of
    person-level tables are people's records, so those counts are disclosed."""
    values = mapping.unmapped_values(report)
    person = values["table"].isin(PERSON_LEVEL)
    frame = pd.DataFrame(
        {
            "file": values["file"],
            "column": values["column"],
            "value": values["value"],
            # not person-level: exact, as text so a person-level row reads "–", not "None"
            "rows": [
                "–" if p else f"{int(n):,}" for n, p in zip(values["rows"], person, strict=True)
            ],
            "person_rows": values["rows"].where(person).astype("Float64"),
        }
    )
    # listed by name, never by count: an order would give away a hidden count
    frame = frame.sort_values(["file", "column", "value"], kind="stable").reset_index(drop=True)
    return Panel(
        name="unmapped_values",
        title="Values still not mapped",
        caption=(
            "Values that a column does not allow, once each, with how many rows hold them: "
            "add a value row to the mapping for each (or correct the file). Those rows keep "
            "the column blank, or are left out where it is required. Rows of person-level "
            "tables (referrals, connections, outcomes) count people's records and are "
            "disclosed. " + disclosure_caption(level)
            if len(frame)
            else _nothing_unmapped(report)
        ),
        level=level,
        table=frame,
        spec=Spec(counts=("person_rows",)),
        labels={
            "file": "File",
            "column": "Column",
            "value": "Value",
            "rows": "Rows",
            "person_rows": "Rows (person-level)",
        }
        if len(frame)
        else {},
        download="Download the values still not mapped (CSV)",
    )


def starter_choices() -> dict[str, str]:
    """The editor's starting points: the mapping in use, then each starter mapping."""
    return {IN_USE: "The mapping in use", **mapping.starters()}


def editor_key(choice: str, frame: pd.DataFrame) -> str:
    """A key for the editor that changes with what it starts from, so edits made to one
    starting point are never replayed onto another."""
    digest = hashlib.sha256(mapping.to_csv(frame)).hexdigest()[:12]
    return f"mapping_editor_{choice or 'in_use'}_{digest}"
