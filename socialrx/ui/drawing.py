"""Drawing on the page: a page's header, what the page found, a panel's answer, cards, chart or
map, notes, how it is worked out, table and downloads. Every word from a panel or a data file
is escaped here, once, for Streamlit's markdown; the figures arrive already through the
panels' one disclosure step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from socialrx.escape import csv_bytes, markdown_text
from socialrx.provenance import csv_with_provenance
from socialrx.ui.freshness import data_as_at
from socialrx.ui.identity import audited
from socialrx.ui.links import CONTEXT_KEY, HEADER_DRAWN, LINK_NOTES
from socialrx.views import data as data_view
from socialrx.views import map_assets
from socialrx.views.panels import FOUND, Panel, Section, found, grid_table

if TYPE_CHECKING:
    from socialrx.ui.sidebar import Context


def page_header(title: str, context: Context, intro: str) -> None:
    """Title, what the page is for, and which data, place and period it shows."""
    st.title(title)
    st.write(intro)
    sel = context.selection
    label = markdown_text(f"{context.dataset.label} · {context.place}")
    period = f"{sel.start:%d %b %Y} to {sel.end:%d %b %Y}" if context.dated else "no dated records"
    st.caption(f"{label} · {period}")
    data_as_at(context)
    notes = st.session_state.pop(LINK_NOTES, [])
    if notes:  # a link's choices, or choices other data does not offer: one box
        st.info("\n".join(f"- {n}" for n in notes) if len(notes) > 1 else notes[0],
                icon=":material/link:")  # fmt: skip
    st.session_state[HEADER_DRAWN] = True  # a later note (a page's own choice) goes inline
    if context.dataset.is_demo:
        st.info(
            "Demo data: synthetic referrals, assets and statistics on real Rotherham "
            "boundaries. Not real people or services.",
            icon=":material/science:",
        )
    unread = context.report.unreadable
    if unread:
        rest = (
            "the pages show what the other files hold"
            if context.dataset.tables
            else "nothing else was loaded, so the pages are empty"
        )
        st.error(
            f"Could not read {markdown_text(', '.join(unread))}: {rest}. The Data page says why.",
            icon=":material/error:",
        )
    elif context.report.errors:
        # counted as the Data page lists them: person-level problems grouped, not row by row
        listed = data_view.problems_table(context.report, context.level)
        errors = int((listed["severity"] == "error").sum())
        st.error(
            f"{counted(errors, 'problem')} in the data files: the rows or values affected are "
            "left out. The Data page lists them.",
            icon=":material/error:",
        )
    ignored = context.report.ignored
    if ignored:
        st.warning(
            "Not used: "
            + "; ".join(
                f"**{markdown_text(name)}**: {markdown_text(why)}" for name, why in ignored.items()
            ),
            icon=":material/help:",
        )


def assets_by_area_note(context: Context) -> None:
    """Say, when areas are chosen, that assets without a place are not among them."""
    if context.selection.chosen_by_residence:
        st.caption(
            "Assets are chosen by where they are: online and telephone assets, which have no "
            "area, are left out when a place where people live (areas, a ward, MSOA, local "
            "authority, neighbourhood or PCN catchment) is chosen."
        )


def practice_choice_note(context: Context, why: str) -> None:
    """Say, when a PCN or practice is chosen, that it does not narrow the page, `why`, and
    what would: a place where people live (a PCN catchment among them)."""
    if not context.selection.by_residence:
        st.info(
            f"{why}, so a PCN or practice choice does not narrow this page: choose a place "
            "where people live (areas, a ward, a neighbourhood or a PCN catchment) to narrow it.",
            icon=":material/info:",
        )


def counted(n: int, thing: str) -> str:
    """`1 problem`, `3 problems`."""
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


def needs(context: Context, *tables: str) -> bool:
    """True if the tables are there; otherwise say what is missing and how to add it."""
    missing = [t for t in tables if not context.dataset.has(t)]
    if missing:
        st.warning(
            "This page needs " + ", ".join(f"`{t}`" for t in missing) + ". Add the file(s) "
            "to your dataset folder or upload; the Data page describes each table."
        )
    return not missing


def show_table(frame: pd.DataFrame, column_config: dict | None = None) -> None:
    """A table on the page, a missing value shown as "–" (the mark for no figure in every
    table and card), never as the grid's "None" or a blank."""
    _grid(*grid_table(frame), column_config)


def _grid(shown: pd.DataFrame, numbers: list[str], gaps: list[str],
          column_config: dict | None = None) -> None:  # fmt: skip
    """A table made ready by `grid_table`, drawn."""
    # numbers with thousands separators, as everywhere else (the grid's default is 7966)
    config = {c: st.column_config.NumberColumn(c, format="localized")
              for c in numbers if c not in gaps}  # fmt: skip
    config |= {c: st.column_config.TextColumn(c, alignment="right") for c in gaps}
    config |= column_config or {}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def download(table, name: str, label: str = "Download table (CSV)", about: bool = False) -> None:
    """A CSV download of a table (or of what a function returns), formula-safe, built when
    the button is clicked, not on every rerun. `about`: an output (not a file to load again),
    so where it came from goes below the table, made when it is clicked."""
    context = st.session_state.get(CONTEXT_KEY) if about else None

    def data() -> bytes:
        frame = table() if callable(table) else table
        return csv_bytes(frame) if context is None else csv_with_provenance(frame, context.made())

    st.download_button(label, audited(data, "download", f"{name}.csv"), file_name=f"{name}.csv",
                       mime="text/csv", key=f"dl_{name}", on_click="ignore")  # fmt: skip


def _cards(cards) -> None:
    # a wrapping row, not fixed columns: on a narrow screen the cards move to a second line
    row = st.container(horizontal=True, gap="small")
    for card in cards:
        row.metric(
            markdown_text(card.name),
            markdown_text(card.value),
            delta=markdown_text(card.change) if card.change else None,
            # green where better: Streamlit colours a rise green ("normal") or red ("inverse")
            delta_color="off"
            if card.better is None
            else ("normal" if (card.difference > 0) == card.better else "inverse"),
            delta_arrow="off" if card.better is None else "auto",
            help=markdown_text(card.help),
            border=True,
            width=215,
            height="stretch",
        )


def _map(panel: Panel, figure) -> None:
    """A folium map, with what was clicked described beside it where the panel can say (only
    a click reruns the page: panning and zooming return nothing). The map object is built
    afresh for each run: rendering one folium map twice adds its scripts twice, and the
    changed page then blanks the map. `render=False`: st_folium renders the map itself as
    well, and rendering the whole page first sends the same script, header and HTML (compared
    at the region's size) for about 0.1 s more a run."""
    from streamlit_folium import st_folium  # with its folium: not before a page has a map

    _warn_if_map_files_unserved()
    if panel.details is None:
        st_folium(figure, height=620, use_container_width=True, returned_objects=[],
                  key=panel.name, render=False)  # fmt: skip
        return
    left, right = st.columns([5, 2])
    with left:
        clicked = st_folium(
            figure, height=620, use_container_width=True, key=panel.name,
            returned_objects=["last_object_clicked", "last_clicked"], render=False,
        ) or {}  # fmt: skip
    point = clicked.get("last_object_clicked") or clicked.get("last_clicked") or {}
    details = panel.details(point.get("lat"), point.get("lng")) if point else None
    with right:
        if details is None:
            st.caption("Click a point or an area on the map to see its details here.")
        else:
            title, rows = details
            lines = [f"**{markdown_text(title)}**"] + [
                f"- {markdown_text(field)}: {markdown_text(value)}" for field, value in rows
            ]
            st.markdown("\n".join(lines))


def _warn_if_map_files_unserved() -> None:
    """The live map loads its scripts from the app's `static/map/` folder: without static
    serving (turned off by a flag or a deployment's own config) or without the files, it would
    be a blank space, so say why and how to put it right."""
    missing = map_assets.missing_files()
    if st.get_option("server.enableStaticServing") and not missing:
        return
    why = (
        f"{len(missing)} of its files are missing from {map_assets.MAP_FOLDER}"
        if missing
        else "this server does not serve the app's static folder"
    )
    st.warning(
        f"The map may not draw: {markdown_text(why)}. Whoever runs the app can put it right: "
        "the map needs `static/map/` as it comes with the app and "
        "`server.enableStaticServing = true`, as the app's `.streamlit/config.toml` sets it "
        "(`make run` uses it). The download below opens anywhere.",
        icon=":material/map:",
    )


# the answers a little smaller than the panels' text, so a long page's fit its first screen
FOUND_CSS = (
    "<style>.st-key-found li, .st-key-found li p {font-size: 0.9em; line-height: 1.5;}</style>"
)


def summary(sections: list[Section], where=None) -> None:
    """What the page found: its panels' answers, in the page's order, under the page header
    (`where`: a placeholder made earlier, for a page that knows its answers only once its open
    tab has run). Nothing is drawn where no panel has an answer."""
    lines = found(sections)
    if not lines:
        return
    box = (where or st).container(border=True, key="found")
    box.html(FOUND_CSS)
    items = [
        f"- **{markdown_text(title)}:** {markdown_text(text)}" if title
        else f"- {markdown_text(text)}"
        for title, text in lines
    ]  # fmt: skip
    box.markdown(f"**{FOUND}**\n\n" + "\n".join(items))


def draw_sections(
    sections: list[Section], before: dict | None = None, after: dict | None = None
) -> None:
    """A page's sections as tabs, or one section's panels as they are; `before` and `after`
    as for `draw`. The tabs are all drawn and keep no state (no key): a switch needs no rerun,
    and the open one stays open across reruns while the sections stay the same."""
    if len(sections) == 1:
        draw(sections[0].panels, before=before, after=after)
        return
    for tab, section in zip(st.tabs([s.title for s in sections]), sections, strict=True):
        with tab:
            draw(section.panels, before=before, after=after)


def draw(
    panels: list[Panel],
    answers: bool = True,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Draw a page's panels: title, answer (unless the page's summary just gave it: not
    `answers`), figure (or why there is none), how to read it, the table, and a download of
    what is shown; `before` and `after`: by panel name, a function drawing what comes before
    or after that panel (choices that change it, kept below the page's answers)."""
    for panel in panels:
        if before and panel.name in before:
            before[panel.name]()
        _panel(panel, answers)
        if after and panel.name in after:
            after[panel.name]()


def _panel(panel: Panel, answers: bool) -> None:
    """One panel: see `draw`."""
    # a panel's words are plain text (names from files among them): escaped here, once
    if panel.title:
        st.header(markdown_text(panel.title))
    if answers and panel.answer_text:
        st.markdown(f"**{markdown_text(panel.answer_text)}**")
    if panel.shown_cards:
        _cards(panel.shown_cards)
    figure = panel.figure
    if isinstance(figure, go.Figure):
        if st.session_state.get("present"):  # a projector: chart text as large as the page's
            figure = go.Figure(figure).update_layout(font_size=18, title_font_size=24)
        st.plotly_chart(figure, width="stretch", key=f"chart_{panel.name}")
    elif figure is not None:  # a folium map: a fresh one each run (see below)
        figure = panel.chart(panel.disclosed.values)
        _map(panel, figure)
        context = st.session_state.get(CONTEXT_KEY)  # where it came from, made when clicked
        made = context.made if context else lambda: None
        # a map of its own, made when clicked: st_folium rewrites the one it drew (its ids,
        # and every layer added twice once rendered again: 2.1 MB, not 1.1, at the region)
        fresh = lambda: panel.chart(panel.disclosed.values)  # noqa: E731
        st.download_button("Download this map (HTML, opens in any browser)",
                           audited(lambda: map_assets.standalone_html(fresh(), made()),
                                   "download", f"{panel.name}.html"),
                           file_name=f"{panel.name}.html",
                           mime="text/html", key=f"dl_{panel.name}_html",
                           on_click="ignore")  # fmt: skip
    elif panel.chart is not None and panel.empty:
        st.info(markdown_text(panel.empty))
    if panel.caption:
        st.caption(markdown_text(panel.caption))
    for note in panel.shown_notes:
        st.caption(markdown_text(note))
    if panel.method:
        with st.expander("How this is worked out"):
            st.caption(markdown_text(panel.method))
    if panel.show_table and panel.labels and panel.on_screen_only:
        table = panel.shown()  # a plain table: the grid's toolbar would offer its CSV
        # st.table reads each cell as markdown: a hidden count's "*" would become a bullet
        table = table.map(markdown_text)
        st.table(table.set_index(table.columns[0]))
    elif panel.show_table and panel.labels:
        config = {name: st.column_config.TextColumn(name, alignment="right")
                  for name in panel.counted}  # fmt: skip
        _grid(*panel.grid, config)  # kept with the panel
    if panel.labels and not panel.on_screen_only:
        label = panel.download or ("Download data behind this chart (CSV)"
                                   if panel.chart else None)  # fmt: skip
        download(panel.export, panel.name, label or "Download table (CSV)", about=True)
