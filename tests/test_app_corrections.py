"""Directory corrections that reach the directory (issue 24), through the app: a provider sends
changes to its own records from the table editor (or confirms one is still right), a
directory editor in another session approves or rejects each with a reason, and an approved
change is in the directory every page shows, in its assets.csv and in the Open Referral UK
export, with the history kept and each action in the audit trail."""

from __future__ import annotations

import io
import os
import zipfile

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from test_app_roles import _app, _events, deployment  # noqa: F401 (a fixture)

from socialrx.team import access
from socialrx.team.store import open_store

pytestmark = pytest.mark.usefixtures("deployment")  # sign-in, the access list, the demo
VIC, EDDIE = "vic@ashcombe.org.uk", "eddie@icb.nhs.uk"  # ORG001's provider; a directory editor


@pytest.fixture
def downloads(monkeypatch):
    """What each download button would build, by file name (built when clicked)."""
    made: dict[str, object] = {}
    real = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def _directory(email: str):
    at = _app(email)
    at.switch_page("pages/directory.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Directory"
    return at


def _table(at, heading: str) -> pd.DataFrame:
    """The table drawn after a heading (a subheader or header)."""
    headings = [h.value for h in [*at.header, *at.subheader]]
    assert heading in headings, headings
    frames = [f.value for f in at.dataframe if "Decision" in f.value.columns]
    return frames[0]


def test_a_provider_sends_an_editor_decides_and_the_directory_changes(downloads):
    vic = _directory(VIC)
    editor = vic.data_editor[0]
    records = editor.value.set_index("asset_id")
    assert list(records.index) == ["A0016", "A0085", "A0099", "A0102"]  # its own only
    assert records.loc["A0016", "name"] == "Ashcombe Wellbeing Group"
    # a new name and a capacity for A0016 (row 0), typed into the table
    vic.session_state[editor.key] = {"edited_rows": {0: {"name": "Ashcombe Wellbeing Walks",
                                                         "capacity_per_month": "12"}},
                                     "added_rows": [], "deleted_rows": []}  # fmt: skip
    vic.button(key="corrections_send").click().run()
    assert not vic.exception, vic.exception
    assert "2 changes sent" in vic.success[0].value
    # and A0085 confirmed as still right, in one click
    vic.selectbox(key="corrections_confirm_asset").set_value("A0085").run()
    vic.button(key="corrections_confirm").click().run()
    assert "1 change sent" in vic.success[0].value
    queue = open_store(os.environ["SOCIALRX_DB"]).corrections()
    assert queue[["asset_id", "field", "old_value", "new_value", "submitted_by"]].values.tolist()[
        :2] == [["A0016", "name", "Ashcombe Wellbeing Group", "Ashcombe Wellbeing Walks", VIC],
                ["A0016", "capacity_per_month", "2", "12", VIC]]  # fmt: skip
    confirmed = queue.iloc[2]
    assert (confirmed["field"], confirmed["old_value"]) == ("last_verified", "2025-06-11")
    # nothing changes before an editor approves
    vic.run()
    assert vic.data_editor[0].value.set_index("asset_id").loc["A0016", "name"] == (
        "Ashcombe Wellbeing Group")  # fmt: skip

    # the editor, in another session: approves the name, rejects the confirmation
    eddie = _directory(EDDIE)
    waiting = [f.value for f in eddie.dataframe if "Sent by" in f.value.columns][0]
    assert waiting["New value"].tolist() == ["Ashcombe Wellbeing Walks", "12", confirmed[
        "new_value"]]  # fmt: skip
    ids = queue["id"].astype(int).tolist()
    eddie.selectbox(key="corrections_chosen").set_value(ids[0]).run()
    eddie.button(key="corrections_approve").click().run()  # no reason: refused, said so
    assert "Give a reason" in eddie.error[0].value
    eddie.text_input(key="corrections_reason").input("Matches their new leaflet").run()
    eddie.button(key="corrections_approve").click().run()
    assert not eddie.exception, eddie.exception
    assert f"No. {ids[0]} approved" in eddie.success[0].value
    eddie.selectbox(key="corrections_chosen").set_value(ids[2]).run()
    eddie.text_input(key="corrections_reason").input("Their phone line is dead").run()
    eddie.button(key="corrections_reject").click().run()
    # (AppTest runs a page's file alone after switch_page; app.py, which applies approved
    # changes to the data, runs when a session opens: so each look afterwards is a new one)
    history = _table(_directory(EDDIE), "Corrections decided").set_index("No.")
    assert history.loc[ids[0], "In the directory shown"] == "applied"
    assert history.loc[ids[2], ["Decision", "Reason"]].tolist() == [
        "rejected", "Their phone line is dead"]  # fmt: skip

    # the approved name is the directory's on every page, in assets.csv and Open Referral UK
    vic = _directory(VIC)
    records = vic.data_editor[0].value.set_index("asset_id")
    assert records.loc["A0016", "name"] == "Ashcombe Wellbeing Walks"
    assert records.loc["A0016", "capacity_per_month"] == "2"  # still waiting
    assert records.loc["A0085", "last_verified"] == "2025-06-11"  # rejected
    own = [f.value for f in vic.dataframe if "Stale (not verified in 12 months)" in f.value]
    assert "Ashcombe Wellbeing Walks" in own[0]["Name"].tolist()
    sent = _table(vic, "What Ashcombe Collective has sent").set_index("No.")
    assert sent.loc[ids[0], "Decision"] == "approved"
    assert sent.loc[ids[2], "Reason"] == "Their phone line is dead"
    assets = pd.read_csv(io.BytesIO(downloads["assets.csv"]()), dtype=str,
                         encoding="utf-8-sig").set_index("asset_id")  # fmt: skip
    assert assets.loc["A0016", "name"] == "Ashcombe Wellbeing Walks" and len(assets) == 150
    with zipfile.ZipFile(io.BytesIO(downloads["openreferral_hsds3.zip"]())) as oruk:
        services = oruk.read("services.json").decode("utf-8")
    assert "Ashcombe Wellbeing Walks" in services and "Ashcombe Wellbeing Group" not in services
    actions = [(who, action) for who, action, _ in _events()]
    assert actions.count((VIC, "correction sent")) == 2
    assert (EDDIE, "correction approved") in actions
    assert (EDDIE, "correction rejected") in actions


def test_a_provider_cannot_correct_another_organisations_records(monkeypatch):
    # by link: the picker offers its own organisation only, and says so
    vic = _app(VIC, {"directory_org": "ORG002"})
    vic.switch_page("pages/directory.py").run()
    assert vic.selectbox(key="directory_org").options == ["Ashcombe Collective (ORG001): 4 assets"]
    assert vic.data_editor[0].value["asset_id"].tolist() == ["A0016", "A0085", "A0099", "A0102"]
    # a picker that offered every organisation (a bug) is caught before any record is shown
    monkeypatch.setattr(access, "organisations", lambda someone, offered: offered)
    vic = _app(VIC)
    vic.switch_page("pages/directory.py").run()
    vic.selectbox(key="directory_org").set_value("ORG002").run()
    assert not vic.exception, vic.exception
    assert any("its own organisation only" in e.value for e in vic.error)
    assert not vic.data_editor  # the page stopped before its records
    # and the store refuses it whatever a page sends (tests/test_team_store.py)
    assert open_store(os.environ["SOCIALRX_DB"]).corrections().empty
    assert (VIC, "refused") in [(who, action) for who, action, _ in _events()]


def test_bad_values_are_refused_with_a_message_a_field():
    vic = _directory(VIC)
    key = vic.data_editor[0].key
    vic.session_state[key] = {"edited_rows": {1: {"category": "knitting",
                                                  "min_age": "eighteen"}},
                              "added_rows": [], "deleted_rows": []}  # fmt: skip
    vic.button(key="corrections_send").click().run()
    assert not vic.exception, vic.exception
    assert "Nothing was sent" in vic.error[0].value
    problems = [f.value for f in vic.dataframe if "Problem" in f.value.columns][0]
    assert set(problems["Column"]) == {"category", "min_age"}
    assert set(problems["Row"].astype(int)) == {2}
    assert open_store(os.environ["SOCIALRX_DB"]).corrections().empty
