"""The auditor's attacks of issue 20 ("Nothing shown undoes the rounding"), each as a test:
datasets that differ only in a true count within the range its shown figure allows must show
the same everything, so nothing on the page or in its CSV tells which is the truth. Each test
also works out what the old code showed (a figure from the exact count) to show the attack
would succeed there: the tests can fail. (The Sankey's boxes are in test_hidden_range.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import GOOD_ASSETS, load_texts
from neighbours import differences, view

from socialrx.disclosure import Level, disclose_counts
from socialrx.metrics import intervals
from socialrx.metrics.selection import Selection
from socialrx.views import equity, referral_flows
from socialrx.views import forecast as forecast_view
from socialrx.views import outcomes as outcome_view

LEVEL = Level.ROUND
YEAR = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
TRUE_COUNTS = range(38, 43)  # each shown as 40


def _shown(count: int) -> float:
    return float(disclose_counts([count], LEVEL).iloc[0])


def _csv(rows: list[dict]) -> str:
    return pd.DataFrame(rows).to_csv(index=False)


def _same_everywhere(panels: dict[int, object]) -> list[str]:
    """What a reader could tell the datasets apart by: every shown item of the panel that is
    not the same for all of them (compared with the first)."""
    first, *others = panels.values()
    return [
        f"true count {n}: {d}"
        for n, p in list(panels.items())[1:]
        for d in differences(view(first), view(p))
    ]


# --- practices: the place's referrals, with practice P1's count anywhere from 38 to 42 -------

PRACTICES = _csv(
    [
        {
            "practice_code": "P1",
            "name": "One",
            "pcn_code": "N1",
            "pcn_name": "North",
            "list_size": 8000,
        },
        {
            "practice_code": "P2",
            "name": "Two",
            "pcn_code": "N1",
            "pcn_name": "North",
            "list_size": 12000,
        },
        {
            "practice_code": "P3",
            "name": "Three",
            "pcn_code": "N1",
            "pcn_name": "North",
            "list_size": 6000,
        },
    ]
)
AREAS = _csv(
    [
        {"area_code": "E01000001", "imd_decile": 1, "population_adult": 5000},
        {"area_code": "E01000002", "imd_decile": 5, "population_adult": 8000},
    ]
)
AGES = _csv(
    [
        {"practice_code": p, "age_band": "45-54", "sex": s, "patients": n}
        for p, sizes in (("P1", (4000, 4000)), ("P2", (6000, 6000)), ("P3", (3000, 3000)))
        for s, n in zip(("female", "male"), sizes, strict=True)
    ]
)


def _practices_dataset(n: int):
    """P1: 20 women and n - 20 men, living in a decile-1 area; P2: 32 women, 28 men; P3: 13
    women, 12 men, both in a decile-5 area; all 45-54, referred through 2024. Whatever n in
    38-42, every count shows the same: P1 40, the place 125 (123-127), the decile-1 area 40,
    the decile-5 area 85, the strata 65 (women) and 60 (men: 58-62)."""
    rows = []
    for practice, women, men, area in (
        ("P1", 20, n - 20, "E01000001"),
        ("P2", 32, 28, "E01000002"),
        ("P3", 13, 12, "E01000002"),
    ):
        for i in range(women + men):
            rows.append(
                {
                    "referral_id": f"{practice}-{i}",
                    "referral_date": f"2024-{1 + i % 12:02d}-10",
                    "practice_code": practice,
                    "area_code": area,
                    "age_band": "45-54",
                    "sex": "female" if i < women else "male",
                    "ethnicity": "white",
                }
            )
    dataset, _ = load_texts(
        {
            "assets.csv": GOOD_ASSETS,
            "practices.csv": PRACTICES,
            "area_stats.csv": AREAS,
            "registered_ages.csv": AGES,
            "referrals.csv": _csv(rows),
        }
    )
    return dataset


@pytest.fixture(scope="module")
def equity_pages() -> dict[int, dict[str, object]]:
    """The equity page's panels for each true count of P1, by name."""
    out = {}
    for n in TRUE_COUNTS:
        panels = equity.panels(_practices_dataset(n), YEAR, LEVEL)
        out[n] = {p.name: p for p in panels}
    return out


def test_a_practices_interval_admits_every_count_the_shown_one_allows(equity_pages):
    ranked = {n: panels["practice_rates_ranked"] for n, panels in equity_pages.items()}
    assert not _same_everywhere(ranked)  # the interval (and all else) says nothing of 38-42
    row = ranked[40].export().set_index("Practice code").loc["P1"]
    # the union of the exact intervals for 38-42 referrals of 8,000 a year: 38's lower limit
    # (26.89) and 42's upper (56.77), per 1,000 registered adults: 3.4 to 7.1
    assert (row["95% CI from"], row["95% CI to"]) == (3.4, 7.1)
    # the old interval, from the exact count, told the five apart
    old = {
        tuple(np.round(np.array(intervals.poisson_interval([n])).ravel() / 8, 2))
        for n in TRUE_COUNTS
    }
    assert len(old) == len(TRUE_COUNTS)


def test_a_deciles_interval_admits_every_count_the_shown_one_allows(equity_pages):
    deciles = {n: panels["equity_by_imd_decile"] for n, panels in equity_pages.items()}
    assert not _same_everywhere(deciles)
    old = {round(float(intervals.poisson_interval([n])[0][0]) / 5, 1) for n in TRUE_COUNTS}
    assert len(old) > 1  # the decile-1 area's old lower limit per 1,000 of its 5,000 adults


def test_the_funnels_limits_are_the_same_for_every_total_the_shown_one_allows(equity_pages):
    # the place's total is 123-127 (shown 125): its limit curves, place rate and judgements
    # must not tell which; the old curves round the exact place rate, 125/26 per 1,000 ...
    funnels = {n: panels["practice_funnel"] for n, panels in equity_pages.items()}
    assert not _same_everywhere(funnels)
    assert {round(1000 * (n + 85) / 26000, 3) for n in TRUE_COUNTS} == {
        4.731, 4.769, 4.808, 4.846, 4.885}  # fmt: skip  # ... which told the five apart


def test_expected_counts_sum_to_the_strata_as_shown_not_the_exact_total(equity_pages):
    standardised = {n: panels["practice_standardised"] for n, panels in equity_pages.items()}
    assert not _same_everywhere(standardised)
    table = standardised[38].export()
    # women 65 (exact 65) and men 60 (exact 58): expected 125, not the exact 123
    assert table["Expected at the place's rates for age and sex"].sum() == pytest.approx(125, 0.01)
    assert table["Adult referrals (age band and sex recorded)"].tolist().count(40) == 1


# --- SPC: a month shown as 125 whose signal would tell 126-127 from 123-125 -----------------

SPC_MONTHS = [100, 110, 104, 108, 102, 106, 100, 110, 104, 108, 102, 106]


def _monthly_dataset(last: int):
    """Referrals per month through 2023 (SPC_MONTHS), then `last` in January 2024."""
    rows = []
    for month, count in enumerate([*SPC_MONTHS, last]):
        start = pd.Timestamp("2023-01-01") + pd.DateOffset(months=month)
        rows += [
            {"referral_id": f"R{month}-{i}", "referral_date": f"{start:%Y-%m}-{1 + i % 28:02d}"}
            for i in range(count)
        ]
    meta = "extract_date\n2024-02-29\n"
    dataset, _ = load_texts(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": _csv(rows), "dataset.csv": meta}
    )
    return dataset


def test_an_spc_signal_does_not_tell_a_months_count_within_its_rounding():
    # SPC fix (others' work): 123-127 all show 125. On the exact series the last point is a
    # signal from 126 (the limits and the rule read exact counts); on the series as shown it
    # is the same for all five
    january = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-31"))
    panels = {}
    for last in range(123, 128):
        assert _shown(last) == 125
        dataset = _monthly_dataset(last)
        tables = referral_flows.pathway_tables(dataset, january)
        panels[last] = referral_flows.spc_panels(tables, LEVEL, None)[0]
    found = _same_everywhere(panels)
    assert not found, "\n".join(found[:12])


# --- outcomes: Cohen's dz interval with the disclosed n, statistics beside a shown 30 --------

MEASURE = "ons4_life_satisfaction"


def _scored(people: int, seed: int = 3):
    """`people` referred in 2024, each scored at baseline and follow-up (integers 0-10)."""
    rng = np.random.default_rng(seed)
    refs, rows = [], []
    for i in range(people):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)
        refs.append({"referral_id": f"R{i}", "referral_date": f"{day:%Y-%m-%d}"})
        base = int(rng.integers(2, 8))
        after = int(np.clip(base + rng.integers(-2, 4), 0, 10))
        for point, value, when in (
            ("baseline", base, day),
            ("follow_up", after, day + pd.Timedelta(days=90)),
        ):
            rows.append(
                {
                    "referral_id": f"R{i}",
                    "measure": MEASURE,
                    "timepoint": point,
                    "assessed_date": f"{when:%Y-%m-%d}",
                    "value": value,
                }
            )
    dataset, _ = load_texts(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": _csv(refs), "outcomes.csv": _csv(rows)}
    )
    return dataset


def _same_change(people: int):
    """`people` scored on SWEMWBS (metric) at baseline and follow-up, the baselines and the
    changes spread evenly so that their means (20, 1.6) and SDs (3, 4) are the same whatever
    the number of people: Cohen's dz is 1.6 / 4 = 0.4 for every one."""
    spread = np.linspace(-1, 1, people)
    spread = (spread - spread.mean()) / spread.std(ddof=1)
    base, change = 20 + 3 * spread, 1.6 + 4 * spread
    refs, rows = [], []
    for i in range(people):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)
        refs.append({"referral_id": f"R{i}", "referral_date": f"{day:%Y-%m-%d}"})
        for point, value, when in (
            ("baseline", base[i], day),
            ("follow_up", base[i] + change[i], day + pd.Timedelta(days=90)),
        ):
            rows.append(
                {
                    "referral_id": f"R{i}",
                    "measure": "swemwbs_metric",
                    "timepoint": point,
                    "assessed_date": f"{when:%Y-%m-%d}",
                    "value": value,
                }
            )
    dataset, _ = load_texts(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": _csv(refs), "outcomes.csv": _csv(rows)}
    )
    return dataset


def test_cohens_dz_interval_rests_on_the_count_shown_not_the_true_one():
    # Outcomes fix (others' work): 38-42 people, each shown as 40, with the same dz (0.4).
    # Its 95% interval, dz +/- 1.96 sqrt(1/n + dz^2 / (2n)), and the mean change's are worked
    # out with n: from the exact n their width gives it away (38: 0.4 +/- 1.96 x 0.1686 =
    # 0.07 to 0.73; 42: +/- 1.96 x 0.1604 = 0.09 to 0.71), from the n shown they are the
    # same for all five
    shown = {}
    for n in TRUE_COUNTS:
        panels = {p.name: p for p in outcome_view.panels(_same_change(n), YEAR, LEVEL)}
        effect = panels["outcome_effect_sizes"].disclosed.export().set_index("measure")
        change = panels["outcome_change"].disclosed.export().set_index("measure")
        row = {
            **effect.loc["swemwbs_metric", ["paired", "dz", "dz_low", "dz_high"]].to_dict(),
            **change.loc["swemwbs_metric", ["mean_change", "ci_low", "ci_high"]].to_dict(),
        }
        shown[n] = row
    assert shown[38]["paired"] == 40 and shown[38]["dz"] == 0.4
    assert all(row == shown[40] for row in shown.values()), shown


@pytest.mark.parametrize("people", [28, 32])
def test_a_statistic_beside_a_shown_30_is_shown_whatever_the_true_count(people):
    # 28-32 people all show as 30: whether the mean is shown must not tell which (the old rule,
    # 30 or more exact people, showed it for 30-32 and not 28-29)
    panel = next(
        p for p in outcome_view.panels(_scored(people), YEAR, LEVEL) if p.name == "outcome_change"
    )
    row = panel.disclosed.export().set_index("measure").loc[MEASURE]
    assert row["paired"] == 30
    assert isinstance(row["mean_change"], float)


# --- endings: "did not engage" among ended referrals --------------------------------------


def _endings_dataset(not_engaging: int):
    """60 ended referrals in 2024 for carers, `not_engaging` of them "did not engage", the
    rest completed."""
    rows = []
    for i in range(60):
        day = pd.Timestamp("2024-01-05") + pd.Timedelta(days=3 * i)
        rows.append(
            {
                "referral_id": f"R{i}",
                "referral_date": f"{day:%Y-%m-%d}",
                "referrer_type": "gp practice",
                "reasons": "carer",
                "status": "did not engage" if i < not_engaging else "completed",
                "closed_date": f"{day + pd.Timedelta(days=60):%Y-%m-%d}",
            }
        )
    dataset, _ = load_texts(
        {
            "assets.csv": GOOD_ASSETS,
            "referrals.csv": _csv(rows),
            "dataset.csv": "extract_date\n2025-06-30\n",
        }
    )
    return dataset


def test_the_share_not_engaging_and_its_interval_come_from_the_counts_shown():
    # Referral flows fix (others' work): 13-17 of 60 did not engage, each shown as 15 of
    # 60: share 25% and its interval the same for all (the old interval, Wilson's on the
    # exact count, told them apart)
    panels = {}
    for n in range(13, 18):
        assert _shown(n) == 15
        tables = referral_flows.pathway_tables(_endings_dataset(n), YEAR)
        panels[n] = referral_flows.endings_panel(tables, LEVEL)
    found = _same_everywhere(panels)
    assert not found, "\n".join(found[:12])
    old = {
        tuple(np.round(100 * np.array(intervals.wilson_interval([n], [60])).ravel()))
        for n in range(13, 18)
    }
    assert len(old) > 1


# --- forecasts: fitted on the monthly counts as shown ---------------------------------------


def _sent_dataset(bump: int):
    """An asset sent 21-44 people a month from 2022 to 2024 (a yearly rhythm, growing), with
    `bump` more in June 2024 (25 then, or 26: both shown as 25)."""
    shape = [30, 34, 36, 32, 26, 21, 22, 24, 28, 33, 38, 40]
    refs, sent = [], []
    for month in range(36):
        start = pd.Timestamp("2022-01-01") + pd.DateOffset(months=month)
        count = shape[month % 12] + (2 * (month // 12)) + (bump if month == 29 else 0)
        for i in range(count):
            rid = f"R{month}-{i}"
            day = f"{start:%Y-%m}-{1 + i % 28:02d}"
            refs.append({"referral_id": rid, "referral_date": day})
            sent.append(
                {"referral_id": rid, "asset_id": "A1", "referred_date": day, "outcome": "attending"}
            )
    dataset, _ = load_texts(
        {
            "assets.csv": GOOD_ASSETS,
            "referrals.csv": _csv(refs),
            "connections.csv": _csv(sent),
            "dataset.csv": "extract_date\n2024-12-31\n",
        }
    )
    return dataset


def test_a_forecast_is_the_same_for_every_month_count_its_rounding_allows():
    # Capacity fix (others' work): June 2024 has 25 or 26 people sent (both shown 25); the
    # forecast, its interval and its backtest errors must be fitted on the counts as shown
    end = Selection(pd.Timestamp("2024-12-31"), pd.Timestamp("2024-12-31"))
    panels = {}
    for bump in (0, 1):
        dataset = _sent_dataset(bump)
        june = dataset.table("connections")["referred_date"].dt.strftime("%Y-%m") == "2024-06"
        assert _shown(int(june.sum())) == 25
        table, methods = forecast_view.forecast_data(dataset, end, LEVEL)
        built = forecast_view.forecast_panels(table, methods, LEVEL, 12)
        panels[bump] = {p.name: p for p in built}
    found = [
        f"{name}: {d}"
        for name in panels[0]
        for d in differences(view(panels[0][name]), view(panels[1][name]))
    ]
    assert not found, "\n".join(found[:12])
