"""The Data page's problem list below disclosure "off": problems in person-level files are
grouped with a disclosed count of rows, never listed row by row beside a hidden count."""

from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files
from socialrx.disclosure import Level
from socialrx.views import data

ASSETS = "asset_id,name,category,latitude,longitude\nA1,Walk,knitting,53.43,-1.35\n"


def _report(bad_rows: tuple[int, ...], people: int = 60):
    rows = "".join(
        f"R{i},2024-01-{1 + i % 28:02d},{'Q' if i in bad_rows else 'female'}\n"
        for i in range(people)
    )
    referrals = "referral_id,referral_date,sex\n" + rows
    files = [
        SourceFile("assets.csv", ASSETS.encode()),
        SourceFile("referrals.csv", referrals.encode()),
    ]
    return load_files(files)[1]


def test_three_rows_of_a_bad_value_are_not_listed_beside_a_hidden_count():
    # the auditor's attack: 3 referrals of sex 'Q' were listed as rows 7, 19 and 42 while
    # the mapping page showed the count as *
    report = _report((5, 17, 40))
    assert report.person_files == ["referrals.csv"]
    shown = data.problems_table(report, Level.ROUND)
    people = shown[shown["file"] == "referrals.csv"]
    assert len(people) == 1 and people["row"].isna().all()
    assert people["value"].iloc[0] == "Q"
    assert "(1-7 rows;" in people["problem"].iloc[0]
    # not person-level: the asset's row is listed as ever
    assets = shown[shown["file"] == "assets.csv"]
    assert assets["row"].tolist() == [2]
    # the same with 1 bad row and with 7: nothing tells them apart
    for rows in ((5,), tuple(range(5, 12))):
        other = data.problems_table(_report(rows), Level.ROUND)
        assert other["problem"].tolist() == shown["problem"].tolist()
    # with disclosure off, every row, as `validate` prints them
    exact = data.problems_table(report, Level.OFF)
    assert exact.loc[exact["file"] == "referrals.csv", "row"].tolist() == [7, 19, 42]


def test_many_rows_are_counted_as_shown_including_those_past_the_listed_twenty():
    report = _report(tuple(range(2, 50)), people=60)  # 48 rows: 20 listed, 28 more
    shown = data.problems_table(report, Level.ROUND)
    lines = shown.loc[shown["file"] == "referrals.csv", "problem"].tolist()
    # the rows' problem: 48 rows, shown as 50; the column's summary says 50 rows too, not 48
    assert any("not understood" in line and "(50 rows;" in line for line in lines)
    assert any(line.startswith("50 rows hold this value") for line in lines)
    assert not any("48" in line for line in lines)


def _left_out(dropped: int):
    """60 referrals, the first `dropped` with no referral date (left out), each sent once."""
    referrals = "referral_id,referral_date,sex\n" + "".join(
        f"R{i},{'' if i < dropped else '2024-01-05'},female\n" for i in range(60)
    )
    connections = "referral_id,asset_id,referred_date\n" + "".join(
        f"R{i},A1,2024-02-01\n" for i in range(60)
    )
    files = [
        SourceFile(n, t.encode())
        for n, t in (
            ("assets.csv", ASSETS.replace("knitting", "arts and creativity")),
            ("referrals.csv", referrals),
            ("connections.csv", connections),
        )
    ]
    return load_files(files)[1]


def test_ids_of_left_out_rows_give_neither_their_rows_nor_their_count_away():
    # connections naming two referrals left out were listed as "R0 (row 2), R1 (row 3)":
    # the referrals' rows, and how many, while the referrals' own problem said "1-7 rows"
    shown = data.problems_table(_left_out(2), Level.ROUND)
    sent = shown[shown["file"] == "connections.csv"]
    assert len(sent) == 1 and sent["value"].iloc[0] == "R0"
    assert "(1-7 rows;" in sent["problem"].iloc[0] and "left out" in sent["problem"].iloc[0]
    # one left out or seven: the same lines
    for dropped in (1, 7):
        assert data.problems_table(_left_out(dropped), Level.ROUND).equals(shown)
    # counted as shown, past the hidden range: up to five ids, still no row
    many = data.problems_table(_left_out(20), Level.ROUND)
    ids = many.loc[many["file"] == "connections.csv", "value"].iloc[0]
    assert ids == "R0, R1, R2, R3, R4"
    # with disclosure off, `validate`'s every row, and the row each id was left out at
    exact = data.problems_table(_left_out(2), Level.OFF)
    assert exact.loc[exact["file"] == "connections.csv", "value"].tolist() == [
        "R0 (row 2)", "R1 (row 3)"]  # fmt: skip
