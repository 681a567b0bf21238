"""docs/data-contract.md, the contract as users read it, names every table and column."""

import re
from pathlib import Path

import pytest

from socialrx.data.schema import TABLES

DOC = (Path(__file__).resolve().parents[1] / "docs" / "data-contract.md").read_text()


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_and_column_is_in_the_contract(name):
    table = TABLES[name]
    assert f"### {table.file}" in DOC or f"### {name}." in DOC, table.file
    missing = [c.name for c in table.columns if not re.search(rf"\b{c.name}\b", DOC)]
    assert missing == [], f"{table.file}: {missing}"
