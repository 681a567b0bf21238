"""Who is looking decides what they see (issue 23), through the app as AppTest drives it.

Sign-in is "configured" with `AppTest.secrets` (an `[auth]` section) and a person "signed in"
with `AppTest.user`, which the app reads as `st.user` (AppTest cannot run `st.login` itself:
tests/test_signin_browser.py signs in for real). Roles come from an access.csv written here.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from socialrx.disclosure import Level
from socialrx.team import access
from socialrx.team import store as team_store
from socialrx.team.access import Person, Role, parse_access
from socialrx.team.store import open_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ACCESS = (
    "email,role,organisation_id\n"
    "ann@icb.nhs.uk,analyst,\n"
    "pat@council.gov.uk,planner,\n"
    "vic@ashcombe.org.uk,provider,ORG001\n"
    "eddie@icb.nhs.uk,directory editor,\n"
)
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-secret-that-is-long-enough-for-streamlit",
    "client_id": "socialrx",
    "client_secret": "secret",
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}


@pytest.fixture
def deployment(monkeypatch, tmp_path):
    """Sign-in on, the access list above, the demo data, a deployment allowing exact figures."""
    listed = tmp_path / "access.csv"
    listed.write_text(ACCESS, encoding="utf-8")
    monkeypatch.setenv("SOCIALRX_ACCESS", str(listed))
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    return listed


def _app(email: str | None, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True,
                                                              "email": email}  # fmt: skip
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, at.exception
    return at


def _events() -> list[tuple[str, str, str]]:
    frame = open_store(os.environ["SOCIALRX_DB"]).events()
    return list(zip(frame["who"], frame["action"], frame["level"], strict=True))[::-1]


def _pages(at: AppTest, pages: list[str]) -> dict[str, str]:
    """The title each page shows this person: "not listed" when the navigation does not offer
    it, "refused" when its file is run all the same (AppTest can run a page's file directly)."""
    seen = {}
    for page in pages:
        try:
            at.switch_page(page).run()
        except ValueError:  # AppTest: "Could not find a navigation page"
            seen[page] = "not listed"
            continue
        assert not at.exception, (page, at.exception)
        refused = [e.value for e in at.error if "not open to a" in e.value]
        seen[page] = "refused" if refused else at.title[0].value
    return seen


def _captions(at: AppTest) -> str:
    return " ".join(c.value.replace("\\", "").replace("\u2060", "") for c in at.sidebar.caption)


def test_an_unsigned_visitor_sees_only_the_sign_in_page(deployment):
    at = _app(None)
    assert [t.value for t in at.title] == ["socialrx"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.selectbox and not at.sidebar.radio and not at.metric
    assert _events() == []  # nobody yet


def test_someone_not_on_the_list_is_refused_and_recorded(deployment):
    at = _app("stranger@nhs.net")
    assert "not on this deployment's access list" in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.metric
    assert _events() == [("stranger@nhs.net", "refused", "")]


def test_removal_from_the_list_takes_effect_at_the_next_click(deployment):
    at = _app("pat@council.gov.uk")
    assert at.metric  # the overview
    deployment.write_text(ACCESS.replace("pat@council.gov.uk,planner,\n", ""), encoding="utf-8")
    at.run()
    assert "not on this deployment's access list" in at.error[0].value
    assert not at.metric


def test_sign_in_without_an_access_list_lets_nobody_in(deployment, monkeypatch):
    monkeypatch.delenv("SOCIALRX_ACCESS")
    at = _app("ann@icb.nhs.uk")
    assert "no access list" in at.error[0].value and not at.metric


def test_an_analyst_sees_every_page_and_may_choose_exact_figures(deployment):
    at = _app("ann@icb.nhs.uk")
    assert at.sidebar.radio(key="disclosure").options == [
        "Round to 5, hide 1-7 (NHS Digital)", "Hide 1-7 only", "Off: exact figures"]  # fmt: skip
    assert "Signed in as **ann@icb.nhs.uk** (analyst)" in _captions(at)
    at.sidebar.radio(key="disclosure").set_value("off").run()
    titles = _pages(at, ["pages/team.py", "pages/data.py", "pages/pack.py"])
    assert titles == {"pages/team.py": "Team", "pages/data.py": "Data",
                      "pages/pack.py": "Workshop pack"}  # fmt: skip
    events = _events()
    assert events[0] == ("ann@icb.nhs.uk", "sign-in", "")
    assert ("ann@icb.nhs.uk", "page view", "round") in events  # the overview, by default
    assert ("ann@icb.nhs.uk", "exact view", "off") in events  # then exact figures
    # the Team page shows the trail
    at.switch_page("pages/team.py").run()
    assert any("event" in c.value for c in at.caption)


def test_a_planner_cannot_choose_exact_figures_by_picker_or_link(deployment):
    at = _app("pat@council.gov.uk", {"disclosure": "off"})
    radio = at.sidebar.radio(key="disclosure")
    assert radio.options == ["Round to 5, hide 1-7 (NHS Digital)"] and radio.value == "round"
    assert any("not available here" in i.value for i in at.info)  # the link's level refused
    referrals = at.metric[0].value.replace(",", "")
    assert int(referrals) % 5 == 0
    # every page but the Team page (which shows the default page instead)
    titles = _pages(at, ["pages/pack.py", "pages/team.py"])
    assert titles["pages/pack.py"] == "Workshop pack"
    assert titles["pages/team.py"] in ("not listed", "refused")


def test_a_role_taken_away_on_the_list_ends_exact_figures_at_the_next_click(deployment):
    at = _app("ann@icb.nhs.uk")
    at.sidebar.radio(key="disclosure").set_value("off").run()
    deployment.write_text(ACCESS.replace("ann@icb.nhs.uk,analyst", "ann@icb.nhs.uk,planner"),
                          encoding="utf-8")  # fmt: skip
    at.run()
    assert at.sidebar.radio(key="disclosure").value == "round"
    assert any("no longer allows" in i.value for i in at.info)
    assert int(at.metric[0].value.replace(",", "")) % 5 == 0
    assert ("ann@icb.nhs.uk", "refused", "off") in _events()


def test_a_provider_sees_its_own_organisation_only(deployment):
    at = _app("vic@ashcombe.org.uk", {"provider": "ORG002"})  # another organisation's link
    # its pages are Capacity and Directory: it opens on Capacity, My organisation only
    assert at.title[0].value == "Capacity"
    assert [t.label for t in at.tabs] == [
        "My organisation",
        "Demand and outcomes",
        "Funding and social value",
        "Report for funders",
    ]
    picker = at.selectbox(key="provider")
    assert picker.options == ["Ashcombe Collective (4 assets)"] and picker.value == "ORG001"
    assert at.sidebar.radio(key="disclosure").options == ["Round to 5, hide 1-7 (NHS Digital)"]
    assert "Share this view" not in [p.proto.popover.label for p in at.sidebar.get("popover")]
    assert "Neighbourhoods" not in [e.label for e in at.sidebar.expander]
    assert any("ORG002" in i.value and "not available here" in i.value for i in at.info)
    titles = _pages(at, ["pages/directory.py", "pages/equity.py", "pages/pack.py"])
    assert titles["pages/directory.py"] == "Directory"
    assert {titles["pages/equity.py"], titles["pages/pack.py"]} <= {"not listed", "refused"}
    at.switch_page("pages/directory.py").run()
    assert [o.split(" (")[0] for o in at.selectbox(key="directory_org").options] == [
        "Ashcombe Collective"]  # fmt: skip


def test_a_providers_funding_and_report_are_its_own(deployment):
    at = _app("vic@ashcombe.org.uk", {"capacity_tab": "My organisation",
                                       "mine_tab": "Funding and social value"})  # fmt: skip
    assert not at.exception, at.exception
    gap = next(d.value for d in at.dataframe if "Financial year" in d.value.columns)
    assert set(gap["Provider"]) == {"Ashcombe Collective"}
    at.session_state["mine_tab"] = "Report for funders"
    at.run()
    assert at.selectbox(key="provider").options == ["Ashcombe Collective (4 assets)"]
    assert any(b.proto.label.startswith("Download the") for b in at.get("download_button"))


def test_a_provider_is_refused_another_organisation_wherever_it_is_produced():
    vic = Person("vic@ashcombe.org.uk", Role.PROVIDER, "ORG001", access.SIGN_IN)
    offered = {"ORG001": "Ashcombe Collective", "ORG002": "Ashcombe Neighbours"}
    assert access.organisations(vic, offered) == {"ORG001": "Ashcombe Collective"}
    access.check_organisation(vic, "ORG001")
    with pytest.raises(access.Refused, match="its own organisation only"):
        access.check_organisation(vic, "ORG002")
    with pytest.raises(access.Refused):
        access.check(vic, "pack")
    pat = Person("pat@council.gov.uk", Role.PLANNER, None, access.SIGN_IN)
    assert access.organisations(pat, offered) == offered
    assert access.levels(pat, Level.OFF) == [Level.ROUND]
    with pytest.raises(access.Refused, match="not available to a planner"):
        access.check_level(pat, Level.OFF, Level.OFF)


def test_a_directory_editor_sees_the_directory_and_the_map(deployment):
    at = _app("eddie@icb.nhs.uk")
    assert at.title[0].value == "Asset map"
    titles = _pages(at, ["pages/directory.py", "pages/capacity.py"])
    assert titles["pages/directory.py"] == "Directory"
    assert titles["pages/capacity.py"] in ("not listed", "refused")
    at.switch_page("pages/directory.py").run()
    assert len(at.selectbox(key="directory_org").options) > 1  # every organisation's records


def test_a_guest_link_opens_at_the_default_level_until_it_expires(deployment):
    store = open_store(os.environ["SOCIALRX_DB"])
    token = store.make_guest_link("Rotherham workshop", "ann@icb.nhs.uk", hours=2)
    at = _app(None, {"guest": token})  # not signed in: the link is enough
    assert at.title[0].value == "Social prescribing overview"
    assert at.sidebar.radio(key="disclosure").options == ["Round to 5, hide 1-7 (NHS Digital)"]
    assert "Workshop guest (Rotherham workshop)" in _captions(at)
    at.run()  # the address no longer holds the token: the session does
    assert at.metric and not at.error
    # withdrawn: the next click in the same session is refused
    link_id = int(store.guest_links()["id"].iloc[0])
    store.revoke_guest_link(link_id, by="ann@icb.nhs.uk")
    at.run()
    assert "expired or been withdrawn" in at.error[0].value and not at.metric


def test_a_guest_sees_the_workshop_pages_only(deployment):
    store = open_store(os.environ["SOCIALRX_DB"])
    at = _app(None, {"guest": store.make_guest_link("Room 2", "ann@icb.nhs.uk", hours=2)})
    titles = _pages(at, ["pages/equity.py", "pages/pack.py", "pages/data.py"])
    assert titles["pages/equity.py"] == "Equity"
    assert {titles["pages/pack.py"], titles["pages/data.py"]} <= {"not listed", "refused"}


def test_an_expired_guest_link_is_refused(deployment):
    store = open_store(os.environ["SOCIALRX_DB"])
    token = store.make_guest_link("Old", "ann@icb.nhs.uk", hours=1,
                                  at=team_store.now() - timedelta(hours=2))  # fmt: skip
    at = _app(None, {"guest": token})
    assert "expired or been withdrawn" in at.error[0].value and not at.metric
    assert _events() == [("guest link", "refused", "")]


def test_without_sign_in_one_person_at_the_floor_and_it_says_so(monkeypatch):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any("No sign-in is set up" in c.value for c in at.sidebar.caption)
    assert at.sidebar.radio(key="disclosure").options == ["Round to 5, hide 1-7 (NHS Digital)"]


def test_the_access_list_names_people_not_domains():
    listed = parse_access(
        "Email,Role,Organisation_ID\n"
        "Ann@ICB.nhs.uk , Analyst,\n"
        "*@nhs.net,planner,\n"
        "@nhs.net,planner,\n"
        "vic@a.org,provider,\n"
        "ed@a.org,directory_editor,\n"
        "ann@icb.nhs.uk,planner,\n"
        "gus@a.org,workshop guest,\n"
        "zed@a.org,boss,\n"
    )
    assert listed.people == {"ann@icb.nhs.uk": (Role.ANALYST, None),
                             "ed@a.org": (Role.EDITOR, None)}  # fmt: skip
    assert [p.split(": ")[1] for p in listed.problems] == [
        "email", "email", "organisation_id", "email", "role", "role"]  # fmt: skip
    assert listed.problems[0].startswith("access.csv:3: email")


def test_an_analyst_makes_a_guest_link_that_opens_and_then_withdraws_it(deployment):
    at = _app("ann@icb.nhs.uk")
    at.switch_page("pages/team.py").run()
    at.text_input(key="guest_label").input("Dearne workshop")
    at.number_input(key="guest_hours").set_value(3)
    at.button(key="guest_make").click().run()
    assert not at.exception, at.exception
    link = at.code[0].value
    assert "/?guest=" in link  # shown once, the only time the token is anywhere
    token = link.split("?guest=")[1]
    guest = _app(None, {"guest": token})
    assert "Workshop guest (Dearne workshop)" in _captions(guest)
    at.run()
    assert at.selectbox(key="guest_withdraw").value is not None
    at.button(key="guest_withdraw_button").click().run()
    guest.run()
    assert "expired or been withdrawn" in guest.error[0].value
    actions = [action for who, action, _ in _events() if who == "ann@icb.nhs.uk"]
    assert "guest link made" in actions and "guest link withdrawn" in actions


def test_neighbourhoods_and_named_views_are_saved_for_the_team_and_audited(deployment):
    at = _app("pat@council.gov.uk")
    at.text_input(key="nb_name").input("Dearne")
    at.multiselect(key="nb_areas").set_value(["E01007665"])
    at.button(key="nb_save").click().run()
    at.text_input(key="view_name").input("Our patch")
    at.button(key="view_save").click().run()
    assert not at.exception, at.exception
    store = open_store(os.environ["SOCIALRX_DB"])
    assert store.neighbourhoods().values.tolist() == [["Dearne", "E01007665"]]
    assert store.named_views()["name"].tolist() == ["Our patch"]
    # the analyst, in another session, finds both
    other = _app("ann@icb.nhs.uk")
    assert "Our patch" in " ".join(m.value for m in other.sidebar.markdown)
    actions = [(who, action) for who, action, _ in _events()]
    assert ("pat@council.gov.uk", "neighbourhood saved") in actions
    assert ("pat@council.gov.uk", "view saved") in actions


def test_each_person_may_save_two_neighbourhoods_below_off(deployment):
    at = _app("pat@council.gov.uk")
    for name in ("One", "Two", "Three"):
        at.text_input(key="nb_name").input(name)
        at.multiselect(key="nb_areas").set_value(["E01007665"])
        at.button(key="nb_save").click().run()
    assert any("You have saved your 2 neighbourhoods" in c.value for c in at.sidebar.caption)
    store = open_store(os.environ["SOCIALRX_DB"])
    assert store.neighbourhoods()["neighbourhood"].tolist() == ["One", "Two"]
    # the allowance is the person's, not the session's
    again = _app("pat@council.gov.uk")
    again.text_input(key="nb_name").input("Four")
    again.multiselect(key="nb_areas").set_value(["E01007665"])
    again.button(key="nb_save").click().run()
    assert "Four" not in store.neighbourhoods()["neighbourhood"].tolist()


@pytest.fixture
def behind_a_proxy(deployment, monkeypatch):
    """A signing-in proxy names the person in X-Forwarded-Email (no [auth] section)."""
    from streamlit import config

    from socialrx.ui import identity

    monkeypatch.setenv("SOCIALRX_USER_HEADER", "X-Forwarded-Email")
    sent = {}
    monkeypatch.setattr(identity, "request_headers", lambda: sent)
    address = config.get_option("server.address")
    yield sent
    config.set_option("server.address", address)


def _behind_proxy() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_trusted_proxy_header_names_the_person_only_on_localhost(behind_a_proxy):
    from streamlit import config

    behind_a_proxy["X-Forwarded-Email"] = "Pat@Council.gov.uk"
    config.set_option("server.address", "0.0.0.0")  # reachable without the proxy: not trusted
    assert "a browser could send that header itself" in _behind_proxy().error[0].value
    config.set_option("server.address", "127.0.0.1")
    at = _behind_proxy()
    assert "Signed in as **pat@council.gov.uk** (planner)" in _captions(at)
    assert at.sidebar.radio(key="disclosure").options == ["Round to 5, hide 1-7 (NHS Digital)"]
    assert "sign_out" not in [b.key for b in at.sidebar.button]  # signing out is the proxy's
    behind_a_proxy.clear()
    assert "did not say who is signed in" in _behind_proxy().error[0].value


def test_a_store_that_cannot_be_opened_stops_the_page_and_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALRX_DB", f"sqlite:///{tmp_path / 'no-such-folder' / 'team.db'}")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert "The team's store cannot be opened" in at.error[0].value
    assert not at.metric and not at.sidebar.radio
