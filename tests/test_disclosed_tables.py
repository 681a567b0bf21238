import pandas as pd

from socialrx.disclosure import export_table, shown_table
from socialrx.escape import csv_bytes


def _disclosed():
    return pd.DataFrame({"name": ["a", "b"], "people": pd.array([2040, None], dtype="Float64"),
                         "change": pd.array([-0.8, None], dtype="Float64")})  # fmt: skip


def test_display_formats_and_stars_hidden_cells():
    out = shown_table(_disclosed(), ["people", "change"])
    assert out["people"].tolist() == ["2,040", "*"]
    assert out["change"].tolist() == ["-0.80", "*"]


def test_export_keeps_numbers_as_numbers():
    out = export_table(_disclosed(), ["people", "change"])
    assert out["people"].tolist() == [2040, "*"]
    assert out["change"].tolist() == [-0.8, "*"]
    assert csv_bytes(out).decode("utf-8-sig").splitlines() == [
        "name,people,change",
        "a,2040,-0.8",
        "b,*,*",
    ]


def test_a_blank_statistic_is_hidden_only_where_its_count_is():
    frame = pd.DataFrame(
        {
            "paired": pd.array([None, 0, 10], dtype="Float64"),
            "mean_change": pd.array([None, None, 1.5], dtype="Float64"),
        }
    )
    resting_on = {"mean_change": ("paired",)}
    shown = shown_table(frame, ["paired", "mean_change"], resting_on)
    assert shown["paired"].tolist() == ["*", "0", "10"]
    assert shown["mean_change"].tolist() == ["*", "–", "1.50"]
    exported = export_table(frame, ["paired", "mean_change"], resting_on)
    assert exported["mean_change"].tolist() == ["*", None, 1.5]
    assert csv_bytes(exported).decode("utf-8-sig").splitlines()[1:] == ["*,*", "0,", "10,1.5"]


def test_a_judgement_shows_as_words_and_is_hidden_with_its_count():
    frame = pd.DataFrame(
        {
            "connections": pd.array([None, 20, 0], dtype="Float64"),
            "over_capacity": pd.array([None, True, False], dtype="boolean"),
        }
    )
    resting_on = {"over_capacity": ("connections",)}
    shown = shown_table(frame, ["connections", "over_capacity"], resting_on)
    assert shown["over_capacity"].tolist() == ["*", "yes", "no"]
    exported = export_table(frame, ["connections", "over_capacity"], resting_on)
    assert exported["over_capacity"].tolist() == ["*", True, False]
