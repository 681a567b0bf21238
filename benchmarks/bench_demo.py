"""Benchmark: build the demo at scale, load it back, and compute the overview on it.

Each step runs in a fresh process so its peak memory (max RSS) is its own; "pages" renders
every page with Streamlit's AppTest after the data is loaded and cached, as a user clicking
through would. Prints a Markdown table for the README.
Usage: python benchmarks/bench_demo.py [--referrals 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

STEP = r"""
import json, resource, sys, time
step, folder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
if step == "generate":
    from socialrx.demo import write_demo
    rows = write_demo(folder, referrals=n, seed=1)
    detail = (f"{rows['referrals']:,} referrals, {rows['connections']:,} connections, "
              f"{rows['outcomes']:,} outcome rows")
elif step == "load":
    from socialrx.loader import load_folder
    dataset, report = load_folder(folder)
    typed = len(dataset.table("referrals"))
    detail = f"{len(report.errors)} errors, {typed:,} referrals typed and checked"
elif step == "workbook":
    # one Excel workbook (assets and 100,000 referrals), as an analyst might upload it
    import io
    import pandas as pd
    from socialrx.files import SourceFile
    from socialrx.loader import load_files
    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        for table, rows in (("assets", None), ("referrals", 100_000)):
            frame = pd.read_csv(f"{folder}/{table}.csv", dtype=str, nrows=rows)
            frame.to_excel(writer, sheet_name=table, index=False)
    started = time.perf_counter()
    dataset, report = load_files([SourceFile("book.xlsx", book.getvalue())])
    detail = (f"one .xlsx, {len(dataset.table('referrals')):,} referrals in a sheet: read "
              f"(calamine), typed and checked, {len(report.errors)} errors")
elif step == "pages":
    import os
    os.environ["SOCIALRX_DATA"] = folder
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(os.path.abspath("app.py"), default_timeout=900)
    at.run()  # loads the data (timed above) and caches it
    started = time.perf_counter()
    times = []
    for page in ("pages/asset_map.py", "pages/referral_flows.py", "pages/capacity.py",
                 "pages/outcomes.py", "pages/data.py"):
        at.switch_page(page)
        began = time.perf_counter()
        at.run()
        assert not at.exception, (page, at.exception)
        times.append(f"{page.split('/')[-1].removesuffix('.py')} {time.perf_counter() - began:.1f}")
    detail = "each page once, data already loaded (s): " + ", ".join(times)
else:
    from socialrx.loader import load_folder
    from socialrx.overview import headline_figures
    from socialrx.selection import default_selection
    from socialrx.disclosure import Level
    dataset, _ = load_folder(folder)
    started = time.perf_counter()
    figures = headline_figures(dataset, default_selection(dataset), Level.ROUND)
    detail = "5 headline figures, this and the previous 12 months"
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"step": step, "seconds": seconds, "peak_mb": peak_mb, "detail": detail}))
"""


def run(step: str, folder: Path, referrals: int) -> dict:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", STEP, step, str(folder), str(referrals)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"step {step} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    args = parser.parse_args()
    print("| step | referrals | time (s) | peak memory (MB) | what |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for step in ("generate", "load", "overview", "pages", "workbook"):
            result = run(step, Path(tmp), args.referrals)
            print(
                f"| {step} | {args.referrals:,} | {result['seconds']:.1f} "
                f"| {result['peak_mb']:,.0f} | {result['detail']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
