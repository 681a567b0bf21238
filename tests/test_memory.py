"""Memory: compact columns (`Column.compact`) and freed arrays handed back to the system
(`socialrx.data.memory`)."""

import platform
import sys

import numpy as np
import pandas as pd

from socialrx.data.memory import map_large_arrays
from socialrx.data.schema import TABLES
from socialrx.data.tables import parse_column


def test_the_threshold_is_fixed_on_glibc_only():
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert map_large_arrays() is glibc


def test_a_compact_column_is_a_categorical_of_its_vocabulary_in_order():
    column = TABLES["outcomes"].column("timepoint")
    values = pd.Series(["Follow-up", "baseline", "", "later"], dtype="string")
    parsed, bad, _ = parse_column(values, column)
    assert list(parsed.dtype.categories) == ["baseline", "follow_up"]  # both, though one is seen
    assert parsed.cat.codes.tolist() == [1, 0, -1, -1]
    assert bad.tolist() == [False, False, False, True]  # a blank is missing, not wrong
    assert parsed.cat.codes.dtype == np.int8  # a byte a row
