"""A page's summary ("What this page found") from its panels' answers: sections, leads, and
the overview's and the directory's answers worked out by hand."""

import pandas as pd

from socialrx.disclosure import Level
from socialrx.views import directory
from socialrx.views.overview import CONNECTED, headline_answer
from socialrx.views.panels import Card, Panel, Section, found, sections_by_name


def _panel(name: str, answer: str = "", lead: str = "") -> Panel:
    return Panel(
        name=name,
        title=name,
        caption="",
        level=Level.OFF,
        table=pd.DataFrame({"x": [1]}),
        answer=(lambda _v: answer) if answer else None,
        lead=(lambda _v: lead) if lead else None,
    )


def test_a_summary_gathers_each_sections_answers_in_the_pages_order():
    a = _panel(
        "practice_funnel", "Two practices refer less. Neither is unusual.", "Two refer less."
    )
    b = _panel("practice_ranked", "Rates run from 19.7 to 1.7.")
    c = _panel("equity_by_imd_decile")  # no answer: left out
    d = _panel("recording_by_month", "Every month records well.")
    sections = [Section("Practices", [a, b]), Section("Deprivation", [c]),
                Section("Recording", [d])]  # fmt: skip
    # a titled section's answers together, each panel's opening where it has one
    assert found(sections) == [
        ("Practices", "Two refer less. Rates run from 19.7 to 1.7."),
        ("Recording", "Every month records well."),
    ]
    # an untitled section's one by one
    assert found([Section("", [a, b, c])]) == [("", "Two refer less."),
                                               ("", "Rates run from 19.7 to 1.7.")]  # fmt: skip
    assert a.answer_text.endswith("Neither is unusual.")  # the panel keeps its whole answer
    # the same words from two panels are said once
    twice = _panel("effect", "Too few to judge.")
    assert found([Section("", [_panel("change", "Too few to judge."), twice])]) == [
        ("", "Too few to judge.")
    ]
    # and words an earlier answer opens with, in any section; words that add to an earlier
    # answer are kept
    more = _panel("change", "Too few to judge: 10 paired. 35 had a baseline.")
    less = _panel("effect", "Too few to judge: 10 paired.")
    assert found([Section("", [more]), Section("Who", [less])]) == [
        ("", "Too few to judge: 10 paired. 35 had a baseline.")
    ]
    assert found([Section("", [less, more])]) == [
        ("", "Too few to judge: 10 paired."),
        ("", "Too few to judge: 10 paired. 35 had a baseline."),
    ]


def test_panels_are_grouped_by_name_and_none_is_lost():
    panels = [_panel(n) for n in ("practice_funnel", "equity_slope", "odd_one", "practice_x")]
    sections = sections_by_name(panels, {"Practices": ("practice_",), "Deprivation": ("equity_",),
                                "Who": ("who_",), "More": ("more_",)})  # fmt: skip
    assert [(s.title, [p.name for p in s.panels]) for s in sections] == [
        ("Practices", ["practice_funnel", "practice_x"]),
        ("Deprivation", ["equity_slope"]),
        ("More", ["odd_one"]),  # matching no group: the last section; "Who" is empty
    ]


class _Measure:
    label = "SWEMWBS (metric score)"
    higher_is_better = True


def test_the_overview_answer_is_its_cards_in_words():
    def card(name, value, figure, previous, difference):
        return Card(name, value, "", figure=figure, previous=previous, difference=difference)

    cards = (
        card("Referrals", "2,990", 2990, 2630, 360),
        card(CONNECTED, "54%", 54, 53, 1),
        card("Active assets", "130", 130, None, None),
        card("Over capacity", "3", 3, 3, 0),
        card("SWEMWBS change", "too few", None, None, None),
    )
    assert headline_answer(cards, _Measure()) == (
        "2,990 referrals, 360 more than in the months just before; 54% of those old enough to "
        "judge connected within 90 days, up 1 point; 3 assets over capacity, as many as before; "
        "too few people measured twice to say whether SWEMWBS changed."
    )
    fewer = (card("Referrals", "*", None, None, None), card(CONNECTED, "48%", 48, 50, -2),
             card("Active assets", "1", 1, None, None), card("Over capacity", "1", 1, 2, -1),
             card("SWEMWBS change", "-0.5 points", -0.5, None, None))  # fmt: skip
    assert headline_answer(fewer, _Measure()) == (
        "48% of those old enough to judge connected within 90 days, down 2 points; 1 asset over "
        "capacity, 1 fewer than before; SWEMWBS fell by 0.5 points on average among people "
        "measured twice (higher is better)."
    )


def test_the_directorys_answers_count_records_not_people():
    own = pd.DataFrame({
        "name": ["Cafe", "Walk", "Choir", "Garden"],
        "stale": ["yes", "yes", "no", "no"],
        "missing": ["", "no schedule", "no capacity", ""],
    })  # fmt: skip
    assert directory.records_answer(own, "Ashcombe Collective") == (
        "Ashcombe Collective has 4 asset records: 2 stale (not verified in 12 months: Cafe and "
        "Walk); 2 hidden from filters (Walk: no schedule and Choir: no capacity)."
    )
    everyone = pd.DataFrame({"name": ["A", "B", "C"], "assets": [4, 3, 1],
                             "stale": [2, 0, 0], "gaps": [1, 0, 1]})  # fmt: skip
    assert directory.organisations_answer(everyone) == (
        "Of 8 asset records, 2 are stale and 2 lack a schedule, accessibility or capacity, at "
        "2 of 3 organisations; the most stale: A (2)."
    )
