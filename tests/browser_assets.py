"""Local copies of the CDN files a folium map loads, served to a test browser without internet.

folium 0.20 names its scripts and stylesheets by CDN address (`folium.folium._default_js` and
`_default_css`, plus each plugin's `default_js`/`default_css`); streamlit-folium collects those
addresses and its component iframe adds them to the page one by one. This sandbox reaches no
CDN, so the browser test answers those requests through Playwright's request routing with files
from the same releases on npm (`npm pack`, cached in a folder). Anything else from outside
(map tiles, stylesheets with no npm release) gets an empty answer, so nothing hangs.

It is also the browser tests' common ground: where Chromium is (`CHROMIUM`), whether a missing
one skips or fails them (`require_browser`), and, loaded as a pytest plugin (`-p browser_assets`
with `tests` on PYTHONPATH, as `.ci/run` does), a summary of how many browser tests ran, with
their skips turned into failures when `SOCIALRX_REQUIRE_BROWSER=1`.
"""

from __future__ import annotations

import json
import mimetypes
import os
import shutil
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest


def _png_1x1_transparent() -> bytes:
    """A 1x1 fully transparent PNG: the answer to every map tile and unknown image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")  # filter byte, then one clear pixel
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


TRANSPARENT_PNG = _png_1x1_transparent()


@dataclass(frozen=True)
class Mirror:
    """Where a CDN address lives inside an npm package.

    `prefix` is the start of the CDN address; the rest of the address is looked for under each
    of `roots` in the unpacked package, in order. When `prefix` is a whole address, `file` is the
    file it stands for."""

    prefix: str
    package: str
    roots: tuple[str, ...] = ("",)
    file: str | None = None


MIRRORS: tuple[Mirror, ...] = (
    Mirror("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/", "leaflet@1.9.3"),
    Mirror(
        "https://code.jquery.com/jquery-3.7.1.min.js", "jquery@3.7.1", file="dist/jquery.min.js"
    ),
    Mirror("https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/", "bootstrap@5.2.2"),
    Mirror(
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/",
        "drmonty-leaflet-awesome-markers@2.0.2",
        roots=("js/", "css/"),
    ),
    Mirror(
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/",
        "@fortawesome/fontawesome-free@6.2.0",
    ),
    Mirror(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/",
        "leaflet.markercluster@1.1.0",
        roots=("dist/",),
    ),
    # The asset map's categories are sub-groups of one cluster group (socialrx.views.figures).
    Mirror(
        "https://cdn.jsdelivr.net/npm/leaflet.featuregroup.subgroup@1.0.2/",
        "leaflet.featuregroup.subgroup@1.0.2",
    ),
    # streamlit-folium adds these two when a map holds a branca colour map.
    Mirror(
        "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js", "d3@3.5.5", file="d3.min.js"
    ),
    Mirror("https://d3js.org/d3.v4.min.js", "d3@4.13.0", file="build/d3.min.js"),
)
LEAFLET = "leaflet@1.9.3"

CONTENT_TYPES = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".svg": "image/svg+xml",
}


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


@dataclass
class AssetServer:
    """Answers a browser's requests for CDN files from local npm packages.

    Use `handle` as a Playwright route handler for every request that leaves the app's server.
    `served` lists the addresses answered with a real file, `stubbed` those answered empty."""

    packages: dict[str, Path]
    served: list[str] = field(default_factory=list)
    stubbed: list[str] = field(default_factory=list)

    @classmethod
    def prepare(cls, cache_dir: Path | None = None) -> AssetServer:
        """Fetch (or find cached) every package the mirrors name."""
        folder = cache_dir or default_cache_dir()
        return cls(fetch_packages((m.package for m in MIRRORS), folder))

    @property
    def has_leaflet(self) -> bool:
        """True if Leaflet itself can be served, so a folium map can draw."""
        return LEAFLET in self.packages

    def local_file(self, url: str) -> Path | None:
        """The local file that stands for a CDN address, or None."""
        parts = urlsplit(url)
        address = f"{parts.scheme}://{parts.netloc}{parts.path}"
        for mirror in MIRRORS:
            folder = self.packages.get(mirror.package)
            if folder is None or not address.startswith(mirror.prefix):
                continue
            rest = address[len(mirror.prefix) :]
            candidates = [mirror.file] if mirror.file and not rest else []
            candidates += [root + rest for root in mirror.roots if rest]
            for candidate in candidates:
                path = (folder / candidate).resolve()
                if path.is_file() and path.is_relative_to(folder.resolve()):
                    return path
        return None

    def handle(self, route) -> None:
        """Playwright route handler: a local file, else an empty answer of a fitting kind."""
        url = route.request.url
        headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=3600"}
        path = self.local_file(url)
        if path is not None:
            self.served.append(url)
            kind = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
            route.fulfill(
                status=200,
                body=path.read_bytes(),
                content_type=kind or "application/octet-stream",
                headers=headers,
            )
            return
        self.stubbed.append(url)
        suffix = Path(urlsplit(url).path).suffix.lower()
        if suffix in (".png", ".jpg", ".jpeg", ".gif", ".webp") or "tile" in urlsplit(url).netloc:
            route.fulfill(
                status=200, body=TRANSPARENT_PNG, content_type="image/png", headers=headers
            )
        elif suffix in (".js", ".css"):
            route.fulfill(status=200, body="", content_type=CONTENT_TYPES[suffix], headers=headers)
        else:
            route.fulfill(status=204, body="", headers=headers)


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


def _is_browser_test(nodeid: str) -> bool:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1] in BROWSER_MODULES


_counts = {"ran": 0, "passed": 0, "failed": 0, "skipped": 0, "xfailed": 0}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Plugin hook: with SOCIALRX_REQUIRE_BROWSER=1, a skipped browser test is a failure
    (test_browser.py skips without Chromium; the map test skips without Leaflet from npm)."""
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
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 60


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
    only the default level, as on a server nobody configured. `options` are more of Streamlit's
    (`--secrets.files`, ...) and `environ` more variables, for a deployment with sign-in."""
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
    env = {k: v for k, v in os.environ.items() if k != "SOCIALRX_MIN_DISCLOSURE"}
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
