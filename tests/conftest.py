"""Shared helpers: write a small dataset folder, load one from text, find the real public files."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from socialrx.data.dataset import Dataset
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files, load_folder
from socialrx.data.problems import Report

REPO = Path(__file__).resolve().parent.parent
# Real public files (see its README.md); never copied into the repository.
REALDATA = REPO.parent / "shared" / "realdata"

# One good in-person asset in Rotherham: the minimum a valid dataset needs.
GOOD_ASSETS = (
    "asset_id,name,category,latitude,longitude\nA1,Walking club,physical activity,53.43,-1.35\n"
)


# The files that take longest, slowest first (measured with `--durations`): `--dist loadfile`
# hands the two workers whole files in collection order (`--no-loadscope-reorder` in
# pyproject.toml; xdist's own order starts the files with most tests first, which left these
# one- and two-test files to the end, one worker running them while the other sat idle).
LONGEST_FIRST = (
    "test_sessions.py",
    "test_signin_browser.py",
    "test_browser.py",
    "test_hidden_range.py",
    "test_report.py",
    "test_capacity_views.py",
    "test_choices.py",
    "test_app_capacity.py",
    "test_places_attack.py",
    "test_provenance.py",
    "test_attacks_issue20.py",
    "test_store.py",
)


# Browser files served by one Streamlit server of the demo as nobody configured it
# (`demo_app`): xdist hands them to one worker together, which starts it once for both.
SHARED_SERVER = ("test_browser.py", "test_accessibility.py")
# Files reading the demo's pack of its default year (`year_pack`): one worker builds it once.
SHARED_PACK = ("test_report.py", "test_provenance.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest files first, and the files in SHARED_SERVER one straight after the
    other, in its order (what they share closes after the last of them, and the first leaves
    its pages for the second); the rest, and the tests within a file, keep their order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    together = rank.get(SHARED_SERVER[0], len(rank))

    def order(item: pytest.Item) -> tuple[int, int]:
        name = item.path.name
        if name in SHARED_SERVER:
            return together, SHARED_SERVER.index(name)
        return rank.get(name, len(rank)), 0

    items.sort(key=order)


def pytest_configure(config) -> None:
    """Every AppTest's first run scans every installed package's metadata for Streamlit
    components (0.09 s here, about 150 AppTests a run); the packages installed cannot change
    during a run, so each worker scans once. And every AppTest run compiles its scripts
    afresh (a new ScriptCache a run; app.py and a page, 3-15 ms with Streamlit's magic), as
    a server does once: each worker compiles each version of a script once."""
    from streamlit.components.v2 import manifest_scanner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    manifest_scanner.scan_component_manifests = functools.cache(
        manifest_scanner.scan_component_manifests
    )
    compiled, compile_script = {}, ScriptCache.get_bytecode

    def get_bytecode(self, script_path: str):
        found = os.stat(script_path)
        key = (os.path.abspath(script_path), found.st_mtime_ns, found.st_size)
        if key not in compiled:
            compiled[key] = compile_script(self, script_path)
        return compiled[key]

    ScriptCache.get_bytecode = get_bytecode


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which would answer first
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, but the files in SHARED_SERVER are one unit of work (one worker), and
    those in SHARED_PACK another."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedServerFiles(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            name = path.rsplit("/", 1)[-1]
            shared = next((files for files in (SHARED_SERVER, SHARED_PACK) if name in files), ())
            return shared[0] if shared else path

    return SharedServerFiles(config, log)


# What the files in SHARED_SERVER hold open, their server and Chromium: closed as soon as the
# last of them ends, not at the end of the run, so the files after them on the worker run
# alone (a second sync Playwright cannot start beside an open one).
_shared = contextlib.ExitStack()


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory):
    """`streamlit run app.py` on the demo data as nobody configured it, for the files in
    SHARED_SERVER: they share it (and the figures it has worked out)."""
    from browser_assets import playwright_sync_api, streamlit_server

    playwright_sync_api()  # skips (or fails in CI) without Chromium or Playwright
    return _shared.enter_context(streamlit_server(tmp_path_factory.mktemp("demo-app")))


@pytest.fixture(scope="session")
def demo_chromium(demo_app):
    """Chromium on `demo_app` for the files in SHARED_SERVER (`browser_assets.DemoBrowser`):
    one browser for both, and the pages one loads kept for the other to check."""
    from browser_assets import demo_browser

    return _shared.enter_context(demo_browser(demo_app.url, timeout_ms=45_000))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the last test of the files in SHARED_SERVER, close what they shared."""
    if item.path.name in SHARED_SERVER and (
        nextitem is None or nextitem.path.name not in SHARED_SERVER
    ):
        _shared.close()


@pytest.fixture(scope="session", autouse=True)
def _team_store_of_the_run(tmp_path_factory):
    """Servers the tests start keep the team's store (audit trail, neighbourhoods) in a
    temporary file, never beside the demo's saved copy, and know nobody's sign-in."""
    kept = {k: os.environ.pop(k, None) for k in ("SOCIALRX_ACCESS", "SOCIALRX_USER_HEADER")}
    kept["SOCIALRX_DB"] = os.environ.get("SOCIALRX_DB")
    os.environ["SOCIALRX_DB"] = f"sqlite:///{tmp_path_factory.mktemp('team') / 'team.db'}"
    yield
    for key, value in kept.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def _team_store(monkeypatch, tmp_path):
    """Each test its own team store: nothing one test saves reaches another."""
    monkeypatch.setenv("SOCIALRX_DB", f"sqlite:///{tmp_path / 'team.db'}")


def as_bytes(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


@pytest.fixture
def write_dataset(tmp_path: Path) -> Callable[..., Path]:
    """Write {file name: text or bytes} into a fresh folder under tmp_path; return the folder."""
    counter = iter(range(1_000_000))

    def write(files: dict[str, str | bytes], name: str | None = None) -> Path:
        folder = tmp_path / (name or f"dataset{next(counter)}")
        folder.mkdir(parents=True)
        for file, content in files.items():
            (folder / file).write_bytes(as_bytes(content))
        return folder

    return write


def load_texts(files: dict[str, str | bytes]) -> tuple[Dataset, Report]:
    """Load a dataset straight from {file name: text or bytes}, as an upload would be."""
    return load_files([SourceFile(name, as_bytes(content)) for name, content in files.items()])


@pytest.fixture
def load() -> Callable[[dict[str, str | bytes]], tuple[Dataset, Report]]:
    return load_texts


DEMO = REPO / "data" / "demo"


def _fingerprint(dataset: Dataset) -> dict[str, object]:
    """Every table's rows and columns, the areas' and the metadata, as hashes to compare."""
    frames = {**dataset.tables, "areas": dataset.areas}
    out: dict[str, object] = {
        name: (
            tuple(frame.columns),
            tuple(map(str, frame.dtypes)),
            int(pd.util.hash_pandas_object(frame.astype(str)).sum()),
        )  # fmt: skip
        for name, frame in frames.items()
    }
    out["metadata"] = (dataset.extract_date, dataset.lsoa_vintage, dataset.place_name,
                       dataset.source, dataset.content_hash)  # fmt: skip
    return out


@pytest.fixture(scope="session")
def demo_loaded() -> tuple[Dataset, Report]:
    """The committed demo and its load report, loaded once for the worker and shared by every
    file that only reads it (a test changing a table of its own builds its own: the check
    below fails the run when a user changed this one)."""
    loaded = load_folder(DEMO)
    before = _fingerprint(loaded[0])
    yield loaded
    after = _fingerprint(loaded[0])
    changed = [name for name in before.keys() | after.keys() if before.get(name) != after.get(name)]
    assert not changed, f"a test changed the shared demo (`demo`): {sorted(changed)}"


@pytest.fixture(scope="session")
def demo(demo_loaded) -> Dataset:
    """The committed demo (`demo_loaded`'s dataset): read-only, shared."""
    return demo_loaded[0]


@pytest.fixture(scope="session")
def year_pack(demo):
    """The workshop pack of the demo's default period at the default level (with the room's
    notes), built once for the files that read it (test_report, test_provenance), and the
    arguments its still map was drawn with."""
    from socialrx.disclosure import Level
    from socialrx.metrics.selection import default_selection
    from socialrx.report import build_pack
    from socialrx.views import asset_map

    drawn = []
    real = asset_map.asset_map_png

    def spy(*args, **kwargs):
        drawn.append(kwargs)
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asset_map, "asset_map_png", spy)
        pack = build_pack(demo, default_selection(demo), Level.ROUND, notes="Fund the walks")
    return pack, drawn


@pytest.fixture
def realdata() -> Path:
    """The shared real-data folder; the test is skipped when it is not there."""
    if not REALDATA.is_dir():
        pytest.skip(f"real public data not found at {REALDATA}")
    return REALDATA


@pytest.fixture
def app_as_served(monkeypatch):
    """AppTest running app.py on every run, as a server does once app.py has run: AppTest
    otherwise treats `pages/` as Streamlit's legacy page folder on each run after a page
    switch, running the page file on its own, without the sidebar or the address's update."""
    from streamlit.runtime.pages_manager import PagesManager

    made = PagesManager.__init__

    def navigation_declared(self, *args, **kwargs):
        made(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation_declared)
