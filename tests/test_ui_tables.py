import pandas as pd

from socialrx.escape import csv_bytes
from socialrx.ui import export_table, shown_table


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
