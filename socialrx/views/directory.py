"""The directory page: a VCS group's own asset records, which are stale or missing the fields
that filters need, the changes an uploaded correction sheet makes, and every organisation's
record-keeping at a glance. Asset and organisation counts are not person-level: never hidden."""

from __future__ import annotations

import pandas as pd

from socialrx.data import corrections
from socialrx.data.corrections import CheckedSheet
from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.views.panels import Card, Panel

NO_ORGANISATION = ""

OWN_LABELS = {
    "asset_id": "Asset",
    "name": "Name",
    "category": "Category",
    "status": "Status",
    "last_verified": "Last verified",
    "stale": "Stale (not verified in 12 months)",
    "missing": "Missing (hidden from filters)",
}


def organisation_choices(dataset: Dataset) -> dict[str, str]:
    """Organisations that have assets, by id, labelled `Name (ID): N assets`, by name."""
    assets = dataset.table("assets")
    counts = assets["organisation_id"].dropna().value_counts()
    names = corrections.organisation_names(dataset)
    labels = {
        org: f"{names.get(org, org)} ({org}): {n:,} asset" + ("" if n == 1 else "s")
        for org, n in counts.items()
    }
    return dict(sorted(labels.items(), key=lambda item: item[1].lower()))


def own_table(dataset: Dataset, organisation_id: str) -> pd.DataFrame:
    """One organisation's assets: when each was last verified, whether it is stale, and which
    fields it lacks that link workers filter on."""
    mine = corrections.own_assets(dataset.table("assets"), organisation_id)
    stale = mine["stale"] if "stale" in mine.columns else pd.Series(False, index=mine.index)
    table = pd.DataFrame(
        {
            "asset_id": mine["asset_id"],
            "name": mine["name"],
            "category": mine["category"],
            "status": mine["status"],
            "last_verified": mine["last_verified"].dt.strftime("%Y-%m-%d"),
            "stale": stale.fillna(False).map({True: "yes", False: "no"}),
            "missing": corrections.missing_fields(mine),
        }
    )
    order = table.assign(_s=table["stale"].eq("yes"), _m=table["missing"].ne(""))
    return order.sort_values(["_s", "_m", "name"], ascending=[False, False, True]).drop(
        columns=["_s", "_m"]
    )


def _listed(names: list[str], most: int = 3) -> str:
    """a, b and c; "a, b, c and 2 more" past `most`."""
    shown = names[:most] + ([f"{len(names) - most:,} more"] if len(names) > most else [])
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def records_answer(values: pd.DataFrame, name: str) -> str:
    """An organisation's records in a sentence: how many, which are stale, which lack what
    filters need (asset records: not person-level)."""
    if values.empty:
        return f"No asset records name {name}."
    stale = values.loc[values["stale"].eq("yes"), "name"].astype(str).tolist()
    gaps = values[values["missing"].ne("")]
    said = [f"{name} has {len(values):,} asset record{'s' if len(values) != 1 else ''}"]
    said.append(
        f"{len(stale):,} stale (not verified in 12 months: {_listed(stale)})"
        if stale
        else "none stale"
    )
    said.append(
        f"{len(gaps):,} hidden from filters ("
        + _listed([f"{r['name']}: {r['missing']}" for _, r in gaps.iterrows()])
        + ")"
        if len(gaps)
        else "none missing what filters need"
    )
    return f"{said[0]}: {said[1]}; {said[2]}."


def organisations_answer(values: pd.DataFrame) -> str:
    """Every organisation's record-keeping in a sentence (counts of assets, shown exactly)."""
    if values.empty:
        return ""
    stale, gaps = int(values["stale"].sum()), int(values["gaps"].sum())
    keeping = int(((values["stale"] > 0) | (values["gaps"] > 0)).sum())
    most = values.sort_values("stale", ascending=False, kind="stable").iloc[0]
    worst = f"; the most stale: {most['name']} ({int(most['stale']):,})" if most["stale"] else ""
    return (
        f"Of {int(values['assets'].sum()):,} asset records, {stale:,} are stale and {gaps:,} "
        f"lack a schedule, accessibility or capacity, at {keeping:,} of "
        f"{len(values):,} organisations{worst}."
    )


def own_panels(dataset: Dataset, organisation_id: str, level: Level) -> list[Panel]:
    """Headline cards and the table of one organisation's asset records."""
    table = own_table(dataset, organisation_id)
    name = corrections.organisation_name(dataset, organisation_id)
    stale, gaps = int(table["stale"].eq("yes").sum()), int(table["missing"].ne("").sum())
    extract = dataset.extract_date
    as_at = f" ({extract:%d %b %Y})" if extract is not None else ""
    cards = Panel(
        name="directory_headlines",
        title="",
        caption="",
        level=level,
        show_table=False,
        cards=(
            Card("Your assets", f"{len(table):,}", "Asset records naming your organisation_id."),
            Card(
                "Stale records",
                f"{stale:,}",
                "Records not verified in the 12 months before the extract date (last_verified): "
                "check them and update last_verified.",
            ),
            Card(
                "Records hidden from filters",
                f"{gaps:,}",
                "Records with no schedule, no accessibility (wheelchair_accessible) or no "
                "capacity_per_month: link workers filtering on these will not find them.",
            ),
        ),
    )
    records = Panel(
        name="directory_own_assets",
        title=f"{name}: your asset records",
        caption="Stale: last verified more than 12 months before the extract date"
        + as_at
        + "; a blank Last verified was never recorded. Missing: the fields link workers "
        "filter on (schedule, accessibility, capacity); an asset without them drops out of "
        "those filters. Stale and incomplete records are listed first.",
        level=level,
        table=table,
        labels=OWN_LABELS,
        empty="No assets name this organisation.",
        answer=lambda values: records_answer(values, name),
    )
    return [cards, records]


def changes_panel(checked: CheckedSheet, level: Level) -> Panel:
    """What an uploaded sheet would change, cell by cell, before anything is replaced."""
    kept = (
        f" {len(checked.not_in_sheet):,} of your assets are not in the sheet: they are kept "
        "as they are (a sheet cannot delete an asset; set its status to inactive or defunct)."
        if checked.not_in_sheet
        else ""
    )
    return Panel(
        name="directory_changes",
        title=f"Changes in the sheet ({len(checked.changes):,})",
        caption="Each cell the sheet changes: nothing is replaced until you download the "
        "corrected assets.csv and put it in the data folder yourself." + kept,
        level=level,
        table=checked.changes,
        labels={
            "asset_id": "Asset",
            "name": "Name",
            "field": "Field",
            "old_value": "Old value",
            "new_value": "New value",
        },
    )


def organisations_panel(dataset: Dataset, level: Level) -> Panel:
    """Every organisation's records: how many, how many stale, how many missing fields."""
    assets = dataset.table("assets")
    frame = pd.DataFrame(
        {
            "organisation_id": assets["organisation_id"].fillna(NO_ORGANISATION),
            "stale": assets["stale"].fillna(False).astype(bool)
            if "stale" in assets.columns
            else False,
            "gap": corrections.missing_fields(assets).ne(""),
        }
    )
    table = (
        frame.groupby("organisation_id", sort=False)
        .agg(assets=("stale", "size"), stale=("stale", "sum"), gaps=("gap", "sum"))
        .reset_index()
    )
    names = corrections.organisation_names(dataset)
    table.insert(
        1,
        "name",
        [names.get(o, o) if o else "(no organisation_id)" for o in table["organisation_id"]],
    )
    table = table.sort_values(["stale", "gaps", "assets"], ascending=False, kind="stable")
    return Panel(
        name="directory_organisations",
        title="Every organisation's records",
        caption="Asset records by organisation: how many are stale (not verified in 12 "
        "months) and how many lack a schedule, accessibility or capacity. Counts of assets, "
        "not people: shown exactly.",
        level=level,
        table=table,
        labels={
            "organisation_id": "Organisation",
            "name": "Name",
            "assets": "Assets",
            "stale": "Stale",
            "gaps": "Missing fields",
        },
        answer=organisations_answer,
    )
