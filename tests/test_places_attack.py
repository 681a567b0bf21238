"""Places a rounding can protect: the rounded referral totals of every place a user may choose
below disclosure "off" must not give back a small area's hidden count.

The attacker's view is a set of linear constraints: each place's total, shown rounded (or `*`),
bounds the sum of its areas' counts. An integer programme (scipy's milp, HiGHS) then finds the
least and greatest count a hidden area can have given everything shown. With any sets of areas
allowed (the old rule), sets with and without the area pin its count; with one standard place
at a time and three neighbourhoods of one's own, every hidden area keeps at least 3 values."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from socialrx.disclosure import Level, count_bounds, disclose_counts
from socialrx.metrics import selection
from socialrx.metrics.selection import place_rule, resolve, selected_referrals

STANDARD = (selection.AREA, selection.WARD, selection.MSOA, selection.LA, selection.CATCHMENT,
            selection.NEIGHBOURHOOD)  # fmt: skip


@pytest.fixture(scope="module")
def demo(demo):
    """The demo (shared, conftest.py) in one month (most areas then have 0-7 referrals: the
    hardest case for rounding), every standard place's areas, and each area's count."""
    dataset = demo
    start, end = pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31")
    per_area = selected_referrals(dataset, selection.Selection(start, end))["area_code"]
    per_area = per_area.value_counts()
    options = selection.place_options(dataset)
    places = {
        (kind, code): resolve(dataset, start, end, kind, (code,))
        for kind in STANDARD
        for code in options.get(kind, {})
    }
    return dataset, places, per_area, list(options[selection.AREA])


def _shown(per_area: pd.Series, members) -> tuple[tuple[str, ...], float]:
    """A set of areas and its referral count as the app would show it."""
    count = int(per_area.reindex(list(members)).fillna(0).sum())
    return tuple(members), disclose_counts([count], Level.ROUND).iloc[0]


def _range(areas: list[str], views: list[tuple[tuple[str, ...], float]], target: str):
    """The least and greatest count of `target` consistent with every shown total."""
    column = {a: i for i, a in enumerate(areas)}
    rows = np.zeros((len(views), len(areas)))
    for i, (members, _) in enumerate(views):
        rows[i, [column[a] for a in members if a in column]] = 1
    # each total's bounds, all at once (count_bounds works cell by cell)
    low, high = count_bounds(pd.Series([s for _, s in views], dtype="Float64"), Level.ROUND)
    constraint = LinearConstraint(rows, low.to_numpy(float), high.to_numpy(float))
    goal = np.zeros(len(areas))
    goal[column[target]] = 1
    found = []
    for sign in (1, -1):
        result = milp(sign * goal, constraints=constraint, integrality=np.ones(len(areas)),
                      bounds=Bounds(0, np.inf))  # fmt: skip
        assert result.success, result.message
        found.append(round(sign * result.fun))
    return found[0], found[1]


def test_the_totals_the_attacker_reads_are_the_apps(demo):
    dataset, places, per_area, _ = demo
    for chosen in list(places.values())[::7]:
        shown = _shown(per_area, chosen.residence_areas)[1]
        app = disclose_counts([len(selected_referrals(dataset, chosen))], Level.ROUND).iloc[0]
        assert (pd.isna(shown) and pd.isna(app)) or shown == app


def test_the_old_rule_let_sets_of_areas_give_a_hidden_count_away(demo):
    """Any sets allowed: 80 pairs of sets one area apart pin the hidden count down."""
    _, _, per_area, areas = demo
    target = next(a for a in areas if 1 <= per_area.get(a, 0) <= 7)
    rng = np.random.default_rng(1)
    views = [_shown(per_area, [a]) for a in areas]
    others = [a for a in areas if a != target]
    for _ in range(80):
        base = list(rng.choice(others, size=int(rng.integers(3, 30)), replace=False))
        views += [_shown(per_area, base), _shown(per_area, [*base, target])]
    assert _range(areas, views, target) == (per_area[target], per_area[target])


def test_the_places_a_user_may_choose_leave_every_hidden_area_open(demo):
    dataset, places, per_area, areas = demo
    for kind, code in places:
        assert place_rule(kind, (code,), Level.ROUND) is None
    wards = [code for kind, code in places if kind == selection.WARD]
    assert place_rule(selection.WARD, tuple(wards[:2]), Level.ROUND)  # a set is refused
    assert place_rule(selection.WARD, tuple(wards[:2]), Level.OFF) is None
    views = [_shown(per_area, chosen.residence_areas) for chosen in places.values()]
    hidden = [a for a in areas if 1 <= per_area.get(a, 0) <= 7]
    assert len(hidden) >= 100
    ranges = {}
    for target in hidden[::6]:  # a sixth of them: each takes two integer programmes
        low, high = _range(areas, views, target)
        assert low <= per_area[target] <= high
        ranges[target] = high - low + 1
    assert min(ranges.values()) >= 3
    # and with the neighbourhoods a session may save: the attacker's best, for the areas left
    # most exposed, among the area's ward, its MSOA and the whole authority without it
    lookup = dataset.table("area_lookup").set_index("area_code")
    for target in sorted(ranges, key=ranges.get)[:4]:
        ward = lookup.index[lookup["ward_code"] == lookup.loc[target, "ward_code"]]
        msoa = lookup.index[lookup["msoa_name"] == lookup.loc[target, "msoa_name"]]
        without = [[a for a in group if a != target] for group in (ward, msoa, lookup.index)]
        for own in itertools.combinations(without, selection.SESSION_NEIGHBOURHOODS):
            extra = [_shown(per_area, group) for group in own]
            low, high = _range(areas, views + extra, target)
            assert high - low + 1 >= 3, (target, low, high)
