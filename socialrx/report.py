"""The workshop pack: the pages' own panels as one self-contained HTML report that opens
offline and prints to A4, plus every table as CSV beside it.

The pack draws the same panels the pages draw (`socialrx.views`), disclosed at the same level,
so its numbers equal the pages'. Nothing is fetched from the internet: plotly.js is embedded
once, and the live map is replaced by a still image.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from socialrx.data.dataset import Dataset
from socialrx.disclosure import LABELS, Level
from socialrx.escape import html_text
from socialrx.metrics import funding, reach, social_value
from socialrx.metrics.selection import Selection
from socialrx.provenance import Provenance, csv_with_provenance, html_block, record
from socialrx.views import funder as funder_view
from socialrx.views import pages
from socialrx.views import provider as provider_view
from socialrx.views.capacity import provider_names
from socialrx.views.panels import FOUND, Panel, Section, found, table_text

NOTES_LIMIT = 2000  # characters of "what we agreed"
PAGE_WIDTH_PX = 680  # A4 portrait less 15 mm margins, at 96 px an inch
TABLE_ROWS = 25  # longer tables go in full to their CSV, not onto paper


@dataclass
class Pack:
    """The report's HTML, the tables behind it (file name -> disclosed table), where it came
    from (printed at the top of the report and below every CSV's table) and the tables as
    printed, in full (panel name -> text, as on screen)."""

    html: str
    made: Provenance
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    printed: dict[str, pd.DataFrame] = field(default_factory=dict)

    def files(self) -> dict[str, bytes]:
        """`report.html` and one CSV per table (formula-safe, its provenance below it), by
        file name."""
        return {
            "report.html": self.html.encode("utf-8"),
            **{
                f"{name}.csv": csv_with_provenance(table, self.made)
                for name, table in self.tables.items()
            },
        }

    def write(self, folder: Path) -> list[Path]:
        """The pack's files in `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, data in self.files().items():
            (folder / name).write_bytes(data)
            written.append(folder / name)
        return written

    def zip(self) -> bytes:
        """The pack's files as one zip, for a download."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files().items():
                archive.writestr(name, data)
        return buffer.getvalue()


def build_pack(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    place: str = "the whole dataset",
    notes: str = "",
    sections: list | None = None,
    heading: str = "Social prescribing",
    made_by: str = "",
    choices: pages.Choices = pages.NONE,
) -> Pack:
    """The workshop pack for a place, period and disclosure level, with the room's notes;
    `sections` (default: every page, `pages.PAGES`) as (title, tables needed, the page's view);
    `choices`, each page's as on screen (`pages`: a page without any shows its defaults);
    `made_by`, who asked for it (`Person.described`; empty from the command line)."""
    made = record(dataset, selection, level, place, made_by=made_by)
    tables: dict[str, pd.DataFrame] = {}
    printed: dict[str, pd.DataFrame] = {}
    body = []
    for title, needs, view in pages.PAGES if sections is None else sections:
        missing = [t for t in needs if not dataset.has(t)]
        body.append(f"<section><h2>{html_text(title)}</h2>")
        if missing:
            absent = html_text(", ".join(missing))
            body.append(f"<p class='note'>Not in this dataset: {absent}.</p>")
        else:
            parts = view(dataset, selection, level, choices)
            if parts and not isinstance(parts[0], Section):  # panels: one untitled section
                parts = [Section("", parts)]
            parts = [Section(part.title, [p for p in part.panels if not p.on_screen_only])
                     for part in parts]  # fmt: skip
            body.append(_found_html(parts))
            for part in parts:
                if part.title:  # a tab on screen
                    body.append(f"<h3 class='part'>{html_text(part.title)}</h3>")
                for panel in part.panels:
                    body.append(_panel_html(panel, printed))
                    if panel.labels:
                        tables[panel.name] = panel.export()
        body.append("</section>")
    period = f"{selection.start:%d %b %Y} to {selection.end:%d %b %Y}"
    agreed = notes.strip()[:NOTES_LIMIT]
    agreed_html = (
        "<section class='agreed'><h2>What we agreed</h2>"
        + "".join(f"<p>{html_text(line)}</p>" for line in agreed.splitlines() if line.strip())
        + "</section>"
        if agreed
        else ""
    )
    head = (
        f"<h1>{html_text(heading)}: {html_text(dataset.label)}</h1>"
        f"<p class='meta'>{html_text(place)} · {html_text(period)} · disclosure: "
        f"{html_text(LABELS[level])}</p>"
    )
    demo = (
        "<p class='note'>Demo data: synthetic referrals, assets and statistics on real "
        "boundaries. Not real people or services.</p>"
        if dataset.is_demo
        else ""
    )
    page = TEMPLATE.format(
        title=html_text(f"socialrx pack: {dataset.label}"),
        style=STYLE,
        plotly=plotly.offline.get_plotlyjs(),
        body=head + html_block(made) + demo + agreed_html + "".join(body),
    )
    return Pack(page, made, tables, printed)


def provider_summary(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    provider: str,
    name: str,
    by: str,
    place: str = "the whole dataset",
    made_by: str = "",
) -> Pack:
    """One provider's page for its funder: the My organisation panels, printable on A4."""
    section = (name, ("connections",), lambda d, s, lv, _: [
        Section("", provider_view.provider_panels(d, s, lv, provider, by))])  # fmt: skip
    return build_pack(dataset, selection, level, place, sections=[section],
                      heading=f"What {name} is asked to do", made_by=made_by)  # fmt: skip


def funder_report(
    dataset: Dataset,
    level: Level,
    provider: str,
    year: str,
    assumptions: social_value.Assumptions | None = None,
    default_cost: float = funding.DEFAULT_COST_GBP,
    made_by: str = "",
) -> Pack:
    """One provider's report to its funder for one financial year (April to March): demand
    and strain by month, who it reached, outcomes with their caveats, funding against the
    work, social value stated honestly and its directory records. ValueError, in words, for
    a year outside the data."""
    selection, note = reach.financial_year_selection(dataset, year)
    name = provider_names(dataset, dataset.table("assets")).get(provider, provider)
    sections = funder_view.funder_sections(
        dataset, selection, level, provider, assumptions or social_value.Assumptions(),
        default_cost, note,
    )  # fmt: skip
    return build_pack(dataset, selection, level, f"{name}, financial year {year}",
                      sections=sections, heading=f"Report for funders: {name}, {year}",
                      made_by=made_by)  # fmt: skip


def _plain(markdown: str) -> str:
    """A caption written for Streamlit's markdown, as escaped plain text."""
    return html_text(re.sub(r"\*\*|`", "", markdown))


def _found_html(parts: list[Section]) -> str:
    """What the page's panels found, as the page opens with it ("" where none answers)."""
    lines = found(parts)
    if not lines:
        return ""
    items = "".join(
        f"<li>{f'<b>{html_text(title)}:</b> ' if title else ''}{_plain(text)}</li>"
        for title, text in lines
    )
    return f"<div class='found'><p><b>{html_text(FOUND)}</b></p><ul>{items}</ul></div>"


def _panel_html(panel: Panel, printed: dict[str, pd.DataFrame]) -> str:
    """A panel as printed; the table it prints goes into `printed` by the panel's name."""
    parts = ["<div class='panel'>"]
    if panel.title:
        parts.append(f"<h4>{html_text(panel.title)}</h4>")
    if panel.answer_text:
        parts.append(f"<p class='answer'>{_plain(panel.answer_text)}</p>")
    if panel.shown_cards:
        parts.append("<div class='cards'>")
        for card in panel.shown_cards:
            change = f"<div class='change'>{html_text(card.change)}</div>" if card.change else ""
            parts.append(
                f"<div class='card'><div class='name'>{html_text(card.name)}</div>"
                f"<div class='value'>{html_text(card.value)}</div>{change}</div>"
            )
        parts.append("</div>")
    figure = panel.figure
    if isinstance(figure, go.Figure):
        figure.update_layout(width=PAGE_WIDTH_PX, autosize=False)
        parts.append(figure.to_html(full_html=False, include_plotlyjs=False))
    elif figure is not None and panel.still is not None:
        image = base64.b64encode(panel.still()).decode("ascii")
        parts.append(
            f"<img src='data:image/png;base64,{image}' alt='{html_text(panel.caption[:200])}'>"
        )
    elif panel.chart is not None and panel.empty:
        parts.append(f"<p class='note'>{_plain(panel.empty)}</p>")
    if panel.caption:
        parts.append(f"<p class='caption'>{_plain(panel.caption)}</p>")
    parts += [f"<p class='caption'>{_plain(note)}</p>" for note in panel.shown_notes]
    if panel.method:
        parts.append(f"<p class='caption'>How this is worked out: {_plain(panel.method)}</p>")
    if panel.show_table and panel.labels:
        shown = table_text(panel.shown())  # as the screen's grid shows it
        printed[panel.name] = shown
        parts.append(shown.head(TABLE_ROWS).to_html(index=False, escape=True, border=0))
        if len(shown) > TABLE_ROWS:
            parts.append(
                f"<p class='note'>The first {TABLE_ROWS} of {len(shown):,} rows: all of them "
                f"are in {html_text(panel.name)}.csv beside this report.</p>"
            )
    parts.append("</div>")
    return "".join(parts)


STYLE = """
body {font-family: "Source Sans Pro", Arial, sans-serif; color: #1a1a1a; max-width: 190mm;
      margin: 0 auto; padding: 12px; font-size: 11pt;}
h1 {font-size: 20pt; margin-bottom: 0;} h2 {border-bottom: 2px solid #0072B2; margin-top: 28px;}
h3.part {font-size: 15pt; color: #0072B2; margin-top: 22px;} h4 {font-size: 13pt;}
.meta, .caption, .note {color: #333; font-size: 9.5pt;}
.answer {font-size: 11.5pt; font-weight: 600;}
.found {border: 1px solid #999; border-radius: 6px; padding: 0 10px; font-size: 10.5pt;}
.note {background: #eef4fb; padding: 6px 8px;}
.cards {display: flex; flex-wrap: wrap; gap: 8px;}
.card {border: 1px solid #999; border-radius: 6px; padding: 6px 10px; min-width: 140px;}
.card .value {font-size: 18pt;} .card .change {font-size: 9pt; color: #333;}
table {border-collapse: collapse; font-size: 8.5pt; width: 100%;}
th, td {border-bottom: 1px solid #ccc; padding: 2px 4px; text-align: right;}
th:first-child, td:first-child {text-align: left;}
img {max-width: 100%;} .plotly-graph-div {max-width: 100%;}
.agreed {border: 2px solid #E69F00; padding: 0 10px;}
table.provenance {width: auto; margin-top: 8px; font-size: 8.5pt; color: #333;}
table.provenance caption {text-align: left; font-weight: 600;}
table.provenance th, table.provenance td {text-align: left; border: none; padding: 0 8px 0 0;
                                        word-break: break-all;}
@page {size: A4 portrait; margin: 15mm;}
@media print {.panel, .card, img, .plotly-graph-div {break-inside: avoid;}
              h2 {break-after: avoid;} body {max-width: none;}}
"""
TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{style}</style><script>{plotly}</script></head>
<body>{body}</body></html>
"""
