"""AppTest: every page on the demo data and on edge datasets, started from app.py."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from socialrx import ui

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = {
    "pages/asset_map.py": "Asset map",
    "pages/referral_flows.py": "Referral flows",
    "pages/capacity.py": "Capacity",
    "pages/outcomes.py": "Outcomes",
    "pages/commissioning.py": "Commissioning",
    "pages/data.py": "Data",
}
ASSETS = (
    "asset_id,name,category,latitude,longitude,capacity_per_month\n"
    "A1,Walking <b>club</b>,physical activity,53.43,-1.35,4\n"
)


def _run(folder: Path | None, monkeypatch) -> AppTest:
    if folder is not None:
        monkeypatch.setenv("SOCIALRX_DATA", str(folder))
    else:
        monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


def _every_page(at: AppTest) -> dict[str, AppTest]:
    assert not at.exception, at.exception
    assert at.title[0].value == "Social prescribing overview"
    seen = {}
    for path, title in PAGES.items():
        at.switch_page(path)
        at.run()
        assert not at.exception, (path, at.exception)
        assert at.title[0].value == title, path
        seen[path] = at
    return seen


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_every_page_on_the_demo_data(monkeypatch):
    warmed = []  # the first page drawn, the server imports the other pages' libraries
    monkeypatch.setattr(ui, "warm_up", warmed.append)
    at = _run(None, monkeypatch)
    assert len(warmed) == 1 and warmed[0].has("referrals")  # the dataset shown
    assert [m.label for m in at.metric][:2] == ["Referrals", "Connected within 90 days"]
    assert len(at.metric) == 5
    referrals = at.metric[0].value.replace(",", "")
    assert referrals.isdigit() and int(referrals) % 5 == 0  # rounded to 5 by default
    assert any("Demo data" in i.value for i in at.info)
    assert not at.error  # the demo data has no problems
    _every_page(at)


def test_disclosure_off_shows_exact_counts(monkeypatch):
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")  # a deployment that allows it
    at = _run(None, monkeypatch)
    rounded = at.metric[0].value
    at.sidebar.radio(key="disclosure").set_value("off").run()
    assert not at.exception
    assert at.metric[0].value != rounded or int(rounded.replace(",", "")) % 5 == 0
    assert any("Exact person-level figures" in w.value for w in at.sidebar.warning)


def test_deployment_floor_removes_off(monkeypatch):
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "round")
    at = _run(None, monkeypatch)
    assert at.sidebar.radio(key="disclosure").options == ["Round to 5, hide 1-7 (NHS Digital)"]


def test_without_configuration_a_server_offers_no_exact_figures(monkeypatch):
    monkeypatch.delenv("SOCIALRX_MIN_DISCLOSURE", raising=False)
    at = _run(None, monkeypatch)
    assert at.sidebar.radio(key="disclosure").options == ["Round to 5, hide 1-7 (NHS Digital)"]
    # a link cannot loosen it
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["disclosure"] = "off"
    at.run()
    assert at.sidebar.radio(key="disclosure").value == "round"
    assert any("not allowed on this deployment" in i.value for i in at.info)


def test_below_off_one_place_is_chosen_at_a_time(monkeypatch):
    at = _run(None, monkeypatch)
    at.sidebar.selectbox(key="place_kind").set_value("practice").run()
    picker = at.sidebar.multiselect(key="place_practice")
    assert picker.proto.max_selections == 1
    # a link asking for two practices gets the first, with a note saying why
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["place_kind"] = "practice"
    at.query_params["place_practice"] = "X90001,X90002"
    at.run()
    assert not at.exception
    assert at.sidebar.multiselect(key="place_practice").value == ["X90001"]
    assert any("one place is chosen at a time" in i.value for i in at.info)


def test_place_filter_changes_the_figures(monkeypatch):
    at = _run(None, monkeypatch)
    everyone = at.metric[0].value
    at.sidebar.selectbox(key="place_kind").set_value("PCN").run()
    at.sidebar.multiselect(key="place_PCN").set_value(["XPCN01"]).run()
    assert not at.exception
    assert at.metric[0].value != everyone


def test_every_page_with_assets_only(tmp_path, monkeypatch):
    at = _run(_write(tmp_path / "only_assets", {"assets.csv": ASSETS}), monkeypatch)
    assert at.metric[0].value == "–" and at.metric[0].delta == "no referrals table"
    assert any("no dated records, so there is no earlier period" in c.value for c in at.caption)
    pages = _every_page(at)
    assert pages  # every page rendered; pages needing referrals say what is missing


def test_referral_flows_without_connections_says_which_figure_needs_them(tmp_path, monkeypatch):
    referrals = "referral_id,referral_date,practice_code\nR1,2025-01-06,C87001\n"
    folder = _write(tmp_path / "no_conn", {"assets.csv": ASSETS, "referrals.csv": referrals})
    at = _run(folder, monkeypatch)
    at.switch_page("pages/referral_flows.py").run()
    assert not at.exception
    assert not [w for w in at.warning if "This page needs" in w.value]
    assert any("needs `connections.csv`" in i.value for i in at.info)
    assert "Referrals per month" in [h.value for h in at.header]


def test_a_zip_holding_only_a_zip_in_a_zip_says_nothing_was_loaded(tmp_path, monkeypatch):
    import io
    import zipfile

    def zipped(members: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return buffer.getvalue()

    deepest = zipped({"assets.csv": ASSETS.encode()})
    folder = tmp_path / "zipzip"
    folder.mkdir()
    (folder / "outer.zip").write_bytes(zipped({"inner.zip": zipped({"deep.zip": deepest})}))
    at = _run(folder, monkeypatch)
    assert not at.exception
    assert any("nothing else was loaded" in e.value for e in at.error)
    cards = {m.label: (m.value, m.delta) for m in at.metric}
    assert cards["Active assets"] == ("–", "no assets table")


def test_every_page_with_empty_referrals(tmp_path, monkeypatch):
    header = "referral_id,person_id,referral_date,practice_code,area_code,status\n"
    folder = _write(
        tmp_path / "empty_refs",
        {
            "assets.csv": ASSETS,
            "referrals.csv": header,
            "connections.csv": "referral_id,asset_id,referred_date\n",
            "outcomes.csv": "referral_id,measure,timepoint,value\n",
        },
    )
    _every_page(_run(folder, monkeypatch))


def test_one_referral_is_hidden_not_shown(tmp_path, monkeypatch):
    folder = _write(
        tmp_path / "one_row",
        {
            "assets.csv": ASSETS,
            "referrals.csv": "referral_id,referral_date\nR1,2024-05-01\n",
            "connections.csv": (
                "referral_id,asset_id,referred_date,outcome\nR1,A1,2024-05-03,attending\n"
            ),
            "outcomes.csv": (
                "referral_id,measure,timepoint,value\n"
                "R1,swemwbs,baseline,20\nR1,swemwbs,follow_up,24\n"
            ),
        },
    )
    at = _run(folder, monkeypatch)
    assert at.metric[0].value == "\\*"  # the mark, escaped for the metric's markdown
    _every_page(at)


def test_errors_are_reported_on_the_page_not_raised(tmp_path, monkeypatch):
    bad = ASSETS + "A2,Bad,knitting,53.4,-1.3,\nA3,Swapped,other,-1.3,53.4,\n"
    at = _run(_write(tmp_path / "bad", {"assets.csv": bad}), monkeypatch)
    assert not at.exception
    assert any("2 problems in the data files" in e.value for e in at.error)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    problems = next(d.value for d in at.dataframe if "problem" in d.value.columns)
    assert "knitting" in set(problems["value"]) and any("swapped" in p for p in problems["problem"])
    [full] = [c.value for c in at.code]  # every message in full, one line each
    loaded = next(d.value for d in at.dataframe if "Loaded" in d.value.columns)
    rows = loaded.set_index("Table")["Rows"]
    # A2 (an unknown category) is left out; A3 (swapped coordinates) kept, unplaced
    assert rows["assets.csv"] == "2" and rows["referrals.csv"] == "–"  # never "None"
    assert full.splitlines()[0].startswith("assets.csv:3: category: 'knitting': ")


def test_a_file_nobody_recognises_is_named_on_every_page(tmp_path, monkeypatch):
    files = {"assets.csv": ASSETS, "Referrals_Export_2025.csv": "Ref ID,Date\n1,2025-01-01\n"}
    at = _run(_write(tmp_path / "unknown", files), monkeypatch)
    for page, seen in [("overview", at), *_every_page(at).items()]:
        [banner] = [w.value for w in seen.warning if w.value.startswith("Not used")]
        assert "**Referrals\\_Export\\_2025.csv**: not a file socialrx knows" in banner, page


@pytest.mark.parametrize("folder", ["/no/such/folder"])
def test_missing_folder_says_so(folder, monkeypatch):
    at = _run(Path(folder), monkeypatch)
    assert not at.exception


def test_filter_changes_do_not_reload_the_files(tmp_path, monkeypatch):
    from socialrx.ui import caches

    calls = []
    real = caches.load_folder_cached

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(caches, "load_folder_cached", counting)
    referrals = "referral_id,referral_date,practice_code\nR1,2024-01-05,P1\nR2,2024-03-05,P2\n"
    folder = _write(tmp_path / "cached", {"assets.csv": ASSETS, "referrals.csv": referrals})
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")
    at = _run(folder, monkeypatch)
    at.sidebar.radio(key="disclosure").set_value("off").run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert len(calls) == 1


def test_the_period_moves_in_whole_calendar_months(monkeypatch):
    at = _run(None, monkeypatch)
    period = at.sidebar.select_slider(key="period")
    options = period.options
    assert options[0] == "Oct 2023" and options[-1] == "Sep 2026"  # months, never days
    assert [str(m) for m in period.value] == ["2025-10", "2026-09"]  # the last 12 months
    period.set_range(pd.Period("2026-01", "M"), pd.Period("2026-03", "M")).run()
    assert not at.exception
    assert "01 Jan 2026 to 31 Mar 2026" in at.caption[0].value
    assert "Oct 2025 to 31 Dec 2025" in " ".join(c.value for c in at.caption)


def test_each_page_draws_its_panels(monkeypatch):
    at = _run(None, monkeypatch)
    at.switch_page("pages/capacity.py").run()
    assert [m.label for m in at.metric][:1] == ["Assets over capacity"]
    assert "borderline" in " ".join(c.value for c in at.caption) or at.metric[0].value.isdigit()
    at.switch_page("pages/outcomes.py").run()
    table = at.dataframe[0].value
    assert {"Measure", "Mean change", "% better by at least that"} <= set(table.columns)
    # statistics show one decimal and percentages whole numbers, or say why not
    assert all(v in ("too few", "–") or len(v.split(".")[-1]) == 1 for v in table["Mean change"])
    assert all("." not in v for v in table["% better by at least that"])
    assert any("No comparison group" in c.value for c in at.caption)
    at.selectbox(key="outcome_group").set_value("imd_quintile").run()
    assert not at.exception
    assert at.dataframe[-1].value.columns[0].startswith("IMD quintile")
    at.radio(key="outcome_standard").set_value("rci").run()
    assert not at.exception
    thresholds = set(at.dataframe[0].value["Meaningful change (points)"])
    assert thresholds == {2.87, 1.0}  # SWEMWBS reliable change; 1 point for the others


def test_a_text_column_holding_numbers_and_blanks_is_shown_as_text():
    import pyarrow as pa

    from socialrx.views.panels import cell_text

    column = pd.Series([32807, pd.NA, "(not among the practices loaded)", 2.5], dtype=object)
    shown = column.map(cell_text, na_action="ignore")
    assert shown.tolist()[:1] == ["32,807"] and shown.tolist()[2:] == [
        "(not among the practices loaded)",
        "2.5",
    ]
    pa.array(shown.where(shown.notna(), "").tolist())  # one type: Arrow takes it


def test_a_missing_value_reads_the_same_in_every_table(monkeypatch):
    """Issue 22: missing values showed as "None" in some tables (a number the grid has no
    value for) and "–" in others: every table now shows "–" (blank text cells too)."""
    at = _run(None, monkeypatch)
    seen = []
    for page, tab in (("pages/capacity.py", None), ("pages/capacity.py", "What if"),
                      ("pages/data.py", None)):  # fmt: skip
        at.switch_page(page).run()
        if tab:
            at.session_state["capacity_tab"] = tab
            at.run()
        assert not at.exception, at.exception
        for frame in (d.value for d in at.dataframe):
            assert not frame.isna().any().any(), (page, tab, frame.columns[frame.isna().any()])
            seen += [v for c in frame.columns for v in frame[c] if v == "–"]
    assert seen  # assets stating no capacity, coordinates of assets placed by postcode
    at.selectbox(key="data_table").set_value("assets").run()
    assets = next(d.value for d in at.dataframe if "capacity_per_month" in d.value.columns)
    assert "–" in set(assets["capacity_per_month"]) and "–" in set(assets["max_age"])
