"""The pack is the screen: page by page, with choices other than the defaults made on the page,
the disclosed tables on screen (AppTest) equal the pack's, built from the choices the app kept
for the Pack page (`ui.page_choices`): same tables, same values, as printed."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from socialrx.escape import html_text
from socialrx.metrics.selection import neighbourhood_table
from socialrx.report import build_pack
from socialrx.ui.links import CHOICES_KEY, CONTEXT_KEY
from socialrx.views import pages
from socialrx.views.panels import table_text

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SECTION = {title: (title, needs, view) for title, needs, view in pages.PAGES}


@pytest.fixture(scope="module")
def app():
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    return at


def _open(at: AppTest, page: str, title: str, **choices) -> AppTest:
    at.switch_page(page)
    for key, value in choices.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == title
    return at


def _screen(at: AppTest) -> list[pd.DataFrame]:
    """Every table drawn in the page, every cell as text as the grid shows it."""
    return [_plain(table_text(frame.value)) for frame in at.dataframe]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True).astype(str)


def _pack(at: AppTest, title: str) -> dict[str, pd.DataFrame]:
    """The page's section of the pack, from the choices the app kept, as printed (in full)."""
    context = at.session_state[CONTEXT_KEY]
    # the neighbourhoods the app names (`ui.page_choices`): the dataset's; the team has none
    own = neighbourhood_table(context.dataset.table("neighbourhoods"))
    named = tuple(own.itertuples(index=False, name=None))
    choices = {**at.session_state[CHOICES_KEY], pages.NEIGHBOURHOODS: named}
    pack = build_pack(context.dataset, context.selection, context.level, context.place,
                      sections=[SECTION[title]], choices=choices)  # fmt: skip
    for table in pack.printed.values():
        cells = set(table.to_numpy().ravel())
        assert not cells & {"<NA>", "None", "nan", "False", "True"}, title
        assert not any(c.endswith(".0") and c[:-2].replace(",", "").isdigit() and len(c) > 5
                       for c in cells), title  # fmt: skip
    return {name: _plain(table) for name, table in pack.printed.items()}


def _same(screen: list[pd.DataFrame], pack: dict[str, pd.DataFrame], what: str) -> set[str]:
    """Every table on screen is in the pack with the same values; the pack's tables seen."""
    assert screen and pack, what
    seen = set()
    for table in screen:
        named = [n for n, p in pack.items() if list(p.columns) == list(table.columns)]
        equal = [n for n in named if pack[n].equals(table)]
        assert equal, f"{what}: a table on screen {list(table.columns)} is not in the pack " + (
            f"(same columns: {named})" if named else "(no pack table has its columns)"
        )
        seen |= set(equal)
    return seen


def test_the_overview_in_the_pack_has_the_cards_on_screen(app):
    # first in the file: the module's app still shows the overview, as it opened
    at = app
    assert at.title[0].value == "Social prescribing overview"
    screen = [(m.label, m.value) for m in at.metric]
    context = at.session_state[CONTEXT_KEY]
    pack = build_pack(context.dataset, context.selection, context.level, context.place,
                      sections=[SECTION["Overview"]])  # fmt: skip
    (headline,) = pages.panels_of(pages.overview(context.dataset, context.selection,
                                                 context.level))  # fmt: skip
    cards = [(c.name, c.value) for c in headline.shown_cards]
    assert screen == cards and len(cards) >= 5
    for name, value in cards:  # each card as the pack prints it
        assert (
            f"<div class='name'>{html_text(name)}</div><div class='value'>{html_text(value)}"
            in pack.html
        )


def test_the_asset_map_in_the_pack_is_the_one_on_screen(app):
    at = _open(app, "pages/asset_map.py", "Asset map", map_categories=["physical activity"],
               map_radius=1200, map_stale=False)  # fmt: skip
    screen, pack = _screen(at), _pack(at, "Asset map")
    assert set(_same(screen, pack, "asset map")) == set(pack)
    # the areas in need with too little within reach, for the category chosen
    context = at.session_state[CONTEXT_KEY]
    default = build_pack(context.dataset, context.selection, context.level,
                         sections=[SECTION["Asset map"]]).printed  # fmt: skip
    assert "Nearest physical activity (m)" in pack["access_gaps"].columns
    assert "Nearest physical activity (m)" not in default["access_gaps"].columns


def test_referral_flows_in_the_pack_are_those_on_screen(app):
    at = _open(app, "pages/referral_flows.py", "Referral flows", spc_by="quarter")
    screen, pack = _screen(at), _pack(at, "Referral flows")
    assert _same(screen, pack, "referral flows") == set(pack)


def test_equity_in_the_pack_is_the_screen(app):
    at = _open(app, "pages/equity.py", "Equity", equity_overdispersion="multiplicative")
    screen, pack = _screen(at), _pack(at, "Equity")
    assert _same(screen, pack, "equity") == set(pack)


def test_outcomes_in_the_pack_break_down_as_the_screen_does(app):
    at = _open(app, "pages/outcomes.py", "Outcomes", outcome_group="sex",
               outcome_standard="rci")  # fmt: skip
    screen, pack = _screen(at), _pack(at, "Outcomes")
    assert _same(screen, pack, "outcomes") == set(pack)
    assert "outcome_by_sex" in pack and "outcome_by_reason" not in pack  # not the default


def test_every_capacity_tab_and_the_chosen_provider_are_in_the_pack(app):
    at = _open(app, "pages/capacity.py", "Capacity")
    choices = {"provider": "ORG004", "provider_by": "quarter", "default_cost": 150.0,
               "salary": 40_000.0, "whatif_growth": 20, "forecast_horizon": 6}  # fmt: skip
    for key, value in choices.items():
        at.session_state[key] = value
    screens = {}
    for tab in pages.CAPACITY_TABS:
        at.session_state["capacity_tab"] = tab
        at.run()
        assert not at.exception, (tab, at.exception)
        screens[tab] = _screen(at)
    at.session_state["capacity_tab"] = pages.MINE  # and its funding and social value
    at.session_state["mine_tab"] = "Funding and social value"
    at.run()
    assert not at.exception, at.exception
    screens[pages.MINE_MONEY] = _screen(at)
    pack = _pack(at, "Capacity and funding")  # every tab's choices kept, whichever is open
    seen = set()
    for tab, screen in screens.items():
        seen |= _same(screen, pack, f"capacity, {tab}")
    assert seen == set(pack)
    kept = at.session_state[CHOICES_KEY]
    assert {k: kept[k] for k in choices} == choices


def test_commissioning_in_the_pack_is_the_ranking_and_scenario_on_screen(app):
    at = _open(app, "pages/commissioning.py", "Commissioning", commission_horizon=6,
               commission_radius=2000, commission_added=25)  # fmt: skip
    screen, pack = _screen(at), _pack(at, "Commissioning")
    assert _same(screen, pack, "commissioning") == set(pack)
    kept = at.session_state[CHOICES_KEY]
    assert (kept["commission_horizon"], kept["commission_added"]) == (6, 25)
    # not the page's defaults: six months ahead, 25 places a month
    assert "Unmet need, next 6 months (people)" in pack["commission_ranked"].columns
