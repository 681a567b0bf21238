"""Every pack, report and CSV download says where it came from: the data's content hash and
extract date, the app's version, the disclosure level, the place and period, and when it
was made (and by whom, once sign-in exists)."""

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from test_app_roles import _app
from test_app_roles import deployment as deployment  # a fixture

from socialrx import __version__, provenance
from socialrx.__main__ import main
from socialrx.data.loader import load_folder
from socialrx.disclosure import Level
from socialrx.metrics.selection import default_selection
from socialrx.report import provider_summary
from socialrx.views import pages

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
DEMO = ROOT / "data" / "demo"
MADE_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def _says_where_it_came_from(text: str, dataset, place: str, period: str, level="round"):
    assert dataset.content_hash in text and len(dataset.content_hash) == 64
    assert f"{dataset.extract_date:%Y-%m-%d}" in text
    assert f"socialrx {__version__}" in text
    assert f"{level}: " in text
    assert place in text and period in text
    assert MADE_AT.search(text), "no time it was made"


def test_the_record_and_a_csv_with_it_below_the_table(demo):
    year = default_selection(demo)
    made = provenance.record(demo, year, Level.ROUND, "=HYPERLINK(\"x\")",
                             now=datetime(2026, 12, 6, 14, 30, tzinfo=UTC))  # fmt: skip
    assert made.made_by == "" and made.disclosure == "round: Round to 5, hide 1-7 (NHS Digital)"
    assert made.period == f"{year.start:%d %b %Y} to {year.end:%d %b %Y}"
    assert made.made_at.startswith("2026-12-06T")
    table = pd.DataFrame({"practice": ["A", "B"], "referrals": ["10", "*"]})
    data = provenance.csv_with_provenance(table, made)
    lines = data.decode("utf-8-sig").splitlines()
    # the table first (header in row 1, as a spreadsheet expects), a blank line, then the record
    assert lines[:4] == ["practice,referrals", "A,10", "B,*", ""]
    assert lines[4] == "About this table" and len(lines) == 3 + provenance.FOOTER_LINES
    assert f"Data content hash (SHA-256),{demo.content_hash}" in lines
    assert "Made by," in lines  # empty: nobody signed in made it
    # a place named like a formula is neutralised, as every text cell of an export is
    assert any(line.startswith("Place,\"'=HYPERLINK") for line in lines)
    # a program reads the table alone, as the README says
    back = pd.read_csv(io.BytesIO(data), skipfooter=provenance.FOOTER_LINES, engine="python",
                       dtype=str, encoding="utf-8-sig")  # fmt: skip
    pd.testing.assert_frame_equal(back, table)


def test_without_dates_the_record_says_so(tmp_path):
    (tmp_path / "assets.csv").write_text(
        "asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.43,-1.35\n",
        encoding="utf-8",
    )
    dataset, _ = load_folder(tmp_path)
    made = provenance.record(dataset, default_selection(dataset), Level.ROUND, dated=False)
    assert made.extract_date.startswith("not known") and made.period == "no dated records"


def test_the_pack_its_csvs_and_the_provider_summary(demo, year_pack):
    year = default_selection(demo)
    period = f"{year.start:%d %b %Y} to {year.end:%d %b %Y}"
    pack, _ = year_pack  # the whole dataset's, the default place
    _says_where_it_came_from(pack.html, demo, "the whole dataset", period)
    assert "Where this came from" in pack.html
    files = zipfile.ZipFile(io.BytesIO(pack.zip()))
    csvs = [name for name in files.namelist() if name.endswith(".csv")]
    assert len(csvs) == len(pack.tables) > 10
    for name in csvs:
        _says_where_it_came_from(files.read(name).decode("utf-8-sig"), demo,
                                 "the whole dataset", period)  # fmt: skip
    summary = provider_summary(demo, year, Level.ROUND, "ORG007", "Brackenby", "quarter",
                               "Rotherham East")  # fmt: skip
    _says_where_it_came_from(summary.html, demo, "Rotherham East", period)


FEW = ("Overview", "Referral flows")


@pytest.fixture
def few_pages(monkeypatch):
    """Packs of two pages: every file a pack writes gets its record in one place (`Pack.files`),
    and the whole pack's files are checked above."""
    monkeypatch.setattr(pages, "PAGES", [s for s in pages.PAGES if s[0] in FEW])


def test_the_report_command(tmp_path, capsys, demo, few_pages):
    out = tmp_path / "pack"
    assert main(["report", str(DEMO), "--out", str(out), "--place", "pcn:XPCN02",
                 "--from", "2026-01", "--to", "2026-03"]) == 0  # fmt: skip
    place, period = "Rother South PCN (demo)", "01 Jan 2026 to 31 Mar 2026"
    _says_where_it_came_from((out / "report.html").read_text(encoding="utf-8"), demo, place,
                             period)  # fmt: skip
    for path in out.glob("*.csv"):
        _says_where_it_came_from(path.read_text(encoding="utf-8-sig"), demo, place, period)


def test_every_csv_download_of_a_page_says_where_it_came_from(monkeypatch, demo):
    """The app's downloads are built when clicked: the test keeps what each button would
    run, and runs it."""
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    made: dict[str, object] = {}
    real = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.selectbox(key="place_kind").set_value("PCN").run()
    at.sidebar.multiselect(key="place_PCN").set_value(["XPCN02"]).run()
    at.switch_page("pages/equity.py").run()
    assert not at.exception, at.exception
    period = at.caption[0].value.split(" · ")[-1]
    panels = [name for name in made if name.endswith(".csv") and name != "neighbourhoods.csv"]
    assert "overview_headlines.csv" in panels and len(panels) >= 5  # the overview's, equity's
    for name in panels:
        text = made[name]().decode("utf-8-sig")
        _says_where_it_came_from(text, demo, "Rother South PCN (demo)", period)
        assert "Made by,this machine (no sign-in set up)" in text  # no sign-in: said so
    # a file made to be loaded again stays a plain table
    assert "About this table" not in made["neighbourhoods.csv"]().decode("utf-8-sig")


def test_a_signed_in_persons_pack_says_who_made_it(deployment, monkeypatch, few_pages):
    made: dict[str, object] = {}
    real = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = _app("pat@council.gov.uk")
    at.switch_page("pages/pack.py").run()
    assert not at.exception, at.exception
    files = zipfile.ZipFile(io.BytesIO(made["socialrx_pack.zip"]()))
    by = "pat@council.gov.uk (planner)"
    assert by in files.read("report.html").decode("utf-8")
    assert all(f"Made by,{by}" in files.read(name).decode("utf-8-sig")
               for name in files.namelist() if name.endswith(".csv"))  # fmt: skip
    assert f"Made by,{by}" in made["overview_headlines.csv"]().decode("utf-8-sig")
