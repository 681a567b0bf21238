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

import pytest
from browser_assets import CHROMIUM, CHROMIUM_ARGS, free_port, playwright_sync_api, streamlit_server

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


def _sign_in(page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click(timeout=RUN_MS)
    page.locator("input[name='sub']").fill(email, timeout=RUN_MS)  # the provider's form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_selector(IDLE, timeout=RUN_MS)
    page.get_by_text(f"Signed in as {email}").wait_for(timeout=RUN_MS)


def _nav(page) -> list[str]:
    """The pages the sidebar lists (each link's last line: its icon's name comes first)."""
    links = page.locator("[data-testid='stSidebarNav'] a")
    return [text.strip().splitlines()[-1] for text in links.all_inner_texts()]


def test_sign_in_see_what_the_role_allows_sign_out(deployment):
    url, store = deployment
    sync_api = playwright_sync_api()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            # before signing in: the sign-in page only, no pages, no figures
            page.goto(url)
            page.get_by_role("button", name="Sign in").wait_for(timeout=RUN_MS)
            assert _nav(page) == []
            assert page.locator("[data-testid='stMetric']").count() == 0

            _sign_in(page, url, "ann@icb.nhs.uk")
            assert "Team" in _nav(page) and "Data" in _nav(page)
            page.get_by_text("Off: exact figures").click()
            page.wait_for_selector(IDLE, timeout=RUN_MS)
            page.get_by_role("link", name="Team").click()
            page.get_by_role("heading", name="Audit trail").wait_for(timeout=RUN_MS)

            # Streamlit forgets the identity and sends the browser to the provider's
            # end-session endpoint, which (here) asks before it returns to the app
            page.get_by_role("button", name="Sign out").click()
            page.get_by_role("button", name="End session").click(timeout=RUN_MS)
            page.get_by_role("button", name="Sign in").wait_for(timeout=RUN_MS)
            assert page.locator("[data-testid='stMetric']").count() == 0

            # a provider, in a browser of its own: its own organisation's pages only
            other = browser.new_context().new_page()
            _sign_in(other, url, "vic@ashcombe.org.uk")
            assert _nav(other) == ["Capacity", "Directory"]
            other.get_by_role("heading", name="Capacity", exact=True).wait_for(timeout=RUN_MS)
            other.get_by_text("(provider, ORG001)").wait_for(timeout=RUN_MS)
            assert "provider=ORG001" in other.url  # its own view, chosen for it
            assert other.get_by_role("tab").all_inner_texts() == ["My organisation"]
            assert other.get_by_text("Off: exact figures").count() == 0
        finally:
            browser.close()
    trail = open_store(store).events()
    done = list(zip(trail["who"], trail["action"], strict=True))[::-1]
    ann = [action for who, action in done if who == "ann@icb.nhs.uk"]
    assert ann[:2] == ["sign-in", "page view"] and "exact view" in ann
    assert ann[-1] == "sign-out"
    assert ("vic@ashcombe.org.uk", "sign-in") in done
