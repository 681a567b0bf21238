"""Ten people at once on one real server: its peak memory and how long they all wait.

`streamlit run app.py` on a free port serves the data folder (through its saved copy in
`cache`), as `make run` would. One person opens it first (the server loads the data); then
ten people open it at the same moment in headless Chromium, each in their own browser context
(their own session) on a shared link to a different place (PCNs and wards in turn, as
`?place_kind=PCN&place_PCN=...` carries them), and each visits a few pages from the sidebar
before coming back to the overview. The server's resident memory (it and any children, from
/proc) is sampled every 0.1 s throughout. As tests/test_sessions.py drives ten sessions: the
same waits for a run to end (Streamlit's own attributes), the same retry of a click a busy
server missed.

Used by `bench_step.py sessions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-background-timer-throttling",
                 "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]  # fmt: skip
# The pages the ten visit, two each in turn after the overview, so every page is opened by
# some and each person's journey is short (all ten queue on one server process).
JOURNEY = ("Referral flows", "Outcomes", "Capacity", "Equity", "Asset map", "Directory",
           "Commissioning")  # fmt: skip
RUN_MS = 900_000  # ten sessions share a busy 2-core machine: a run may wait behind the others
VERIFY_MS = 15_000  # how long a click may take to start a run before it is made again
APP = "[data-testid='stApp']"
RUN_COUNTER_JS = """
window.__runs = 0;
new MutationObserver(records => { window.__runs += records.length; }).observe(document, {
    subtree: true, attributes: true, attributeFilter: ["data-test-script-state"],
});
"""
SCRIPT_STATE = (
    "document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state')"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def places(folder: str | Path, count: int) -> list[tuple[str, str]]:
    """(place kind, code) for `count` people: PCNs and wards in turn, each a different one."""
    folder = Path(folder)
    pcns = sorted(pd.read_csv(folder / "practices.csv", usecols=["pcn_code"], dtype=str)[
        "pcn_code"].dropna().unique())  # fmt: skip
    lookup = folder / "area_lookup.csv"
    wards = sorted(pd.read_csv(lookup, usecols=["ward_code"], dtype=str)["ward_code"].dropna()
                   .unique()) if lookup.exists() else []  # fmt: skip
    chosen = []
    for n in range(count):
        kind, codes = ("ward", wards) if n % 2 and wards else ("PCN", pcns)
        chosen.append((kind, codes[(n // 2) % len(codes)]))
    return chosen


class Memory:
    """The resident memory of a process and its children, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _family(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):  # the process ended meanwhile
                    todo += [int(p) for p in task.read_text().split()]
        return found

    @staticmethod
    def _field(pid: int, name: str) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def now(self) -> int:
        return sum(self._field(pid, "VmRSS") for pid in self._family())

    def high_water(self) -> int:
        """The server process's own peak (VmHWM): what sampling might miss between samples."""
        return self._field(self.pid, "VmHWM")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self.now()))
            self._stop.wait(self.every)

    def start(self) -> Memory:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, since: float = 0.0) -> int:
        return max((rss for at, rss in self.samples if at >= since), default=0)


def start_server(folder: str, cache: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    unset = ("SOCIALRX_MIN_DISCLOSURE", "SOCIALRX_MAP_TILES", "SOCIALRX_MAP_TILES_ATTRIBUTION")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env |= {"SOCIALRX_DATA": folder, "SOCIALRX_CACHE_DIR": cache}  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"streamlit did not start: {log.read_text()[-500:]}")
        time.sleep(0.25)


async def settled(page) -> None:
    """Connected, the script not running, no skeletons (Streamlit's own e2e wait)."""
    await page.locator(f"{APP}[data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=RUN_MS)  # fmt: skip
    await page.locator(f"{APP}[data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=RUN_MS)  # fmt: skip
    await page.get_by_test_id("stSkeleton").first.wait_for(state="detached", timeout=RUN_MS)


async def go_to(page, link: str) -> None:
    """Open a page from the sidebar and wait for its run; the click again if a busy server
    never started one (as tests/test_sessions.py does)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    anchor = page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True)
    wanted = ((await anchor.get_attribute("href")) or "").split("?")[0].rstrip("/")
    await settled(page)
    for _ in range(3):
        if page.url.split("?")[0].rstrip("/") == wanted:
            break
        runs = await page.evaluate("window.__runs || 0")
        await anchor.click()
        try:
            await page.wait_for_function(f"window.__runs > {runs}", timeout=VERIFY_MS,
                                         polling=200)  # fmt: skip
            break
        except PlaywrightTimeout:
            continue
    await page.wait_for_function(f"{SCRIPT_STATE} === 'notRunning'", timeout=RUN_MS, polling=200)
    await settled(page)


async def no_exception(page, where: str) -> None:
    """A page that raised is a failed step, not a time to report."""
    if await page.get_by_test_id("stException").count():
        text = await page.get_by_test_id("stException").first.inner_text()
        raise RuntimeError(f"{where}: {text[:300]}")


async def person(browser, url: str, place: tuple[str, str], journey, timings: list) -> str:
    """One person: a shared link to their place, the pages of `journey`, then the overview;
    the page's place caption as they last saw it."""
    kind, code = place
    query = urllib.parse.urlencode({"place_kind": kind, f"place_{kind}": code})
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(script=RUN_COUNTER_JS)
    context.set_default_timeout(RUN_MS)
    await context.route(lambda address: not address.startswith(url), lambda r: r.abort())
    started = time.monotonic()
    try:
        page = await context.new_page()
        await page.goto(f"{url}/?{query}")
        await settled(page)
        await no_exception(page, f"{kind} {code}, the overview")
        for link in (*journey, "Overview") if journey else ():
            await go_to(page, link)
            await no_exception(page, f"{kind} {code}, {link}")
        captions = await page.get_by_test_id("stMain").get_by_test_id(
            "stCaptionContainer").all_inner_texts()  # fmt: skip
        timings.append(time.monotonic() - started)
        return " ".join(next((c for c in captions if "·" in c), "").split())
    finally:
        await context.close()


async def drive(url: str, folder: str, count: int, memory: Memory) -> dict:
    from playwright.async_api import async_playwright

    chosen = places(folder, count)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                   headless=True)  # fmt: skip
        try:
            started = time.monotonic()
            first: list[float] = []
            await person(browser, url, ("PCN", chosen[0][1]), (), first)
            one = memory.now()
            together = time.monotonic()
            timings: list[float] = []
            journeys = [(JOURNEY[(2 * n) % len(JOURNEY)], JOURNEY[(2 * n + 1) % len(JOURNEY)])
                        for n in range(count)]  # fmt: skip
            seen = await asyncio.gather(
                *(
                    person(browser, url, p, j, timings)
                    for p, j in zip(chosen, journeys, strict=True)
                )
            )
            ended = time.monotonic()
        finally:
            await browser.close()
    return {
        "first_person": first[0],
        "one_mb": one / 2**20,
        "all_seconds": ended - together,
        "person_median": statistics.median(timings),
        "person_max": max(timings),
        "peak_ten_mb": memory.peak(since=together) / 2**20,
        "places": len(set(seen)),
        "captions": sorted(set(seen)),
        "loaded_at": together - started,
    }


def ten_sessions(folder: str, cache: str, count: int = 10) -> dict:
    with tempfile.TemporaryDirectory(prefix="socialrx-sessions-") as tmp:
        process, url = start_server(folder, cache, Path(tmp) / "streamlit.log")
        memory = Memory(process.pid).start()
        try:
            result = asyncio.run(drive(url, folder, count, memory))
            result["server_peak_mb"] = memory.peak() / 2**20
            result["server_hwm_mb"] = memory.high_water() / 2**20
        finally:
            memory.stop()
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return result
