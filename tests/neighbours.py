"""The neighbouring-dataset check of disclosure (issue 20): two datasets one referral apart,
the referral's disappearance leaving every count a page declares unchanged as shown, must show
the same everything else (but a statistic's value where that referral had values in it).

Datasets: a small demo whose every referral is there five times over (with its connections and
outcomes, under new ids), two of them six times and one four. Every count of referrals is then
5k-1, 5k, 5k+1 or 5k+2, and taking one referral away never moves it across a rounding boundary
(13 -> 12 would read 15 -> 10; 5k+3 never occurs): each referral is a neighbour whose removal
leaves the declared counts as shown, where on a plain random dataset one total at a boundary
(one in five) rules out every referral. A figure that still moves was worked out from exact
counts somewhere. Figures that are not sums of referrals (forecasts fitted on exact series)
may move all the same: those are the leaks this finds.

One referral of the base demo is made quiet: sent to an asset (on its waiting list) but never
contacted, with no dates and no scores, so no statistic of any page rests on its values and
its removal must change nothing at all. Another, rich one (contacted, connected, scored at
baseline and follow-up) moves the statistics of values: they are compared with the full run's
values put in."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.data.demo import build_demo
from socialrx.data.loader import load_folder
from socialrx.disclosure import Disclosed, Level
from socialrx.metrics import capacity as capacity_metrics
from socialrx.metrics import funding
from socialrx.metrics.selection import PCN, Selection, default_selection, selected_referrals
from socialrx.metrics.social_value import Assumptions
from socialrx.report import build_pack
from socialrx.views import (
    asset_map,
    capacity,
    directory,
    equity,
    outcomes,
    overview,
)
from socialrx.views import data as data_view
from socialrx.views import forecast as forecast_view
from socialrx.views import funder as funder_view
from socialrx.views import funding as funding_view
from socialrx.views import link_workers as link_worker_view
from socialrx.views import pages as page_views
from socialrx.views import provider as provider_view
from socialrx.views import what_if as what_if_view
from socialrx.views.panels import Panel

LEVEL = Level.ROUND
COPIES = 5  # every referral this many times: its counts are multiples of 5 ...
MORE, FEWER = 2, 1  # ... but for two referrals one copy more and one one fewer
BASE = 200  # referrals of the base demo (1,000 with the copies)
PERSON_TABLES = ("referrals", "connections", "outcomes")
TRIES = 3  # neighbours tried for a page before it is said to have none


# --- the datasets -------------------------------------------------------------------------


@dataclass
class Demo:
    """A replicated demo, loaded as the app loads a folder, and the referrals to remove."""

    dataset: Dataset
    quiet: list[str]  # the quiet referral's copies: no values in any statistic
    rich: list[str]  # the rich referral's copies: waits, connection, scores
    pcn: str  # the PCN of both
    provider: str  # the provider of the quiet referral's asset
    category: str  # that asset's category


def _in_period(referrals: pd.DataFrame, extract: pd.Timestamp) -> pd.Series:
    start = (extract.to_period("M") - 11).start_time
    return referrals["referral_date"].between(start, extract)


def _choose(tables: dict, seed: int) -> tuple[str, str]:
    """The base referral to make quiet and the rich one: both referred in the default period
    (the last 12 months) from practices of one PCN."""
    refs, conns, outs = (tables[n] for n in PERSON_TABLES)
    extract = pd.Timestamp(tables["dataset"]["extract_date"].iloc[0])
    pcn_of = tables["practices"].set_index("practice_code")["pcn_code"]
    refs = refs.assign(pcn=refs["practice_code"].map(pcn_of))
    recent = refs[_in_period(refs, extract) & refs["pcn"].notna()]
    started = conns["outcome"].isin(vocab.CONNECTION_STARTED) | conns["started_date"].notna()
    scored = outs.groupby("referral_id")["timepoint"].nunique() == 2
    rich = recent[
        recent["first_contact_date"].notna()
        & recent["referral_id"].isin(conns.loc[started, "referral_id"])
        & recent["referral_id"].isin(scored[scored].index)
    ]
    if rich.empty:
        raise ValueError(
            f"seed {seed}: no referral in the period is contacted, connected "
            "and scored twice; choose another seed"
        )
    rich_row = rich.iloc[0]
    sent = recent[
        recent["referral_id"].isin(conns["referral_id"])
        & (recent["pcn"] == rich_row["pcn"])
        & (recent["referral_id"] != rich_row["referral_id"])
    ]
    if sent.empty:
        raise ValueError(f"seed {seed}: no other referral of the PCN was sent anywhere")
    return sent["referral_id"].iloc[0], rich_row["referral_id"]


def _make_quiet(tables: dict, rid: str) -> None:
    """The referral sent to one asset's waiting list and closed as "did not engage", never
    contacted: no waits, no scores, nothing started, so no statistic of values rests on it
    (but it is among the ended referrals, the people sent and every count of referrals)."""
    refs, conns, outs = (tables[n] for n in PERSON_TABLES)
    row = refs["referral_id"] == rid
    extract = pd.Timestamp(tables["dataset"]["extract_date"].iloc[0])
    referred = refs.loc[row, "referral_date"].iloc[0]
    refs.loc[row, ["first_contact_date", "first_appointment_date"]] = pd.NaT
    refs.loc[row, "closed_date"] = min(referred + pd.Timedelta(days=45), extract)
    refs.loc[row, "closure_reason"] = "could not contact"
    refs.loc[row, "status"] = "did not engage"
    # referred by the commonest referrer for the commonest reason: in the endings' largest
    # groups, whose shares and intervals are shown
    reasons = refs["reasons"].str.split(";").explode().str.strip()
    refs.loc[row, "reasons"] = reasons.value_counts().index[0]
    refs.loc[row, "referrer_type"] = refs["referrer_type"].value_counts().index[0]
    mine = conns.index[conns["referral_id"] == rid]
    conns.drop(index=mine[1:], inplace=True)
    conns.loc[mine[0], ["outcome", "started_date", "ended_date"]] = ["waiting list", pd.NaT, pd.NaT]
    outs.drop(index=outs.index[outs["referral_id"] == rid], inplace=True)


def _copies(tables: dict, seed: int) -> dict[str, pd.DataFrame]:
    """Every person-level row COPIES times under new ids (copy k of R1 is R1-k, of person P1
    P1-k), with MORE referrals given one copy more and FEWER one fewer."""
    rng = np.random.default_rng(seed)
    ids = tables["referrals"]["referral_id"].to_numpy()
    chosen = rng.choice(ids, MORE + FEWER, replace=False)
    counts = dict.fromkeys(ids, COPIES)
    counts |= {r: COPIES + 1 for r in chosen[:MORE]} | {r: COPIES - 1 for r in chosen[MORE:]}
    out = {}
    for name in PERSON_TABLES:
        frame = tables[name]
        parts = []
        for k in range(COPIES + 1):
            keep = frame["referral_id"].map(counts).to_numpy() > k
            part = frame[keep].copy()
            part["referral_id"] = part["referral_id"] + f"-{k}"
            if name == "referrals":
                part["person_id"] = part["person_id"] + f"-{k}"
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def write_tables(tables: dict, folder: Path) -> None:
    """The tables as a dataset folder, as `socialrx.data.demo.write_demo` writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if name == "areas":
            published = frame.rename(columns={"area_code": "LSOA11CD", "area_name": "LSOA11NM"})
            published.to_file(
                folder / "areas.geojson", driver="GeoJSON", layer="areas", COORDINATE_PRECISION=5
            )
            continue
        frame = frame.copy()
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.strftime("%Y-%m-%d")
        frame.to_csv(folder / f"{name}.csv", index=False)


def replicated_demo(folder: Path, seed: int, base: int = BASE) -> Demo:
    """The demo of `base` referrals (40 assets, 8 practices), one made quiet, every referral
    copied (see the module's docstring), written to `folder` and loaded as the app loads it."""
    tables = build_demo(base, seed, assets=40, practices=8)
    quiet, rich = _choose(tables, seed)
    _make_quiet(tables, quiet)
    tables |= _copies(tables, seed)
    # capacity grows with the demand, so strain keeps the demo's mix of over and under
    assets = tables["assets"]
    assets["capacity_per_month"] = assets["capacity_per_month"] * COPIES
    write_tables(tables, folder)
    dataset, _ = load_folder(folder)
    for name in PERSON_TABLES:  # the loader kept every row
        assert len(dataset.table(name)) == len(tables[name]), name
    refs, conns = dataset.table("referrals"), dataset.table("connections")
    copies = {
        r: sorted(refs.loc[refs["referral_id"].str.startswith(f"{r}-"), "referral_id"])
        for r in (quiet, rich)
    }
    practice = refs.loc[refs["referral_id"] == copies[quiet][0], "practice_code"].iloc[0]
    practices = dataset.table("practices").set_index("practice_code")
    asset = conns.loc[conns["referral_id"] == copies[quiet][0], "asset_id"].iloc[0]
    table = dataset.table("assets")
    provider = capacity_metrics.provider_of(table)[(table["asset_id"] == asset).to_numpy()]
    return Demo(
        dataset,
        copies[quiet],
        copies[rich],
        practices.loc[practice, "pcn_code"],
        provider.iloc[0],
        table.loc[table["asset_id"] == asset, "category"].iloc[0],
    )


def without(dataset: Dataset, referral_id: str) -> Dataset:
    """The dataset without one referral, its connections and its outcome rows: what loading
    the same files without those rows gives (nothing else in the files changes)."""
    tables = dict(dataset.tables)
    for name in PERSON_TABLES:
        frame = tables[name]
        tables[name] = frame[frame["referral_id"] != referral_id].reset_index(drop=True)
    return dataclasses.replace(dataset, tables=tables, _derived={})


def places(demo: Demo) -> dict[str, Selection]:
    """The whole dataset and the referrals' PCN, over the default period (pinned: the
    neighbour is drawn for the same place and months)."""
    whole = default_selection(demo.dataset)
    return {
        "whole": whole,
        "pcn": dataclasses.replace(whole, place_kind=PCN, place_codes=(demo.pcn,)),
    }


# --- the pages ------------------------------------------------------------------------------

Builder = Callable[[Dataset, Selection], list[Panel]]


def pages(demo: Demo, measure: str) -> dict[str, Builder]:
    """Every page's panels (the capacity page's tabs each on their own), as the pages draw
    them at the default level; `measure` is the outcome measure "for whom" is drawn for."""
    level = LEVEL

    def asset_map_panels(d: Dataset, s: Selection) -> list[Panel]:
        shade = asset_map.RATE if s.by_residence else asset_map.COUNT
        return asset_map.panels(d, s, level, shade=shade)

    def forecasts(d: Dataset, s: Selection) -> list[Panel]:
        table, methods = forecast_view.forecast_data(d, dataclasses.replace(s, start=s.end), level)
        return forecast_view.forecast_panels(table, methods, level, 12, demo.category)

    return {
        "overview": lambda d, s: [overview.headline_panel(d, s, level)],
        "asset_map": asset_map_panels,
        "referral_flows": lambda d, s: page_views.panels_of(page_views.referral_flows(d, s, level)),
        "equity": lambda d, s: equity.panels(d, s, level),
        "capacity": lambda d, s: capacity.panels(d, s, level) + capacity.system_panels(d, s, level),
        "capacity_provider": lambda d, s: provider_view.provider_panels(d, s, level, demo.provider),
        # My organisation's funding, social value, reach and records, as its funder report has
        "capacity_funder": lambda d, s: [
            panel
            for _, _, build in funder_view.funder_sections(
                d, s, level, demo.provider, Assumptions(), funding.DEFAULT_COST_GBP
            )
            for panel in build(d, s, level)
        ],
        "capacity_funding": lambda d, s: funding_view.funding_panels(
            d, s, level, funding.DEFAULT_COST_GBP
        ),
        "capacity_link_workers": lambda d, s: link_worker_view.link_worker_panels(
            d, s, level, funding.DEFAULT_SALARY_GBP
        ),
        "capacity_what_if": lambda d, s: what_if_view.scenario_panels(
            d, s, level, capacity_metrics.Scenario(growth=0.2)
        ),
        "capacity_forecast": forecasts,
        "outcomes": lambda d, s: (
            outcomes.panels(d, s, level) + [outcomes.for_whom(d, s, level, measure, "age_band")]
        ),
        "commissioning": lambda d, s: page_views.panels_of(page_views.commissioning(d, s, level)),
        "directory": lambda d, s: [directory.organisations_panel(d, level)],
        "data": lambda d, s: [data_view.loaded_panel(d, level)],
    }


PAGES = (
    "overview",
    "asset_map",
    "referral_flows",
    "equity",
    "capacity",
    "capacity_provider",
    "capacity_funder",
    "capacity_funding",
    "capacity_link_workers",
    "capacity_what_if",
    "capacity_forecast",
    "outcomes",
    "commissioning",
    "directory",
    "data",
)
# pages that a PCN narrows (demand on a provider is everyone's: the capacity tabs do not)
BY_PLACE = ("overview", "asset_map", "referral_flows", "equity", "outcomes")


def has_values(dataset: Dataset, referral_id: str) -> dict[str, bool]:
    """Whether a referral has values in a page's statistics (test-side knowledge of what they
    measure): scores on the overview and outcomes pages, waits to contact, appointment and
    connection on the referral flows page, the wait to contact of the link workers' tab."""
    refs = dataset.table("referrals")
    row = refs[refs["referral_id"] == referral_id].iloc[0]
    conns = dataset.table("connections")
    mine = conns[conns["referral_id"] == referral_id]
    started = (mine["outcome"].isin(vocab.CONNECTION_STARTED) | mine["started_date"].notna()).any()
    scored = (dataset.table("outcomes")["referral_id"] == referral_id).any()
    contacted = pd.notna(row["first_contact_date"])
    waited = contacted or pd.notna(row["first_appointment_date"]) or started
    return {
        "overview": scored,
        "outcomes": scored,
        "referral_flows": waited,
        "capacity_link_workers": contacted,
    }


def candidates(demo: Demo, selection: Selection, page: str, statistics: bool) -> list[str]:
    """Referrals to remove for a page: the quiet one's copies and then other referrals of the
    place and period without values in the page's statistics (`statistics` False), or the
    rich one's copies (True)."""
    if statistics:
        return demo.rich[:TRIES]
    chosen = selected_referrals(demo.dataset, selection)["referral_id"]
    others = [r for r in chosen if r not in demo.quiet]
    # looked at in turn, as far as TRIES needs (each look reads every person-level table)
    quiet = (r for r in others[:40] if not has_values(demo.dataset, r).get(page, False))
    tried = demo.quiet[:2]
    return tried + list(itertools.islice(quiet, TRIES - len(tried)))


# --- what a panel declares and what it shows -----------------------------------------------


def _parts(panel: Panel) -> list[tuple[str, pd.DataFrame, object, Disclosed]]:
    """The panel's exact table and its basis tables, each with its spec and as disclosed."""
    parts = [("", panel.table, panel.spec, panel.disclosed)]
    parts += [
        (f" (basis {name})", *panel.basis[name], shown)
        for name, shown in panel.disclosed_basis.items()
    ]
    return parts


def _plain_columns(table: pd.DataFrame, spec, a: Disclosed, b: Disclosed) -> tuple[list, list]:
    """The table's columns the spec does not name (not person-level, passed on as they are):
    those that are the same in both runs (as a set of rows), and those that move."""
    columns = [
        c for c in table.columns if c not in spec.columns and c in a.values and c in b.values
    ]
    same = [c for c in columns if sorted(map(str, a.values[c])) == sorted(map(str, b.values[c]))]
    return same, [c for c in columns if c not in same]


def moved(full: list[Panel], other: list[Panel]) -> list[str]:
    """The counts the panels declare (their specs' counts and their basis tables'), as
    disclosed, that differ between two runs: each row known by the columns that are not
    person-level (a practice, a month), so rows put in another order are the same rows (the
    order is compared with the rest of what is shown)."""
    if [p.name for p in full] != [p.name for p in other]:
        return [f"panels {[p.name for p in full]} -> {[p.name for p in other]}"]
    out = []
    for i, (a, b) in enumerate(zip(full, other, strict=True)):
        for (part, table, spec, x), (_, _, _, y) in zip(_parts(a), _parts(b), strict=True):
            same, _ = _plain_columns(table, spec, x, y)
            keys_x, keys_y = _row_keys(x.values, same), _row_keys(y.values, same)
            for column in spec.counts:
                if column not in x.values or column not in y.values:
                    continue
                cells_x = dict(zip(keys_x, _cells(x.values[column]), strict=True))
                cells_y = dict(zip(keys_y, _cells(y.values[column]), strict=True))
                if cells_x != cells_y:
                    out.append(
                        f"#{i} {a.name}{part}: {column} {_first_difference(cells_x, cells_y)}"
                    )
    return out


def _row_keys(values: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Each row's values in `columns` as text, numbered where two rows share them."""
    seen: dict[tuple, int] = {}
    keys = []
    for row in values[columns].astype(str).itertuples(index=False, name=None):
        seen[row] = seen.get(row, -1) + 1
        keys.append((*row, seen[row]))
    return keys


def _cells(values: pd.Series) -> list:
    return [None if pd.isna(v) else float(v) for v in values]


def _first_difference(a: dict, b: dict) -> str:
    row = next(
        r for r in sorted(a.keys() | b.keys(), key=str) if a.get(r, "none") != b.get(r, "none")
    )
    label = ", ".join(str(v) for v in row[:-1] if v not in ("", "<NA>", "nan", "None"))[:80]
    return f"(row {label}: {a.get(row, 'no row')} -> {b.get(row, 'no row')})"


def with_statistics_of(shown: Disclosed, full: Disclosed, columns: list[str]) -> Disclosed:
    """`shown` with the full run's values in the statistic columns, where both show one (a
    statistic shown in one and "too few" in the other still differs)."""
    values = shown.values.copy()
    for column in columns:
        if column not in values or column not in full.values or len(values) != len(full.values):
            continue
        both = (shown.marks[column].to_numpy() == "") & (full.marks[column].to_numpy() == "")
        theirs = full.values[column].to_numpy()
        column_values = np.array(values[column].astype(object).to_numpy(), dtype=object)
        column_values[both] = theirs[both]
        values[column] = pd.Series(column_values, index=values.index).astype(
            full.values[column].dtype
        )
    return Disclosed(values, shown.marks, shown.decimals, shown.low, shown.high)


@dataclass
class View:
    """Everything a panel shows, each item as comparable plain data, keyed by what it is."""

    items: dict[str, object] = field(default_factory=dict)


def view(panel: Panel, disclosed: Disclosed | None = None) -> View:
    """What `panel` shows: title, caption, answer, notes, cards, table (as on screen and as
    exported) and chart (figure data). `disclosed` stands in for its disclosed table (the
    neighbour's with the full run's statistics put in): the chart, answer and notes are then
    drawn from it, as the panel draws them from its own."""
    own = disclosed is None
    disclosed = panel.disclosed if own else disclosed
    values = disclosed.values
    items: dict[str, object] = {"title": panel.title, "caption": panel.caption}
    items["method"] = panel.method
    items["answer"] = panel.answer_text if own else (panel.answer(values) if panel.answer else "")
    items["lead"] = panel.lead(values) if panel.lead else ""
    said = panel.said(values) if (panel.said and not own) else ()
    items["notes"] = list(panel.shown_notes if own else (*panel.notes, *(n for n in said if n)))
    for i, card in enumerate(panel.cards):
        for part in ("name", "value", "change", "help", "figure", "previous", "difference"):
            items[f"card {i} ({card.name}) {part}"] = _plain(getattr(card, part))
    if panel.labels:
        text = disclosed.text()[list(panel.labels)].rename(columns=panel.labels)
        export = disclosed.export()[list(panel.labels)].rename(columns=panel.labels)
        items |= _table("table", text) | _table("export", export)
    if panel.chart is not None:
        figure = panel.figure if own else panel.chart(values)
        if figure is not None and not isinstance(figure, go.Figure):
            figure = panel.chart(values)  # a folium map renders once: a fresh one
        items |= figure_items(figure)
        if figure is None:
            items["empty"] = panel.empty
    return View(items)


def _table(kind: str, frame: pd.DataFrame) -> dict[str, object]:
    """One item per column: the cells as shown, with the table's shape."""
    out = {f"{kind} rows": len(frame)}
    for column in frame.columns:
        out[f"{kind} column {column!r}"] = [_plain(v) for v in frame[column]]
    return out


def _plain(value):
    """A value as plain comparable data: numbers to 6 significant figures (finer than any
    chart or table shows them), missing as None."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        return None if math.isnan(value) else float(f"{value:.6g}")
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.datetime64):
        return str(value)
    return value


def _tree(value):
    """A plotly figure's dict as plain nested lists and dicts (arrays plotly packs as
    base64 unpacked)."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            return [_plain(v) for v in array.tolist()]
        return {k: _tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tree(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_tree(v) for v in value.tolist()]
    if isinstance(value, pd.Series | pd.Index):
        return [_tree(v) for v in value.tolist()]
    return _plain(value)


FOLIUM_ID = re.compile(r"[0-9a-f]{32}")


def figure_items(figure) -> dict[str, object]:
    """A chart's data: each plotly trace (by position, with its name) and the layout (titles,
    shapes such as limit lines, annotations); a folium map's rendered HTML, element ids
    replaced (folium draws fresh random ids each time)."""
    if figure is None:
        return {"figure": None}
    if isinstance(figure, go.Figure):
        tree = _tree(figure.to_dict())
        items = {}
        for i, trace in enumerate(tree.get("data", [])):
            name = trace.get("name") or trace.get("type")
            for key, value in trace.items():
                items[f"chart trace {i} ({name}) {key}"] = value
        for key, value in tree.get("layout", {}).items():
            if key != "template":
                items[f"chart layout {key}"] = value
        return items
    html = FOLIUM_ID.sub("ID", figure.get_root().render())
    return {"map html": html}


def differences(full: View, neighbour: View) -> list[str]:
    """Each item that differs, with where (the first cell or element that does)."""
    out = []
    for key in sorted(full.items.keys() | neighbour.items.keys()):
        a, b = full.items.get(key, "(absent)"), neighbour.items.get(key, "(absent)")
        if a != b:
            out.append(f"{key}: {_where(a, b)}")
    return out


def _where(a, b, depth: int = 0) -> str:
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and depth < 4:
        i = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
        return f"[{i}] {_where(a[i], b[i], depth + 1)}"
    if isinstance(a, dict) and isinstance(b, dict) and depth < 4:
        key = next(k for k in sorted(a.keys() | b.keys(), key=str) if a.get(k) != b.get(k))
        return f".{key} {_where(a.get(key), b.get(key), depth + 1)}"
    if isinstance(a, str) and isinstance(b, str) and len(a) + len(b) > 160:
        pairs = enumerate(zip(a, b, strict=False))  # of unequal length: up to the shorter
        i = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
        return f"...{a[max(0, i - 40) : i + 60]!r} -> ...{b[max(0, i - 40) : i + 60]!r}"
    return f"{a!r} -> {b!r}"


# --- a page, checked --------------------------------------------------------------------------


def _wellbeing_card(view: View) -> View:
    """The overview's wellbeing card (a mean change: its name ends "change") and its row of
    the table, left out."""
    cards = {int(k.split()[1]) for k in view.items if re.match(r"card \d+ \(.* change\) ", k)}
    items = {}
    for key, value in view.items.items():
        if key.startswith("card ") and int(key.split()[1]) in cards:
            continue
        if key.startswith(("table column", "export column")):
            value = ["(a statistic)" if i in cards else v for i, v in enumerate(value)]
        items[key] = value
    return View(items)


# Shown items that quote a statistic of values but are no statistic column of any spec (the
# overview's cards come from tables disclosed apart from its panel, whose table has no spec):
# with a neighbour that moves statistics they may differ, so they are left out then.
STATISTIC_ITEMS: dict[str, Callable[[View], View]] = {"overview_headlines": _wellbeing_card}


@dataclass
class Outcome:
    """What checking one page against its neighbours found."""

    removed: str | None  # the referral whose neighbour was compared (None: no neighbour fit)
    found: list[str]  # the differences shown
    tried: list[str] = field(default_factory=list)  # neighbours whose declared counts moved


def check_page(
    build: Builder,
    full: list[Panel],
    dataset: Dataset,
    selection: Selection,
    removable: list[str],
    statistics: bool,
    neighbours: dict[str, Dataset] | None = None,
) -> Outcome:
    """Compare a page's panels on `dataset` (`full`, already built) with those built without
    each referral of `removable` in turn, until one leaves every declared count as shown;
    `statistics`: the referral has values in the page's statistics, whose values are then
    taken from the full run before comparing."""
    neighbours = {} if neighbours is None else neighbours
    tried = []
    for referral in removable:
        if referral not in neighbours:
            neighbours[referral] = without(dataset, referral)
        other = build(neighbours[referral], selection)
        shifted = moved(full, other)
        if shifted:
            tried.append(f"without {referral}: " + "; ".join(shifted[:4]))
            continue
        return Outcome(referral, compare_panels(full, other, statistics), tried)
    return Outcome(None, [], tried)


def compare_panels(full: list[Panel], other: list[Panel], statistics: bool) -> list[str]:
    """Every shown difference between two runs of a page's panels, named by panel."""
    if [p.name for p in full] != [p.name for p in other]:
        return [f"panels {[p.name for p in full]} -> {[p.name for p in other]}"]
    out = []
    for i, (a, b) in enumerate(zip(full, other, strict=True)):
        columns = a.spec.statistic_columns if statistics else []
        mask = STATISTIC_ITEMS.get(a.name, lambda v: v) if statistics else (lambda v: v)
        theirs = with_statistics_of(b.disclosed, a.disclosed, columns) if columns else None
        found = differences(mask(view(a)), mask(view(b, theirs)))
        for part, table, spec, x in _parts(a):
            y = dict((p, d) for p, _, _, d in _parts(b))[part]
            _, moving = _plain_columns(table, spec, x, y)
            found += [
                f"column {c!r}{part} is named in no spec but moves with the data (it reaches "
                "the chart and answer as it is)"
                for c in moving
            ]
        out += [f"panel #{i} {a.name}: {d}" for d in found]
    return out


def describe(page: str, place: str, outcome: Outcome) -> str:
    """A failure message a reader can act on."""
    moved_first = "".join(f"\n  (declared counts moved {t})" for t in outcome.tried)
    if outcome.removed is None:
        return (
            f"{page} ({place}): no neighbour found: removing each referral tried moved a "
            "declared count as shown (a figure declared as a count that is not a sum of "
            "referrals, e.g. fitted on exact counts):" + moved_first
        )
    return (
        f"{page} ({place}): without {outcome.removed} every declared count is shown the same, "
        f"but {len(outcome.found)} shown item(s) differ:\n  "
        + "\n  ".join(outcome.found[:25])
        + moved_first
    )


# --- the structural check: a chart sees the disclosed values only --------------------------


def garbage_check(panels: list[Panel]) -> list[str]:
    """Charts, answers and notes drawn again after the panels' exact tables (and basis tables)
    have had their person-level columns overwritten in place with nonsense: one that reads
    an exact table through its closure draws something else. (What a closure worked out from
    exact figures before it was made is for the neighbour check to find.) Run on panels
    already drawn: it spoils their exact tables."""
    before = [_drawn(p) for p in panels]
    for panel in panels:
        _spoil(panel.table, panel.spec)
        for table, spec in panel.basis.values():
            _spoil(table, spec)
    out = []
    for i, (panel, drawn) in enumerate(zip(panels, before, strict=True)):
        out += [f"panel #{i} {panel.name}: {d}" for d in differences(drawn, _drawn(panel))]
    return out


def _drawn(panel: Panel) -> View:
    """What a panel draws from its disclosed values (cached, so untouched by the spoiling):
    its chart, answer and notes, drawn afresh."""
    values = panel.disclosed.values
    items = {
        "answer": panel.answer(values) if panel.answer else "",
        "lead": panel.lead(values) if panel.lead else "",
        "notes": list(panel.said(values)) if panel.said else [],
    }
    if panel.chart is not None:
        items |= figure_items(panel.chart(values))
    return View(items)


NONSENSE = 987_654_321.0


def _spoil(table: pd.DataFrame, spec) -> None:
    for column in [*spec.counts, *spec.statistics]:
        if column in table.columns:
            table[column] = NONSENSE


# --- the pack ---------------------------------------------------------------------------------

# where the pack came from: the data's content hash differs between neighbours by design
MADE = re.compile(r"<table class='provenance'>.*?</table>", re.S)
PLOTLY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SCRIPT = re.compile(r"<script>.*?</script>", re.S)


def pack_view(dataset: Dataset, selection: Selection) -> View:
    """The pack's CSV tables and its HTML (plotly.js, where and when it was made and plotly's
    random element ids taken out), one item per table column and per HTML element."""
    pack = build_pack(dataset, selection, LEVEL)
    head, _, rest = pack.html.partition("<body>")
    body = PLOTLY_ID.sub("ID", MADE.sub("", rest))
    items: dict[str, object] = {"tables": sorted(pack.tables)}
    for name, table in pack.tables.items():
        items |= {f"{name}.csv {k}": v for k, v in _table("", table).items()}
    parts = re.split(r"(?=<div class='panel'>|<section>)", body)
    for i, part in enumerate(parts):
        title = re.search(r"<h[23]>(.*?)</h[23]>", part)
        items[f"report.html part {i} ({title.group(1) if title else ''})"] = part
    items["report.html head"] = SCRIPT.sub("", head)
    return View(items)
