"""`make bench`'s DuckDB floor (benchmarks/floor.py): each query gives the package's own figures
on the demo data, from its saved Parquet copy, and a figure that differs is reported."""

import sys
from pathlib import Path

import pandas as pd
import pytest

duckdb = pytest.importorskip("duckdb")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import floor  # noqa: E402 - from benchmarks/, which is not a package

DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from socialrx.data.loader import load_folder
    from socialrx.data.store import write_copy

    # the copy written here, not through load_folder_cached: a worker that already holds the
    # demo in memory would hand it back without saving a copy in this cache
    cache = tmp_path_factory.mktemp("cache")
    dataset, report = load_folder(DEMO)
    assert write_copy(cache / "demo", dataset, report)
    return dataset, floor.copy_files(cache, dataset)


def test_each_query_gives_the_package_s_figures(demo):
    dataset, files = demo
    figures, whole = floor.figures(dataset, files, duckdb.connect())
    assert len(figures) == 3 and whole.start <= dataset.table("referrals")["referral_date"].min()
    for name, (ours, theirs, check) in figures.items():
        assert check(ours(), theirs()) == [], name
    outcomes = figures["Outcomes: change per measure (paired_change)"][1]()
    assert outcomes["paired"].gt(0).all()  # people paired on every measure: not a vacuous check
    strain = figures["Capacity: strain per asset (capacity_strain)"][1]()
    assert len(strain) == len(dataset.table("assets")) and strain["connections"].sum() > 0


def test_a_figure_that_differs_is_reported():
    ours = pd.DataFrame({"measure": ["a", "b"], "paired": [40, 12], "mean": [1.5, 0.25]})
    assert floor.differences(ours, ours.copy(), ["measure"], ["paired"], ["mean"]) == []
    theirs = ours.assign(paired=[40, 13], mean=[1.5 + 1e-12, 0.25 + 1e-6])
    # a count one out in one row; a mean off by a millionth (not by a rounding error, 1e-12)
    assert floor.differences(ours, theirs, ["measure"], ["paired"], ["mean"]) == [
        "paired differs in 1 rows",
        "mean differs in 1 rows",
    ]
    assert floor.differences(ours, theirs.iloc[:1], ["measure"], ["paired"], []) == [
        "2 rows against the query's 1"
    ]
    # the package shows the figure rounded: the query's is compared once rounded the same way
    shown = ours.assign(mean=[2.0, 0.0])  # 1.5 and 0.25 to whole numbers
    assert floor.differences(shown, ours, ["measure"], [], ["mean"], {"mean": 0}) == []
