"""A fresh server's warm-up (`ui.warming`): once its first page is drawn, the libraries of
the other pages are imported in the background, once per process."""

import sys
import threading

import pytest

from socialrx.ui import warming


@pytest.fixture
def fresh(monkeypatch):
    """The warm-up as a new process has it: not begun, not done."""
    monkeypatch.setattr(warming, "_begun", False)
    monkeypatch.setattr(warming, "_DONE", threading.Event())


def test_the_warm_up_imports_the_other_pages_libraries_once(fresh, monkeypatch):
    imported = []
    monkeypatch.setattr(warming.importlib, "import_module", imported.append)
    assert not warming.warmed(0)
    warming.warm_up()
    warming.warm_up()  # a second session's first page: no second warm-up
    assert warming.warmed(30)
    assert imported == list(warming.LIBRARIES)


def test_a_library_that_cannot_be_imported_does_not_stop_the_warm_up(fresh, monkeypatch):
    def import_module(name):
        raise ImportError(name)

    monkeypatch.setattr(warming.importlib, "import_module", import_module)
    warming.warm_up()
    assert warming.warmed(30)


def test_the_libraries_named_are_importable():
    warming._import_libraries()
    assert all(name in sys.modules for name in warming.LIBRARIES)
