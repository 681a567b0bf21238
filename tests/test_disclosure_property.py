"""Issue 20, "Nothing shown undoes the rounding", as a property: remove one referral (with its
connections and outcomes) where every count a page declares stays the same as shown, and
nothing else shown may change but a statistic's value where that referral had values in it.
Every page's panels (each capacity tab too) are drawn for the whole dataset and for one PCN
over the default period, at the default level, and the workshop pack is built; see
`neighbours.py` for the datasets (every referral five times over, so each is such a
neighbour) and the comparison. Tests near the end show the check finds the leaks it is for."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest
from neighbours import (
    BY_PLACE,
    LEVEL,
    PAGES,
    Demo,
    candidates,
    check_page,
    compare_panels,
    describe,
    differences,
    garbage_check,
    pack_view,
    pages,
    places,
    replicated_demo,
    without,
)

from socialrx.disclosure import Rate, Spec, Statistic
from socialrx.metrics import intervals
from socialrx.metrics import referrals as referral_metrics
from socialrx.metrics.selection import selected_practices, selected_referrals
from socialrx.views import charts, referral_flows
from socialrx.views.panels import Panel

SEED = 3
WITH_STATISTICS = (
    "overview",
    "referral_flows",
    "outcomes",
    "capacity_link_workers",
    "capacity_funder",
)


class Runs:
    """The dataset, its places and pages, and each page's panels on the full data, built once
    for the module (each neighbour's are built by the test that needs them)."""

    def __init__(self, demo: Demo):
        self.demo = demo
        self.places = places(demo)
        outcomes = demo.dataset.table("outcomes")
        mine = outcomes[outcomes["referral_id"] == demo.rich[0]]
        twice = mine.groupby("measure", observed=True)["timepoint"].nunique()
        self.pages = pages(demo, sorted(twice[twice == 2].index)[0])
        self.neighbours: dict = {}
        self._full: dict = {}

    def full(self, place: str, page: str) -> list[Panel]:
        if (place, page) not in self._full:
            self._full[place, page] = self.pages[page](self.demo.dataset, self.places[place])
        return self._full[place, page]

    def forget(self, place: str, page: str) -> None:
        """Drop a page's full run (its exact tables spoilt): built again if asked for."""
        self._full.pop((place, page), None)

    def check(self, place: str, page: str, statistics: bool = False, build=None):
        """A page checked against its neighbours; `build`: panels of one's own instead of the
        page's, checked against the same neighbours."""
        selection = self.places[place]
        full = self.full(place, page) if build is None else build(self.demo.dataset, selection)
        removable = candidates(self.demo, selection, page, statistics)
        return check_page(
            build or self.pages[page],
            full,
            self.demo.dataset,
            selection,
            removable,
            statistics,
            self.neighbours,
        )


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    return Runs(replicated_demo(tmp_path_factory.mktemp("neighbours") / "demo", SEED))


CASES = [("whole", page) for page in PAGES] + [("pcn", page) for page in BY_PLACE]


@pytest.mark.parametrize(("place", "page"), CASES, ids=[f"{p}-{g}" for p, g in CASES])
def test_removing_a_referral_no_statistic_measures_changes_nothing_shown(runs, place, page):
    outcome = runs.check(place, page)
    assert outcome.removed is not None and not outcome.found, describe(page, place, outcome)


@pytest.mark.parametrize("page", WITH_STATISTICS)
def test_removing_a_measured_referral_changes_only_its_statistics(runs, page):
    # contacted, connected and scored twice: the waits and scores move, nothing else may
    outcome = runs.check("whole", page, statistics=True)
    assert outcome.removed is not None and not outcome.found, describe(page, "whole", outcome)


def test_the_pack_without_a_referral_is_the_same(runs):
    selection, quiet = runs.places["whole"], runs.demo.quiet[0]
    if quiet not in runs.neighbours:  # else the one the pages were checked against
        runs.neighbours[quiet] = without(runs.demo.dataset, quiet)
    full = pack_view(runs.demo.dataset, selection)
    other = pack_view(runs.neighbours[quiet], selection)
    found = differences(full, other)
    assert not found, "the pack (whole dataset) without a quiet referral differs:\n  " + (
        "\n  ".join(d[:400] for d in found[:25])
    )


# --- the check finds what it is for -------------------------------------------------------


def _old_practice_intervals(dataset, selection) -> list[Panel]:
    """The practice table as the old code drew it: the 95% Poisson interval of each count
    worked out from the exact count and declared a statistic (so shown beside the rounded
    count: 40 gives 28.6 to 54.5, 39 gives 27.7 to 53.3)."""
    refs = selected_referrals(dataset, selection)
    practices = selected_practices(dataset, selection)
    table = referral_metrics.practice_rates(refs, practices, selection.per_year)
    table["rate_low"], table["rate_high"] = intervals.poisson_interval(table["referrals"])
    spec = Spec(
        counts=("referrals",),
        rates={"rate_per_1000": Rate("referrals", "list_size", 1000 * selection.per_year)},
        statistics={"rate_low": Statistic("referrals"), "rate_high": Statistic("referrals")},
    )
    labels = {
        "practice_code": "Practice",
        "referrals": "Referrals",
        "rate_low": "95% CI from",
        "rate_high": "95% CI to",
    }
    return [
        Panel(
            name="old_practice_intervals",
            title="",
            caption="",
            level=LEVEL,
            table=table,
            spec=spec,
            labels=labels,
        )
    ]


def test_the_check_finds_an_interval_worked_out_from_an_exact_count(runs):
    outcome = runs.check("whole", "equity", build=_old_practice_intervals)
    assert outcome.removed is not None  # the counts as shown are the same ...
    # ... but the interval beside the quiet referral's practice moved
    assert any("'95% CI from'" in d or "'95% CI to'" in d for d in outcome.found), outcome.found


def _exact_average_month(dataset, selection) -> list[Panel]:
    """Referrals per month with a line at the exact average month captured by the chart:
    total / 12, so the line tells the exact total."""
    panel = referral_flows.monthly_panel(selected_referrals(dataset, selection), selection, LEVEL)
    average = float(panel.table["referrals"].mean())

    def chart(shown: pd.DataFrame) -> go.Figure:
        figure = charts.monthly_referrals_chart(shown, "rounded")
        figure.add_hline(y=average)
        return figure

    panel.chart = chart
    return [panel]


def test_the_check_finds_a_chart_that_captured_an_exact_total(runs):
    outcome = runs.check("whole", "referral_flows", build=_exact_average_month)
    assert outcome.removed is not None
    assert any("chart layout shapes" in d for d in outcome.found), outcome.found


def test_the_check_finds_a_chart_reading_the_exact_table(runs):
    selection = runs.places["whole"]
    refs = selected_referrals(runs.demo.dataset, selection)
    panel = referral_flows.monthly_panel(refs, selection, LEVEL)
    panel.chart = lambda shown: charts.monthly_referrals_chart(
        shown.assign(referrals=panel.table["referrals"]),
        "rounded",  # the exact table, read late
    )
    found = garbage_check([panel])
    assert any("chart trace 0" in d for d in found), found
    # the page's own panel draws from what is shown only
    assert garbage_check([referral_flows.monthly_panel(refs, selection, LEVEL)]) == []


def test_a_statistic_of_values_moves_only_with_values(runs):
    # the old interval, declared a statistic, hides behind the substitution when the removed
    # referral has values: which is why every page is also checked with a referral without
    full = _old_practice_intervals(runs.demo.dataset, runs.places["whole"])
    other = _old_practice_intervals(
        without(runs.demo.dataset, runs.demo.quiet[0]), runs.places["whole"]
    )
    assert compare_panels(full, other, statistics=True) == []
    assert compare_panels(full, other, statistics=False) != []


# --- structural: what a chart, an answer or a note is drawn from -----------------------------


@pytest.mark.parametrize(("place", "page"), CASES, ids=[f"{p}-{g}" for p, g in CASES])
def test_charts_answers_and_notes_are_drawn_from_disclosed_values_only(runs, place, page):
    # last: it spoils the full run's exact tables (overwritten with nonsense in place)
    panels = runs.full(place, page)
    found = garbage_check(panels)
    runs.forget(place, page)
    assert not found, f"{page} ({place}): drawn from the exact table:\n  " + "\n  ".join(found)
