"""Real sign-in in Chromium: Streamlit's `st.login` against an OpenID Connect provider running
here (`oidc-provider-mock`, which serves a login form the browser fills in with the e-mail
address to sign in as), then what the role allows, then sign-out.

One app server and one provider for the file. The deployment: `[auth]` in a secrets.toml of its
own (`--secrets.files`), an access.csv naming an analyst and a provider, exact figures allowed
by the floor, the team's store in a temporary SQLite file this test reads back.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from browser_assets import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    playwright_sync_api,
    still_context,
    streamlit_server,
)

from socialrx.escape import WORD_JOINER
from socialrx.team.store import open_store

RUN_MS = 60_000
APP = "[data-testid='stApp']"
IDLE = f"{APP}[data-test-script-state='notRunning']"
ACCESS = (
    "email,role,organisation_id\nann@icb.nhs.uk,analyst,\nvic@ashcombe.org.uk,provider,ORG001\n"
)


@pytest.fixture(scope="module")
def provider():
    """The OpenID Connect provider on a free local port (any client id and secret are taken)."""
    oidc = pytest.importorskip("oidc_provider_mock", reason="oidc-provider-mock is not installed")
    from werkzeug.serving import make_server

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the provider's own Authlib, over http
    server = make_server("127.0.0.1", 0, oidc.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="module")
def deployment(provider, tmp_path_factory):
    playwright_sync_api()  # skips (or fails in CI) without Chromium or Playwright
    folder = tmp_path_factory.mktemp("signin")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-long-random-string-for-the-test-only-0123456789"\n'
        'client_id = "socialrx"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    (folder / "access.csv").write_text(ACCESS, encoding="utf-8")
    store = f"sqlite:///{folder / 'team.db'}"
    environ = {
        "SOCIALRX_ACCESS": str(folder / "access.csv"),
        "SOCIALRX_DB": store,
        "AUTHLIB_INSECURE_TRANSPORT": "1",  # the provider answers over http, here only
    }
    with streamlit_server(folder, floor="off", port=port, environ=environ,
                          options=("--secrets.files", str(secrets))) as server:  # fmt: skip
        yield server.url, store


def _go(page, url: str, who: str, team) -> None:
    """Start `who` on their way in: a guest opens their link; anyone else signs in at the
    provider (its form), which sends the browser back to the app. Nothing waits for the app's
    page, so the ten arrive at the server together."""
    if who.startswith("guest: "):
        token = team.make_guest_link(who.removeprefix("guest: "), "ann", hours=1)
        page.goto(f"{url}/?guest={token}")
        return
    page.goto(url)
    page.get_by_role("button", name="Sign in").click(timeout=RUN_MS)
    page.locator("input[name='sub']").fill(who, timeout=RUN_MS)  # the provider's form
    page.get_by_role("button", name="Authorize").click()


def _arrived(page, who: str, listed: bool) -> None:
    """Wait for `who`'s page: a guest's room, or "Signed in as" for someone on the list."""
    if who.startswith("guest: "):
        page.get_by_text(f"Workshop guest ({who[7:]})").wait_for(timeout=RUN_MS)
    elif listed:
        page.wait_for_selector(IDLE, timeout=RUN_MS)
        # as the page writes it: a word joiner before "@" keeps Streamlit from making it a link
        shown = who.replace("@", WORD_JOINER + "@")
        page.get_by_text(f"Signed in as {shown}").wait_for(timeout=RUN_MS)


def _nav(page) -> list[str]:
    """The pages the sidebar lists (each link's last line: its icon's name comes first)."""
    links = page.locator("[data-testid='stSidebarNav'] a")
    return [text.strip().splitlines()[-1] for text in links.all_inner_texts()]


# Ten people at once, each signed in (or let in by a guest link) in a browser of their own:
# (who, the pages the sidebar lists, the disclosure levels offered).
EVERY = ["Overview", "Asset map", "Referral flows", "Equity", "Capacity", "Outcomes",
         "Commissioning", "Workshop pack", "Directory", "Data"]  # fmt: skip
LEVELS = ["Round to 5, hide 1-7 (NHS Digital)", "Hide 1-7 only", "Off: exact figures"]
TEN = [
    ("ann@icb.nhs.uk", [*EVERY, "Team"], LEVELS),
    ("vic@ashcombe.org.uk", ["Capacity", "Directory"], LEVELS[:1]),
    ("pat@council.gov.uk", EVERY, LEVELS[:1]),
    ("sam@vcs.org.uk", EVERY, LEVELS[:1]),
    ("eddie@icb.nhs.uk", ["Asset map", "Directory"], LEVELS[:1]),
    ("bo@ashcombe.org.uk", ["Capacity", "Directory"], LEVELS[:1]),
    ("guest: Room 1", EVERY[:7], LEVELS[:1]),
    ("guest: Room 2", EVERY[:7], LEVELS[:1]),
    ("al@icb.nhs.uk", [*EVERY, "Team"], LEVELS),
    ("stranger@nhs.net", [], []),
]
MORE = (
    "pat@council.gov.uk,planner,\nsam@vcs.org.uk,partner,\neddie@icb.nhs.uk,directory editor,\n"
    "bo@ashcombe.org.uk,provider,ORG002\nal@icb.nhs.uk,analyst,\n"
)


def _shot(page, name: str) -> None:
    """A screenshot to look at, when $SOCIALRX_SCREENSHOTS names a folder for them."""
    if folder := os.environ.get("SOCIALRX_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / f"signin-{name}.png"))


def _check(page, who: str, pages: list[str], levels: list[str]) -> None:
    """What this person's browser shows: their pages, their levels, their organisation."""
    if not pages:
        page.get_by_text("not on this deployment's access list").wait_for(timeout=RUN_MS)
        assert page.locator("[data-testid='stMetric']").count() == 0
        return
    assert _nav(page) == pages, who
    radio = page.locator("[data-testid='stRadio']").filter(has_text="Disclosure")
    playwright_sync_api().expect(radio.locator("label")).to_have_count(1 + len(levels))
    assert [o.strip() for o in radio.locator("label").all_inner_texts()[1:]] == levels, who
    if who.endswith("ashcombe.org.uk"):  # a provider: its own organisation, My organisation
        org = "ORG001" if who.startswith("vic") else "ORG002"
        page.get_by_text(f"(provider, {org})").wait_for(timeout=RUN_MS)
        # My organisation alone (no system view), with its own three views
        assert page.get_by_role("tab").all_inner_texts() == [
            "My organisation", "Demand and outcomes", "Funding and social value",
            "Report for funders",
        ]  # fmt: skip


def test_sign_in_ten_people_at_once_each_sees_what_their_role_allows(deployment):
    url, store = deployment
    team = open_store(store)
    listed = Path(store.removeprefix("sqlite:///")).parent / "access.csv"
    listed.write_text(ACCESS + MORE, encoding="utf-8")
    sync_api = playwright_sync_api()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # before signing in: the sign-in page only, no pages, no figures
            page = still_context(browser).new_page()
            page.goto(url)
            page.get_by_role("button", name="Sign in").wait_for(timeout=RUN_MS)
            assert _nav(page) == [] and page.locator("[data-testid='stMetric']").count() == 0
            _shot(page, "sign-in")
            page.close()

            # all ten stay open together, each in a browser context of its own; all ten set
            # off before any page is waited for, so the server answers them at once
            pages = [still_context(browser).new_page() for _ in TEN]
            for page, (who, _, _) in zip(pages, TEN, strict=True):
                _go(page, url, who, team)
            for page, (who, listed_pages, levels) in zip(pages, TEN, strict=True):
                _arrived(page, who, bool(listed_pages))
                _check(page, who, listed_pages, levels)
                _shot(page, who.split("@")[0].replace(": ", "-").replace(" ", "-"))
            # with the others signed in meanwhile, the first and a guest still see their own
            for index in (0, 6):
                pages[index].reload()
                pages[index].wait_for_selector(IDLE, timeout=RUN_MS)
                _check(pages[index], *TEN[index])

            # the analyst chooses exact figures, reads the audit trail, and signs out: Streamlit
            # forgets the identity and sends the browser to the provider's end-session page,
            # which (here) asks before it returns to the app
            ann = pages[0]
            ann.get_by_text("Off: exact figures").click()
            ann.wait_for_selector(IDLE, timeout=RUN_MS)
            ann.get_by_role("link", name="Team").click()
            ann.get_by_role("heading", name="Audit trail").wait_for(timeout=RUN_MS)
            with ann.expect_download(timeout=RUN_MS) as downloading:
                ann.get_by_role("button", name="Download the audit trail shown (CSV)").click()
            exported = Path(downloading.value.path()).read_text(encoding="utf-8")
            assert "ann@icb.nhs.uk" in exported and "sign-in" in exported
            ann.get_by_role("button", name="Sign out").click()
            ann.get_by_role("button", name="End session").click(timeout=RUN_MS)
            ann.get_by_role("button", name="Sign in").wait_for(timeout=RUN_MS)
            assert ann.locator("[data-testid='stMetric']").count() == 0
        finally:
            browser.close()
    trail = team.events()
    done = list(zip(trail["who"], trail["action"], strict=True))[::-1]
    ann_did = [action for who, action in done if who == "ann@icb.nhs.uk"]
    assert ann_did[:2] == ["sign-in", "page view"] and "exact view" in ann_did
    assert ann_did[-2:] == ["audit export", "sign-out"]  # the download, written when it ran
    assert ("stranger@nhs.net", "refused") in done
    assert {who for who, action in done if action == "sign-in"} == {
        w for w, pages, _ in TEN if pages}  # fmt: skip
