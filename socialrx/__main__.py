"""Command line: `python -m socialrx validate DIR` and `python -m socialrx demo --out DIR`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from socialrx.demo import DEFAULT_PLACE, place_names, write_demo
from socialrx.loader import load_folder

VALID, INVALID, UNREADABLE = 0, 1, 2


def validate(folder: Path) -> int:
    """Print every problem, one line each; exit 0 valid, 1 errors, 2 unreadable."""
    try:
        dataset, report = load_folder(folder)
    except OSError as exc:  # a folder we may not list or a file we may not open
        print(f"{folder}: could not be read ({exc.strerror or exc})")
        return UNREADABLE
    for line in report.lines():
        print(line)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in dataset.tables.items())
    if report.unreadable:
        print(f"{len(report.unreadable)} file(s) could not be read: {', '.join(report.unreadable)}")
        return UNREADABLE
    verdict = f"{len(report.errors):,} errors, {len(report.warnings):,} warnings"
    print(f"{folder}: {verdict}. Rows usable: {counts or 'none'}")
    return INVALID if report.errors else VALID


def _progress(fraction: float, text: str) -> None:
    """Long work says where it is (on stderr, so stdout stays the result)."""
    print(f"{fraction:4.0%} {text}", file=sys.stderr, flush=True)


def demo(
    out: Path,
    referrals: int,
    seed: int,
    assets: int | None = None,
    practices: int | None = None,
    place: str = DEFAULT_PLACE,
) -> int:
    """Write the synthetic demo dataset."""
    started = time.perf_counter()
    counts = write_demo(
        out, referrals, seed, progress=_progress, assets=assets, practices=practices, place=place
    )
    rows = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"Wrote demo data to {out} in {time.perf_counter() - started:.1f} s: {rows}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m socialrx", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="check a dataset folder and list every problem")
    check.add_argument("folder", type=Path)
    make = commands.add_parser("demo", help="write the synthetic demo dataset")
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--referrals", type=_at_least_one, default=8000)
    make.add_argument("--seed", type=int, default=2026)
    make.add_argument(
        "--assets", type=_at_least_one, help="community assets (default: scaled with the place)"
    )
    make.add_argument(
        "--practices", type=_at_least_one, help="GP practices (default: scaled with the place)"
    )
    make.add_argument(
        "--place",
        choices=place_names(),
        default=DEFAULT_PLACE,
        help="local authorities on real LSOA 2011 boundaries (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate(args.folder)
    return demo(args.out, args.referrals, args.seed, args.assets, args.practices, args.place)


def _at_least_one(text: str) -> int:
    """A whole number of 1 or more, for the demo's sizes."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small: give 1 or more")
    return value


if __name__ == "__main__":
    sys.exit(main())
