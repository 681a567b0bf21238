"""Every keyed widget a page draws, found in an AppTest tree, and a value other than its own
for each: the walk that the link and kept-choice tests share."""

from pathlib import Path

from streamlit.runtime.state.common import TESTING_KEY
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from socialrx.views.links import NOT_SHARED, SHARED

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = {
    "": "Social prescribing overview",  # the sidebar's choices, drawn on every page
    "pages/asset_map.py": "Asset map",
    "pages/referral_flows.py": "Referral flows",
    "pages/equity.py": "Equity",
    "pages/capacity.py": "Capacity",
    "pages/outcomes.py": "Outcomes",
    "pages/commissioning.py": "Commissioning",
    "pages/pack.py": "Workshop pack",
    "pages/directory.py": "Directory",
    "pages/data.py": "Data",
}
ACTIONS = {"button", "download_button", "form_submit_button", "chat_input"}


def keyed(at: AppTest, sidebar: bool) -> dict[str, Widget]:
    """Every keyed widget drawn (actions left out), in the sidebar or in the page."""
    found = {}
    for node in at.sidebar if sidebar else at.main:
        if isinstance(node, Widget) and node.key and node.type not in ACTIONS:
            found[node.key] = node
    return found


def tab_keys(at: AppTest) -> dict[str, list[str]]:
    """Keyed tabs (`st.tabs(..., key=...)`): their key and labels."""
    found = {}
    for block in at.main:
        if getattr(block, "type", None) == "tab_container" and "-" in block.proto.id:
            key = block.proto.id.split("-", 2)[2]
            found[key] = [tab.label for tab in block.children.values()]
    return found


def accounted(key: str) -> bool:
    return key in SHARED or any(key.startswith(k) for k in NOT_SHARED)


def by_label(widget: Widget) -> None:
    """Let the test choose options by the label a visitor sees, as the browser does (it sends
    the label; the app maps it back to its value, a provider's name to its id)."""
    funcs = widget.root.session_state[TESTING_KEY]
    shown, labels = funcs[widget.id], set(widget.options)
    funcs[widget.id] = lambda v: v if isinstance(v, str) and v in labels else shown(v)


def other_value(widget: Widget) -> bool:
    """Set the widget to a value other than the one it has; False if it offers no other."""
    kind = widget.type
    if kind in ("toggle", "checkbox"):
        widget.set_value(not widget.value)
    elif kind in ("selectbox", "radio"):
        current = widget.format_func(widget.value) if widget.value is not None else None
        others = [o for o in widget.options if o != current]
        if not others:
            return False
        by_label(widget)
        widget.set_value(others[-1])
    elif kind == "multiselect":
        chosen = [widget.format_func(v) for v in widget.value]
        others = [o for o in widget.options if o not in chosen]
        if not others:
            return False
        by_label(widget)
        limit = widget.proto.max_selections or len(widget.options)
        widget.set_value((chosen + [others[-1]])[-limit:])
    elif kind == "select_slider":
        options = widget.options
        if len(options) < 3:
            return False
        by_label(widget)
        value = widget.value
        widget.set_value((options[1], options[-2]) if isinstance(value, tuple | list)
                         else options[1])  # fmt: skip
    elif kind in ("slider", "number_input"):
        step = widget.step or 1
        value = widget.value if widget.value is not None else 5
        high = widget.max if widget.max is not None else value + 10 * step
        widget.set_value(value + step if value + step <= high else value - step)
    else:
        raise AssertionError(f"{widget.key}: a {kind} the walk does not know how to set")
    return True


def walk(at: AppTest, sidebar: bool) -> set[str]:
    """Give every keyed shared widget (including those a choice reveals) a value other than
    its default; the keys set."""
    done: set[str] = set()
    while True:
        waiting = {k: w for k, w in keyed(at, sidebar).items() if k not in done}
        unaccounted = [k for k in waiting if not accounted(k)]
        assert not unaccounted, f"keyed widgets neither shared nor in NOT_SHARED: {unaccounted}"
        todo = [k for k in waiting if k in SHARED and k != "data_source"]
        if not todo:
            return done
        key = todo[-1]  # from the bottom up: a choice that hides widgets below it comes last
        done.add(key)
        if other_value(waiting[key]):
            at.run()
            assert not at.exception, (key, at.exception)


def walk_page(at: AppTest) -> set[str]:
    """`walk` the page's own widgets, in each of its keyed tabs in turn (only the open one
    runs), ending on the last tab; the keys set, the tabs' among them."""
    tabs = tab_keys(at)
    done = walk(at, sidebar=False)
    for key, labels in tabs.items():
        for label in labels[1:]:
            at.session_state[key] = label
            at.run()
            assert not at.exception, (label, at.exception)
            done |= walk(at, sidebar=False) | {key}
    return done


def open_page(page: str, params: dict | None = None) -> AppTest:
    """A fresh session on `page` (a key of PAGES), opened on an address with `params`."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params or {})
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    return at


def query(at: AppTest) -> dict[str, str]:
    """The session's address: its query parameters."""
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def round_trips(at: AppTest, page: str, done: set[str]) -> None:
    """A fresh session opened on `at`'s address shows the values of the keys `done`."""
    params = query(at)
    again = open_page(page, params)
    for key in sorted(done):
        assert again.session_state[key] == at.session_state[key], (key, params)
