"""Data: what was loaded, every problem found in the files, and the tables to download."""

import functools

import streamlit as st

from socialrx import ui
from socialrx.data import archives, database, mapping, templates
from socialrx.data.schema import PERSON_LEVEL, TABLES
from socialrx.disclosure import NOT_APPLICABLE
from socialrx.views import data
from socialrx.views import mapping as mapping_view

context = ui.current()
ui.page_header(
    "Data",
    context,
    "What was loaded, every problem found in the files, and what each table is for.",
)
dataset, report = context.dataset, context.report

ui.draw([data.loaded_panel(dataset, context.level)])

problems = data.problems_table(report, context.level)
errors, warnings = (
    ui.counted(int((problems["severity"] == "error").sum()), "error"),
    ui.counted(int((problems["severity"] == "warning").sum()), "warning"),
)
st.header(f"Problems ({errors}, {warnings})")
if report.problems:
    st.dataframe(
        # a problem with the whole file has no row: "–", as a missing value in every table
        problems.assign(row=problems["row"].astype("string").fillna(NOT_APPLICABLE)),
        hide_index=True,
        width="stretch",
        column_config={
            "severity": st.column_config.TextColumn("Severity", width="small"),
            "file": st.column_config.TextColumn("File", width="medium"),
            "row": st.column_config.TextColumn("Row", width="small"),
            "column": st.column_config.TextColumn("Column", width="medium"),
            "value": st.column_config.TextColumn("Value", width="small"),
            "problem": st.column_config.TextColumn(
                "Problem", width="large", help="Hover over a cell to read all of a long message"
            ),
        },
    )
    with st.expander("Read every problem in full"):
        # plain text, wrapped: a long message is never cut, and nothing in it is markup
        st.code("\n".join(data.problem_lines(problems)), language=None, wrap_lines=True)
    ui.download(problems, "validation_report", "Download the problem list (CSV)", about=True)
    counted = (
        "A database table's rows count from its first row of data, in the order the database "
        "returns them."
        if any(database.is_table_label(p.file) for p in report.problems)
        else "Row numbers count the header as row 1, as a spreadsheet does."
    )
    st.caption(
        f"{counted} Rows with errors in required columns are left out; a bad value elsewhere "
        'is left blank and the row kept. Open "Read every problem in full" to read long '
        "messages, or download the list."
    )
else:
    st.success("No problems found.")

st.header("Look at a table")
loaded = [n for n in TABLES if n not in ("dataset", "areas") and dataset.has(n)]
ui.linked("data_table", loaded, "table", default=loaded[0] if loaded else None)
name = st.selectbox("Table", loaded, key="data_table")
if name in PERSON_LEVEL:  # not even read: a saved copy reads a table when first asked for
    st.info(
        "Person-level rows are not shown or exported here; the other pages show "
        "disclosure-controlled summaries."
    )
elif name:
    frame = dataset.table(name)
    ui.show_table(frame.head(1000))
    ui.download(frame, name)

# Your system's extract: the values still not mapped (disclosed), and the mapping in an
# editor whose "Apply" reloads this browser session's data with it (socialrx.data.mapping).
st.header("Your system's extract: mapping.csv")
st.caption(mapping_view.INTRO)
ui.draw([mapping_view.unmapped_panel(report, context.level)])
starts = mapping_view.starter_choices()
ui.linked("mapping_start", list(starts), "mapping to start from", starts.get)
start_from = st.selectbox("Start from", list(starts), format_func=starts.get, key="mapping_start")
start = (
    ui.mapping_in_use()
    if start_from == mapping_view.IN_USE
    else mapping.frame_of(mapping.starter(start_from))
)
edited = st.data_editor(
    start,
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    key=mapping_view.editor_key(start_from, start),
)
apply_column, reset_column = st.columns(2)
if apply_column.button(
    "Apply this mapping",
    key="mapping_apply",
    help="Reload the data with this mapping, in this browser session only.",
):
    ui.apply_mapping(edited)
    st.rerun()
if ui.session_mapping_applied():
    st.info("The data is loaded with the mapping edited here (this browser session only).")
    reset_column.button("Use the data's own mapping again", key="mapping_reset",
                        on_click=ui.apply_mapping, args=(None,))  # fmt: skip
ui.download(edited, "mapping", "Download mapping.csv")

st.header("Templates")
st.caption(
    "A blank dataset to fill in: one CSV per table with its header and an example row, the "
    "boundaries as GeoJSON, and notes.csv listing every column, its type and allowed values. "
    "Made from the same column list the checks use, so it always matches them."
)
st.download_button(
    "Download the blank dataset (zip of CSVs)",
    templates.template_zip,
    file_name="socialrx_dataset.zip",
    mime="application/zip",
    key="dl_template_zip",
    on_click="ignore",
)
if templates.excel_engine():
    st.download_button(
        "Download the blank dataset (Excel workbook, one sheet per table)",
        templates.template_workbook,
        file_name="socialrx_dataset.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_template_xlsx",
        on_click="ignore",
    )
st.download_button(
    "Download the demo dataset (zip: every file, to see a complete example or upload again)",
    functools.partial(archives.folder_zip, ui.DEMO_FOLDER),
    file_name="socialrx_demo.zip",
    mime="application/zip",
    key="dl_demo_zip",
    on_click="ignore",
)
