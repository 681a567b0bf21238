"""The VCS correction sheet: a provider downloads its own asset records, corrects them in a
spreadsheet and uploads the sheet back. The sheet is checked as `assets.csv` is, the changes
are listed (asset, field, old value, new value) before anything replaces anything, and applying
them gives a corrected `assets.csv` to download: nothing is written into the data folder.

The sheet is CSV (openpyxl is not a runtime dependency): note lines at the top, starting with
`#`, say what each column allows; they are ignored when the sheet comes back, and the row
numbers in any message are those the spreadsheet shows.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialrx.data import checks, geography
from socialrx.data.dataset import Dataset
from socialrx.data.files import SourceFile, decode_text, read_csv
from socialrx.data.parsing import normalise_header
from socialrx.data.problems import ERROR, Report
from socialrx.data.schema import BOOL, CHOICE, DATE, DECIMAL, INT, POSTCODE, TABLES
from socialrx.data.tables import ROW, type_table
from socialrx.escape import csv_bytes

ASSETS = TABLES["assets"]
SHEET_COLUMNS = [c.name for c in ASSETS.columns]
NOTE = "#"
NEW_ASSET = "(new asset)"
# The fields whose absence hides an asset from a link worker's filters.
FILTER_FIELDS = {
    "schedule": "no schedule",
    "wheelchair_accessible": "no accessibility",
    "capacity_per_month": "no capacity",
}


def cell_text(value: object) -> str:
    """A typed value as a spreadsheet cell: ISO dates, yes/no, whole numbers without `.0`."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.10g}"
    return str(value)


def _placed_by_postcode(assets: pd.DataFrame, postcodes: pd.DataFrame | None) -> pd.Series:
    """True where the coordinates are the ones the loader looked up from the postcode: the
    provider gave only the postcode, so the sheet gives only the postcode back."""
    if postcodes is None or postcodes.empty or assets.empty:
        return pd.Series(False, index=assets.index)
    lookup = postcodes.drop_duplicates("postcode").set_index("postcode")
    lat = assets["postcode"].map(lookup["latitude"])
    lon = assets["postcode"].map(lookup["longitude"])
    same = (assets["latitude"] == lat) & (assets["longitude"] == lon)
    return same.fillna(False).astype(bool)


def assets_as_text(assets: pd.DataFrame, postcodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract's asset columns as text cells, as an assets.csv holds them."""
    out = pd.DataFrame(index=assets.index)
    for name in SHEET_COLUMNS:
        values = assets[name] if name in assets.columns else pd.Series(None, index=assets.index)
        out[name] = [cell_text(v) for v in values]
    looked_up = _placed_by_postcode(assets, postcodes)
    out.loc[looked_up, ["latitude", "longitude"]] = ""
    return out.reset_index(drop=True)


def own_assets(assets: pd.DataFrame, organisation_id: str) -> pd.DataFrame:
    """One organisation's assets."""
    return assets[assets["organisation_id"] == organisation_id]


def missing_fields(assets: pd.DataFrame) -> pd.Series:
    """For each asset, the fields whose absence hides it from filters (`no schedule; ...`)."""
    gaps = [
        assets[name].isna().to_numpy() if name in assets.columns else [True] * len(assets)
        for name in FILTER_FIELDS
    ]
    words = ["; ".join(s for s, gap in zip(FILTER_FIELDS.values(), row, strict=True) if gap)
             for row in zip(*gaps, strict=True)]  # fmt: skip
    return pd.Series(words, index=assets.index, dtype=object)


def allowed_notes() -> list[str]:
    """What each column of the sheet allows, one note line each."""
    notes = []
    for column in ASSETS.columns:
        need = "required" if column.required else "optional"
        if column.kind == CHOICE:
            what = "one of: " + " | ".join(column.allowed)
        elif column.kind == DATE:
            what = "a date, 2024-03-31 or 31/03/2024 (day first)"
        elif column.kind == BOOL:
            what = "yes or no"
        elif column.kind in (INT, DECIMAL):
            what = "a whole number" if column.kind == INT else "a number"
            if column.low is not None or column.high is not None:
                low = "any" if column.low is None else f"{column.low:g}"
                high = "any" if column.high is None else f"{column.high:g}"
                what += f" from {low} to {high}"
        elif column.kind == POSTCODE:
            what = "a UK postcode such as S60 1AA"
        else:
            what = "text"
        extra = {
            "latitude": " (WGS84, or leave blank and give the postcode)",
            "schedule": " such as: Tue 10:00-12:00; Thu 18:00-20:00",
            "url": " starting http:// or https://",
            "asset_id": " (do not change it: a new id is a new asset)",
            "organisation_id": " (your organisation's id: do not change it)",
        }.get(column.name, "")
        notes.append(f"{column.name} ({need}): {what}{extra}")
    return notes


def correction_sheet(dataset: Dataset, organisation_id: str) -> bytes:
    """An organisation's assets as a pre-filled CSV sheet with notes on what each column
    allows (lines starting with #, ignored on upload)."""
    assets = own_assets(dataset.table("assets"), organisation_id)
    postcodes = dataset.tables.get("postcodes")
    name = organisation_name(dataset, organisation_id)
    lines = [
        f"{NOTE} Correction sheet for {name} ({organisation_id}): one row per asset. Correct any "
        "cell, add a row for a new asset with your organisation_id, save as CSV and upload it "
        "on the Directory page. Lines starting with # are notes and are ignored.",
        *(f"{NOTE} {note}" for note in allowed_notes()),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in lines:
        writer.writerow([line])
    body = csv_bytes(assets_as_text(assets, postcodes)).removeprefix(b"\xef\xbb\xbf")
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8") + body


def organisation_name(dataset: Dataset, organisation_id: str) -> str:
    """The organisation's name from organisations.csv, else its id."""
    return organisation_names(dataset).get(organisation_id, organisation_id)


def organisation_names(dataset: Dataset) -> dict[str, str]:
    """Every organisation's name from organisations.csv by id (an id's first row; none for an
    id without a name), found once: a directory names thousands of organisations."""
    if not dataset.has("organisations"):
        return {}
    table = dataset.table("organisations").drop_duplicates("organisation_id")
    named = table[table["organisation_id"].notna() & table["name"].notna()]
    return dict(zip(named["organisation_id"].astype(str), named["name"].astype(str), strict=True))


def _without_notes(data: bytes) -> bytes:
    """The sheet with its note lines blanked (not removed: row numbers stay the sheet's)."""
    text = decode_text(data)
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        stripped = line.lstrip().lstrip('"').lstrip()
        if stripped.startswith(NOTE):
            lines[i] = "\n"
        elif stripped.strip(", \r\n"):
            break  # the header: notes only come above it
        else:
            lines[i] = "\n"  # a blank (or all-commas) line above the header
    return "".join(lines).encode("utf-8")


@dataclass
class CheckedSheet:
    """An uploaded sheet, checked: its problems, the changes it makes, and its usable rows.
    `refused` says why nothing from it can be applied (then `rows` is empty)."""

    report: Report
    changes: pd.DataFrame
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # typed, the usable rows
    columns: tuple[str, ...] = ()  # the contract columns the sheet holds
    refused: str = ""
    not_in_sheet: tuple[str, ...] = ()  # own assets the sheet leaves out: kept as they are

    @property
    def applicable(self) -> bool:
        return not self.refused and not self.changes.empty


CHANGE_COLUMNS = ["asset_id", "name", "field", "old_value", "new_value"]


def check_sheet(file: SourceFile, dataset: Dataset, organisation_id: str) -> CheckedSheet:
    """Check an uploaded sheet as assets.csv is checked, refuse another organisation's assets,
    and list every change it would make to this organisation's assets."""
    report = Report()
    none = pd.DataFrame(columns=CHANGE_COLUMNS)
    clean = SourceFile(file.name, _without_notes(file.data))
    raw = read_csv(clean, report)
    if raw is None:
        return CheckedSheet(report, none, refused=f"{file.name} could not be read: see below")
    typed = type_table(raw, ASSETS, file.name, report)
    if typed is None or typed.empty:
        return CheckedSheet(report, none, refused=f"{file.name} holds no usable asset rows")
    headers = {normalise_header(h) for h in raw.columns}
    present = tuple(
        c for c in SHEET_COLUMNS if c in headers or c in {ASSETS.aliases.get(h) for h in headers}
    )
    current = dataset.table("assets")
    owners = dict(zip(current["asset_id"], current["organisation_id"], strict=True))
    typed["organisation_id"] = typed["organisation_id"].fillna(organisation_id)
    foreign = (typed["organisation_id"] != organisation_id) | typed["asset_id"].map(
        lambda a: a in owners and owners[a] != organisation_id
    ).astype(bool)
    if foreign.any():
        name = organisation_name(dataset, organisation_id)
        listed = []
        for row, asset, org in typed.loc[foreign, [ROW, "asset_id", "organisation_id"]].values:
            owner = owners.get(asset) if owners.get(asset) not in (None, organisation_id) else org
            owner_name = organisation_name(dataset, owner) if pd.notna(owner) else "another"
            listed.append(f"row {row}: {asset} belongs to {owner} ({owner_name})")
            report.add(file.name, f"this asset belongs to {owner} ({owner_name}), not to "
                       f"{organisation_id} ({name}): a sheet may only hold your own assets",
                       ERROR, row=int(row), column="organisation_id", value=str(asset))  # fmt: skip
        shown = "; ".join(listed[:5]) + (
            f"; and {len(listed) - 5:,} more" if len(listed) > 5 else ""
        )
        refused = (
            f"This sheet holds assets of another organisation ({shown}). Only {name}'s own "
            "assets can be corrected here: download your own sheet above and correct that."
        )
        return CheckedSheet(report, none, refused=refused)
    postcodes = dataset.tables.get("postcodes")
    typed = checks.place_points(typed, file.name, postcodes, report)
    typed = checks.tidy_assets(typed, dataset.extract_date, report, file.name)
    mine = own_assets(current, organisation_id)
    changes = _changes(typed, mine, present, postcodes)
    left_out = tuple(sorted(set(mine["asset_id"]) - set(typed["asset_id"])))
    return CheckedSheet(report, changes, typed, present, not_in_sheet=left_out)


def _changes(typed, mine, present, postcodes) -> pd.DataFrame:
    """(asset, field, old value, new value) for every cell the sheet changes; a new asset is
    one line."""
    old = assets_as_text(mine, postcodes).set_index("asset_id", drop=False)
    new = assets_as_text(typed, postcodes)
    rows = []
    for record in new.to_dict("records"):
        asset = record["asset_id"]
        if asset not in old.index:
            rows.append((asset, record["name"], NEW_ASSET, "", record["name"]))
            continue
        before = old.loc[asset]
        for name in present:
            if name != "asset_id" and record[name] != before[name]:
                rows.append((asset, record["name"] or before["name"], name, before[name],
                             record[name]))  # fmt: skip
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def apply_sheet(dataset: Dataset, checked: CheckedSheet) -> pd.DataFrame:
    """Every asset of the dataset as assets.csv text, with the sheet's rows in place of the
    organisation's and its new assets added at the end. Columns the sheet lacks keep their
    values; assets the sheet leaves out are kept unchanged."""
    if checked.refused:
        raise ValueError(checked.refused)
    postcodes = dataset.tables.get("postcodes")
    current = assets_as_text(dataset.table("assets"), postcodes)
    corrected = assets_as_text(checked.rows, postcodes).set_index("asset_id", drop=False)
    out = current.set_index("asset_id", drop=False)
    known = corrected.index.intersection(out.index)
    for name in checked.columns:
        out.loc[known, name] = corrected.loc[known, name]
    added = corrected.loc[~corrected.index.isin(out.index)]
    return pd.concat([out, added], ignore_index=True)[SHEET_COLUMNS]


def corrected_csv(dataset: Dataset, checked: CheckedSheet) -> bytes:
    """The corrected assets.csv, formula-safe."""
    return csv_bytes(apply_sheet(dataset, checked))


# Corrections made in the app ----------------------------------------------------------------
# A provider edits its records in a table (or confirms one is still right); each changed cell
# goes into the team's queue (`socialrx.team.store`); a directory editor approves or rejects
# it; approved changes are applied, in the order they were decided, on top of the loaded
# directory for every page (`apply_approved`). The data folder itself is never written.
EDITED = "your edits"  # how problems in the edited table name it
CONFIRMED = "last_verified"


def editable_records(dataset: Dataset, organisation_id: str) -> pd.DataFrame:
    """An organisation's records as text cells for the app's table editor (its own
    organisation_id is not offered: it cannot be changed there)."""
    mine = own_assets(dataset.table("assets"), organisation_id)
    text = assets_as_text(mine, dataset.tables.get("postcodes"))
    return text.drop(columns=["organisation_id"])


def check_edits(dataset: Dataset, organisation_id: str, edited: pd.DataFrame) -> CheckedSheet:
    """The edited table checked as assets.csv is (every problem named by row, column and
    what is allowed) and the changes it makes, cell by cell. Row numbers are the table's
    (the first record is row 1)."""
    table = edited.assign(organisation_id=organisation_id)[SHEET_COLUMNS].fillna("")
    data = table.astype(str).to_csv(index=False).encode("utf-8")  # exactly as typed
    checked = check_sheet(SourceFile(EDITED, data), dataset, organisation_id)
    checked.report.problems[:] = [  # the sheet's header is row 1; the editor has none
        dataclasses.replace(p, row=p.row - 1) if p.row is not None else p
        for p in checked.report.problems
    ]
    # A warning on a record being changed (a link dropped) would send a change nobody meant:
    # it stops the edit as an error does. Old warnings on untouched records do not.
    own = set(own_assets(dataset.table("assets"), organisation_id)["asset_id"])
    if set(table["asset_id"]) != own:
        checked.refused = ("A record's asset_id cannot be changed here (a new id is a new "
                           "asset: add new assets with the correction sheet).")  # fmt: skip
        checked.changes = checked.changes.iloc[:0]
        return checked
    changed = set(checked.changes["asset_id"])
    rows = {i + 1 for i, asset in enumerate(table["asset_id"]) if asset in changed}
    if not checked.refused and any(
        p.severity == ERROR or p.row in rows for p in checked.report.problems
    ):
        checked.refused = "Nothing was sent: correct the problems below first."
        checked.changes = checked.changes.iloc[:0]
    return checked


def confirmation(dataset: Dataset, asset_id: str, on: pd.Timestamp) -> pd.DataFrame:
    """The one change that says a record is still right: last_verified set to `on`."""
    assets = dataset.table("assets").set_index("asset_id")
    old = cell_text(assets.at[asset_id, CONFIRMED])
    return pd.DataFrame([(asset_id, str(assets.at[asset_id, "name"]), CONFIRMED, old,
                          f"{on:%Y-%m-%d}")], columns=CHANGE_COLUMNS)  # fmt: skip


def apply_approved(dataset: Dataset, approved: pd.DataFrame) -> tuple[Dataset, pd.Series]:
    """The dataset with the approved changes (`store.approved_corrections`: asset_id, field,
    old_value, new_value, in decision order) applied to its assets, and what became of each.

    A change applies where the record still holds the value it was made against; one whose
    new value the loaded data already holds (the corrected assets.csv was put in the data
    folder) has nothing left to do; one whose record has changed since is left out, and says
    so, since the loaded data is newer than the change."""
    postcodes = dataset.tables.get("postcodes")
    text = assets_as_text(dataset.table("assets"), postcodes).set_index("asset_id", drop=False)
    said, applied = [], []
    for change in approved.itertuples():
        known = change.asset_id in text.index and change.field in text.columns
        now = text.at[change.asset_id, change.field] if known else None
        if not known:
            said.append("not applied: no such asset or field in this directory")
        elif now == (change.old_value or ""):
            text.at[change.asset_id, change.field] = change.new_value or ""
            said.append("applied")
            applied.append(str(change.id))
        elif now == (change.new_value or ""):
            said.append("already in the loaded data")
        else:
            said.append(f"not applied: the record has changed since (now “{now}”)")
    outcome = pd.Series(said, index=approved.index, dtype=object)
    if not applied:
        return dataset, outcome
    report = Report()
    typed = type_table(text.reset_index(drop=True), ASSETS, "assets.csv", report)
    typed = checks.place_points(typed, "assets.csv", postcodes, report)
    typed = checks.tidy_assets(typed, dataset.extract_date, report, "assets.csv")
    typed["area_code"] = geography.area_of_points(typed["latitude"], typed["longitude"],
                                                  dataset.areas)  # fmt: skip
    digest = hashlib.sha256(f"{dataset.content_hash}:{','.join(applied)}".encode()).hexdigest()
    corrected = dataclasses.replace(
        dataset, tables={**dataset.tables, "assets": typed.drop(columns=[ROW])},
        content_hash=digest, _derived={},
    )  # fmt: skip
    return corrected, outcome
