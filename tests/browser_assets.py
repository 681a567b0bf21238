"""The browser tests' common ground: npm packages they need, Chromium, and a Streamlit server.

The app's map needs nothing from outside it (its Leaflet files are the app's own, in `static/map/`),
so a test browser reaches no host but this machine (`CHROMIUM_ARGS`) and lists every request that
does not go to the app (`list_outside`). What a test still takes from the npm registry (axe-core
for the accessibility checks) is fetched with `npm pack` and cached in a folder (`fetch_packages`).

Where Chromium is (`CHROMIUM`), whether a missing one skips or fails the tests
(`require_browser`), and, loaded as a pytest plugin (`-p browser_assets` with `tests` on
PYTHONPATH, as `.ci/run` does), a summary of how many browser tests ran, with their skips turned
into failures when `SOCIALRX_REQUIRE_BROWSER=1`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def default_cache_dir() -> Path:
    """SOCIALRX_TEST_ASSETS if set, else ~/.cache/socialrx-test-assets."""
    chosen = os.environ.get("SOCIALRX_TEST_ASSETS")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "socialrx-test-assets"


def _folder_name(spec: str) -> str:
    return spec.replace("/", "__")


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball's `package/` folder into `target`, all or nothing."""
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpack-"))
    try:
        with tarfile.open(tarball) as archive:
            archive.extractall(staging, filter="data")
        inner = staging / "package"
        if not inner.is_dir():  # a few old packages use another top folder
            inner = next(p for p in staging.iterdir() if p.is_dir())
        inner.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _npm_pack(specs: list[str], into: Path, timeout: float) -> list[tuple[str, Path]]:
    """Download the tarballs of `specs` with `npm pack`; the (spec, tarball) pairs it made."""
    result = subprocess.run(
        ["npm", "pack", *specs, "--json", "--fetch-retries=1", "--fetch-timeout=15000"],
        cwd=into,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    packed = json.loads(result.stdout)
    return [(spec, into / item["filename"]) for spec, item in zip(specs, packed, strict=True)]


def fetch_packages(specs: Iterable[str], cache_dir: Path, timeout: float = 60) -> dict[str, Path]:
    """The unpacked folder of each npm package in `specs` that is cached or could be fetched.

    Never raises for a missing npm, registry or writable cache: what could not be had is left
    out. `timeout` bounds the whole download, so an unreachable registry costs at most that."""
    wanted = list(dict.fromkeys(specs))
    folders = {spec: cache_dir / _folder_name(spec) for spec in wanted}
    missing = [spec for spec in wanted if not folders[spec].is_dir()]
    deadline = time.monotonic() + timeout
    if missing and shutil.which("npm"):
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".npm-pack-") as tmp:
                # One call for all; if one bad name fails it, one call per package.
                batches = [missing] + ([[spec] for spec in missing] if len(missing) > 1 else [])
                for batch in batches:
                    todo = [spec for spec in batch if not folders[spec].is_dir()]
                    left = deadline - time.monotonic()
                    if not todo or left <= 0:
                        continue
                    try:
                        for spec, tarball in _npm_pack(todo, Path(tmp), left):
                            _unpack(tarball, folders[spec])
                    except subprocess.TimeoutExpired:
                        break  # the registry is unreachable or slow: stop trying
                    except (ValueError, KeyError, StopIteration, subprocess.SubprocessError):
                        continue
        except OSError:
            pass
    return {spec: folder for spec, folder in folders.items() if folder.is_dir()}


def list_outside(context, app_url: str, refused: list[str] | None = None) -> list[str]:
    """List every request a Playwright context makes that does not go to the app at `app_url`:
    the addresses are added, as they are asked for, to `refused` (a new list if none), which
    is returned. The browser itself refuses them (CHROMIUM_ARGS: no host but this machine
    resolves), as a network that blocks public CDNs and tile servers would."""
    refused = [] if refused is None else refused

    def note(request) -> None:
        if not request.url.startswith((app_url, "data:", "blob:")):  # the last two: no network
            refused.append(request.url)

    context.on("request", note)
    return refused


# ---------------------------------------------------------------------------------------------
# Browser tests: skipped on a machine without Chromium, required in CI.

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_VARIABLE = "SOCIALRX_REQUIRE_BROWSER"
BROWSER_MODULES = ("test_browser.py", "test_sessions.py", "test_accessibility.py",
                   "test_signin_browser.py")  # fmt: skip
AXE_CORE = "axe-core@4.14.1"


def browser_required() -> bool:
    """True when the browser tests must run (CI sets SOCIALRX_REQUIRE_BROWSER=1)."""
    return os.environ.get(REQUIRE_VARIABLE, "").strip() not in ("", "0")


def require_browser(reason: str) -> None:
    """Skip the test with `reason`, or fail it when the browser tests are required."""
    if browser_required():
        pytest.fail(f"{reason}; browser tests are required here ({REQUIRE_VARIABLE}=1)")
    pytest.skip(reason)


def playwright_sync_api():
    """Playwright's sync API, once Chromium is known to be there; else skip (or fail in CI)."""
    if not CHROMIUM.exists():
        require_browser(f"no Chromium at {CHROMIUM} (Debian package `chromium`)")
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        require_browser("playwright is not installed (pip install -r requirements-dev.txt)")
    return sync_api


@dataclass
class OfflinePage:
    """A report opened from its file with every other request refused (`outside`), the page's
    script errors (`errors`), and how many plotly charts drew (`drawn`)."""

    page: object
    outside: list[str]
    errors: list[str]
    drawn: int


@contextmanager
def offline_report(html: Path) -> Iterator[OfflinePage]:
    """`html` in Chromium once its first chart has drawn, nothing but file:// answered."""
    sync_api = playwright_sync_api()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        context = browser.new_context()
        outside: list[str] = []

        def block(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", block)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html.as_uri())
        charts = page.locator(".plotly-graph-div .main-svg")
        charts.first.wait_for(timeout=30_000)
        try:
            yield OfflinePage(page, outside, errors, charts.count())
        finally:
            browser.close()


def _is_browser_test(nodeid: str) -> bool:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1] in BROWSER_MODULES


_counts = {"ran": 0, "passed": 0, "failed": 0, "skipped": 0, "xfailed": 0}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Plugin hook: with SOCIALRX_REQUIRE_BROWSER=1, a skipped browser test is a failure
    (they skip without Chromium, the accessibility checks without axe-core from npm)."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and browser_required()
        and _is_browser_test(report.nodeid)
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser test skipped but required ({REQUIRE_VARIABLE}=1): {reason}"


def pytest_runtest_logreport(report) -> None:
    """Plugin hook: count the browser tests by outcome."""
    if not _is_browser_test(report.nodeid) or report.when == "teardown":
        return
    expected_failure = hasattr(report, "wasxfail")
    if report.skipped and not expected_failure:  # in setup (a fixture) or in the test
        _counts["skipped"] += 1
    elif report.when == "call":
        _counts["ran"] += 1
        if expected_failure and report.skipped:
            _counts["xfailed"] += 1
        else:
            _counts["passed" if report.passed else "failed"] += 1
    elif report.failed:  # an error before the test could run (or a required skip)
        _counts["failed"] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    """Plugin hook: one line saying how many browser tests ran."""
    c = _counts
    terminalreporter.write_line(
        f"browser tests: {c['ran']} ran ({c['passed']} passed, {c['failed']} failed, "
        f"{c['xfailed']} xfailed), {c['skipped']} skipped"
        + (f"; required ({REQUIRE_VARIABLE}=1)" if browser_required() else "")
    )


def pytest_sessionfinish(session, exitstatus) -> None:
    """Plugin hook: when browser tests are required, a run in which none ran fails."""
    if browser_required() and _counts["ran"] == 0 and exitstatus == 0:
        session.exitstatus = 1


# ---------------------------------------------------------------------------------------------
# A Streamlit server and a browser for the tests that need their own (sessions, accessibility).

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # No internet: no host but this machine's resolves, so a request to a CDN or tile server
    # fails at once. (Refusing them with Playwright's routing instead paused every request,
    # the app's own too, for the test to let through: 0.5 s of CPU a page load.)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--no-proxy-server",  # nor through a proxy the environment names
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 60
# Pages in the tests draw no animation: the context asks for reduced motion, and this script
# turns every CSS animation and transition off. Streamlit's running icon, skeleton shimmer and
# fades otherwise keep each open page's renderer drawing frames nobody looks at (ten sessions'
# Chromium used 91 s of CPU with them, 74 s without): `still_context`, or `STILL` given to
# `new_context` and `STILL_SCRIPT` to `add_init_script` (Playwright's async API).
STILL = {"reduced_motion": "reduce"}
STILL_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => {
    const style = document.createElement("style");
    style.textContent = "*, *::before, *::after "
        + "{animation: none !important; transition: none !important;}";
    document.head.appendChild(style);
});
"""


def still_context(browser, **options):
    """A new context of `browser` (Playwright's sync API) in which nothing animates."""
    context = browser.new_context(**STILL, **options)
    context.add_init_script(script=STILL_SCRIPT)
    return context


DEMO_VIEWPORT = {"width": 1400, "height": 1000}


@dataclass
class DemoBrowser:
    """One Chromium context on a running app for the browser and accessibility files: nothing
    animates, every request outside the app is listed in `refused` (and refused: CHROMIUM_ARGS),
    and `shelf` keeps the pages test_browser opened (by address path) for test_accessibility to
    check next, so each page is loaded once for both."""

    url: str
    context: object
    refused: list[str]
    shelf: dict[str, object]

    def take(self, path: str):
        """The page at `path` a test left on the shelf, or None."""
        return self.shelf.pop(path, None)

    def keep(self, path: str, page) -> None:
        """Leave `page` (at `path`) for a later test; one already there is closed."""
        if (earlier := self.shelf.pop(path, None)) is not None:
            earlier.close()
        self.shelf[path] = page


@contextmanager
def demo_browser(url: str, timeout_ms: int) -> Iterator[DemoBrowser]:
    """Chromium and its one context (see `DemoBrowser`) on the app at `url`."""
    sync_api = playwright_sync_api()  # skips (or fails in CI) without Chromium or Playwright
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = still_context(browser, viewport=DEMO_VIEWPORT)
        context.set_default_timeout(timeout_ms)
        try:
            yield DemoBrowser(url, context, list_outside(context, url), {})
        finally:
            context.close()
            browser.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Server:
    """A running `streamlit run app.py`: its address and process (for its memory)."""

    url: str
    process: subprocess.Popen
    log: Path

    def rss_bytes(self) -> int | None:
        """The server process's resident memory now (Linux /proc; None elsewhere)."""
        status_file = Path(f"/proc/{self.process.pid}/status")
        if not status_file.is_file():
            return None
        status = status_file.read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(kib) * 1024


@contextmanager
def streamlit_server(
    log_dir: Path,
    data: str = "data/demo",
    floor: str | None = None,
    port: int | None = None,
    options: tuple[str, ...] = (),
    environ: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`streamlit run app.py` headless on a free port with the demo data, stopped afterwards.

    The deployment's disclosure floor is `floor` (as SOCIALRX_MIN_DISCLOSURE), or unset: then
    only the default level, as on a server nobody configured (map tiles off, too). `options` are
    more of Streamlit's (`--secrets.files`, ...) and `environ` more variables, for a deployment
    with sign-in."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = log_dir / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false", *options,
    ]  # fmt: skip
    unset = ("SOCIALRX_MIN_DISCLOSURE", "SOCIALRX_MAP_TILES", "SOCIALRX_MAP_TILES_ATTRIBUTION")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["SOCIALRX_DATA"] = data
    env |= environ or {}
    if floor:
        env["SOCIALRX_MIN_DISCLOSURE"] = floor
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"streamlit did not start (exit code {process.poll()}):\n{output}")
            time.sleep(0.25)
        yield Server(url, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
