"""A fresh server's warm-up (`ui.warming`): once its first page is drawn, the libraries of
the other pages are imported (once per process) and the person-level tables most pages read
are read from the saved copy (once per dataset), in the background."""

import sys

import pandas as pd
import pytest

from socialrx.data import dataset as dataset_module
from socialrx.data.dataset import Dataset, Kept, Tables
from socialrx.ui import warming


@pytest.fixture
def fresh(monkeypatch):
    """The warm-up as a new process has it: nothing begun (and nothing kept to ask for, but
    where a test says)."""
    monkeypatch.setattr(warming, "_libraries_begun", False)
    monkeypatch.setattr(warming, "_TABLES_BEGUN", {})
    monkeypatch.setattr(warming, "_THREADS", [])
    monkeypatch.setattr(dataset_module, "KEPT", {})


def saved_copy(reads: list[str]) -> Dataset:
    """A dataset whose tables are read when first asked for, as from a saved copy."""

    def reader(name):
        return lambda: reads.append(name) or pd.DataFrame({"n": [1]})

    names = ("referrals", "outcomes", "connections")
    return Dataset(tables=Tables({name: reader(name) for name in names}))


def test_the_warm_up_imports_the_libraries_once_and_reads_each_datasets_tables_once(
    fresh, monkeypatch
):
    imported, reads = [], []
    monkeypatch.setattr(warming.importlib, "import_module", imported.append)
    dataset = saved_copy(reads)
    warming.warm_up(dataset)
    warming.warm_up(dataset)  # a second session's first page: nothing more to do
    assert warming.warmed(30)
    assert imported == list(warming.LIBRARIES)
    assert reads == ["referrals", "connections"]  # not the outcomes: pages read what is kept
    assert dataset.tables["referrals"] is dataset.tables["referrals"] and len(reads) == 2
    other = saved_copy(reads)  # another dataset: its tables, not the libraries again
    warming.warm_up(other)
    assert warming.warmed(30)
    assert imported == list(warming.LIBRARIES) and reads[2:] == ["referrals", "connections"]


def test_a_dataset_held_in_memory_has_nothing_to_read(fresh, monkeypatch):
    monkeypatch.setattr(warming.importlib, "import_module", lambda name: None)
    warming.warm_up(Dataset(tables={"referrals": pd.DataFrame()}))
    assert warming.warmed(30) and len(warming._THREADS) == 1  # the libraries'
    warming.warm_up(Dataset(tables={"referrals": pd.DataFrame()}))
    assert len(warming._THREADS) == 1  # the libraries begun already, no tables to read


def test_what_cannot_be_imported_or_read_does_not_stop_the_warm_up(fresh, monkeypatch):
    def fails(name):
        raise ImportError(name)

    def broken():
        raise OSError("a damaged copy")

    monkeypatch.setattr(warming.importlib, "import_module", fails)
    reads = []
    read = lambda: reads.append(1) or pd.DataFrame()  # noqa: E731
    dataset = Dataset(tables=Tables({"referrals": broken, "connections": read}))
    warming.warm_up(dataset)
    assert warming.warmed(30) and reads == [1]


def test_what_the_metrics_keep_is_asked_for_once_the_tables_are_read(fresh, monkeypatch):
    monkeypatch.setattr(warming.importlib, "import_module", lambda name: None)
    reads, asked = [], []
    kept = Kept(dict, dict, (), lambda dataset: asked.append(list(reads)))
    monkeypatch.setattr(dataset_module, "KEPT", {"one": kept, "two": kept})
    warming.warm_up(saved_copy(reads))
    assert warming.warmed(30)
    assert asked == [["referrals", "connections"]] * 2


def test_the_libraries_named_are_importable():
    warming._warm(True, None)
    assert all(name in sys.modules for name in warming.LIBRARIES)
