"""One benchmark step, run by `bench.py` in a fresh process so its peak memory is its own.

Usage: python benchmarks/bench_step.py STEP '{"folder": ..., ...}'; prints one JSON line.
Steps: generate, load, workbook, first_page, page, map, profile, floor (DuckDB beside three
heavy figures), sessions (ten browser sessions on a real server).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # socialrx, as the app imports it
APP = str(ROOT / "app.py")
PAGES = {
    "Overview": None,  # app.py's own page
    "Asset map": "pages/asset_map.py",
    "Referral flows": "pages/referral_flows.py",
    "Equity": "pages/equity.py",
    "Capacity": "pages/capacity.py",
    "Outcomes": "pages/outcomes.py",
    "Commissioning": "pages/commissioning.py",
    "Directory": "pages/directory.py",
    "Data": "pages/data.py",
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(args: dict) -> dict:
    import inspect

    from socialrx.data.demo import write_demo

    wanted = {k: args[k] for k in ("assets", "practices", "place") if args.get(k) is not None}
    accepted = inspect.signature(write_demo).parameters
    missing = [k for k in wanted if k not in accepted]
    started = time.perf_counter()
    rows = write_demo(args["folder"], referrals=args["referrals"], seed=1,
                      **{k: v for k, v in wanted.items() if k in accepted})  # fmt: skip
    seconds = time.perf_counter() - started
    note = f" (generator lacks {', '.join(missing)})" if missing else ""
    shown = ("referrals", "assets", "areas", "practices", "connections", "outcomes")
    detail = ", ".join(f"{rows[t]:,} {t}" for t in shown if t in rows)
    return {"seconds": seconds, "detail": detail + note, "rows": rows}


def held_bytes(frames) -> int:
    """What the tables hold, each Python object counted once: pandas' deep `memory_usage`
    counts a string shared by many rows (the loader shares one per distinct id) on every row."""
    seen: set[int] = set()
    total = 0
    for frame in frames:
        total += int(frame.memory_usage(deep=False).sum())  # pointers, numbers, Arrow buffers
        for column in frame.columns:
            array = frame[column].array
            if array.dtype == object or getattr(array.dtype, "storage", None) == "python":
                for value in array.to_numpy(dtype=object):
                    if id(value) not in seen:
                        seen.add(id(value))
                        total += sys.getsizeof(value)
    return total


def load(args: dict) -> dict:
    from socialrx.data.loader import load_folder

    started = time.perf_counter()
    dataset, report = load_folder(args["folder"])
    seconds = time.perf_counter() - started
    memory = held_bytes(dataset.tables.values()) / 2**20
    detail = (f"read, type and check every table ({len(report.errors)} errors); tables hold "
              f"{memory:,.0f} MB")  # fmt: skip
    return {"seconds": seconds, "detail": detail}


def workbook(args: dict) -> dict:
    """One Excel workbook (assets and 100,000 referrals), as an analyst might upload it."""
    import io

    import pandas as pd

    from socialrx.data.files import SourceFile
    from socialrx.data.loader import load_files

    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        for table, rows in (("assets", None), ("referrals", 100_000)):
            frame = pd.read_csv(f"{args['folder']}/{table}.csv", dtype=str, nrows=rows)
            frame.to_excel(writer, sheet_name=table, index=False)
    started = time.perf_counter()
    dataset, report = load_files([SourceFile("book.xlsx", book.getvalue())])
    seconds = time.perf_counter() - started
    detail = (f"one .xlsx, {len(dataset.table('referrals')):,} referrals in a sheet: read "
              f"(calamine), typed and checked, {len(report.errors)} errors")  # fmt: skip
    return {"seconds": seconds, "detail": detail}


def _app(args: dict):
    os.environ["SOCIALRX_DATA"] = args["folder"]
    os.environ["SOCIALRX_CACHE_DIR"] = args["cache"]
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=1200)


def _check(at, title: str | None = None) -> None:
    if at.exception:
        raise RuntimeError(f"page raised: {at.exception[0].message}")
    if title and not any(t.value == title for t in at.title):
        shown = [t.value for t in at.title]
        raise RuntimeError(f"expected the page titled {title!r}, saw {shown}")


def _timed_run(at) -> float:
    started = time.perf_counter()
    at.run()
    return time.perf_counter() - started


def first_page(args: dict) -> dict:
    """A fresh server's first page (the overview), loading the folder as the app does."""
    at = _app(args)
    cpu = time.process_time()
    seconds = _timed_run(at)
    cpu = time.process_time() - cpu  # every thread's: Arrow reads with several
    _check(at)
    cache = Path(args["cache"])
    copies = len(list(cache.rglob("manifest.json"))) if cache.exists() else 0
    return {"seconds": seconds, "cpu": cpu, "detail": f"saved copies afterwards: {copies}"}


def _choose_place(at, name: str, kind: str, code: str) -> None:
    """Choose one place of `kind` as the sidebar's place controls would, ready for page
    `name`'s next run (then `_check_place`).

    AppTest runs app.py, and with it the sidebar, only on app.py's own page: a page under
    pages/ runs alone on the context the sidebar last kept, so a place set while on it is never
    read. The place is chosen on app.py's page (set through session state, the widgets' own
    keys), every page part that run works out is dropped, and the page is opened again, to run
    on the new place with none of its figures cached, as after a filter change on it."""
    from socialrx import ui

    at.session_state["place_kind"] = kind
    at.session_state[f"place_{kind}"] = [code]
    if PAGES[name] is not None:
        at._page_hash = at.home
        at.run()
        _check(at)
        ui.caches._part.clear()
        at.switch_page(PAGES[name])


def _check_place(at, kind: str, code: str) -> None:
    """The page's last run was on the place chosen."""
    from socialrx.ui import links

    _check(at)
    shown = at.session_state[links.CONTEXT_KEY].selection
    if shown.place_kind != kind or tuple(shown.place_codes) != (code,):
        raise RuntimeError(f"the page ran on {shown.place_kind} {shown.place_codes}, not {code}")


def _place_change(at, name: str, kind: str, code: str) -> tuple[float, float]:
    """Wall and CPU seconds of page `name`'s run once one place of `kind` is chosen."""
    _choose_place(at, name, kind, code)
    timed = _wall_cpu(at.run)
    _check_place(at, kind, code)
    return timed


def _first_ward(folder: str) -> str:
    """The first ward (a place by residence, from area_lookup.csv)."""
    import pandas as pd

    path = Path(folder) / "area_lookup.csv"
    if not path.exists():
        raise RuntimeError("no area_lookup.csv with a ward to choose")
    wards = pd.read_csv(path, usecols=["ward_code"], dtype=str)["ward_code"].dropna()
    return sorted(wards.unique())[0]


def _home(at) -> str:
    """app.py's own page, as registered by app.py's navigation (a page under pages/ run alone
    registers its own list, so this is read while app.py's page is the last run)."""
    return next(h for h, i in at._registered_pages.items() if not i.get("script_path"))


def _timed_loads() -> list[float]:
    """Seconds of each load of the data folder in this process (the app's own call, timed)."""
    from socialrx import ui

    loads, inner = [], ui.caches.load_folder_cached

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            loads.append(time.perf_counter() - started)

    ui.caches.load_folder_cached = timed  # AppTest runs the app in this process, with these modules
    return loads


def _warm_up_seconds() -> float:
    """Seconds from the end of the first page until the server's warm-up (`ui.warming`) is
    done: a visitor's first click on another page comes after it (its imports and reads, 1-2 s
    in the background at the region's size), so a page's first view is timed on a server that
    has warmed up."""
    from socialrx.ui import warming

    started = time.perf_counter()
    if not warming.warmed(60):
        raise RuntimeError("the server's warm-up did not finish in 60 s")
    return time.perf_counter() - started


def _open_page(at, name: str) -> None:
    """Point the app at page `name` for its first run on the loaded data. The overview is
    app.py's own page, already run once (it loads the data): go to the Data page, drop the
    cached figures and come back, as on a first visit."""
    at.home = _home(at)  # for `_choose_place`
    if PAGES[name] is not None:
        at.switch_page(PAGES[name])
        return
    import streamlit as st

    from socialrx import ui

    at.switch_page(PAGES["Data"])
    _timed_run(at)
    st.cache_data.clear()  # the overview's figures, computed afresh as on a first visit
    ui.caches._part.clear()  # every page part (the headline among them), as on a first visit
    at._page_hash = at.home


def page(args: dict) -> dict:
    """One page: its first run once the app has loaded the data, a rerun, a filter change.

    AppTest starts on app.py's own page (the overview), which loads the data; once the server
    has warmed up, the overview is timed by going to the Data page, dropping the cached
    figures and coming back, any other page by going to it."""
    name = args["page"]
    at = _app(args)
    started = time.perf_counter()  # as `first_page` times it: the app's package imported too
    loads = _timed_loads()
    at.run()
    opened = time.perf_counter() - started
    _check(at)
    load_seconds = sum(loads)
    warm_up = _warm_up_seconds()
    _open_page(at, name)
    cpu = {}
    first, cpu["first"] = _wall_cpu(at.run)
    title_seen = [t.value for t in at.title]
    _check(at)
    rerun, cpu["rerun"] = _wall_cpu(at.run)
    _check(at)
    try:
        pcn = _first_pcn(args["folder"])
        if pcn is None:
            raise RuntimeError("no practices.csv with a PCN to choose")
        change, cpu["change"] = _place_change(at, name, "PCN", pcn)
        what = f"PCN {pcn} chosen"
    except Exception as exc:  # noqa: BLE001 - report it in the table, measure the rest
        change, what = float("nan"), f"filter change failed: {exc!r}"
    try:
        ward_code = _first_ward(args["folder"])
        ward, cpu["ward_change"] = _place_change(at, name, "ward", ward_code)
        what_ward = f"ward {ward_code} chosen"
    except Exception as exc:  # noqa: BLE001
        ward, what_ward = float("nan"), f"ward change failed: {exc!r}"
    result = {
        "ward_change": ward,
        "seconds": first,
        "first": first,
        "rerun": rerun,
        "change": change,
        "cpu": cpu,  # the process's CPU seconds of each run (every thread's), beside the wall's
        "load": load_seconds,
        "opened": opened,
        "warm_up": warm_up,
        "detail": f"filter: {what}, then {what_ward}; page {title_seen[:1]}",
    }
    if name == "Asset map":
        result["map_bytes"] = _component_bytes(at)
    return result


def _first_pcn(folder: str) -> str | None:
    import pandas as pd

    path = Path(folder) / "practices.csv"
    if not path.exists():
        return None
    codes = pd.read_csv(path, usecols=["pcn_code"], dtype=str)["pcn_code"].dropna()
    return sorted(codes.unique())[0] if len(codes) else None


def _component_bytes(at) -> int | None:
    """The bytes the page sends its map component (the folium HTML is in its arguments)."""
    sizes = [len(c.proto.json_args.encode()) for c in at.get("component_instance")]
    return max(sizes) if sizes else None


def map_build(args: dict) -> dict:
    """The asset map as the page builds it (IMD shading) beside the naive and lean folium
    maps, on the dataset's own assets and areas, interleaved so noise hits all three."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from map_peers import lean_map, naive_map, timed_html

    from socialrx.data.store import load_folder_cached
    from socialrx.views.figures import asset_map

    os.environ["SOCIALRX_CACHE_DIR"] = args["cache"]
    dataset, _ = load_folder_cached(args["folder"])
    assets = dataset.table("assets").dropna(subset=["latitude", "longitude"])  # placed ones
    areas = dataset.areas
    deciles = dataset.table("area_stats").set_index("area_code")["imd_decile"]
    builds = {
        "socialrx": lambda: asset_map(assets, areas, deciles, "IMD decile", lower_is_darker=True),
        "lean folium": lambda: lean_map(assets, areas),
        "naive folium": lambda: naive_map(assets, areas),
    }
    import folium
    import geopandas as gpd
    from shapely.geometry import Point

    # what every map pays once per process (PROJ's database, folium's templates), paid before
    # the first builds are timed, so "first" is each map's own first build
    gpd.GeoSeries([Point(-1.5, 53.4)], crs="EPSG:4326").to_crs("EPSG:27700").to_crs("EPSG:4326")
    folium.Map().get_root().render()
    times = {name: [] for name in builds}
    sizes, first = {}, {}
    for name, build in builds.items():  # the first build pays for imports and templates once
        first[name] = timed_html(build)[0]
    for _ in range(args.get("rounds", 5)):
        for name, build in builds.items():
            seconds, size = timed_html(build)
            times[name].append(seconds)
            sizes[name] = size
    placed = int(assets["latitude"].notna().sum())
    return {
        "seconds": min(times["socialrx"]),
        "maps": {
            name: {
                "min": min(t),
                "median": statistics.median(t),
                "bytes": sizes[name],
                "first": first[name],
                "rounds": t,
            }
            for name, t in times.items()
        },
        "detail": f"{placed:,} placed assets, {0 if areas is None else len(areas):,} areas",
    }


def profile(args: dict) -> dict:
    """cProfile of one page's first run on the loaded data, its cached rerun and its filter
    change, inside the thread that runs the app; the top functions to stderr."""
    import cProfile
    import io
    import pstats

    from streamlit.runtime.scriptrunner import exec_code, script_runner

    profilers: list[cProfile.Profile] = []
    plain = exec_code.exec_func_with_error_handling

    def profiled(func, ctx):
        if not profilers:
            return plain(func, ctx)
        return profilers[-1].runcall(plain, func, ctx)

    script_runner.exec_func_with_error_handling = profiled
    name = args["page"]
    at = _app(args)
    at.run()
    _check(at)
    _warm_up_seconds()
    _open_page(at, name)
    out = {}
    pcn = _first_pcn(args["folder"])
    for run in ("first", "rerun", "change"):
        if run == "change":
            _choose_place(at, name, "PCN", pcn)
        profilers.append(cProfile.Profile())
        seconds = _timed_run(at)
        if run == "change":
            _check_place(at, "PCN", pcn)
        _check(at)
        text = io.StringIO()
        stats = pstats.Stats(profilers[-1], stream=text).sort_stats("cumulative")
        stats.print_stats(r"socialrx|pages|app\.py", args.get("lines", 25))
        stats.sort_stats("tottime").print_stats(args.get("lines", 25) // 2)
        print(f"### {name}: {run} ({seconds:.2f} s)\n{text.getvalue()}", file=sys.stderr)
        out[run] = seconds
    return {"seconds": out["first"], **out, "detail": "profiles on stderr"}


def _wall_cpu(call) -> tuple[float, float]:
    """Wall and CPU seconds of one call (every thread of the process: DuckDB's too). AppTest
    runs a page in this process, so on a busy machine its CPU time holds better than wall."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def floor_step(args: dict) -> dict:
    """Three heavy figures by the package's functions and by DuckDB SQL over the saved Parquet
    copy (`floor.py`), checked equal, then timed in turn in this process, `rounds` times each.
    The package works from the loaded tables, with what it keeps per dataset already built (a
    first call before timing); DuckDB reads the Parquet files on every run."""
    import duckdb

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import floor

    from socialrx.data.store import load_folder_cached

    os.environ["SOCIALRX_CACHE_DIR"] = args["cache"]
    dataset, _ = load_folder_cached(args["folder"])
    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    figures, selection = floor.figures(dataset, floor.copy_files(args["cache"], dataset), con)
    rounds = args.get("rounds", 3)
    out = {}
    for name, (ours, theirs, check) in figures.items():
        wrong = check(ours(), theirs())  # the package's per-dataset work is built here
        times = {"package": [], "duckdb": []}
        for _ in range(rounds):
            for who, call in (("package", ours), ("duckdb", theirs)):
                times[who].append(_wall_cpu(call))
        out[name] = {
            who: {
                "wall": statistics.median(w for w, _ in t),
                "cpu": statistics.median(c for _, c in t),
                "min": min(w for w, _ in t),
            }
            for who, t in times.items()
        }
        out[name] |= {"same": not wrong, "check": "; ".join(wrong) or "the same figures"}
    return {
        "seconds": sum(m["package"]["wall"] for m in out.values()),
        "metrics": out,
        "detail": f"whole dataset {selection.start:%b %Y} to {selection.end:%d %b %Y}; DuckDB "
        f"{duckdb.__version__}, {threads} threads; medians of {rounds} in turn",
    }


def sessions_step(args: dict) -> dict:
    """Ten people at once on a real server (`sessions.py`): its peak memory, their time."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from sessions import ten_sessions

    result = ten_sessions(args["folder"], args["cache"], args.get("sessions", 10))
    result["seconds"] = result["all_seconds"]
    result["detail"] = (
        f"{args.get('sessions', 10)} browser sessions on {result['places']} different places "
        f"(PCNs and wards by shared link), two pages each and back to the overview; the first "
        f"person alone {result['first_person']:.1f} s (loads the saved copy)"
    )
    return result


STEPS = {
    "floor": floor_step,
    "sessions": sessions_step,
    "generate": generate,
    "load": load,
    "workbook": workbook,
    "first_page": first_page,
    "page": page,
    "map": map_build,
    "profile": profile,
}

if __name__ == "__main__":
    step, arguments = sys.argv[1], json.loads(sys.argv[2])
    if arguments.get("profile"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(STEPS[step], arguments)
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(arguments.get("profile_lines", 40))
    else:
        result = STEPS[step](arguments)
    result["peak_mb"] = peak_mb()
    result["load_average"] = os.getloadavg()[0]  # how busy the machine was (2 cores)
    print(json.dumps(result, default=str))
