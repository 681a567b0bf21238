"""The auditor's attacks, as tests: two selections a user can make (places one area apart,
periods one month apart) must not give away a hidden count or one person's scores at the
default level. Each attack is also run against the old rule (means to 2 decimals on 8 or
more people) to show the attacker would succeed there: the tests can fail."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, count_bounds, disclose_counts
from socialrx.metrics import outcomes
from socialrx.metrics.selection import AREA, Selection, selected_outcomes
from socialrx.views import outcomes as outcome_view
from socialrx.views import referral_flows

MEASURE = "ons4_life_satisfaction"  # integer scores 0-10: sums are whole numbers
MEANS = ("mean_baseline", "mean_follow_up")


def _dataset(people: dict[str, int], seed: int = 7, month_of: dict | None = None) -> Dataset:
    """People per area, each referred (in January 2024, or the month given for an area) with
    a baseline and a follow-up of random integer scores."""
    rng = np.random.default_rng(seed)
    referrals, rows = [], []
    for area, n in people.items():
        month = (month_of or {}).get(area, "2024-01")
        for i in range(n):
            rid = f"{area}-{i}"
            day = pd.Timestamp(f"{month}-{1 + i % 28:02d}")
            referrals.append((rid, day, area, "45-54"))
            base = int(rng.integers(2, 8))
            follow = int(np.clip(base + rng.integers(-2, 4), 0, 10))
            rows += [
                (rid, MEASURE, "baseline", day, float(base)),
                (rid, MEASURE, "follow_up", day + pd.Timedelta(days=90), float(follow)),
            ]
    refs = pd.DataFrame(
        referrals, columns=["referral_id", "referral_date", "area_code", "age_band"]
    )
    scores = pd.DataFrame(
        rows, columns=["referral_id", "measure", "timepoint", "assessed_date", "value"]
    )
    return Dataset(tables={"referrals": refs, "outcomes": scores},
                   extract_date=pd.Timestamp("2024-12-31"))  # fmt: skip


def _change_panel(dataset: Dataset, selection: Selection):
    panels = outcome_view.panels(dataset, selection, Level.ROUND)
    return next(p for p in panels if p.name == "outcome_change")


def _shown_row(dataset: Dataset, selection: Selection) -> dict:
    """What the outcomes page's CSV says for the measure (the attacker's only input)."""
    panel = _change_panel(dataset, selection)
    row = panel.disclosed.export().iloc[0]
    return {"paired": row["paired"], **{m: row[m] for m in MEANS}}


def _old_rule_row(dataset: Dataset, selection: Selection) -> dict:
    """The same row under the old rule: rounded count, means to 2 decimals from 8 people."""
    table = outcomes.paired_change(selected_outcomes(dataset, selection)).iloc[0]
    paired = disclose_counts([table["paired"]], Level.ROUND).iloc[0]
    return {"paired": paired, **{m: round(float(table[m]), 2) for m in MEANS}}


def _feasible(row: dict, decimals: int) -> dict[int, list[list[int]]]:
    """Every number of people the row allows, with the whole-number score sums per mean."""
    shown = pd.Series([row["paired"]], dtype="Float64")
    low, high = (int(v.iloc[0]) for v in count_bounds(shown, Level.ROUND))
    out = {}
    for n in range(max(low, 1), high + 1):
        sums = []
        for mean in MEANS:
            if not isinstance(row[mean], float):  # not shown ("too few"): any sum fits
                sums.append(list(range(0, 10 * n + 1)))
                continue
            half = 0.5 * 10**-decimals
            first, last = math.ceil(n * (row[mean] - half)), math.floor(n * (row[mean] + half))
            sums.append([s for s in range(first, last + 1) if round(s / n, decimals) == row[mean]])
        if all(sums):
            out[n] = sums
    return out


def _hidden_counts(larger: dict, smaller: dict, decimals: int) -> set[int]:
    """The counts 1-7 the difference of two rows allows for the area between them."""
    a, b = _feasible(larger, decimals), _feasible(smaller, decimals)
    return {na - nb for na in a for nb in b if 1 <= na - nb <= 7}


def _one_persons_scores(larger: dict, smaller: dict, decimals: int) -> set[tuple[int, int]]:
    """The (baseline, follow-up) pairs of scores the difference allows for one person."""
    a, b = _feasible(larger, decimals), _feasible(smaller, decimals)
    found = set()
    for n, (base_a, follow_a) in a.items():
        if n - 1 not in b:
            continue
        base_b, follow_b = b[n - 1]
        bases = {x - y for x in base_a for y in base_b if 0 <= x - y <= 10}
        follows = {x - y for x in follow_a for y in follow_b if 0 <= x - y <= 10}
        found |= {(x, y) for x in bases for y in follows}
    return found


def test_means_do_not_undo_the_rounding_of_a_hidden_areas_count():
    dataset = _dataset({"E01": 25, "E02": 21, "E03": 4})
    five = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), AREA,
                     ("E01", "E02", "E03"))  # fmt: skip
    four = Selection(five.start, five.end, AREA, ("E01", "E02"))
    now = _hidden_counts(_shown_row(dataset, five), _shown_row(dataset, four), 1)
    assert now == set(range(1, 8))  # the 4 people of E03 could be any of 1-7
    # under the old rule (means to 2 decimals on 8 or more people) the means pin it down
    small = _dataset({"E01": 10, "E02": 6, "E03": 4})
    old = _hidden_counts(_old_rule_row(small, five), _old_rule_row(small, four), 2)
    assert old == {4}


def test_one_month_more_does_not_give_away_one_persons_scores():
    # 30 people referred in January, one more in February: January-February minus January
    dataset = _dataset({"E01": 30, "E02": 1}, month_of={"E02": "2024-02"})
    jan = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-31"))
    jan_feb = Selection(jan.start, pd.Timestamp("2024-02-29"))
    person = dataset.tables["outcomes"].query("referral_id == 'E02-0'")["value"].tolist()
    now = _one_persons_scores(_shown_row(dataset, jan_feb), _shown_row(dataset, jan), 1)
    assert tuple(person) in now and len(now) > 1
    # under the old rule (a smaller group is shown too) the person's scores come out exactly
    small = _dataset({"E01": 10, "E02": 1}, month_of={"E02": "2024-02"})
    person = small.tables["outcomes"].query("referral_id == 'E02-0'")["value"].tolist()
    old = _one_persons_scores(_old_rule_row(small, jan_feb), _old_rule_row(small, jan), 2)
    assert old == {tuple(person)}


def test_fewer_than_30_people_show_no_statistic_at_all():
    dataset = _dataset({"E01": 29})
    year = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    row = _change_panel(dataset, year).export().iloc[0]
    assert row["Mean change"] == row["Mean before"] == row["95% CI from"] == "too few"


def test_referral_counts_one_area_apart_leave_a_hidden_area_open():
    # the practice, deprivation and monthly panels disclose each count on its own: the
    # difference of two rounded totals never narrows a 1-7 area to one value
    dataset = _dataset({"E01": 41, "E02": 3})
    for n_hidden in range(1, 8):
        data = _dataset({"E01": 41, "E02": n_hidden})
        both = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), AREA,
                         ("E01", "E02"))  # fmt: skip
        one = Selection(both.start, both.end, AREA, ("E01",))
        shown = [
            referral_flows.monthly_panel(
                data.tables["referrals"][data.tables["referrals"]["area_code"].isin(s.place_codes)],
                s,
                Level.ROUND,
            )
            .disclosed.values["referrals"]
            .iloc[0]
            for s in (both, one)
        ]
        lows, highs = zip(
            *(count_bounds(pd.Series([v], dtype="Float64"), Level.ROUND) for v in shown),
            strict=True,
        )
        low = max(1, int(lows[0].iloc[0] - highs[1].iloc[0]))
        high = min(7, int(highs[0].iloc[0] - lows[1].iloc[0]))
        assert low <= n_hidden <= high and high > low
    assert dataset.has("referrals")
