"""mapping.csv: an extract's file names, headers and values put into the contract's words
before the checks; what is still not allowed listed once per value with its count; every bad
mapping row named; each starter mapping loads its synthetic extract with no errors."""

import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from socialrx.data import mapping, templates
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files, load_folder
from socialrx.data.problems import ROWS_LISTED, Report
from socialrx.disclosure import Level
from socialrx.views import mapping as mapping_view

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mapping"
ASSETS = "asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.43,-1.35\n"
HEADER = "table,kind,column,from,to,note\n"


def files(**texts: str) -> list[SourceFile]:
    """SourceFiles from keyword names: `Referrals_Export_2025_csv=...` -> that file."""
    out = [SourceFile("assets.csv", ASSETS.encode())]
    for name, text in texts.items():
        stem, suffix = name.rsplit("_", 1)
        out.append(SourceFile(f"{stem}.{suffix}", text.encode()))
    return out


def built(rows: str) -> tuple[mapping.Mapping, Report]:
    report = Report()
    _, result = mapping.take([SourceFile("mapping.csv", (HEADER + rows).encode())], report)
    return result, report


def raw(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


# --- applying a mapping to a hand-built raw table ------------------------------------------


def test_a_column_row_renames_the_extracts_header_matched_like_the_contracts():
    extract, report = built("referrals,column,,Referral  Source,referrer_type,\n")
    assert report.problems == []
    frame = raw("Ref,referral-source\nR1,gp\n")
    out = extract.apply("referrals", frame, "x.csv", Report())
    assert list(out.columns) == ["Ref", "referrer_type"]
    assert out["referrer_type"].tolist() == ["gp"]


def test_value_rows_map_within_their_column_any_case_and_spacing():
    extract, report = built(
        "referrals,value,status,Closed - goals met,completed,\n"
        "referrals,value,closure_reason,Closed - goals met,goals met,\n"
    )
    assert report.problems == []
    frame = raw(
        "status,closure_reason,Other\n"
        "  closed -  GOALS met ,Closed - goals met,Closed - goals met\n"
        "Closed - goals met,,x\n"
    )
    out = extract.apply("referrals", frame, "referrals.csv", Report())
    assert out["status"].tolist() == ["completed", "completed"]
    assert out["closure_reason"].tolist() == ["goals met", ""]  # the same word, per column
    assert out["Other"].tolist() == ["Closed - goals met", "x"]  # other columns untouched
    assert frame["status"].iloc[1] == "Closed - goals met"  # the input is not changed


def test_values_in_a_list_column_are_mapped_item_by_item():
    extract, _ = built("referrals,value,reasons,Social isolation,loneliness and isolation,\n")
    out = extract.apply("referrals", raw("reasons\nSocial isolation; housing\n"), "r", Report())
    assert out["reasons"].tolist() == ["loneliness and isolation;housing"]


def test_a_drop_row_leaves_the_column_out_and_a_mapped_header_wins_over_the_contracts():
    extract, _ = built(
        "referrals,drop,,Patient Name,,\nreferrals,column,,Referral Status,status,\n"
    )
    report = Report()
    frame = raw("patient name,Status,Referral Status\nAnn,x,received\n")
    out = extract.apply("referrals", frame, "r.csv", report)
    assert list(out.columns) == ["status"]
    assert out["status"].tolist() == ["received"]
    [line] = report.lines()
    assert "column 'Status' left out: the mapping puts 'Referral Status' in status" in line


def test_a_file_row_names_the_table_of_a_file_with_wildcards_any_case():
    extract, report = built("referrals,file,,Referrals_Export_*.csv,,\n")
    assert report.problems == []
    assert extract.table_of("referrals_export_2025-03.CSV") == "referrals"
    assert extract.table_of("Assets_Export.csv") is None


# --- loading a dataset with a mapping --------------------------------------------------------

EXPORT = (
    "Ref ID,Date Referred,Referral Source,Referral Status\n"
    "R1,2025-01-06,GP,Closed - goals met\n"
    "R2,2025-01-07,Self,Awaiting triage\n"
    "R3,2025-01-08,GP,awaiting  TRIAGE\n"
    "R4,2025-01-09,GP,Awaiting Triage\n"
    "R5,2025-01-10,GP,On hold\n"
)
MAPPING = (
    HEADER + "referrals,file,,Referrals_Export_*.csv,,the export's name\n"
    "referrals,column,,Ref ID,referral_id,\n"
    "referrals,column,,Date Referred,referral_date,\n"
    "referrals,column,,Referral Source,referrer_type,\n"
    "referrals,column,,Referral Status,status,\n"
    "referrals,value,status,Closed - goals met,received,\n"
)


def test_an_export_under_its_own_name_loads_through_the_mapping():
    dataset, report = load_files(files(Referrals_Export_2025_csv=EXPORT, mapping_csv=MAPPING))
    referrals = dataset.table("referrals")
    assert referrals["referral_id"].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert referrals["referrer_type"].tolist() == ["gp practice", "self"] + ["gp practice"] * 3
    assert referrals["status"].tolist()[:1] == ["received"]
    # mapping.csv is not a table of the contract, and no file was ignored
    assert not [p for p in report.problems if p.file == "mapping.csv"]
    assert not [p for p in report.problems if "ignored" in p.message]


def test_an_export_and_its_mapping_zipped_together_load_as_loose_files():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("extract/Referrals_Export_2025.csv", EXPORT)
        archive.writestr("extract/mapping.csv", MAPPING)
        archive.writestr("extract/assets.csv", ASSETS)
    dataset, report = load_files([SourceFile("solihull.zip", buffer.getvalue())])
    assert dataset.table("referrals")["referral_id"].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert not report.ignored


def test_values_still_not_allowed_are_listed_once_each_with_their_counts():
    _, report = load_files(files(Referrals_Export_2025_csv=EXPORT, mapping_csv=MAPPING))
    summary = [p for p in report.problems if p.row is None and p.column == "status"]
    assert [(p.value, p.message.split(",")[0]) for p in summary] == [
        ("Awaiting triage", "3 rows hold this value"),  # three spellings, one value
        ("On hold", "1 row holds this value"),
    ]
    assert "not allow in status: map it in mapping.csv (allowed: received" in summary[0].message
    assert summary[0].file == "Referrals_Export_2025.csv"
    # the rows themselves are still reported one by one, as before
    assert len([p for p in report.problems if p.row is not None and p.column == "status"]) == 4
    values = mapping.unmapped_values(report)
    assert values.to_dict("records") == [
        {"file": "Referrals_Export_2025.csv", "table": "referrals", "column": "status",
         "value": "Awaiting triage", "rows": 3},
        {"file": "Referrals_Export_2025.csv", "table": "referrals", "column": "status",
         "value": "On hold", "rows": 1},
    ]  # fmt: skip


def test_without_a_mapping_the_report_is_as_before_and_the_list_still_complete():
    referrals = "referral_id,referral_date,status\nR1,2025-01-06,Open\nR2,2025-01-07,open\n"
    _, report = load_files(files(referrals_csv=referrals))
    assert not [p for p in report.problems if p.row is None]  # no summary line added
    values = mapping.unmapped_values(report)
    assert values[["column", "value", "rows"]].to_dict("records") == [
        {"column": "status", "value": "Open", "rows": 2}
    ]


def test_without_a_mapping_a_long_list_is_summarised_per_value():
    many = ROWS_LISTED + 5
    body = "".join(f"R{i},2025-01-06,Open\n" for i in range(many))
    _, report = load_files(files(referrals_csv="referral_id,referral_date,status\n" + body))
    [summary] = [p for p in report.problems if p.column == "status" and p.row is None
                 and p.value == "Open"]  # fmt: skip
    assert summary.message.startswith(f"{many} rows hold this value")
    assert mapping.unmapped_values(report)["rows"].tolist() == [many]


def test_a_mapping_is_known_by_its_header_under_any_name_and_several_combine():
    second = HEADER + "referrals,value,status,On hold,contacted,\n"
    dataset, report = load_files(
        files(Referrals_Export_2025_csv=EXPORT, mapping_csv=MAPPING, my_words_csv=second)
    )
    assert dataset.table("referrals")["status"].tolist()[4] == "contacted"
    assert not [p for p in report.problems if "my_words" in p.file]


def test_a_dataset_folder_with_a_mapping_loads_through_it(tmp_path):
    (tmp_path / "assets.csv").write_text(ASSETS)
    (tmp_path / "Referrals_Export_2025.csv").write_text(EXPORT)
    (tmp_path / "Mapping.CSV").write_text(MAPPING)
    dataset, _ = load_folder(tmp_path)
    assert len(dataset.table("referrals")) == 5


# --- bad mappings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("referrals,value,status,Done,finished,", "to",
         "'finished' is not a status: allowed are received, contacted, engaged, connected, "
         "completed, declined, did not engage, closed; row not used"),
        ("referrals,column,,Source,referrer,", "to",
         "'referrer' is not a column of referrals.csv: the columns are referral_id, person_id"),
        ("referals,column,,Source,referrer_type,", "table",
         "'referals' is not a table of the data contract: the tables are dataset, assets"),
        ("referrals,value,stat,Done,completed,", "column", "'stat' is not a column of"),
        ("referrals,rename,,Source,referrer_type,", "kind",
         "kind must be one of file, column, value, drop; row not used"),
        (",column,,Source,referrer_type,", "table", "blank: every row names the contract table"),
        ("referrals,column,,,referrer_type,", "from", "blank: say which name or value"),
        ("referrals,column,,Source,,", "to", "blank: say which column of the contract"),
        ("referrals,value,,Done,completed,", "column", "blank: a value row names the contract"),
        ("referrals,value,status,Done,,", "to", "blank: say which allowed value it is"),
    ],
)  # fmt: skip
def test_each_bad_row_is_named_and_skipped_and_the_good_rows_kept(row, column, message):
    extract, report = built(row + "\nreferrals,column,,Ref ID,referral_id,\n")
    [problem] = report.problems
    assert (problem.file, problem.row, problem.column) == ("mapping.csv", 2, column)
    assert message in problem.message, problem.message
    assert extract.columns["referrals"] == {"ref_id": "referral_id"}  # row 3 still used


def test_the_same_from_mapped_twice_differently_is_reported_and_the_first_used():
    extract, report = built(
        "referrals,value,status,Closed,completed,\n"
        "referrals,value,status,closed ,completed,\n"  # the same twice: no problem
        "referrals,value,status,CLOSED,closed,\n"
    )
    [problem] = report.problems
    assert problem.row == 4 and problem.column == "from"
    assert "'CLOSED' is mapped twice, to 'completed' (row 2) and 'closed'" in problem.message
    assert extract.values[("referrals", "status")] == {"closed": "completed"}


def test_a_mapping_without_its_columns_is_reported_and_not_used():
    bad = "table,from\nreferrals,Ref ID\n"
    dataset, report = load_files(files(mapping_csv=bad, referrals_csv="referral_id\nR1\n"))
    assert any(
        p.file == "mapping.csv" and "missing column(s) kind, to" in p.message
        for p in report.problems
    )


def test_a_value_row_accepts_the_spellings_the_column_accepts():
    extract, report = built("referrals,value,sex,M,1,NHS code 1 is male\n")
    assert report.problems == []
    assert extract.values[("referrals", "sex")] == {"m": "male"}


# --- the template and the starters -----------------------------------------------------------


def test_the_templates_mapping_has_one_valid_row_of_each_kind():
    frame = templates.blank_mapping()
    assert list(frame.columns) == list(mapping.COLUMNS)
    assert sorted(set(frame["kind"])) == sorted(mapping.KINDS)
    _, report = built(frame.to_csv(index=False, header=False))
    assert report.problems == []


@pytest.mark.parametrize("name", sorted(mapping.starters()))
def test_each_starter_mapping_loads_its_synthetic_extract_with_no_errors(name):
    folder = FIXTURES / name
    extract = [SourceFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    _, without = load_files(extract)
    # the extract does not load as it is: its codes are not understood (warnings: the rows are
    # kept, the values set aside)...
    assert without.problems
    dataset, report = load_files([*extract, SourceFile("mapping.csv", mapping.starter(name))])
    assert report.errors == [], report.lines()  # ...and loads with the starter mapping
    assert mapping.unmapped_values(report).empty
    assert len(dataset.table("referrals")) == len(pd.read_csv(folder / "referrals.csv", dtype=str))


def test_the_snomed_starter_maps_codes_and_terms_to_statuses():
    dataset, _ = load_files(
        [
            *(SourceFile(p.name, p.read_bytes())
              for p in (FIXTURES / "snomed_social_prescribing").iterdir()),
            SourceFile("mapping.csv", mapping.starter("snomed_social_prescribing")),
        ]
    )  # fmt: skip
    referrals = dataset.table("referrals")
    assert referrals["status"].tolist() == ["engaged", "engaged", "declined", "declined",
                                            "engaged"]  # fmt: skip
    assert referrals["closure_reason"].tolist()[2:4] == ["declined", "declined"]


# --- the Data page's table of values still not mapped ----------------------------------------


def test_person_level_counts_of_unmapped_values_are_disclosed_and_others_exact():
    report = Report()
    for table, column, value, count in [
        ("referrals", "status", "Awaiting triage", 312),
        ("referrals", "status", "On hold", 3),
        ("assets", "category", "Knitting", 3),
    ]:
        report.add(f"{table}.csv", f"{count:,} rows hold this value, which the {table} table "
                   f"does not allow in {column}: map it in mapping.csv", "warning",
                   column=column, value=value)  # fmt: skip
    panel = mapping_view.unmapped_panel(report, Level.ROUND)
    shown = panel.shown().set_index("Value")
    assert shown.loc["Awaiting triage", "Rows (person-level)"] == "310"
    assert shown.loc["On hold", "Rows (person-level)"] == "*"
    assert shown.loc["Knitting", "Rows"] == "3"  # assets are not people: exact
    assert shown.loc["On hold", "Rows"] == "–"  # counted beside, disclosed (never "None")
    assert list(shown.index) == ["Knitting", "Awaiting triage", "On hold"]  # by name, not count
    exact = mapping_view.unmapped_panel(report, Level.OFF).shown().set_index("Value")
    assert exact.loc["On hold", "Rows (person-level)"] == "3"


def test_an_empty_list_says_when_files_were_not_read_at_all():
    report = Report()
    assert mapping_view.unmapped_panel(report, Level.ROUND).caption.startswith("Every value")
    report.ignored["Referrals_Export_2025.csv"] = "not a file socialrx knows"
    caption = mapping_view.unmapped_panel(report, Level.ROUND).caption
    assert caption.startswith("No values to map among the files read; not read: Referrals_Ex")
    assert "needs a file row" in caption
    refused = Report(unreadable=["a.zip/b.zip/c.zip"])
    assert (
        "not read: a.zip/b.zip/c.zip" in mapping_view.unmapped_panel(refused, Level.ROUND).caption
    )


def test_mapping_round_trips_through_csv_bytes_without_blank_rows():
    frame = pd.DataFrame(
        [["referrals", "value", "status", "Done", "completed", ""], [""] * 6],
        columns=list(mapping.COLUMNS),
    )
    data = mapping.to_csv(frame)
    back = mapping.frame_of(data)
    assert back.to_dict("records") == [
        {"table": "referrals", "kind": "value", "column": "status", "from": "Done",
         "to": "completed", "note": ""}
    ]  # fmt: skip


# --- in the app ---------------------------------------------------------------------------------


def reload(at: AppTest) -> None:
    """Run app.py (the sidebar loads the data) and come back to the Data page: AppTest reruns
    a page it switched to on its own, where a browser's rerun goes through app.py."""
    at.switch_page("app.py")
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Data"


def test_choosing_a_starter_on_the_data_page_and_applying_it_loads_the_referrals(
    tmp_path, monkeypatch
):
    folder = tmp_path / "data"
    folder.mkdir()
    for path in (FIXTURES / "snomed_social_prescribing").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.setenv("SOCIALRX_DATA", str(folder))
    monkeypatch.setenv("SOCIALRX_CACHE_DIR", "off")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Data"
    headers = [h.value for h in at.header]
    assert "Your system's extract: mapping.csv" in headers
    assert any(
        h.startswith("Problems (0 errors, ") and not h.endswith(" 0 warnings)") for h in headers
    )
    unmapped = next(d.value for d in at.dataframe if "Value" in d.value.columns)
    assert "871731000000106" in set(unmapped["Value"])

    starter = next(k for k in mapping.starters() if k == "snomed_social_prescribing")
    at.selectbox(key="mapping_start").set_value(starter).run()
    at.button(key="mapping_apply").click().run()
    assert not at.exception, at.exception
    reload(at)
    headers = [h.value for h in at.header]
    assert any(h.startswith("Problems (0 errors") for h in headers), headers
    assert any("loaded with the mapping edited here" in i.value for i in at.info)
    assert sorted(p.name for p in folder.iterdir()) == before  # never written to the folder

    at.button(key="mapping_reset").click().run()
    reload(at)
    assert any(
        h.startswith("Problems (0 errors, ") and not h.endswith(" 0 warnings)")
        for h in (h.value for h in at.header)
    )


def test_an_edited_mapping_joins_the_uploaded_files_in_place_of_theirs(monkeypatch):
    """What "Apply" stores reaches the loader: the session's mapping replaces the upload's."""
    from socialrx import ui
    from socialrx.ui import loading

    edited = mapping.frame_of(mapping.starter("snomed_social_prescribing"))
    edited.loc[0, "to"] = "contacted"  # as if edited in the Data page's editor
    session = {}
    monkeypatch.setattr(loading.st, "session_state", session)
    ui.apply_mapping(edited)
    assert ui.session_mapping_applied()
    extract = tuple(
        SourceFile(p.name, p.read_bytes())
        for p in sorted((FIXTURES / "snomed_social_prescribing").iterdir())
    )
    theirs = SourceFile("mapping.csv", (HEADER + "referrals,value,status,x,closed,\n").encode())
    joined = loading._with_session_mapping((*extract, theirs))
    assert [f.name for f in joined].count("mapping.csv") == 1
    dataset, report = load_files(list(joined))
    assert report.errors == []
    assert dataset.table("referrals")["status"].tolist()[0] == "contacted"
    ui.apply_mapping(None)
    assert not ui.session_mapping_applied()
    assert loading._with_session_mapping(extract) == extract
