"""Ten people at once on one server: each sees their own figures, and nobody sees another's upload.

One `streamlit run app.py` serves the demo data. Ten browser contexts (separate people: separate
cookies and sessions) open the app at the same moment, each with a different place, period and
disclosure level: five choose them in the sidebar, five open a shared link that carries them (as
a workshop shares a view). Each moves to another page and comes back to the overview. What each
saw there (the caption and every headline card) must equal what the package's overview view
gives for the same data and choice, as one person alone would see it, with no exception
anywhere, and the server's memory after the ten must stay within 20% of its memory after one. A
file uploaded in one session must never appear in another.

Widgets are found by their labels ("Data source", "Place", "Period", "Disclosure control"), so the
test survives changes to how a control looks (the period may be a day slider or whole months).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import pytest
from browser_assets import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    STILL,
    STILL_SCRIPT,
    playwright_sync_api,
    streamlit_server,
)
from google.protobuf.message import DecodeError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from socialrx.data.loader import load_folder
from socialrx.disclosure import Level
from socialrx.metrics import selection
from socialrx.team.access import allowed_levels
from socialrx.views import links, pages

try:
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import expect
except ImportError:  # the server fixture skips (or fails in CI) with the reason
    expect = PlaywrightTimeout = None

SESSIONS = 10
FIRST_RUN_MS = 90_000  # the first session loads and validates the demo data
RUN_MS = 180_000  # ten sessions share two cores: a rerun may wait behind the others
VERIFY_MS = 10_000  # how long a click may take to start a rerun before it is made again
VIEWPORT = {"width": 1280, "height": 900}
RSS_GROWTH_LIMIT = 0.20
# Pages each session visits before it returns to the overview (sidebar link names).
JOURNEY = ("Capacity", "Asset map", "Referral flows", "Outcomes", "Data")
APP = "[data-testid='stApp']"
# Ten pages in one browser: none may have its timers or rendering slowed as a background page.
UNTHROTTLED = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


@dataclass(frozen=True)
class Choice:
    """What one person picks in the sidebar."""

    kind: str  # the Place option: "whole dataset", "PCN", "practice", "area"
    which: int | None  # the index of the PCN/practice/area among the options, None for all
    period_steps: int  # steps the period's start moves later (days or months)
    level: int  # the index of the disclosure option: 0 round, 1 suppress only, 2 off
    by_link: bool = False  # arrives with the choice in the address instead of the sidebar

    def __str__(self) -> str:
        which = "" if self.which is None else f" #{self.which}"
        link = " by link" if self.by_link else ""
        return f"{self.kind}{which}, period +{self.period_steps}, level {self.level}{link}"


# Five choose in the sidebar and five arrive by a link, each way with several kinds of place,
# period starts and disclosure levels.
CHOICES = [
    Choice("whole dataset", None, 0, 0),
    Choice("PCN", 0, 0, 1, by_link=True),
    Choice("PCN", 1, 1, 2),
    Choice("practice", 0, 0, 0, by_link=True),
    Choice("practice", 2, 2, 1),
    Choice("practice", 5, 0, 2, by_link=True),
    Choice("area", 0, 0, 0),
    Choice("whole dataset", None, 3, 2, by_link=True),
    Choice("PCN", 0, 2, 0),
    Choice("practice", 7, 1, 1, by_link=True),
]
assert len(CHOICES) == SESSIONS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    playwright_sync_api()  # skips (or fails in CI) without Chromium or Playwright
    # a deployment allowing every level: sessions choose all three
    with streamlit_server(tmp_path_factory.mktemp("sessions"), floor="off") as running:
        yield running


async def settled(page, timeout_ms: int = RUN_MS) -> None:
    """Connected, the script not running, no skeletons: Streamlit's own e2e wait."""
    await page.locator(f"{APP}[data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout_ms
    )
    await page.locator(f"{APP}[data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout_ms
    )
    await page.get_by_test_id("stSkeleton").first.wait_for(state="detached", timeout=timeout_ms)


class Runs:
    """A page's script runs as the server reports them over the page's websocket (Streamlit's
    ForwardMsg): `new_session` begins each, `script_finished` ends it (one ended early for a
    rerun is followed by that rerun). The page's own state attribute can miss a run: React
    draws only its last value, and a cached page's run ends within a frame."""

    def __init__(self) -> None:
        self.begun = 0
        self.running = False

    def frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        try:
            message = ForwardMsg.FromString(payload)
        except DecodeError:
            return
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.begun, self.running = self.begun + 1, True
        elif kind == "script_finished":
            self.running = message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN


RUNS: dict = {}  # page -> its Runs, from `open_app`


async def until(test, timeout_ms: int) -> bool:
    """Whether `test()` comes true within `timeout_ms` (the websocket's frames arrive on this
    event loop, so a short sleep lets them in)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not test():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def idle(page) -> None:
    """No run going (as the server says), then the page settled."""
    runs = RUNS[page]
    if not await until(lambda: not runs.running, RUN_MS):
        raise AssertionError(f"the app did not finish a run within {RUN_MS} ms at {page.url}")
    await settled(page)


async def act(page, action, what: str, tries: int = 3) -> None:
    """Do `action` (a click or keys that make the app rerun) and wait for the run it starts.

    Under load a click can land while a rerun is replacing the widget it was aimed at, and
    Streamlit never hears of it: if no run has begun within VERIFY_MS, the action is done
    again. `action` returns False when an earlier try did it after all."""
    runs = RUNS[page]
    await idle(page)  # not while an earlier run is still going
    first = runs.begun
    for _ in range(tries):
        begun = runs.begun
        if await action() is False:  # done already: wait for its run if one is to come
            await until(lambda: runs.begun > first, VERIFY_MS)
            await idle(page)
            return
        if await until(lambda b=begun: runs.begun > b, VERIFY_MS):
            await idle(page)
            return
        await settled(page)
    # No run seen: the caller's own check of what the page shows decides.
    print(f"{what}: no rerun started within {tries} x {VERIFY_MS} ms (a busy server queues it)")


def widget(page, label: str):
    """The sidebar element whose widget label reads exactly `label`."""
    name = page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stSidebar").get_by_test_id("stElementContainer").filter(has=name)


async def no_exception(page, where: str) -> None:
    count = await page.get_by_test_id("stException").count()
    if count:
        text = await page.get_by_test_id("stException").first.inner_text()
        raise AssertionError(f"exception on {where}: {text[:800]}")


def place_caption(page):
    """The page header's caption: data · place · period."""
    return page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").filter(has_text="·")


async def open_list(page, box):
    """Open a select box's or multiselect's option list; its options."""
    options = page.get_by_role("option")
    for attempt in range(3):  # a click during a rerun may not open the list: click again
        await box.click()
        try:
            await options.first.wait_for(timeout=VERIFY_MS)
            return options
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            await page.keyboard.press("Escape")
            await settled(page)


async def shows(box) -> str:
    """What a select box or multiselect shows: a multiselect's chosen names are text, a select
    box's choice the value of its combobox input."""
    values = [await field.input_value() for field in await box.locator("input").all()]
    return " ".join(" ".join([await box.inner_text(), *values]).split())


async def pick_option(page, box, name: str | None = None, index: int = 0) -> str:
    """Choose an option of a select box or multiselect, by name or by position among the real
    options (a multiselect also offers "Select all"), and wait for the rerun; its name."""
    chosen = {"name": name}

    async def click() -> bool:
        if chosen["name"] and chosen["name"] in await shows(box):
            return False  # the box already shows it: an earlier click got through after all
        options = await open_list(page, box)
        texts = [" ".join(t.split()) for t in await options.all_inner_texts()]
        if chosen["name"] is None:
            chosen["name"] = [t for t in texts if t.lower() != "select all"][index]
        if chosen["name"] not in texts:  # a multiselect no longer offers a chosen option
            await page.keyboard.press("Escape")
            return False
        pattern = re.compile(rf"^\s*{re.escape(chosen['name'])}\s*$")
        await options.filter(has_text=pattern).first.click()
        await page.keyboard.press("Escape")  # close a still-open option list
        return True

    await act(page, click, f"choosing {name or f'option {index}'}")
    return chosen["name"]


async def choose(page, choice: Choice) -> None:
    """Make `choice` in the sidebar, checking that each step reached the page."""
    caption = place_caption(page).first
    if choice.which is None:
        if "· the whole dataset ·" not in await caption.inner_text():
            await pick_option(page, widget(page, "Place").first, choice.kind)
        await expect(caption).to_contain_text("· the whole dataset ·", timeout=RUN_MS)
    else:
        await pick_option(page, widget(page, "Place").first, choice.kind)
        which = widget(page, f"Which {choice.kind}").first
        name = await pick_option(page, which, index=choice.which)
        await expect(caption).to_contain_text(f"· {name} ·", timeout=RUN_MS)
    if choice.period_steps:
        before = await caption.inner_text()
        thumbs = widget(page, "Period").first.get_by_role("slider")
        if await thumbs.count() == 0:
            raise AssertionError("the Period control has no slider to move: update the test")

        async def keys() -> None:
            await thumbs.first.focus()
            for _ in range(choice.period_steps):
                await page.keyboard.press("ArrowRight")

        await act(page, keys, "moving the period", tries=1)  # more keys would move it further
        await expect(caption).not_to_have_text(before, timeout=RUN_MS)
    options = widget(page, "Disclosure control").first
    radio = options.get_by_role("radio").nth(choice.level)
    if not await radio.is_checked():

        async def click() -> bool:
            if await radio.is_checked():
                return False
            await options.get_by_test_id("stRadioOption").nth(choice.level).click()
            return True

        await act(page, click, f"disclosure option {choice.level}")
        await expect(radio).to_be_checked(timeout=RUN_MS)


async def overview_seen(page) -> dict:
    """What the overview shows: the caption (data, place, period) and each headline card."""
    main = page.get_by_test_id("stMain")
    cards = await main.get_by_test_id("stMetric").all_inner_texts()
    captions = await main.get_by_test_id("stCaptionContainer").all_inner_texts()
    return {
        "caption": " ".join(next((c for c in captions if "·" in c), "").split()),
        "cards": [" ".join(card.split()) for card in cards],
    }


async def go_to(page, link: str) -> None:
    """Open a page from the sidebar's navigation and wait for its script to have run."""
    anchor = page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True)
    wanted = ((await anchor.get_attribute("href")) or "").split("?")[0].rstrip("/")

    def there(url: str) -> bool:
        return url.split("?")[0].rstrip("/") == wanted

    async def click() -> bool:
        if there(page.url):  # an earlier click got there after all
            return False
        await anchor.click()
        return True

    await act(page, click, f"opening {link}")
    await page.wait_for_url(there, timeout=RUN_MS)


async def new_person(browser):
    """A browser context of its own (a person: their own cookies and session) that counts
    the app's runs and draws no animation; it reaches nothing but the app (CHROMIUM_ARGS: no
    other host resolves)."""
    context = await browser.new_context(viewport=VIEWPORT, **STILL)
    await context.add_init_script(script=STILL_SCRIPT)
    context.set_default_timeout(RUN_MS)
    return context


async def open_app(context, url: str, timeout_ms: int = RUN_MS):
    page = await context.new_page()
    RUNS[page] = runs = Runs()
    page.on("websocket", lambda socket: socket.on("framereceived", runs.frame))
    await page.goto(url)
    await settled(page, timeout_ms)
    return page


async def person(
    browser, url: str, choice: Choice, shared: str, journey=JOURNEY, arrived=None, leave=None
):
    """One person: their own context, their choice (in the sidebar, or the query string
    `shared` opened), a walk through the pages, the overview.

    With `arrived` and `leave` (events), they say when they are back on the overview and stay
    connected until told to leave, so the server's memory is measured with them all there."""
    context = await new_person(browser)
    try:
        if choice.by_link:
            page = await open_app(context, f"{url}/?{shared}")
        else:
            page = await open_app(context, url)
            await choose(page, choice)
        chosen = " ".join((await place_caption(page).first.inner_text()).split())
        await no_exception(page, f"the overview after choosing {choice}")
        for link in journey:
            await go_to(page, link)
            await no_exception(page, f"{link} ({choice})")
        await go_to(page, "Overview")
        await no_exception(page, f"the overview ({choice})")
        seen = await overview_seen(page)
        # the choice carried across the pages and back
        assert seen["caption"] == chosen, f"{choice}: chose {chosen}, back to {seen}"
        if arrived is not None:
            arrived.set()
            await leave.wait()
        return seen
    finally:
        await context.close()


def journey_of(number: int) -> tuple[str, ...]:
    """The page the n-th person opens before going back to the overview: between them the
    ten open each page twice (every script run waits its turn on one server process, so
    fewer runs keep the test short; the first person alone has opened every page)."""
    return (JOURNEY[number % len(JOURNEY)],)


async def together_then_measure(
    server, browser, choices, shared, journeys
) -> tuple[list[dict], int]:
    """Everyone in `choices` at once (each with their query string in `shared`); the server's
    RSS once all are back on the overview."""
    arrived = [asyncio.Event() for _ in choices]
    leave = asyncio.Event()
    tasks = [
        asyncio.create_task(person(browser, server.url, c, k, j, arrived=a, leave=leave))
        for c, k, j, a in zip(choices, shared, journeys, arrived, strict=True)
    ]
    rss = 0
    try:
        while not all(a.is_set() for a in arrived):
            if any(t.done() for t in tasks):  # one failed before arriving
                break
            await asyncio.sleep(0.25)
        else:
            rss = server.rss_bytes()
    finally:
        leave.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise failures[0]
    return results, rss


@dataclass(frozen=True)
class Sidebar:
    """What `choice` sets in the sidebar, from the package: the place options in the
    sidebar's order (`selection.place_options`), its default period (the last 12 months) with
    the start moved `period_steps` months later, and the levels a deployment whose floor is
    "off" allows."""

    kind: str
    codes: tuple[str, ...]
    place: str
    months: tuple[pd.Period, pd.Period]
    level: Level

    @classmethod
    def of(cls, dataset, choice: Choice) -> Sidebar:
        if choice.which is None:
            kind, codes, place = selection.WHOLE, (), "the whole dataset"
        else:
            offered = selection.place_options(dataset)[choice.kind]
            code = list(offered)[choice.which]
            kind, codes, place = choice.kind, (code,), offered[code]
        first_day, last_day = selection.data_period(dataset)
        months = list(pd.period_range(first_day, last_day, freq="M"))
        start = months.index(selection.default_selection(dataset).start.to_period("M"))
        chosen = (months[start + choice.period_steps], months[-1])
        return cls(kind, codes, place, chosen, allowed_levels(Level.OFF)[choice.level])

    def link(self) -> str:
        """The query string of a shared view with these choices (`views.links`)."""
        state = {"place_kind": self.kind, "period": self.months, "disclosure": self.level.value}
        if self.codes:
            state[f"place_{self.kind}"] = list(self.codes)
        return urlencode(links.encode(state))


def alone(dataset, choice: Choice) -> dict:
    """What one person alone sees on the overview after making `choice`: the overview's view
    (`views.pages.overview`) for the sidebar's choices."""
    sidebar = Sidebar.of(dataset, choice)
    kind, codes, place, level = sidebar.kind, sidebar.codes, sidebar.place, sidebar.level
    last_day = selection.data_period(dataset)[1]
    start, end = selection.month_period(*sidebar.months, last_day)
    named = selection.neighbourhood_table(dataset.table("neighbourhoods"))
    chosen = selection.resolve(dataset, start, end, kind, codes, named)
    (headline,) = pages.panels_of(pages.overview(dataset, chosen, level))
    return {
        "caption": f"{dataset.label} · {place} · {start:%d %b %Y} to {end:%d %b %Y}",
        "cards": [
            " ".join(f"{c.name} {c.value} {c.change or ''}".split()) for c in headline.shown_cards
        ],
    }


async def ten_at_once(server, shared: list[str]) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + UNTHROTTLED, headless=True
        )
        try:
            started = time.monotonic()
            # one person first: loads the data and runs every page once
            _, rss_one = await together_then_measure(
                server, browser, CHOICES[:1], shared[:1], [JOURNEY]
            )
            one = time.monotonic()
            journeys = [journey_of(n) for n in range(SESSIONS)]
            together, rss_ten = await together_then_measure(
                server, browser, CHOICES, shared, journeys
            )
            print(f"one session {one - started:.0f} s, ten at once {time.monotonic() - one:.0f} s")
        finally:
            await browser.close()
    return together, {"one": rss_one, "ten": rss_ten}


def test_ten_sessions_each_see_their_own_figures(server):
    dataset = load_folder(REPO / "data" / "demo")[0]  # what the server serves
    shared = [Sidebar.of(dataset, choice).link() for choice in CHOICES]
    together, rss = asyncio.run(ten_at_once(server, shared))
    growth = rss["ten"] / rss["one"] - 1 if rss["one"] and rss["ten"] else None
    if growth is not None:
        print(
            f"server RSS after one session {rss['one'] / 2**20:.0f} MB, after ten at once "
            f"{rss['ten'] / 2**20:.0f} MB ({growth:+.1%})"
        )
    for choice, seen in zip(CHOICES, together, strict=True):
        print(f"{choice}: {seen['caption']} | {' | '.join(seen['cards'])}")
        assert seen["cards"], f"no headline cards for {choice}"
        expected = alone(dataset, choice)
        assert seen == expected, f"{choice}: seen with nine others {seen}, alone {expected}"
    captions = {seen["caption"] for seen in together}
    assert len(captions) >= 8, f"the choices did not reach the page: {captions}"
    if growth is not None:  # measured where /proc exists (Linux)
        assert growth < RSS_GROWTH_LIMIT, f"server memory grew {growth:.1%} with ten sessions"


UPLOADED_ASSETS = (
    "asset_id,name,category,latitude,longitude\n"
    "U1,Only-in-session-A walking group,physical activity,53.43,-1.35\n"
)


async def sidebar_data_label(page) -> str:
    """The sidebar's "Data: ..." line: which dataset this session shows."""
    line = page.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer")
    return " ".join((await line.filter(has_text="Data:").first.inner_text()).split())


async def upload_kept_apart(server, assets_csv) -> dict:
    from playwright.async_api import async_playwright

    url = server.url
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            a_context, b_context = [await new_person(browser) for _ in "ab"]
            a, b = await open_app(a_context, url, FIRST_RUN_MS), await open_app(b_context, url)
            seen = {"b_before": await sidebar_data_label(b)}
            # A uploads their own assets.csv through the sidebar
            source = widget(a, "Data source").first.get_by_test_id("stRadioOption")
            await act(a, lambda: source.filter(has_text="Upload files").click(), "Upload files")
            dropzone = a.get_by_test_id("stFileUploaderDropzoneInput")
            await act(a, lambda: dropzone.set_input_files(str(assets_csv)), "uploading", tries=1)
            await expect(
                a.get_by_test_id("stSidebar").get_by_text("Data: your data")
            ).to_be_visible(timeout=RUN_MS)
            seen["a"] = await sidebar_data_label(a)
            seen["a_cards"] = (await overview_seen(a))["cards"]
            # B, still connected, reruns (a page change) and still has the data folder
            await go_to(b, "Data")
            await go_to(b, "Overview")
            seen["b_after"] = await sidebar_data_label(b)
            seen["b_cards"] = (await overview_seen(b))["cards"]
            seen["b_source"] = (
                await widget(b, "Data source")
                .first.get_by_role("radio", checked=True)
                .first.get_attribute("value")
            )
            seen["b_source_text"] = (
                await widget(b, "Data source")
                .first.get_by_test_id("stRadioOption")
                .filter(has=b.get_by_role("radio", checked=True))
                .inner_text()
            )
            # and so does someone who arrives after the upload
            c_context = await new_person(browser)
            c = await open_app(c_context, url)
            seen["c"] = await sidebar_data_label(c)
            for page in (a, b, c):
                await no_exception(page, "the overview")
            await c_context.close()
            await a_context.close()
            await b_context.close()
        finally:
            await browser.close()
    return seen


def test_a_file_uploaded_in_one_session_never_appears_in_another(server, tmp_path):
    assets_csv = tmp_path / "assets.csv"
    assets_csv.write_text(UPLOADED_ASSETS, encoding="utf-8")
    seen = asyncio.run(upload_kept_apart(server, assets_csv))
    print(seen)
    assert "your data" in seen["a"]
    assert any(card.startswith("Active assets 1 ") for card in seen["a_cards"]), seen["a_cards"]
    assert "your data" not in seen["b_before"]
    assert seen["b_after"] == seen["b_before"] == seen["c"]
    assert "Data folder" in seen["b_source_text"]
    assert not any(card.startswith("Active assets 1 ") for card in seen["b_cards"])
