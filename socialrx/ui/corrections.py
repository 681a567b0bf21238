"""Directory corrections in the app (issue 24): a provider edits its own records in a table or
confirms one is still right, each changed cell goes into the team's queue, a directory editor
approves or rejects it with a reason, and approved changes are applied to the directory every
page shows (`corrected`), on top of the loaded data folder, which is never written."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from socialrx.data import corrections
from socialrx.data.dataset import Dataset
from socialrx.escape import csv_bytes, file_slug, markdown_text
from socialrx.team import access
from socialrx.team.access import Refused
from socialrx.team.store import APPROVED, REJECTED, WAITING
from socialrx.ui import caches, identity, links
from socialrx.ui.drawing import show_table
from socialrx.ui.loading import FOLDER
from socialrx.views.data import problems_table

MESSAGE_KEY = "_socialrx_corrections_message"
APPLIED_KEY = "_socialrx_corrections_applied"  # approved change id -> what it did (`corrected`)
EDITOR_VERSION_KEY = "_socialrx_corrections_editor"  # a new editor (its edits cleared) once sent
QUEUE_LABELS = {
    "id": "No.",
    "organisation_id": "Organisation",
    "asset_id": "Asset",
    "asset_name": "Name",
    "field": "Field",
    "old_value": "Old value",
    "new_value": "New value",
    "submitted_by": "Sent by",
    "submitted_at": "Sent (UTC)",
    "status": "Decision",
    "decided_by": "Decided by",
    "decided_at": "Decided (UTC)",
    "reason": "Reason",
    "applied": "In the directory shown",
}


def corrected(dataset: Dataset) -> Dataset:
    """The data folder's directory with every approved correction applied (read from the team's
    store on every run, so an approval in one session shows in every other at its next click).
    What became of each change is kept for the editor's history (`APPLIED_KEY`)."""
    approved = identity.store().approved_corrections()
    if approved.empty:
        st.session_state[APPLIED_KEY] = {}
        return dataset
    ids = tuple(int(i) for i in approved["id"])
    shown, outcome = caches.corrected_directory(dataset, dataset.content_hash, ids, approved)
    st.session_state[APPLIED_KEY] = dict(zip(ids, outcome, strict=True))
    return shown


def _queue_table(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    shown = frame[columns].copy()
    for column in ("submitted_at", "decided_at"):
        if column in shown:
            shown[column] = shown[column].map(lambda t: f"{t:%Y-%m-%d %H:%M}",
                                              na_action="ignore")  # fmt: skip
    return shown.rename(columns=QUEUE_LABELS)


def _say(message: str) -> None:
    st.session_state[MESSAGE_KEY] = message


def _said() -> None:
    if message := st.session_state.pop(MESSAGE_KEY, None):
        st.success(markdown_text(message), icon=":material/check:")


def _submit(dataset: Dataset, organisation_id: str, changes: pd.DataFrame, what: str) -> None:
    """Into the queue (the store checks the person and the organisation again), audited."""
    owners = dict(zip(dataset.table("assets")["asset_id"],
                      dataset.table("assets")["organisation_id"], strict=True))  # fmt: skip
    try:
        ids = identity.store().submit_corrections(identity.person(), organisation_id, changes,
                                                  owners)  # fmt: skip
    except Refused as refused:
        identity.record("refused", detail=f"correction for {organisation_id}: {refused}")
        st.error(markdown_text(str(refused)), icon=":material/block:")
        st.stop()
    listed = "; ".join(f"{c.asset_id} {c.field}: “{c.old_value}” → “{c.new_value}”"
                       for c in changes.itertuples())  # fmt: skip
    identity.record("correction sent", detail=f"{organisation_id}: nos. "
                    f"{', '.join(map(str, ids))}: {listed}")  # fmt: skip
    count = len(ids)
    _say(f"{what}: {count:,} change{'s' if count != 1 else ''} sent to the directory's "
         "editors. Each shows on every page once approved.")  # fmt: skip


def provider_corrections(dataset: Dataset, organisation_id: str, name: str) -> None:
    """For a provider (its own organisation): edit its records, confirm one is still right,
    and follow what it has sent."""
    st.header("Correct your records here")
    _said()
    st.write(
        "Edit any cell below (each column's heading says what it allows), then send your "
        "changes. Each changed cell goes to the people who keep the directory; once they "
        "approve it, it shows on every page (the map, this directory, the Open Referral UK "
        "export) and in the directory's assets.csv."
    )
    records = corrections.editable_records(dataset, organisation_id)
    notes = dict(zip(corrections.SHEET_COLUMNS, corrections.allowed_notes(), strict=True))
    version = st.session_state.get(EDITOR_VERSION_KEY, 0)
    edited = st.data_editor(
        records,
        key=f"correct_{file_slug(organisation_id, 'organisation')}_{version}",
        disabled=["asset_id"],
        num_rows="fixed",
        hide_index=True,
        column_config={c: st.column_config.TextColumn(c, help=notes[c]) for c in records},
    )
    if st.button("Send my changes for approval", key="corrections_send", type="primary"):
        checked = corrections.check_edits(dataset, organisation_id, edited)
        if checked.refused:
            st.error(markdown_text(checked.refused), icon=":material/error:")
            st.caption("Row 1 is the first record in the table.")
            show_table(problems_table(checked.report).drop(columns=["file"])
                       .rename(columns=str.capitalize))  # fmt: skip
        elif checked.changes.empty:
            st.info("You have changed nothing yet.")
        else:
            _submit(dataset, organisation_id, checked.changes, "Sent")
            st.session_state[EDITOR_VERSION_KEY] = version + 1
            st.rerun()

    st.subheader("Still right? Say so in one click")
    st.caption(
        "Confirming a record sets its last_verified to today, so it is no longer listed as "
        "stale once approved."
    )
    names = dict(zip(records["asset_id"], records["name"], strict=True))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    label = lambda a: f"{names[a]} ({a})"  # noqa: E731 - the note and the box say it alike
    links.check("corrections_confirm_asset", list(names), "record to confirm", label)
    asset = left.selectbox("Record", list(names), format_func=label,
                           key="corrections_confirm_asset")  # fmt: skip
    if right.button("Confirm it is still right", key="corrections_confirm"):
        today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
        _submit(dataset, organisation_id, corrections.confirmation(dataset, asset, today),
                f"{names[asset]} confirmed")  # fmt: skip
        st.rerun()

    sent = identity.store().corrections(organisation_id=organisation_id)
    st.subheader(f"What {markdown_text(name)} has sent")
    if sent.empty:
        st.caption("Nothing yet.")
    else:
        show_table(_queue_table(sent.iloc[::-1], ["id", "asset_id", "asset_name", "field",
                                                  "old_value", "new_value", "submitted_by",
                                                  "submitted_at", "status", "reason"]))  # fmt: skip


def editor_queue() -> None:
    """For a directory editor: each waiting change to approve or reject with a reason; the
    history of decisions (and what each did to the directory shown); the corrected directory
    as assets.csv."""
    team = identity.store()
    someone = identity.person()
    st.header("Corrections waiting for approval")
    _said()
    waiting = team.corrections(WAITING)
    if waiting.empty:
        st.caption("No correction is waiting.")
    else:
        show_table(_queue_table(waiting, ["id", "organisation_id", "asset_id", "asset_name",
                                          "field", "old_value", "new_value", "submitted_by",
                                          "submitted_at"]))  # fmt: skip
        labels = {int(r.id): f"No. {r.id}: {r.asset_name} ({r.asset_id}), {r.field}: "
                  f"“{r.old_value}” → “{r.new_value}”" for r in waiting.itertuples()}  # fmt: skip
        chosen = st.selectbox("Change", list(labels), format_func=labels.get,
                              key="corrections_chosen")  # fmt: skip
        reason = st.text_input("Reason (the provider sees it)", key="corrections_reason",
                               max_chars=500)  # fmt: skip
        approve, reject = st.columns(2)
        approved = approve.button("Approve", key="corrections_approve", type="primary")
        rejected = reject.button("Reject", key="corrections_reject")
        decision = APPROVED if approved else REJECTED if rejected else None
        if decision:
            try:
                done = team.decide_correction(chosen, decision == APPROVED, reason, someone)
            except ValueError as missing:
                st.error(str(missing), icon=":material/error:")
            except Refused as refused:
                identity.record("refused", detail=f"correction {chosen}: {refused}")
                st.error(markdown_text(str(refused)), icon=":material/block:")
                st.stop()
            else:
                if done:
                    said = f"no. {chosen}: {labels[chosen]}; reason: {reason}"
                    identity.record(f"correction {decision}", detail=said)
                    _say(f"No. {chosen} {decision}.")
                else:
                    _say(f"No. {chosen} was decided by someone else first.")
                st.session_state.pop("corrections_reason", None)
                st.rerun()

    st.header("Corrections decided")
    decided = team.corrections()
    decided = decided[decided["status"] != WAITING].sort_values("decided_at", ascending=False)
    if decided.empty:
        st.caption("None yet.")
    else:
        outcome = st.session_state.get(APPLIED_KEY, {})
        decided = decided.assign(applied=[
            outcome.get(int(i), "not applied: this data is not the data folder's")
            if status == APPROVED else "no" for i, status in zip(decided["id"],
                                                                 decided["status"], strict=True)
        ])  # fmt: skip
        show_table(_queue_table(decided, ["id", "organisation_id", "asset_id", "asset_name",
                                          "field", "old_value", "new_value", "submitted_by",
                                          "submitted_at", "status", "decided_by",
                                          "decided_at", "reason", "applied"]))  # fmt: skip
        st.download_button(
            "Download the history of corrections (CSV)",
            identity.audited(lambda: csv_bytes(_queue_table(decided, list(QUEUE_LABELS))),
                             "download", "directory_corrections.csv"),
            file_name="directory_corrections.csv", mime="text/csv",
            key="dl_corrections_history", on_click="ignore",
        )  # fmt: skip


def directory_download(dataset: Dataset) -> None:
    """The directory as the app shows it (approved corrections applied) as assets.csv."""
    st.download_button(
        "Download the directory as assets.csv (approved corrections applied)",
        identity.audited(lambda: csv_bytes(corrections.assets_as_text(
            dataset.table("assets"), dataset.tables.get("postcodes"))),
            "download", "assets.csv (the directory shown)"),
        file_name="assets.csv", mime="text/csv", key="dl_directory_assets", on_click="ignore",
    )  # fmt: skip
    st.caption(
        "Every asset as the app shows it, in the contract's columns: put it in the data folder "
        "in place of assets.csv to make the approved corrections part of the data (they then "
        "count as already there)."
    )


def on_data_folder() -> bool:
    """Whether the page shows the data folder's directory (the one corrections are kept for)."""
    return st.session_state.get("data_source", FOLDER) == FOLDER


def may_correct() -> bool:
    return access.may(identity.person(), "correct directory")


def may_approve() -> bool:
    return access.may(identity.person(), "approve corrections")
