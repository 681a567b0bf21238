"""The shape DESIGN.md asks for, read from the import statements: only `socialrx/ui/` imports
streamlit, every cache of the app is in `socialrx/ui/caches.py`, and imports run downwards
(nothing in `socialrx` below the UI imports it)."""

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "socialrx"
UI = PACKAGE / "ui"
CACHES = UI / "caches.py"


@functools.cache
def _tree(path: Path) -> ast.Module:
    """A file's syntax tree, parsed once for every test here."""
    return ast.parse(path.read_text(), filename=str(path))


@functools.cache
def _imported(path: Path) -> frozenset[str]:
    """The modules a file imports (absolute names; `from x import y` gives x and x.y); frozen,
    as every test shares it."""
    names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return frozenset(names)


def _within(names: frozenset[str], package: str) -> set[str]:
    return {n for n in names if n == package or n.startswith(package + ".")}


def _app_files() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted(PACKAGE.rglob("*.py"))]


def test_only_the_ui_package_imports_streamlit():
    outside = {
        str(path.relative_to(ROOT)): sorted(
            _within(_imported(path), "streamlit") | _within(_imported(path), "streamlit_folium")
        )
        for path in sorted(PACKAGE.rglob("*.py"))
        if UI not in path.parents
    }
    assert {path: names for path, names in outside.items() if names} == {}
    assert _within(_imported(UI / "__init__.py"), "streamlit") == set()  # it only gathers names


def test_nothing_below_the_ui_imports_it():
    below = {
        str(path.relative_to(ROOT)): sorted(_within(_imported(path), "socialrx.ui"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.parent != UI
    }
    assert {path: names for path, names in below.items() if names} == {}


def test_every_cache_of_the_app_is_in_ui_caches():
    """Pages, app.py and the other ui modules ask `ui` for cached figures; none defines its own
    `st.cache_data` or `st.cache_resource`."""
    cached = {}
    for path in _app_files():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    called = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(called, ast.Attribute) and called.attr in (
                        "cache_data",
                        "cache_resource",
                    ):
                        cached.setdefault(str(path.relative_to(ROOT)), []).append(node.name)
    assert set(cached) == {str(CACHES.relative_to(ROOT))}, cached
    assert "_part" in cached[str(CACHES.relative_to(ROOT))]  # every page's parts


# the drawing step: where disclosure is applied (issue 21, "Disclosure has one home")
DRAWING = (PACKAGE / "disclosure.py", PACKAGE / "views" / "panels.py")
DISCLOSING = {"disclose", "disclose_counts", "disclose_count", "count_bounds", "people_in_words"}
# the file checks word their counts of people before any level is chosen (the problem report
# is shown and exported, and printed by `validate`, at the default level)
BEFORE_A_LEVEL = {("socialrx/data/checks.py", "people_in_words")}


def test_disclosure_is_applied_only_where_panels_are_drawn():
    """No module outside `socialrx/disclosure.py`, `socialrx/views/panels.py` and the ui's
    drawing calls a disclose function (views declare a `Spec`, a `Derived` or a `basis`; a
    panel applies it), and no metric names the rounding level (to round with it)."""
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in DRAWING or UI in path.parents:
            continue
        where = str(path.relative_to(ROOT))
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call):
                called = node.func
                name = (
                    called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
                )
                if name in DISCLOSING and (where, name) not in BEFORE_A_LEVEL:
                    found.add((where, node.lineno, name))
            metric = path.parent == PACKAGE / "metrics"
            if metric and isinstance(node, ast.Attribute) and node.attr in ("ROUND", "SUPPRESS"):
                found.add((where, node.lineno, f"Level.{node.attr}"))
    assert sorted(found) == []
