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


def _filter_change(at, pcn: str | None) -> tuple[float, str]:
    """Choose one PCN (as the sidebar's place controls would), and time the run it causes.

    Set through session state, the widgets' own keys: AppTest lists app.py's sidebar only on
    app.py's own page, and the period control may be a date or a month slider."""
    if pcn is None:
        raise RuntimeError("no practices.csv with a PCN to choose")
    at.session_state["place_kind"] = "PCN"
    at.session_state["place_PCN"] = [pcn]
    return _timed_run(at), f"PCN {pcn} chosen"


def _ward_change(at, folder: str) -> tuple[float, str]:
    """Choose one ward (a place by residence, from area_lookup.csv) and time the run."""
    import pandas as pd

    path = Path(folder) / "area_lookup.csv"
    if not path.exists():
        raise RuntimeError("no area_lookup.csv with a ward to choose")
    wards = pd.read_csv(path, usecols=["ward_code"], dtype=str)["ward_code"].dropna()
    ward = sorted(wards.unique())[0]
    at.session_state["place_kind"] = "ward"
    at.session_state["place_ward"] = [ward]
    return _timed_run(at), f"ward {ward} chosen"


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


def page(args: dict) -> dict:
    """One page: its first run once the app has loaded the data, a rerun, a filter change.

    AppTest starts on app.py's own page (the overview), which loads the data; the overview is
    then timed by going to the Data page, dropping the cached figures and coming back."""
    name = args["page"]
    at = _app(args)
    loads = _timed_loads()
    opened = _timed_run(at)
    _check(at)
    load_seconds = sum(loads)
    home = next((h for h, info in at._registered_pages.items() if not info.get("script_path")),
                None)  # app.py's own page  # fmt: skip
    if PAGES[name] is None:
        import streamlit as st

        at.switch_page(PAGES["Data"])
        _timed_run(at)
        st.cache_data.clear()  # the overview's figures, computed afresh as on a first visit
        from socialrx import ui

        ui.caches._part.clear()  # every page part (the headline among them), as on a first visit
        at._page_hash = home
    else:
        at.switch_page(PAGES[name])
    first = _timed_run(at)
    title_seen = [t.value for t in at.title]
    _check(at)
    rerun = _timed_run(at)
    _check(at)
    pcn = _first_pcn(args["folder"])
    try:
        change, what = _filter_change(at, pcn)
        _check(at)
    except Exception as exc:  # noqa: BLE001 - report it in the table, measure the rest
        change, what = float("nan"), f"filter change failed: {exc}"
    try:
        ward, what_ward = _ward_change(at, args["folder"])
        _check(at)
    except Exception as exc:  # noqa: BLE001
        ward, what_ward = float("nan"), f"ward change failed: {exc}"
    result = {
        "ward_change": ward,
        "seconds": first,
        "first": first,
        "rerun": rerun,
        "change": change,
        "load": load_seconds,
        "opened": opened,
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
    """cProfile of one page's cached rerun and its filter change (the runs that miss a
    target), inside the thread that runs the app; the top functions to stderr."""
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
    if PAGES[name] is not None:
        at.switch_page(PAGES[name])
    at.run()
    _check(at)
    out = {}
    for run in ("rerun", "change"):
        profilers.append(cProfile.Profile())
        if run == "rerun":
            seconds = _timed_run(at)
        else:
            seconds, _ = _filter_change(at, _first_pcn(args["folder"]))
        _check(at)
        text = io.StringIO()
        stats = pstats.Stats(profilers[-1], stream=text).sort_stats("cumulative")
        stats.print_stats(r"socialrx|pages|app\.py", args.get("lines", 25))
        stats.sort_stats("tottime").print_stats(args.get("lines", 25) // 2)
        print(f"### {name}: {run} ({seconds:.2f} s)\n{text.getvalue()}", file=sys.stderr)
        out[run] = seconds
    return {"seconds": out["rerun"], **out, "detail": "profiles on stderr"}


def _timed(call) -> tuple[float, float]:
    """Wall and CPU seconds (every thread of the process: DuckDB's too) of one call."""
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
                times[who].append(_timed(call))
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
