"""Places a rounding can protect: the rounded referral totals of every place a user may choose
below disclosure "off" must not give back a small area's hidden count.

The attacker's view is a set of linear constraints: each place's total, shown rounded (or `*`),
bounds the sum of its areas' counts. An integer programme (scipy's milp, HiGHS) then finds the
least and greatest count a hidden area can have given everything shown. With any sets of areas
allowed (the old rule), sets with and without the area pin its count; with one standard place
at a time and three neighbourhoods of one's own, every hidden area keeps at least 3 values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from socialrx.data.loader import load_folder
from socialrx.disclosure import Level, count_bounds, disclose_counts
from socialrx.metrics import selection
from socialrx.metrics.selection import place_rule, resolve, selected_referrals

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
STANDARD = (selection.AREA, selection.WARD, selection.MSOA, selection.LA, selection.CATCHMENT,
            selection.NEIGHBOURHOOD)  # fmt: skip


@pytest.fixture(scope="module")
def demo():
    dataset = load_folder(DEMO)[0]
    # one month: most areas then have 0-7 referrals, the hardest case for rounding
    start, end = pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31")
    refs = selected_referrals(dataset, selection.Selection(start, end))
    per_area = refs["area_code"].value_counts()
    return dataset, start, end, per_area


def _shown_total(dataset, start, end, kind, codes) -> tuple[tuple[str, ...], float]:
    """A place's areas and its referral count as the app shows it (rounded, NA if hidden)."""
    chosen = resolve(dataset, start, end, kind, tuple(codes))
    count = len(selected_referrals(dataset, chosen))
    return chosen.residence_areas, disclose_counts([count], Level.ROUND).iloc[0]


def _range(areas: list[str], views: list[tuple[tuple[str, ...], float]], target: str):
    """The least and greatest count of `target` consistent with every shown total."""
    column = {a: i for i, a in enumerate(areas)}
    rows, low, high = [], [], []
    for members, shown in views:
        row = np.zeros(len(areas))
        row[[column[a] for a in members if a in column]] = 1
        lo, hi = count_bounds(pd.Series([shown], dtype="Float64"), Level.ROUND)
        rows.append(row)
        low.append(float(lo.iloc[0]))
        high.append(float(hi.iloc[0]))
    constraint = LinearConstraint(np.array(rows), low, high)
    goal = np.zeros(len(areas))
    goal[column[target]] = 1
    found = []
    for sign in (1, -1):
        result = milp(sign * goal, constraints=constraint, integrality=np.ones(len(areas)),
                      bounds=Bounds(0, np.inf))  # fmt: skip
        assert result.success, result.message
        found.append(round(sign * result.fun))
    return found[0], found[1]


def _hidden_areas(dataset, start, end, per_area) -> list[str]:
    areas = selection.place_options(dataset)[selection.AREA]
    return [a for a in areas if 1 <= per_area.get(a, 0) <= 7]


def test_the_old_rule_let_sets_of_areas_give_a_hidden_count_away(demo):
    """Any sets allowed: the area's ward without it, and with it, and a dozen more pairs of
    sets one area apart, pin the hidden count down."""
    dataset, start, end, per_area = demo
    areas = list(selection.place_options(dataset)[selection.AREA])
    target = _hidden_areas(dataset, start, end, per_area)[0]
    rng = np.random.default_rng(1)
    views = [_shown_total(dataset, start, end, selection.AREA, [a]) for a in areas]
    others = [a for a in areas if a != target]
    for _ in range(40):
        base = list(rng.choice(others, size=int(rng.integers(3, 30)), replace=False))
        views.append(_shown_total(dataset, start, end, selection.AREA, base))
        views.append(_shown_total(dataset, start, end, selection.AREA, [*base, target]))
    low, high = _range(areas, views, target)
    assert low == high == per_area[target]  # the exact hidden count


def test_the_places_a_user_may_choose_leave_every_hidden_area_open(demo):
    dataset, start, end, per_area = demo
    options = selection.place_options(dataset)
    areas = list(options[selection.AREA])
    # every standard place, one at a time (and the dataset's own neighbourhoods)
    views = []
    for kind in STANDARD:
        for code in options.get(kind, {}):
            assert place_rule(kind, (code,), Level.ROUND) is None
            views.append(_shown_total(dataset, start, end, kind, [code]))
    # a set of two is refused below "off"
    assert place_rule(selection.WARD, tuple(options[selection.WARD])[:2], Level.ROUND)
    lookup = dataset.table("area_lookup").set_index("area_code")
    hidden = _hidden_areas(dataset, start, end, per_area)
    assert len(hidden) >= 20
    narrowest = 7
    for target in hidden:
        # the attacker's three neighbourhoods: the area's ward, its MSOA and the whole
        # authority, each without the area (the totals with it are shown already)
        ward = lookup.loc[lookup["ward_code"] == lookup.loc[target, "ward_code"]].index
        msoa = lookup.loc[lookup["msoa_name"] == lookup.loc[target, "msoa_name"]].index
        own = [
            [a for a in group if a != target]
            for group in (ward, msoa, lookup.index)
        ][: selection.SESSION_NEIGHBOURHOODS]
        extra = [_shown_total(dataset, start, end, selection.AREA, group) for group in own]
        low, high = _range(areas, views + extra, target)
        assert low <= per_area[target] <= high
        narrowest = min(narrowest, high - low + 1)
    assert narrowest >= 3
