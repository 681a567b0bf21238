"""Benchmarks at the demo size and a region's size, every page, with the targets beside them.

Each step runs in a fresh process (`bench_step.py`), so its peak memory (max RSS) is its own.
For each size: build the demo data, load it from CSV, open the app on a fresh server without
and with the saved columnar copy (`socialrx.data.store`), then for each page (AppTest, from
app.py, as a user clicking through): its first run with the data loaded, a cached rerun and a
filter change (one PCN chosen); the asset map beside two plain folium maps of the same
assets and areas, built in the same process in turn so the ratio holds on a noisy machine;
three heavy figures beside DuckDB SQL computing the same figures over the saved Parquet copy
(the practical floor, checked equal, timed in turn in one process); and ten browser sessions
at once on a real server, each on a different place, with the server's peak memory.
Prints Markdown tables for the README.

Usage: python benchmarks/bench.py [--sizes demo,region] [--data DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEP = Path(__file__).resolve().parent / "bench_step.py"
SIZES = {
    "demo": {"referrals": 8_000},
    "region": {
        "referrals": 1_000_000,
        "assets": 5_000,
        "practices": 150,
        "place": "south-yorkshire",
    },  # fmt: skip
}
PAGES = ("Overview", "Asset map", "Referral flows", "Equity", "Capacity", "Outcomes",
         "Commissioning", "Directory", "Data")  # fmt: skip
# The targets (issue 27, README): per page, its first view and a filter change under 1 s and
# a cached rerun under 0.3 s; a fresh server's first page with the saved copy under 2 s;
# loading from CSV under 6 s and 1.5 GB; a page's peak memory (the server, one dataset) under
# 1 GB; ten sessions at once on different places under 1.5 GB.
FIRST_S, RERUN_S, CHANGE_S, FRESH_S = 1.0, 0.3, 1.0, 2.0
LOAD_S, LOAD_MB, PEAK_MB, SESSIONS_MB = 6.0, 1536, 1024, 1536


def snapshot(into: Path) -> Path:
    """A copy of the app's code to run every step from: the working tree may change while the
    benchmark runs (and a change to the loader's code is a new key for the saved copy). With
    static/, which the ten sessions' server serves the map's scripts from. Compiled to bytecode,
    as a deployed server's first start leaves it: a restarted server's first page is timed,
    not Python compiling the package (which a machine with PYTHONDONTWRITEBYTECODE set, as
    this one, would do on every start: about 0.25 s)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".socialrx-cache")
    into.mkdir(parents=True)
    for part in ("app.py", "pages", "socialrx", "benchmarks", ".streamlit", "static"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, into / part, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, into / part)
    compileall.compile_dir(into, quiet=1)
    return into


CODE = ROOT  # where the steps run from: a snapshot once main() has made one


def run(step: str, **args) -> dict:
    """One step in a fresh process; a failed step is reported, not fatal."""
    out = subprocess.run(
        [sys.executable, str(CODE / "benchmarks" / STEP.name), step, json.dumps(args)],
        cwd=CODE,
        capture_output=True,
        text=True,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode or not lines:
        tail = out.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"{step} failed: {tail[0][:200]}"}
    return json.loads(lines[-1])


def seconds(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else (
        f"{value:.2f}" if value < 10 else f"{value:.1f}")  # fmt: skip


def mark(value: float | None, limit: float) -> str:
    """`0.31` or `**1.20** ✗` where a target is missed."""
    text = seconds(value)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value <= limit:
        return text
    return f"**{text}** ✗"


def megabytes(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def bench_size(size: str, folder: Path, cache: Path, rounds: int, results: dict) -> None:
    spec = SIZES[size]
    rows = results.setdefault(size, {})
    if not (folder / "assets.csv").exists():
        rows["generate"] = run("generate", folder=str(folder), **spec)
        print(f"- {size}: generated {rows['generate'].get('detail', rows['generate'])}",
              file=sys.stderr, flush=True)  # fmt: skip
    rows["load"] = run("load", folder=str(folder))
    if size == "region":
        rows["workbook"] = run("workbook", folder=str(folder))
    shutil.rmtree(cache, ignore_errors=True)
    rows["cold"] = run("first_page", folder=str(folder), cache=str(cache))
    rows["warm"] = run("first_page", folder=str(folder), cache=str(cache))
    print(f"- {size}: loaded; first page cold {seconds(rows['cold'].get('seconds'))} s, warm "
          f"{seconds(rows['warm'].get('seconds'))} s", file=sys.stderr, flush=True)  # fmt: skip
    pages = rows.setdefault("pages", {})
    for page in PAGES:
        pages[page] = run("page", folder=str(folder), cache=str(cache), page=page)
        print(f"- {size}: {page} {pages[page]}", file=sys.stderr, flush=True)
    rows["map"] = run("map", folder=str(folder), cache=str(cache), rounds=rounds)
    rows["floor"] = run("floor", folder=str(folder), cache=str(cache), rounds=max(rounds, 3))
    print(f"- {size}: DuckDB floor {rows['floor']}", file=sys.stderr, flush=True)
    rows["sessions"] = run("sessions", folder=str(folder), cache=str(cache), sessions=10)
    print(f"- {size}: ten sessions {rows['sessions']}", file=sys.stderr, flush=True)


def report(results: dict) -> str:
    out = ["| size | step | time (s) | peak memory (MB) | what |", "|---|---|---|---|---|"]
    for size, rows in results.items():
        for step, label in (("generate", "generate"), ("load", "load from CSV"),
                            ("workbook", "load a workbook"),
                            ("cold", "fresh server, first page, no saved copy"),
                            ("warm", "fresh server, first page, saved copy")):  # fmt: skip
            row = rows.get(step)
            if row is None:
                continue
            limit = {"warm": FRESH_S, "load": LOAD_S}.get(step, math.inf)
            what = row.get("detail", row.get("error")) or ""
            peak = row.get("peak_mb")
            over = LOAD_MB if step == "load" else math.inf
            missed = " ✗" if peak and peak > over else ""
            out.append(f"| {size} | {label} | {mark(row.get('seconds'), limit)} | "
                       f"{megabytes(peak)}{missed} | {what} |")  # fmt: skip
            if step == "warm":  # every page step opens a fresh server the same way first
                opened = [row.get("seconds")] + [
                    p["opened"] for p in rows.get("pages", {}).values() if "opened" in p
                ]
                opened = sorted(t for t in opened if t is not None)
                if len(opened) > 1:
                    middle = statistics.median(opened)
                    out.append(f"| {size} | fresh server, first page, saved copy: median of "
                               f"{len(opened)} | {mark(middle, FRESH_S)} | | from "
                               f"{seconds(opened[0])} to {seconds(opened[-1])} s |")  # fmt: skip
    out += ["", "| size | page | first run (s) | cached rerun (s) | filter change: a PCN (s) | "
            "then a ward (s) | peak memory (MB) |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for size, rows in results.items():
        for page, row in rows.get("pages", {}).items():
            if "error" in row:
                out.append(f"| {size} | {page} | {row['error']} | | | | |")
                continue
            peak = row.get("peak_mb")
            peak_text = megabytes(peak) + (" ✗" if peak and peak > PEAK_MB else "")
            out.append(f"| {size} | {page} | {mark(row['first'], FIRST_S)} | "
                       f"{mark(row['rerun'], RERUN_S)} | {mark(row['change'], CHANGE_S)} | "
                       f"{mark(row.get('ward_change'), CHANGE_S)} | {peak_text} |")  # fmt: skip
    out += ["", "| size | asset map | first build + HTML (s) | then best (s) | median (s) | "
            "HTML (MB) | sent to the page (MB) |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for size, rows in results.items():
        built = rows.get("map", {})
        if "error" in built:
            out.append(f"| {size} | {built['error']} | | | | | |")
            continue
        sent = rows.get("pages", {}).get("Asset map", {}).get("map_bytes")
        for name, row in built.get("maps", {}).items():
            shown = f"{sent / 2**20:.2f}" if name == "socialrx" and sent else ""
            out.append(f"| {size} ({built['detail']}) | {name} | {row['first']:.3f} | "
                       f"{row['min']:.3f} | {row['median']:.3f} | {row['bytes'] / 2**20:.2f} "
                       f"| {shown} |")  # fmt: skip
    out += ["", "| size | figure, by the package and by DuckDB over the saved copy | package: "
            "wall (s) | CPU (s) | DuckDB: wall (s) | CPU (s) | package / DuckDB (CPU) | "
            "checked |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for size, rows in results.items():
        floor = rows.get("floor", {})
        if "error" in floor:
            out.append(f"| {size} | {floor['error']} | | | | | | |")
            continue
        for name, row in floor.get("metrics", {}).items():
            ours, theirs = row["package"], row["duckdb"]
            ratio = ours["cpu"] / theirs["cpu"] if theirs["cpu"] else math.nan
            checked = row["check"] if row["same"] else f"**{row['check']}** ✗"
            out.append(f"| {size} | {name} | {seconds(ours['wall'])} | {seconds(ours['cpu'])} | "
                       f"{seconds(theirs['wall'])} | {seconds(theirs['cpu'])} | {ratio:.1f} | "
                       f"{checked} |")  # fmt: skip
        if floor.get("detail"):
            out.append(f"| {size} | ({floor['detail']}) | | | | | | |")
    out += [
        "",
        "| size | ten sessions at once | all ten (s) | each: median, longest (s) | "
        "server after one (MB) | server peak (MB) | what |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, rows in results.items():
        together = rows.get("sessions", {})
        if "error" in together:
            out.append(f"| {size} | {together['error']} | | | | | |")
            continue
        if not together:
            continue
        peak = max(together["server_peak_mb"], together["server_hwm_mb"])
        out.append(f"| {size} | {together['places']} places | {seconds(together['all_seconds'])} "
                   f"| {seconds(together['person_median'])}, {seconds(together['person_max'])} "
                   f"| {megabytes(together['one_mb'])} | {megabytes(peak)}"
                   f"{' ✗' if peak > SESSIONS_MB else ''} | {together['detail']} |")  # fmt: skip
    return "\n".join(out)


def _rows(results: dict) -> list[dict]:
    rows = []
    for size in results.values():
        rows += [v for k, v in size.items() if k != "pages" and isinstance(v, dict)]
        rows += list(size.get("pages", {}).values())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="demo,region", help="comma-separated: demo, region")
    parser.add_argument("--data", type=Path, help="keep generated data here (reused if there)")
    parser.add_argument("--rounds", type=int, default=5, help="builds of each map")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    global CODE
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="socialrx-bench-") as tmp:
        CODE = snapshot(Path(tmp) / "code")
        base = args.data or Path(tmp)
        for size in args.sizes.split(","):
            bench_size(size, base / size, Path(tmp) / f"cache-{size}", args.rounds, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()  # fmt: skip
    busy = [row.get("load_average") for row in _rows(results) if row.get("load_average")]
    print(f"Code: {described or 'unknown'}; the machine's load average during the steps: "
          f"{min(busy, default=0):.1f} to {max(busy, default=0):.1f}\n")  # fmt: skip
    print(report(results))


if __name__ == "__main__":
    main()
