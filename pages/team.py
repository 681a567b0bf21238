"""Team (analysts only): the audit trail, workshop guest links, and where the team's store is."""

from datetime import timedelta
from urllib.parse import urlsplit

import streamlit as st

from socialrx import ui
from socialrx.escape import csv_bytes, markdown_text
from socialrx.team import access
from socialrx.team import store as team_store

context = ui.current()
ui.allowed(access.check, "audit")
ui.page_header(
    "Team",
    context,
    "Who looked at what, and when: sign-ins, page views with their place, period and "
    "disclosure level, downloads, packs, saved neighbourhoods and views. Make and withdraw "
    "workshop guest links.",
)
team = ui.identity.store()

st.header("Audit trail")
left, middle, right = st.columns(3)
days = left.selectbox("Last", [1, 7, 30, 90, 365], index=2, key="audit_days",
                      format_func=lambda d: f"{d} day{'s' if d > 1 else ''}")  # fmt: skip
who = middle.text_input("Person (e-mail address, exactly)", key="audit_who", max_chars=320)
actions = ["any", "sign-in", "sign-out", "page view", "exact view", "download", "pack",
           "provider report", "neighbourhood saved", "neighbourhood removed", "view saved",
           "guest link made", "guest link withdrawn", "refused", "audit export"]  # fmt: skip
action = right.selectbox("What", actions, key="audit_action")
since = team_store.now() - timedelta(days=days)
events = team.events(since=since, who=who.strip().lower() or None,
                     action=None if action == "any" else action)  # fmt: skip
st.caption(
    f"{ui.counted(len(events), 'event')}, latest first (times in UTC; at most 10,000). Kept "
    f"for {team_store.retention_days()} days ({team_store.RETENTION_VARIABLE})."
)
shown = events.assign(at=events["at"].map(lambda t: f"{t:%Y-%m-%d %H:%M:%S}")).rename(
    columns={"at": "when (UTC)", "organisation_id": "organisation", "action": "what"})  # fmt: skip
ui.show_table(shown)
st.download_button(
    "Download the audit trail shown (CSV)",
    ui.audited(lambda: csv_bytes(shown), "audit export", f"{days} days, {len(shown):,} events"),
    file_name="socialrx_audit.csv",
    mime="text/csv",
    key="dl_audit",
    on_click="ignore",
)

st.header("Workshop guest links")
st.write(
    "A link for people without an account: it opens every page except Workshop pack, Directory "
    "and Data, at the default disclosure level, until it expires or you withdraw it. Anyone "
    "holding the link can use it, so send it only to the room."
)
if made := st.session_state.pop("guest_made", None):
    st.success("Copy the link now: it is shown only once.", icon=":material/link:")
    st.code(made, language=None, wrap_lines=True)


def make_link() -> None:
    label = " ".join(str(st.session_state.get("guest_label", "")).split())
    if not label:
        st.session_state["guest_message"] = "Name the workshop the link is for."
        return
    hours = int(st.session_state.get("guest_hours", 8))
    token = team.make_guest_link(label, ui.identity.person().who, hours)
    base = urlsplit(st.context.url or "")
    root = f"{base.scheme}://{base.netloc}" if base.netloc else ""
    st.session_state["guest_made"] = f"{root}/?guest={token}"
    ui.record("guest link made", detail=f"{label}: {hours} hours")
    st.session_state["guest_label"] = ""


left, right = st.columns([3, 1])
left.text_input("Workshop (who the link is for)", key="guest_label", max_chars=120)
right.number_input("Valid for (hours)", min_value=1, max_value=72, value=8, key="guest_hours")
st.button("Make a guest link", key="guest_make", on_click=make_link)
if message := st.session_state.pop("guest_message", None):
    st.caption(markdown_text(message))

listed = team.guest_links()
if not listed.empty:
    ui.show_table(
        listed[["label", "state", "made_by", "made_at", "expires_at", "revoked_by"]]
        .assign(
            made_at=listed["made_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
            expires_at=listed["expires_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
        )
        .rename(columns={"label": "workshop", "made_at": "made (UTC)",
                         "expires_at": "expires (UTC)", "revoked_by": "withdrawn by"})
    )  # fmt: skip
    live = listed[listed["state"] == "open"]
    if not live.empty:
        names = dict(zip(live["id"], live["label"], strict=True))

        def withdraw() -> None:
            chosen = st.session_state.get("guest_withdraw")
            if team.revoke_guest_link(int(chosen), ui.identity.person().who):
                ui.record("guest link withdrawn", detail=names.get(chosen, ""))

        st.selectbox("Open link to withdraw", list(names), key="guest_withdraw",
                     format_func=names.get)  # fmt: skip
        st.button("Withdraw it", key="guest_withdraw_button", on_click=withdraw)

st.header("Where this is kept")
url = team_store.default_url(ui.data_source())
listed_path = access.access_path()
st.markdown(
    f"- The team's store: {markdown_text(team_store.describe(url))} (schema version "
    f"{team.version}; {team_store.DB_VARIABLE} names another).\n"
    f"- The access list: "
    + (markdown_text(str(listed_path)) if listed_path else "none (no sign-in)")
    + f" ({access.ACCESS_VARIABLE})."
)
if listed_path:
    problems = access.read_access(listed_path).problems
    for problem in problems:
        st.warning(markdown_text(problem), icon=":material/warning:")
