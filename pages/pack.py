"""Workshop pack: the pages' panels as one report to hand out, with what the room agreed."""

import streamlit as st

from socialrx import report, ui
from socialrx.team import access

context = ui.current()
ui.allowed(access.check, "pack")
ui.page_header(
    "Workshop pack",
    context,
    "Every page's charts and tables for the chosen place, period and disclosure level, with "
    "the choices you made on each page (every tab of Capacity, and the provider chosen there), "
    "as one report that opens offline and prints to A4, with every table as CSV beside it.",
)
notes = st.text_area(
    "What we agreed",
    key="pack_notes",
    max_chars=report.NOTES_LIMIT,
    height=160,
    help="Goes into the pack as written (as plain text).",
)


def pack_zip() -> bytes:
    """Built when the button is clicked, not on every rerun, from each page's choices as the
    user last left them (a page not opened: its defaults)."""
    return report.build_pack(
        context.dataset, context.selection, context.level, context.place, notes,
        choices=ui.page_choices(context.dataset), made_by=context.person.described,
    ).zip()  # fmt: skip


st.download_button(
    "Download the workshop pack (zip: report.html and CSVs)",
    ui.audited(pack_zip, "pack", f"{context.place}; notes: {len(notes):,} characters"),
    file_name="socialrx_pack.zip",
    mime="application/zip",
    key="dl_pack",
    on_click="ignore",
)
st.caption(
    "Open report.html in any browser, with or without internet; print it from there to A4 "
    "(charts fit the page width and none is split across pages). The same pack comes from the "
    "command line: `python -m socialrx report DATA_DIR --out OUT_DIR --place pcn:CODE "
    "--from 2025-04 --to 2026-03 --disclosure round`, with `--link` and a shared view's "
    "address for the pages' choices on it. Disclosure applies to every number exactly as on "
    "screen."
)
