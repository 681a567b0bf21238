"""Data: what was loaded, every problem found in the files, and the tables to download."""

import pandas as pd
import streamlit as st

from socialrx import ui
from socialrx.disclosure import disclose_count, shown
from socialrx.schema import PERSON_LEVEL, TABLES

context = ui.current()
ui.page_header(
    "Data",
    context,
    "What was loaded, every problem found in the files, and what each table is for.",
)
dataset, report = context.dataset, context.report

rows = []
for name, table in TABLES.items():
    if name == "dataset":
        continue
    loaded = dataset.has(name)
    count = (
        (len(dataset.areas) if name == "areas" else len(dataset.table(name))) if loaded else None
    )
    rows.append(
        {
            "table": table.file,
            "loaded": "yes" if loaded else "no",
            "rows": ""
            if count is None
            else shown(disclose_count(count, context.level) if name in PERSON_LEVEL else count),
            "person-level": "yes" if name in PERSON_LEVEL else "no",
        }
    )
summary = pd.DataFrame(rows)
st.table(summary.set_index("table"))
st.caption(
    f"Extract date: {dataset.extract_date:%d %b %Y}. " if dataset.extract_date is not None else ""
)

errors, warnings = (
    ui.counted(len(report.errors), "error"),
    ui.counted(len(report.warnings), "warning"),
)
st.subheader(f"Problems ({errors}, {warnings})")
if report.problems:
    problems = pd.DataFrame(
        [
            {
                "severity": p.severity,
                "file": p.file,
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "problem": p.message,
            }
            for p in report.errors + report.warnings
        ]
    )
    st.dataframe(problems, hide_index=True, width="stretch")
    ui.download(problems, "validation_report", "Download the problem list (CSV)")
    st.caption(
        "Row numbers count the header as row 1, as a spreadsheet does. Rows with errors in "
        "required columns are left out; everything else loaded is used."
    )
else:
    st.success("No problems found.")

st.subheader("Tables")
name = st.selectbox(
    "Table",
    [n for n in TABLES if n not in ("dataset", "areas") and dataset.has(n)],
    key="data_table",
)
if name:
    frame = dataset.table(name)
    if name in PERSON_LEVEL:
        st.info(
            "Person-level rows are not shown or exported here; the other pages show "
            "disclosure-controlled summaries."
        )
    else:
        preview = frame.head(1000).copy()
        text = preview.select_dtypes(include=["string", "object"]).columns
        preview[text] = preview[text].fillna("")  # blank, not "None", for missing text
        st.dataframe(preview, hide_index=True, width="stretch")
        ui.download(frame, name)
