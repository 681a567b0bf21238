"""Referral rates by ethnic group (issue 25): counts, rates per 1,000 residents a year with exact
Poisson intervals from the disclosed counts, the place's rate, completeness and each group
against the place; the panel, its answer and its notes."""

import pandas as pd
import pytest
from conftest import GOOD_ASSETS, load_texts

from socialrx import vocab
from socialrx.disclosure import BORDERLINE, SUPPRESSED, Level
from socialrx.metrics import ethnicity
from socialrx.metrics.selection import PCN, Selection
from socialrx.views import ethnicity as view

# Two areas' residents (all ages): Asian 2,000, Black 500, Mixed 500, White 16,000, Other 1,000
# (20,000 in all).
POPULATION = pd.DataFrame(
    {
        "area_code": ["A1"] * 5 + ["A2"] * 5,
        "ethnic_group": list(vocab.ETHNIC_GROUPS) * 2,
        "residents": [1000, 250, 250, 8000, 500, 1000, 250, 250, 8000, 500],
    }
)
# Referrals: Asian 40, Black 3, Mixed 10, White 160, Other 10 living in A1 or A2; 5 not stated
# and 3 blank there (8 not recorded); 2 living elsewhere or with no area (outside).
GROUPS = {"asian": 40, "black": 3, "mixed": 10, "white": 160, "other": 10, "not stated": 5}


def referrals() -> pd.DataFrame:
    rows = []
    for group, count in GROUPS.items():
        rows += [{"area_code": "A1" if i % 2 else "A2", "ethnicity": group} for i in range(count)]
    rows += [{"area_code": "A1", "ethnicity": None}] * 3
    rows += [{"area_code": "Z9", "ethnicity": "white"}, {"area_code": None, "ethnicity": "asian"}]
    return pd.DataFrame(rows).astype("string")


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return ethnicity.ethnicity_counts(referrals(), POPULATION)


def test_counts_by_group_with_residents_and_those_in_no_group(counts):
    assert counts["ethnic_group"].tolist() == ["asian", "black", "mixed", "white", "other"]
    assert counts["group"].tolist() == ["Asian", "Black", "Mixed", "White", "Other"]
    assert counts["referrals"].tolist() == [40, 3, 10, 160, 10]
    assert counts["residents"].tolist() == [2000, 500, 500, 16000, 1000]
    assert set(counts["not_recorded"]) == {8} and set(counts["outside"]) == {2}


def test_rates_intervals_and_judgements_at_level_off(counts):
    shown = ethnicity.ethnicity_spec(per_year=1.0).disclose(counts, Level.OFF).values
    # 40 / 2,000 x 1,000 = 20.0; 3 / 500 = 6.0; 10 / 500 = 20.0; 160 / 16,000 = 10.0; 10.0
    assert shown["rate_per_1000"].tolist() == pytest.approx([20.0, 6.0, 20.0, 10.0, 10.0])
    # Garwood limits of 40: 28.5766 to 54.4686, over 2,000 residents x 1,000
    assert shown.loc[0, "rate_low"] == pytest.approx(14.2883, abs=1e-3)
    assert shown.loc[0, "rate_high"] == pytest.approx(27.2343, abs=1e-3)
    # the place: 223 recorded over 20,000 residents x 1,000 = 11.15; 223 of 231 recorded = 97%
    assert shown.loc[0, "recorded"] == 223
    assert shown.loc[0, "place_rate"] == pytest.approx(11.15)
    assert shown.loc[0, "recorded_pct"] == 97
    # Asian: 14.29 > 11.15, higher; White 8.51 to 11.68 spans it; Black 1.24 to 17.5 spans it
    assert shown["higher"].tolist() == [True, False, False, False, False]
    assert shown["lower"].tolist() == [False, False, False, False, False]


def test_everything_rests_on_the_disclosed_counts_when_rounded(counts):
    disclosed = ethnicity.ethnicity_spec(per_year=1.0).disclose(counts, Level.ROUND)
    values, marks = disclosed.values, disclosed.marks
    assert pd.isna(values.loc[1, "referrals"]) and marks.loc[1, "referrals"] == SUPPRESSED
    # Black's hidden 1-7 shows as the rates they give: 1 / 500 x 1,000 = 2.0 to 7 / 500 = 14.0
    assert marks.loc[1, "rate_per_1000"] == "2.0 to 14.0"
    # the place's recorded total from the groups as shown, the hidden one as 4:
    # 40 + 4 + 10 + 160 + 10 = 224, shown rounded like a count (225); its rate
    # 225 / 20,000 x 1,000 = 11.25
    assert values.loc[0, "recorded"] == 225
    assert values.loc[0, "place_rate"] == pytest.approx(11.25)
    # not recorded 8 shows as 10: 225 of 235 = 95.7 -> 96%
    assert values.loc[0, "not_recorded"] == 10 and values.loc[0, "recorded_pct"] == 96
    # Asian 40 may be 38-42: its interval's lower end at 38 is 26.8911 / 2 = 13.45
    assert values.loc[0, "rate_low"] == pytest.approx(13.4456, abs=1e-3)
    assert values.loc[0, "rate_high"] == pytest.approx(28.3859, abs=1e-3)
    assert values.loc[0, "higher"]
    # Black: at 1 the upper limit is 5.5716 / 500 x 1,000 = 11.14, below 11.25 (lower); at 7,
    # 28.8 is not: the rounding leaves it open
    assert marks.loc[1, "lower"] == BORDERLINE
    # Mixed 10 may be 8-12: at 8 the lower limit 3.4538 / 500 x 1,000 = 6.9 is under the place,
    # at 12 6.2006 / 500 x 1,000 = 12.4 is over it: borderline too
    assert marks.loc[2, "higher"] == BORDERLINE
    # White 160 may be 158-162: 184.6473 / 16 = 11.54 and 138.014 / 16 = 8.63 span 11.25
    assert not values.loc[3, "higher"] and not values.loc[3, "lower"]
    # the 2 outside are hidden
    assert marks.loc[0, "outside"] == SUPPRESSED


def _dataset(extra: dict | None = None):
    rows = ["referral_id,referral_date,area_code,ethnicity"]
    n = 0
    for group, count in GROUPS.items():
        for i in range(count):
            n += 1
            rows.append(f"R{n},2025-0{1 + i % 9}-15,{'A1' if i % 2 else 'A2'},{group}")
    for _ in range(3):
        n += 1
        rows.append(f"R{n},2025-03-15,A1,")
    files = {
        "assets.csv": GOOD_ASSETS,
        "referrals.csv": "\n".join(rows) + "\n",
        "area_ethnicity.csv": POPULATION.to_csv(index=False),
        "dataset.csv": "extract_date\n2025-12-31\n",
    }
    dataset, report = load_texts(files | (extra or {}))
    return dataset


YEAR = Selection(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))


def test_panel_answers_from_what_is_shown():
    (panel,) = view.panels(_dataset(), YEAR, Level.ROUND)
    assert panel.title == "Referral rates by ethnic group"
    assert panel.answer_text == (
        "Referrals per 1,000 residents a year: Asian 20.0, Mixed 20.0, White 10.0 and Other "
        "10.0, against 11.2 for the place (referrals with an ethnic group recorded). Asian "
        "residents were referred more often than the place's (95% interval wholly above its "
        "rate). 96% of these referrals have an ethnic group recorded; the rest are in no "
        "group's rate, so each rate is somewhat too low."
    )
    shown = panel.shown()
    assert shown["Ethnic group"].tolist() == ["Asian", "Black", "Mixed", "White", "Other"]
    assert shown.loc[1, "Referrals (all ages)"] == "*"
    assert shown.loc[1, "Lower than the place"] == "borderline"
    assert panel.shown_notes[0].startswith(
        "In no group's rate: 10 referrals living in these areas with no ethnic group recorded"
    )
    assert "partly recorded numerator misleads" in panel.caption
    assert "R (Chinese) Asian" in panel.caption
    figure = panel.figure
    assert [t.name for t in figure.data] == ["95% interval", "Rate"]


def test_a_poorly_recorded_place_is_told_to_read_rates_as_rough():
    values = pd.DataFrame(
        {
            "group": ["Asian"],
            "rate_per_1000": [5.0],
            "place_rate": [4.0],
            "higher": [False],
            "lower": [False],
            "recorded_pct": [62.0],
        }
    )
    assert view.answer(values).endswith(
        "Only 62% of these referrals have an ethnic group recorded: every rate counts only "
        "those, so read them as rough at best."
    )


def test_notes_say_what_the_panel_needs():
    dataset = _dataset()
    (by_practice,) = view.panels(dataset, Selection(YEAR.start, YEAR.end, PCN, ("U1",)),
                                 Level.ROUND)  # fmt: skip
    assert "where people live" in by_practice.empty
    no_census, _ = load_texts({"assets.csv": GOOD_ASSETS})
    (missing,) = view.panels(no_census, YEAR, Level.ROUND)
    assert "census2021-ts021-lsoa.csv" in missing.empty and "TS021" in missing.empty
