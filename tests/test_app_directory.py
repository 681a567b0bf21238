"""AppTest of the Directory page, started from app.py: the demo data, a correction sheet
uploaded back, and a dataset whose assets name no organisation."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _directory(monkeypatch, folder: Path | None = None) -> AppTest:
    if folder is None:
        monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    else:
        monkeypatch.setenv("SOCIALRX_DATA", str(folder))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/directory.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_directory_page_on_the_demo_data(monkeypatch):
    at = _directory(monkeypatch)
    assert at.title[0].value == "Directory"
    assert [m.label for m in at.metric] == [
        "Your assets",
        "Stale records",
        "Records hidden from filters",
    ]
    assert at.selectbox(key="directory_org").value  # an organisation is chosen
    subheaders = [s.value for s in at.header]
    assert "Correct your records here" in subheaders  # in the app, or by a spreadsheet
    assert "Or correct a spreadsheet (and add new assets)" in subheaders
    # one person on their own machine keeps their own directory: sends and approves
    assert "Corrections waiting for approval" in subheaders
    assert "Every organisation's records" in subheaders
    assert "Open Referral UK" in subheaders
    assert not at.error


def test_directory_page_without_organisations(monkeypatch, tmp_path):
    (tmp_path / "assets.csv").write_text(
        "asset_id,name,category,latitude,longitude\nA1,Walking <b>club</b>,physical activity,"
        "53.43,-1.35\n",
        encoding="utf-8",
    )
    at = _directory(monkeypatch, tmp_path)
    assert at.title[0].value == "Directory"
    assert any("No asset names an organisation" in i.value for i in at.info)


def test_directory_page_on_an_imported_open_referral_folder(monkeypatch, tmp_path):
    fixtures = Path(__file__).resolve().parent / "fixtures" / "openreferral" / "hsds3_csv"
    for path in fixtures.iterdir():  # a copy: the app keeps a saved copy beside the data
        (tmp_path / path.name).write_bytes(path.read_bytes())
    at = _directory(monkeypatch, tmp_path)
    assert at.title[0].value == "Directory"
    assert at.selectbox(key="directory_org").value == "c0000000-0000-4000-8000-000000000001"
    assert [m.value for m in at.metric] == ["2", "1", "2"]  # one stale; both lack a field
