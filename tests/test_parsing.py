"""The messy values people export: dates, booleans, numbers, postcodes, headers, NHS numbers."""

from datetime import date

import pandas as pd
import pytest

from socialrx.data import parsing
from socialrx.data.files import SourceFile, decode_text, read_csv, table_for, what_it_is
from socialrx.data.problems import Problem, Report, withhold
from socialrx.data.schema import TABLES
from socialrx.data.tables import numbered_ids, rename_headers

# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-31",  # ISO
        "31/03/2024",  # UK, day first
        "31-Mar-2024",
        "31-MAR-2024",
        "31 Mar 2024",
        "31MAR2024",  # SAS DATE9
        "31mar2024",
        "  31/03/2024  ",
        "2024-03-31T10:15:00",  # a time after the date is dropped
        "2024-03-31 10:15",
        "2024-03-31 00:00:00.000",
        "2024-03-31T10:15:00Z",
        "2024-03-31T10:15:00+01:00",
        "31/03/2024 10:15",
        "31/03/2024 23:59:59",
        "31-Mar-2024 09:00",
        "31MAR2024 10:15:00",
        "31MAR2024:10:15:00",  # SAS DATETIME20
    ],
)
def test_every_accepted_date_form_is_31_march_2024(text):
    assert parsing.parse_one_date(text) == date(2024, 3, 31)


def test_single_digit_day_and_month():
    assert parsing.parse_one_date("5/3/2024") == date(2024, 3, 5)  # 5 March, day first
    assert parsing.parse_one_date("2024-3-5") == date(2024, 3, 5)
    assert parsing.parse_one_date("1-Feb-2024") == date(2024, 2, 1)


def test_day_first_never_month_first():
    # 04/03/2024 is 4 March in the UK, never 3 April.
    assert parsing.parse_one_date("04/03/2024") == date(2024, 3, 4)


@pytest.mark.parametrize("text", ["31/03/24", "31-Mar-24", "31MAR24", "1/1/99"])
def test_two_digit_years_are_refused_with_a_message(text):
    message = parsing.parse_one_date(text)
    assert message == parsing.TWO_DIGIT_YEAR
    assert "two-digit year" in message and "in full" in message


def test_month_first_us_date_is_refused_because_31_is_not_a_month():
    message = parsing.parse_one_date("03/31/2024")
    assert isinstance(message, str)
    assert "31 is not a month" in message
    assert "day first" in message


@pytest.mark.parametrize(
    "text", ["31/02/2024", "29/02/2023", "2024-02-30", "32/01/2024", "31-Foo-2024"]
)
def test_impossible_dates_are_refused(text):
    assert not isinstance(parsing.parse_one_date(text), date)


def test_leap_day_is_a_real_date():
    assert parsing.parse_one_date("29/02/2024") == date(2024, 2, 29)


@pytest.mark.parametrize(
    "text", ["31.03.2024", "2024/03/31", "March 31 2024", "yesterday", "45382"]
)
def test_other_forms_say_which_forms_are_allowed(text):
    assert parsing.parse_one_date(text) == parsing.DATE_ALLOWED


def test_parse_dates_keeps_good_cells_and_explains_bad_ones():
    values = pd.Series(["31/03/2024", "", None, "31/03/24", "03/31/2024", "2024-01-05", "  "])
    dates, errors = parsing.parse_dates(values)
    assert dates.dtype == "datetime64[ns]"
    assert dates.iloc[0] == pd.Timestamp("2024-03-31")
    assert dates.iloc[5] == pd.Timestamp("2024-01-05")
    assert dates.iloc[[1, 2, 3, 4, 6]].isna().all()
    # Blank cells are not errors; unreadable ones say why.
    assert errors.iloc[[0, 1, 2, 5, 6]].isna().all()
    assert errors.iloc[3] == parsing.TWO_DIGIT_YEAR
    assert "31 is not a month" in errors.iloc[4]


def test_parse_dates_of_no_rows():
    for dtype in ("str", "string", object):
        dates, errors = parsing.parse_dates(pd.Series([], dtype=dtype))
        assert len(dates) == 0 and len(errors) == 0


# --- booleans, numbers ------------------------------------------------------------------


def test_booleans_in_any_case():
    values = pd.Series(["yes", "YES", "Yes", "y", "Y", "true", "TRUE", "True", "1", " yes "])
    parsed, bad = parsing.parse_bools(values)
    assert parsed.tolist() == [True] * 10
    assert not bad.any()
    values = pd.Series(["no", "NO", "No", "n", "N", "false", "FALSE", "False", "0"])
    parsed, bad = parsing.parse_bools(values)
    assert parsed.tolist() == [False] * 9
    assert not bad.any()


def test_unreadable_booleans_are_flagged_and_blanks_are_not():
    parsed, bad = parsing.parse_bools(pd.Series(["maybe", "", None, "2", "yes"]))
    assert bad.tolist() == [True, False, False, True, False]
    assert parsed.isna().tolist() == [True, True, True, True, False]


def test_numbers_with_thousands_separators_and_pounds():
    values = pd.Series(["29,199", "1,234,567", "£1,234.50", " 12 ", "-3", "0.5", "1e3"])
    parsed, bad = parsing.parse_numbers(values)
    assert parsed.tolist() == [29199.0, 1234567.0, 1234.5, 12.0, -3.0, 0.5, 1000.0]
    assert not bad.any()


def test_unreadable_numbers_are_flagged_and_blanks_are_not():
    parsed, bad = parsing.parse_numbers(pd.Series(["ten", "", None, "12a", "7"]))
    assert bad.tolist() == [True, False, False, True, False]
    assert parsed.iloc[4] == 7.0
    assert parsed.iloc[:4].isna().all()


# --- postcodes --------------------------------------------------------------------------


def test_postcodes_are_normalised():
    values = pd.Series(["s601aa", "S60  1AA", " s60 1aa ", "S601AA", "ec1a1bb", "W1A 0AX", "m11ae"])
    parsed, bad = parsing.normalise_postcodes(values)
    assert parsed.tolist() == ["S60 1AA"] * 4 + ["EC1A 1BB", "W1A 0AX", "M1 1AE"]
    assert not bad.any()


def test_bad_postcodes_are_flagged_and_blanks_are_not():
    parsed, bad = parsing.normalise_postcodes(pd.Series(["S60 1A", "not a postcode", "", None]))
    assert bad.tolist() == [True, True, False, False]
    assert parsed.isna().all()


# --- headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["asset_id", "\ufeffasset_id", "Asset ID", " ASSET-ID ", "asset  id", "Asset_-_Id"]
)
def test_headers_match_after_bom_case_spaces_dashes_underscores(header):
    assert parsing.normalise_header(header) == "asset_id"


def test_rename_headers_uses_the_contract_names_and_aliases():
    raw = pd.DataFrame(
        columns=["\ufeffAsset ID", "NAME", "Category", "Lat", "LNG", "Post code", "Catgory"]
    )
    report = Report()
    renamed = rename_headers(raw, TABLES["assets"], "assets.csv", report)
    assert list(renamed.columns) == [
        "asset_id",
        "name",
        "category",
        "latitude",
        "longitude",
        "postcode",  # spaces ignored as a last resort
        "catgory",  # kept, with a warning suggesting the contract's name
    ]
    assert report.lines() == [
        "assets.csv: column(s) 'Catgory' kept but not used (the contract's are "
        + ", ".join(c.name for c in TABLES["assets"].columns)
        + "); check the spelling: 'Catgory' is not category (warning)"
    ]


def test_rename_headers_first_of_two_aliases_wins_and_a_repeated_header_is_reported():
    raw = pd.DataFrame([["S60 1AA", "S601AA"]], columns=["pcds", "pcd"])
    report = Report()
    renamed = rename_headers(raw, TABLES["postcodes"], "postcodes.csv", report)
    assert list(renamed.columns) == ["postcode"]
    assert renamed["postcode"].iloc[0] == "S60 1AA"
    assert report.lines() == []  # both are ONS names for the postcode: nothing to fix
    raw = pd.DataFrame([["A1", "Walk", "Run"]], columns=["asset_id", "name", "Name"])
    renamed = rename_headers(raw, TABLES["assets"], "assets.csv", report)
    assert renamed["name"].tolist() == ["Walk"]
    assert report.lines() == [
        "assets.csv: the header 'Name' appears twice: the first column is used (warning)"
    ]


def test_person_level_tables_keep_only_the_contract_columns():
    raw = pd.DataFrame([["R1", "943 476 5919"]], columns=["referral_id", "NHS Number"])
    report = Report()
    renamed = rename_headers(raw, TABLES["referrals"], "referrals.csv", report)
    assert list(renamed.columns) == ["referral_id"]
    assert "'NHS Number' not loaded: person-level files keep only" in report.lines()[0]


def test_blank_means_missing_or_only_spaces():
    assert parsing.blank(pd.Series(["", "  ", None, "x", " x "])).tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]


# --- NHS numbers ------------------------------------------------------------------------


def test_nhs_number_check_digit():
    # 943 476 5919: weights 10..2 give 299; 299 mod 11 = 2; 11 - 2 = 9, the last digit.
    # 000 000 1120: 1x4 + 1x3 + 2x2 = 11; 11 mod 11 = 0; 11 - 0 = 11, which stands for 0.
    # 000 000 006x: 6x2 = 12; 12 mod 11 = 1; 11 - 1 = 10: no valid number has this prefix.
    values = pd.Series(
        [
            "9434765919",
            "943 476 5919",
            "943-476-5919",
            "0000001120",
            "9434765910",
            "0000000060",
            "0000000061",
            "123456789",
            "P0001234",
            "94347659190",
            None,
        ]
    )
    assert nhs_valid(values) == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
    ]


def nhs_valid(values: pd.Series) -> list[bool]:
    return parsing.nhs_number_valid(values).tolist()


# --- problems ---------------------------------------------------------------------------


def test_problem_line_format():
    problem = Problem("assets.csv", "not understood", row=3, column="category", value="knit")
    assert str(problem) == "assets.csv:3: category: 'knit': not understood"
    assert str(Problem("assets.csv", "missing")) == "assets.csv: missing"
    empty = Problem("referrals.csv", "required", row=2, column="referral_id", value="")
    assert str(empty) == "referrals.csv:2: referral_id: (empty): required"
    warning = Problem(
        "assets.csv", "link dropped", row=2, column="url", value="x", severity="warning"
    )
    assert str(warning) == "assets.csv:2: url: 'x': link dropped (warning)"


def test_report_lists_twenty_rows_then_counts_the_rest():
    report = Report()
    report.add_rows("referrals.csv", "sex", range(2, 27), ["q"] * 25, "not understood")
    lines = report.lines()
    assert len(lines) == 21
    assert lines[0] == "referrals.csv:2: sex: 'q': not understood"
    assert lines[19].startswith("referrals.csv:21:")
    assert lines[20] == "referrals.csv: sex: and 5 more rows like this: not understood"


def test_report_withholds_values_that_pass_the_nhs_check():
    report = Report()
    report.add_rows("referrals.csv", "age_band", [2, 3], ["9434765919", "9434765910"], "bad")
    assert report.lines() == [
        "referrals.csv:2: age_band: 'value withheld': bad",
        "referrals.csv:3: age_band: '9434765910': bad",
    ]


def test_problems_never_carry_an_nhs_number_in_message_or_value():
    problem = Problem(
        "referrals.csv",
        "codes: 9434765919 (2), 943 476 5919 (1), 1234567890 (1)",
        row=2,
        column="area_code",
        value="id 943-476-5919",
    )
    assert problem.message == "codes: value withheld (2), value withheld (1), 1234567890 (1)"
    assert problem.value == "id value withheld"
    # Longer digit runs are not NHS numbers: left alone.
    assert withhold("94347659190 and 19434765919") == "94347659190 and 19434765919"
    assert withhold("2024-03-31, 9,221 rows") == "2024-03-31, 9,221 rows"


def test_report_lists_errors_before_warnings():
    report = Report()
    report.add("a.csv", "first", severity="warning")
    report.add("b.csv", "second")
    assert report.lines() == ["b.csv: second", "a.csv: first (warning)"]
    assert len(report.errors) == 1 and len(report.warnings) == 1


# --- files: encodings, what a file is, which table it is --------------------------------


def test_decode_utf8_utf8_bom_and_windows_1252():
    text = "name\nCafé £5\n"
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_text(text.encode("cp1252")) == text
    assert "Café £5".encode("cp1252") == b"Caf\xe9 \xa35"  # really single bytes, not UTF-8


def test_what_it_is_names_binary_files():
    assert what_it_is(b"%PDF-1.7\n...") == "a PDF document"
    assert "zip" in what_it_is(b"PK\x03\x04rest")
    assert "old Excel" in what_it_is(b"\xd0\xcf\x11\xe0\xa1\xb1")
    assert what_it_is(b"\x89PNG\r\n") is not None
    assert what_it_is(b"a,b\x00c") == "a binary file"
    assert what_it_is(b"asset_id,name\nA1,x\n") is None


def test_read_csv_keeps_text_as_written():
    report = Report()
    frame = read_csv(SourceFile("assets.csv", b"asset_id,postcode,n\n007,S60 1AA,\n"), report)
    assert frame.to_dict("records") == [{"asset_id": "007", "postcode": "S60 1AA", "n": ""}]
    assert not report.problems


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("assets.csv", "assets"),
        ("Assets.CSV", "assets"),
        ("link-workers.csv", "link_workers"),
        ("Area Stats.csv", "area_stats"),
        ("areas.geojson", "areas"),
        ("epraccur.csv", "practices"),
        ("File_7_IoD2025_All_Ranks.csv", "area_stats"),
        ("File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", "area_stats"),
        ("notes.csv", None),
    ],
)
def test_table_for_file_names(name, table):
    assert table_for(name) == table


def test_ids_are_numbered_as_told_apart_trimmed_with_missing_last():
    raw = pd.Series(
        [" b", "a", "b ", None, "", "a", "c"], dtype="string[pyarrow]", index=range(3, 10)
    )
    shown, numbering = numbered_ids(raw)
    assert shown.tolist() == ["b", "a", "b", pd.NA, pd.NA, "a", "c"]
    assert shown.index.tolist() == list(range(3, 10))
    codes = numbering.codes
    assert codes.tolist() == [0, 1, 0, 3, 3, 1, 2]  # in order of first sight; missing: last
    assert numbering.distinct.tolist() == ["b", "a", "c", pd.NA]
    assert numbering.text.to_pylist() == ["b", "a", "c"]
    assert numbering.distinct[codes].tolist() == shown.tolist()
    assert numbering.kept([0, 6]).codes.tolist() == [0, 2]
    # the same rows told apart as by pandas' own numbering (only where missing goes differs)
    pandas_codes = pd.factorize(shown, use_na_sentinel=False)[0]
    pairs = set(zip(pandas_codes.tolist(), codes.tolist(), strict=True))
    assert len(pairs) == len(set(pandas_codes)) == len(set(codes)) == 4


@pytest.mark.parametrize("spaced", [False, True])
def test_ids_are_numbered_as_trimming_every_row_would_number_them(spaced):
    """Each distinct text is trimmed once (the rows' numbers stand where nothing is trimmed):
    the same numbers as trimming every row and numbering by first sight, missing last."""
    import numpy as np

    rng = np.random.default_rng(5)
    names = [f"R{n}" for n in range(40)] + [None]
    if spaced:
        names += [" R3", "R7 ", "", "  ", " R41"]
    raw = pd.Series(rng.choice(np.array(names, dtype=object), 500), dtype="string[pyarrow]")
    shown, numbering = numbered_ids(raw)
    trimmed = raw.str.strip()
    trimmed = trimmed.where(trimmed != "")
    first_sight = list(dict.fromkeys(t for t in trimmed.dropna()))
    expected = [first_sight.index(t) if pd.notna(t) else len(first_sight) for t in trimmed]
    assert numbering.codes.tolist() == expected
    assert shown.tolist() == trimmed.tolist()
    assert numbering.text.to_pylist() == first_sight
