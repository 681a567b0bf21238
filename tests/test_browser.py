"""Every page of the running app in a real browser (system Chromium driven by Playwright).

The app runs as `streamlit run app.py` on the demo data, as nobody configured it (map tiles
off). The browser reaches no host but this machine, as a network blocking public CDNs would,
and every request that does not go to the app is listed: the map must draw from the app's own
files. Screenshots are taken when $SOCIALRX_SCREENSHOTS names a folder for them (each costs
Chromium CPU and asserts nothing).
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_assets import (
    CHROMIUM,
    DEMO_VIEWPORT,
    list_outside,
    still_context,
    streamlit_server,
)

REPO = Path(__file__).resolve().parents[1]
VIEWPORT = DEMO_VIEWPORT
MAX_SHOT = 8000  # pixels: the tallest screenshot taken
SERVER_START_SECONDS = 60
FIRST_RUN_MS = 60_000  # the first session loads and validates the demo data
RUN_MS = 25_000

# (url path, the page's own h1 title, screenshot name or None, whether the page answers a
# question: "What this page found" then sits wholly within its first screen)
PAGES = [
    ("", "Social prescribing overview", "overview", True),
    ("asset_map", "Asset map", "asset-map", True),
    ("referral_flows", "Referral flows", "referral-flows", True),
    ("equity", "Equity", None, True),
    ("capacity", "Capacity", "capacity", True),
    ("capacity?provider=ORG001", "Capacity", None, True),  # the provider view, by its link
    ("outcomes", "Outcomes", "outcomes", True),
    ("directory", "Directory", None, True),
    ("commissioning", "Commissioning", None, True),
    ("data", "Data", "data", False),
]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
FIRST_SCREEN = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def sync_api():
    """Playwright's sync API, or a skip if the browser or the library is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def app_url(sync_api, demo_app):
    """The app (conftest's `demo_app`, which the accessibility checks share)."""
    return demo_app.url


@pytest.fixture(scope="module")
def refused(demo_chromium) -> list[str]:
    """Every request the browser made that did not go to the app (a host other than this
    machine's is refused by the browser itself: CHROMIUM_ARGS)."""
    return demo_chromium.refused


@pytest.fixture(scope="module")
def browser_context(sync_api, demo_chromium):
    """One Chromium context that lists every request not going to the app, other hosts
    refused (conftest's `demo_chromium`, shared with the accessibility checks)."""
    return demo_chromium.context


@pytest.fixture(scope="module")
def screenshots() -> Path | None:
    """The folder for screenshots to look at ($SOCIALRX_SCREENSHOTS), or None: none taken."""
    chosen = os.environ.get("SOCIALRX_SCREENSHOTS")
    if not chosen:
        return None
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def first_run_done() -> dict:
    """Whether a page has already been opened (the first open waits longer)."""
    return {"done": False}


def wait_for_app_run(page, expect, timeout_ms: int = RUN_MS) -> None:
    """Wait as Streamlit's own e2e suite does: connected, script not running, no skeletons."""
    app = "[data-testid='stApp']"
    page.locator(f"{app}[data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout_ms
    )
    page.locator(f"{app}[data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout_ms
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)


def open_page(context, sync_api, app_url: str, path: str, first_run_done: dict):
    """A new tab on one page of the app, after its script has run; and its JavaScript errors."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{app_url}/{path}")
    wait_for_app_run(page, sync_api.expect, RUN_MS if first_run_done["done"] else FIRST_RUN_MS)
    first_run_done["done"] = True
    return page, errors


def photograph(page, folder: Path | None, name: str) -> None:
    """A screenshot of the whole page into `folder` (none without one). Streamlit scrolls its
    main area inside a fixed-height container, so a plain full-page shot stops at the window:
    grow the window to fit first."""
    if folder is None:
        return
    path = folder / f"{name}.png"
    height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, 1), MAX_SHOT)})
    try:
        page.wait_for_timeout(500)  # let Streamlit and the charts lay out at the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)


def map_paths(frame) -> list[dict]:
    """The SVG paths Leaflet drew inside the map: their outline, fill and kind."""
    return frame.locator("path.leaflet-interactive").evaluate_all(
        """paths => paths.map(p => ({
            d: p.getAttribute('d') || '',
            fill: p.getAttribute('fill'),
            stroke: p.getAttribute('stroke'),
        }))"""
    )


def wait_for_map(page, expect, timeout_ms: int = RUN_MS):
    """The map's iframe, once Leaflet has drawn its container and at least one shape."""
    frame = page.frame_locator(MAP_FRAME).first
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=timeout_ms)
    expect(frame.locator("path.leaflet-interactive").first).to_be_attached(timeout=timeout_ms)
    return frame


@pytest.mark.parametrize(
    ("path", "title", "name", "answers"),
    PAGES,
    ids=[p[0].replace("?", "-") or "overview" for p in PAGES],
)
def test_page_renders(
    sync_api,
    browser_context,
    demo_chromium,
    app_url,
    screenshots,
    first_run_done,
    path,
    title,
    name,
    answers,
):
    """The page runs without an exception or a JavaScript error and shows its own title; one
    that answers a question has "What this page found" wholly within the first 900 pixels of
    a window 1400 wide, above the tabs and panels that say the same at length (issue 21); the
    main pages are photographed (with $SOCIALRX_SCREENSHOTS). The page is left open for the
    accessibility checks (test_accessibility.py), which need it loaded too."""
    expect = sync_api.expect
    page, errors = open_page(browser_context, sync_api, app_url, path, first_run_done)
    try:
        expect(page.get_by_test_id("stException")).to_have_count(0)
        heading = page.locator("h1").filter(has_text=re.compile(rf"^\s*{re.escape(title)}\s*$"))
        expect(heading.first).to_be_visible()
        if path == "asset_map":
            # the map drawn first; the map tests below assert what it holds
            wait_for_map(page, expect)
            wait_for_app_run(page, expect)  # the component may send a value and rerun
        if answers:
            page.set_viewport_size(FIRST_SCREEN)
            wait_for_app_run(page, expect)
            found = page.locator(".st-key-found")
            expect(found).to_contain_text("What this page found")
            box = found.bounding_box()
            assert box is not None and box["y"] >= 0, box
            assert box["y"] + box["height"] <= FIRST_SCREEN["height"], (path, box)
            if "provider=" in path:  # the link opened the provider's own view, and it answers
                expect(found).to_contain_text("Over the whole period")
            page.set_viewport_size(VIEWPORT)
        if name:
            photograph(page, screenshots, name)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert not errors, f"JavaScript errors on {title}: {errors}"
    except BaseException:
        page.close()
        raise
    demo_chromium.keep(path, page)


def drawn(frame) -> dict:
    """What Leaflet drew in a map (a page or a frame): its asset points (a circle marker is
    drawn with arcs), area polygons (lines only), cluster icons, and whether the notice that
    the map could not be drawn is still there."""
    paths = map_paths(frame)
    circles = [p for p in paths if re.search(r"[aA]", p["d"])]
    return {
        "points": circles,
        "areas": [p for p in paths if "L" in p["d"] and not re.search(r"[aA]", p["d"])],
        "clusters": frame.locator(".socialrx-cluster").count(),
        "not drawn": frame.locator(".socialrx-not-drawn").count(),
    }


def test_a_request_outside_the_app_is_refused_and_listed(browser_context, app_url, refused):
    """What the map and accessibility checks rest on: the browser reaches nothing but the app
    (no CDN, no tile server), and each request it makes elsewhere is listed."""
    page = browser_context.new_page()
    try:
        page.goto(f"{app_url}/_stcore/health")  # the app's origin, without drawing a page
        asked = "https://unpkg.com/leaflet@1.9.3/dist/leaflet.js"
        before = len(refused)  # what pages left open earlier asked for is checked elsewhere
        got = page.evaluate(f"fetch('{asked}').then(() => 'reached', () => 'refused')")
        assert got == "refused"
        assert refused[before:] == [asked], refused
        del refused[before:]
    finally:
        page.close()


def test_asset_map_draws_areas_and_points_with_every_outside_request_refused(
    sync_api, browser_context, app_url, refused, first_run_done, screenshots
):
    """Issue 22: on a network that blocks public CDNs the map was a blank space. Every request
    not going to the app is refused here, and none is even made: Leaflet and its plugins come
    from the app (static/map/), there are no tiles unless a deployment names them, and inside
    the component iframe Leaflet drew the area polygons, the asset points and their clusters.

    On the same map (streamlit-folium runs the map's script, never a <script> in the page's
    HTML) the category legend is a Leaflet control in the bottom-left corner, above the scale
    bar, not overlapping it; folded to its title, it opens on a click without a rerun (a click
    on it is not a map click). Then clicking an area describes it beside the map, and the map
    stays drawn."""
    expect = sync_api.expect
    refused.clear()
    page, errors = open_page(browser_context, sync_api, app_url, "asset_map", first_run_done)
    loaded: list[str] = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    try:
        frame = wait_for_map(page, expect)
        expect(frame.locator(".socialrx-cluster").first).to_be_visible()
        shown = drawn(frame)
        fills = sorted({p["fill"] for p in shown["points"]} - {None})
        print(f"map: {len(shown['points'])} points in {len(fills)} colours, "
              f"{shown['clusters']} clusters, {len(shown['areas'])} polygons")  # fmt: skip
        assert shown["points"] and fills, "no asset points drawn, or drawn without a colour"
        assert shown["clusters"], "no clusters drawn"
        assert len(shown["areas"]) >= 167, "not every demo area drawn"
        assert shown["not drawn"] == 0, "the notice that the map could not be drawn stayed"
        expect(frame.locator(".leaflet-control-layers")).to_have_count(1)
        expect(frame.locator(".leaflet-control-attribution")).to_contain_text("Street map off")
        # the areas of high need and low access are outlined in orange
        gaps = [p for p in shown["areas"] if (p["stroke"] or "").upper() == "#D55E00"]
        assert gaps, "no high need, low access areas outlined"
        assert not errors, f"JavaScript errors on the map: {errors}"

        # the category legend, folded, above the scale bar
        legend = frame.locator(".leaflet-bottom.leaflet-left details.socialrx-legend")
        expect(legend).to_have_count(1)
        assert legend.evaluate("box => box.open") is False
        # both measured at once inside the map's frame: the page around it may still move
        folded, scale = legend.evaluate(
            """box => [box.getBoundingClientRect().toJSON(), box.ownerDocument
                .querySelector('.leaflet-control-scale').getBoundingClientRect().toJSON()]"""
        )
        assert folded["bottom"] <= scale["top"] + 1  # above the scale bar
        assert folded["height"] < 40  # its title alone
        legend.locator("summary").click()
        assert legend.evaluate("box => box.open") is True
        if screenshots:
            page.locator(MAP_FRAME).first.screenshot(path=str(screenshots / "legend.png"))
        expect(page.get_by_text("area code")).to_have_count(0)  # no map click was made

        # a click on an area: its details beside the map
        paths = map_paths(frame)
        area = next(
            i for i, p in enumerate(paths) if "L" in p["d"] and not re.search(r"[aA]", p["d"])
        )
        frame.locator("path.leaflet-interactive").nth(area).click(force=True)
        expect(page.get_by_text("area code")).to_be_visible(timeout=RUN_MS)
        wait_for_app_run(page, expect)
        frame = wait_for_map(page, expect)  # still drawn after the rerun the click made
        assert map_paths(frame)
        assert not errors, errors
    finally:
        page.close()
    assert refused == [], f"requests outside the app: {refused}"


def test_the_downloaded_map_draws_with_the_network_refused(
    sync_api, browser_context, demo_chromium, app_url, first_run_done, tmp_path, screenshots
):
    """Issue 22: "Download this map" opened as legends only without the CDNs. The file now carries
    Leaflet and its plugins inline: opened with no host reachable and every request beside the file
    listed (none may be made, not even another file), it draws the areas, points and clusters; with
    JavaScript off it says the map could not be drawn instead of showing a blank space. (The map
    page test_page_renders left open is used, and left open again, when there is one.)"""
    expect = sync_api.expect
    page, errors = demo_chromium.take("asset_map"), []
    if page is None:
        page, errors = open_page(browser_context, sync_api, app_url, "asset_map", first_run_done)
    else:
        page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        wait_for_map(page, expect)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download this map").click()
        saved = tmp_path / "asset_map.html"
        download.value.save_as(saved)
        assert not errors, errors
    except BaseException:
        page.close()
        raise
    demo_chromium.keep("asset_map", page)
    browser = browser_context.browser
    offline = browser.new_context(viewport=VIEWPORT)
    try:
        refused = list_outside(offline, saved.as_uri())  # another local file is listed too
        opened = offline.new_page()
        errors = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        opened.goto(saved.as_uri())
        expect(opened.locator(".socialrx-cluster").first).to_be_visible()
        shown = drawn(opened)
        assert shown["points"] and shown["clusters"] and len(shown["areas"]) >= 167, shown
        assert shown["not drawn"] == 0
        if screenshots:
            opened.screenshot(path=str(screenshots / "downloaded-map.png"))
        assert not errors, errors
        assert refused == [], f"the downloaded map asked for {refused}"
    finally:
        offline.close()
    no_script = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    try:
        opened = no_script.new_page()
        opened.goto(saved.as_uri())
        expect(opened.locator(".socialrx-not-drawn")).to_contain_text("could not be drawn")
        expect(opened.locator("details.socialrx-legend").first).to_be_visible()
    finally:
        no_script.close()


def test_a_chosen_ward_is_outlined_on_the_drawn_map(
    sync_api, browser_context, app_url, first_run_done
):
    """A place by residence (a ward from the demo's ONS lookup) is outlined, dashed, on a map
    Leaflet draws without a JavaScript error."""
    expect = sync_api.expect
    path = "asset_map?place_kind=ward&place_ward=E05012993"
    page, errors = open_page(browser_context, sync_api, app_url, path, first_run_done)
    try:
        frame = wait_for_map(page, expect)
        dashed = [p for p in map_paths(frame) if (p["stroke"] or "").upper() == "#0072B2"]
        assert dashed, "the chosen ward is not outlined"
        assert not errors, f"JavaScript errors on the map: {errors}"
    finally:
        page.close()


def test_uploaded_files_are_loaded_and_their_problems_listed(
    sync_api, browser_context, app_url, first_run_done, tmp_path
):
    """A user's own files, uploaded in the sidebar, replace the demo; a bad row is reported."""
    expect = sync_api.expect
    assets = tmp_path / "assets.csv"
    assets.write_text(
        "asset_id,name,category,latitude,longitude\n"
        "U1,Riverside <b>walk</b>,physical activity,53.43,-1.35\n"
        "U2,Knit club,knitting,53.42,-1.36\n",
        encoding="utf-8",
    )
    page, errors = open_page(browser_context, sync_api, app_url, "", first_run_done)
    try:
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Upload files").click()
        wait_for_app_run(page, expect)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(assets))
        wait_for_app_run(page, expect)
        expect(sidebar.get_by_text("Data: your data")).to_be_visible()
        expect(page.get_by_text("1 problem in the data files", exact=False)).to_be_visible()
        sidebar.get_by_role("link", name="Data").click()
        wait_for_app_run(page, expect)
        expect(page.locator("h1").filter(has_text="Data")).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        # the problem table names the value and what is allowed
        expect(page.get_by_text("Problems (1 error, 0 warnings)")).to_be_visible()
        assert not errors, errors
    finally:
        page.close()


def test_uploading_data_with_other_months_after_the_demo_keeps_working(
    sync_api, browser_context, app_url, first_run_done, tmp_path
):
    """The demo's period is not in an upload's months: the period falls back to the upload's
    last 12 months with a note, on every page, instead of a crash (`2026-09 is not in
    iterable`); going back to the data folder brings the demo's period back."""
    expect = sync_api.expect
    (tmp_path / "assets.csv").write_text(
        "asset_id,name,category,latitude,longitude\nU1,Walk,physical activity,53.43,-1.35\n",
        encoding="utf-8",
    )
    rows = "".join(f"R{i},2019-{1 + i % 12:02d}-10,self,C87001\n" for i in range(60))
    (tmp_path / "referrals.csv").write_text(
        "referral_id,referral_date,referrer_type,practice_code\n" + rows, encoding="utf-8"
    )
    page, errors = open_page(browser_context, sync_api, app_url, "", first_run_done)
    try:
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Upload files").click()
        wait_for_app_run(page, expect)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            [str(tmp_path / "assets.csv"), str(tmp_path / "referrals.csv")]
        )
        wait_for_app_run(page, expect)
        expect(sidebar.get_by_text("Data: your data")).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_text("is not in this data: its last 12 months")).to_be_visible()
        caption = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer")
        expect(caption.filter(has_text="01 Jan 2019 to 10 Dec 2019")).to_be_visible()
        for name, title in (("Referral flows", "Referral flows"), ("Equity", "Equity")):
            sidebar.get_by_role("link", name=name).click()
            wait_for_app_run(page, expect)
            expect(page.locator("h1").filter(has_text=title)).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
        sidebar.get_by_text("Data folder", exact=True).click()
        wait_for_app_run(page, expect)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(sidebar.get_by_text("Rotherham (demo data)")).to_be_visible()
        assert not errors, errors
    finally:
        page.close()


def test_presentation_mode_keeps_the_pages_and_enlarges_chart_text(
    sync_api, browser_context, app_url, first_run_done, screenshots
):
    """Issue 22: presentation mode hid the sidebar and with it the only way to change page;
    now the pages are listed along the top, and a chart's text is enlarged."""
    expect = sync_api.expect
    page, errors = open_page(browser_context, sync_api, app_url, "equity?present=1",
                             first_run_done)  # fmt: skip
    try:
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        top = page.get_by_role("link", name="Referral flows")
        expect(top).to_be_visible()
        photograph(page, screenshots, "presentation")
        top.click()
        wait_for_app_run(page, expect)
        expect(page.locator("h1").filter(has_text="Referral flows")).to_be_visible()
        titles = page.locator(".main-svg .gtitle")
        titles.first.wait_for(timeout=RUN_MS)  # plotly draws after the script's run has ended
        sizes = titles.evaluate_all(
            "titles => titles.map(t => parseFloat(getComputedStyle(t).fontSize))"
        )
        assert sizes and min(sizes) >= 24, sizes
        assert not errors, errors
    finally:
        page.close()


def test_sidebar_choices_carry_across_pages(sync_api, browser_context, app_url, first_run_done):
    """A place chosen on one page is still chosen on the next (AppTest cannot show this)."""
    expect = sync_api.expect
    page, errors = open_page(browser_context, sync_api, app_url, "", first_run_done)
    try:
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name="PCN", exact=True).click()
        wait_for_app_run(page, expect)
        sidebar.get_by_test_id("stMultiSelect").first.click()
        page.get_by_role("option", name="Rother South PCN (demo)").click()
        page.keyboard.press("Escape")  # close the still-open option list
        wait_for_app_run(page, expect)
        caption = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer")
        expect(caption.filter(has_text="· Rother South PCN (demo) ·")).to_be_visible()
        sidebar.get_by_role("link", name="Capacity").click()
        wait_for_app_run(page, expect)
        expect(page.locator("h1").filter(has_text="Capacity")).to_be_visible()
        expect(caption.filter(has_text="· Rother South PCN (demo) ·")).to_be_visible()
        assert not errors, errors
    finally:
        page.close()


def test_a_table_download_carries_disclosed_figures(
    sync_api, browser_context, app_url, first_run_done
):
    """The CSV is built when the button is clicked (a deferred download): check it arrives
    with whole numbers, `*` where a count is hidden, and no exact 1-7 anywhere."""
    expect = sync_api.expect
    page, errors = open_page(browser_context, sync_api, app_url, "capacity", first_run_done)
    try:
        page.get_by_role("tab", name="Assets", exact=True).click()  # every asset's table
        with page.expect_download() as download:
            page.get_by_role("button", name="Download table (CSV)").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        lines = list(csv.reader(text.splitlines()))
        end = lines.index([])  # the table, a blank line, then where it came from
        header, *rows = lines[:end]
        assert lines[end + 1] == ["About this table"], lines[end + 1 :]
        assert header[:5] == ["Asset", "Name", "Organisation", "Category", "Capacity a month"]
        sent = [row[header.index("People sent")] for row in rows]
        assert "*" in sent and all(v == "*" or int(v) % 5 == 0 for v in sent)
        judged = {row[header.index("Over capacity")] for row in rows}
        assert judged <= {"True", "False", "borderline", ""}
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert not errors, errors
    finally:
        page.close()


def test_a_page_address_opened_first_on_a_fresh_server_shows_that_page(
    sync_api, browser_context, tmp_path
):
    """Until app.py has run once, Streamlit runs a page file on its own for a visitor who
    opens that page's address (its legacy pages/ mode): the page must send them through
    app.py and back, not show a traceback."""
    expect = sync_api.expect
    with streamlit_server(tmp_path) as server:
        url = server.url
        context = still_context(browser_context.browser, viewport=VIEWPORT)
        context.set_default_timeout(RUN_MS)
        try:
            page = context.new_page()  # no host but this machine's (CHROMIUM_ARGS)
            # a shared link: the page and the view in its address survive the detour
            page.goto(f"{url}/referral_flows?place_kind=PCN&place_PCN=XPCN02")
            wait_for_app_run(page, expect, FIRST_RUN_MS)
            # the detour through app.py reruns the page: wait as long as a run may take
            heading = page.locator("h1").filter(has_text="Referral flows")
            expect(heading).to_be_visible(timeout=RUN_MS)
            caption = page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer")
            expect(caption.filter(has_text="· Rother South PCN (demo) ·")).to_be_visible(
                timeout=RUN_MS
            )
            expect(page.get_by_test_id("stException")).to_have_count(0)
            expect(page.get_by_text("Page not found")).to_have_count(0)
            assert urlsplit(page.url).path.endswith("/referral_flows")  # the view in the query
            # the navigation is the app's own, not one listing the files in pages/
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav.get_by_role("link", name="Asset map")).to_be_visible()
        finally:
            context.close()
