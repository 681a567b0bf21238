"""The auditor's attacks, as tests: two selections a user can make (places one area apart,
periods one month apart) must not give away a hidden count or one person's scores at the
default level. Each attack is also run against the old rule (means to 2 decimals on 8 or
more people) to show the attacker would succeed there: the tests can fail."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, count_bounds, disclose_counts
from socialrx.metrics import outcomes
from socialrx.metrics.selection import AREA, Selection, selected_outcomes
from socialrx.views import outcomes as outcome_view
from socialrx.views import referral_flows
from socialrx.views.panels import Panel

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
    dataset = _dataset({"E01": 27})  # shown as 25
    year = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    row = _change_panel(dataset, year).export().iloc[0]
    assert row["Mean change"] == row["Mean before"] == "too few"
    assert not isinstance(row["95% CI from"], float)  # no interval either


def test_a_statistic_beside_a_shown_30_says_no_more_than_the_30():
    # 28-32 people all show as 30: the mean appears for every one of them, so its appearing
    # does not tell 30-32 from 28-29 (decided on the exact count, it did); 23-27 show as 25
    for n, paired, mark in [(n, 30, "") for n in range(28, 33)] + [
        (n, 25, "too few") for n in range(23, 28)
    ]:
        table = outcomes.paired_change(_dataset({"E01": n}).tables["outcomes"])
        shown = outcomes.SPEC.disclose(table, Level.ROUND)
        assert shown.values["paired"].iloc[0] == paired
        assert shown.marks["mean_change"].iloc[0] == mark, n


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


# --- intervals that pinned the number of people -------------------------------------------

Z = 1.959963984540054


def _steady_change(changes: list[float], measure: str = "wemwbs") -> pd.DataFrame:
    """One person per change, baselines 40-46, all referred and measured in 2024."""
    rows = []
    for i, change in enumerate(changes):
        base = 40.0 + i % 7
        rows += [
            (f"P{i}", measure, "baseline", pd.Timestamp("2024-01-02"), base),
            (f"P{i}", measure, "follow_up", pd.Timestamp("2024-05-01"), base + change),
        ]
    return pd.DataFrame(rows, columns=["referral_id", "measure", "timepoint", "assessed_date",
                                       "value"])  # fmt: skip


def _dz_ns_admitted(row: dict, decimals: int, candidates) -> set[int]:
    """The numbers of people an attacker finds consistent with a row's dz and its interval
    (dz +/- 1.96 sqrt(1/n + dz^2/2n)): every true dz that shows as the row's, tried."""
    step = 10**-decimals
    d = np.linspace(row["dz"] - step / 2, row["dz"] + step / 2, 4001)
    found = set()
    for n in candidates:
        half = Z * np.sqrt(1 / n + d**2 / (2 * n))
        fits = (
            (np.round(d, decimals) == row["dz"])
            & (np.round(d - half, decimals) == row["low"])
            & (np.round(d + half, decimals) == row["high"])
        )
        if fits.any():
            found.add(n)
    return found


def test_cohens_dz_interval_no_longer_pins_the_number_of_people():
    # 38 people with changes 1, 2, 3, 0 repeating: dz = 1.35; 38 shows as 40 (38-42)
    scores = _steady_change([[1, 2, 3, 0][i % 4] for i in range(38)])
    table = outcomes.paired_change(scores)
    panel = Panel("effects", "", "", Level.ROUND, table, outcomes.SPEC,
                  outcome_view.EFFECT_LABELS)  # fmt: skip
    csv = panel.export().iloc[0]  # the attacker's only input: the exported row
    assert csv["Measured at both"] == 40
    row = {"dz": csv["Cohen's dz"], "low": csv["dz 95% CI from"], "high": csv["dz 95% CI to"]}
    shown = pd.Series([csv["Measured at both"]], dtype="Float64")
    low, high = (int(v.iloc[0]) for v in count_bounds(shown, Level.ROUND))
    assert _dz_ns_admitted(row, 1, range(low, high + 1)) == set(range(38, 43))
    # the old rule (the exact n in the interval, two decimals) gave the true 38 away
    dz = float(table["dz"].iloc[0])
    half = Z * np.sqrt(1 / 38 + dz**2 / 76)
    old = {"dz": round(dz, 2), "low": round(dz - half, 2), "high": round(dz + half, 2)}
    assert _dz_ns_admitted(old, 2, range(low, high + 1)) == {38}


def _with_two_more(changes: list[float]) -> list[float]:
    """The changes and two more at mean +/- SD: the same mean and SD (n - 1 divisor), two
    more people: (S + 2 SD^2) / (n + 1) = SD^2 when S = (n - 1) SD^2."""
    mean, sd = np.mean(changes), np.std(changes, ddof=1)
    return [*changes, mean + sd, mean - sd]


def test_two_people_more_with_the_same_mean_and_sd_change_no_interval():
    # 38 and 40 people both show as 40: every interval on the change (the mean's, dz's) is
    # the same, so none of them can tell 38 from 40
    changes = [[1, 2, 3, 0][i % 4] for i in range(38)]
    shown = []
    for these in (changes, _with_two_more(changes)):
        panel = Panel("change", "", "", Level.ROUND, outcomes.paired_change(_steady_change(these)),
                      outcomes.SPEC, outcome_view.LABELS)  # fmt: skip
        values = panel.disclosed.values.iloc[0]
        shown.append([values[c] for c in ("paired", "ci_low", "ci_high", "dz_low", "dz_high")])
    assert shown[0][0] == shown[1][0] == 40
    assert shown[0][1:] == pytest.approx(shown[1][1:], abs=1e-12)


def test_a_groups_interval_cannot_tell_its_number_either():
    changes = [[1, 2, 3, 0][i % 4] for i in range(38)]
    shown = []
    for these in (changes, _with_two_more(changes)):
        scores = _steady_change(these, "ons4_happiness")
        groups = pd.Series("45-54", index=scores["referral_id"].unique())
        table = outcomes.change_by_group(scores, groups, "ons4_happiness")
        values = outcomes.GROUP_SPEC.disclose(table, Level.ROUND).values.iloc[0]
        shown.append([values[c] for c in ("paired", "ci_low", "ci_high")])
    assert shown[0] == pytest.approx(shown[1], abs=1e-12) and shown[0][0] == 40


def test_the_attrition_interval_cannot_tell_the_numbers_followed_and_lost():
    # followed 38 or 40, lost 39 or 41, each with the same mean and SD of baselines: all
    # show as 40; the Welch interval is the same
    kept = [4.0 + i % 3 for i in range(38)]
    lost = [3.0 + i % 4 for i in range(39)]
    shown = []
    for k, g in ((kept, lost), (_with_two_more(kept), _with_two_more(lost))):
        rows = [(f"K{i}", "ons4_happiness", "baseline", pd.Timestamp("2024-01-02"), v)
                for i, v in enumerate(k)]  # fmt: skip
        rows += [(f"K{i}", "ons4_happiness", "follow_up", pd.Timestamp("2024-03-01"), 7.0)
                 for i in range(len(k))]  # fmt: skip
        rows += [(f"L{i}", "ons4_happiness", "baseline", pd.Timestamp("2024-01-02"), v)
                 for i, v in enumerate(g)]  # fmt: skip
        scores = pd.DataFrame(rows, columns=["referral_id", "measure", "timepoint",
                                             "assessed_date", "value"])  # fmt: skip
        table = outcomes.attrition(scores, pd.Timestamp("2024-12-31"))
        values = outcomes.ATTRITION_SPEC.disclose(table, Level.ROUND).values.iloc[0]
        shown.append([values[c] for c in ("followed", "lost", "diff_low", "diff_high")])
    assert shown[0][:2] == shown[1][:2] == [40, 40]
    assert shown[0][2:] == pytest.approx(shown[1][2:], abs=1e-12)


# --- shares beside rounded counts ---------------------------------------------------------


def test_shares_beside_rounded_counts_come_from_the_counts_as_shown():
    # "worse by a threshold": 8-12 of 38-42 people all show as 10 of 40, and the share as 25%
    # (from exact figures it was 8/42 = 19% to 12/38 = 32%, telling the pair apart)
    seen = set()
    for paired, worse in ((38, 8), (38, 12), (40, 10), (42, 8), (42, 12)):  # the corners
        changes = [-3.0] * worse + [0.0] * (paired - worse)  # WEMWBS threshold: 3 points
        table = outcomes.paired_change(_steady_change(changes))
        shown = outcomes.SPEC.disclose(table, Level.ROUND).export().iloc[0]
        seen.add((shown["paired"], shown["worse_by_threshold"],
                  shown["worse_by_threshold_pct"]))  # fmt: skip
    assert seen == {(40, 10, 25)}


# --- the neighbouring-dataset test on the outcomes page ------------------------------------


def _without(dataset: Dataset, referral: str) -> Dataset:
    tables = {name: table[table["referral_id"] != referral] for name, table in
              dataset.tables.items()}  # fmt: skip
    return Dataset(tables=tables, extract_date=dataset.extract_date)


def _page(dataset: Dataset, selection: Selection) -> list:
    panels = outcome_view.panels(dataset, selection, Level.ROUND)
    return [*panels, outcome_view.for_whom(dataset, selection, Level.ROUND, MEASURE, "age_band")]


def _counts(panels) -> list:
    return [p.disclosed.values[list(p.spec.counts)].to_dict("list") for p in panels if p.labels]


def test_removing_one_referral_changes_only_statistics_where_the_counts_stay_the_same():
    # 50 people, a third never followed up; remove one referral at a time: wherever every
    # count shown stays the same, only statistics of values (and intervals around them) may
    # change, never a count, a share, a note or the answer's counts
    dataset = _dataset({"E01": 50}, seed=3)
    scores = dataset.tables["outcomes"]
    lost = scores["referral_id"].str.endswith(("0", "3", "6")) & (
        scores["timepoint"] == "follow_up"
    )
    dataset = Dataset(tables={**dataset.tables, "outcomes": scores[~lost]},
                      extract_date=dataset.extract_date)  # fmt: skip
    year = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    before = _page(dataset, year)
    compared = 0
    for referral in dataset.tables["referrals"]["referral_id"][:4]:  # lost and followed
        after = _page(_without(dataset, referral), year)
        if _counts(after) != _counts(before):
            continue
        compared += 1
        for old, new in zip(before, after, strict=True):
            assert old.shown_notes == new.shown_notes or old.name == "outcome_attrition"
            if not old.labels:
                continue
            moving = set(old.spec.statistic_columns)
            kept = [label for column, label in old.labels.items() if column not in moving]
            pd.testing.assert_frame_equal(old.export()[kept], new.export()[kept])
        assert before[3].answer_text == after[3].answer_text  # follow-up: counts and a share
    assert compared >= 3
