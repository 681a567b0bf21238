"""AppTest for issue 26: the Directory page fetches a feed this deployment lists (and refuses
one it does not), every page says what date its data is as at and warns when the data is
older than the deployment allows, and a running app shows a refreshed folder without a
restart, read through the copy the refresh saved."""

from datetime import date
from pathlib import Path

from feed_server import recorded, serving
from streamlit.testing.v1 import AppTest

from socialrx.__main__ import main
from socialrx.data import feeds, freshness, store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ASSETS = (
    "asset_id,name,category,latitude,longitude,last_verified\n"
    "A1,Walking club,physical activity,53.43,-1.35,2025-01-10\n"
)


def _folder(tmp_path: Path, extract: str | None = None) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "assets.csv").write_text(ASSETS, encoding="utf-8")
    if extract:
        (folder / "dataset.csv").write_text(f"extract_date\n{extract}\n", encoding="utf-8")
    return folder


def _app(monkeypatch, folder: Path, page: str | None = None) -> AppTest:
    monkeypatch.setenv("SOCIALRX_DATA", str(folder))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    return " | ".join(c.value for c in at.caption)


def test_the_directory_page_fetches_a_listed_feed_and_refuses_others(monkeypatch, tmp_path):
    with serving(recorded()) as feed:
        monkeypatch.setenv(feeds.FEEDS_VARIABLE, f"{feed.base}, https://elsewhere.example/api")
        at = _app(monkeypatch, _folder(tmp_path), "pages/directory.py")
        assert at.text_input(key="feed_address").value == feed.base  # the first listed
        at.button(key="feed_fetch").click().run()
        assert not at.exception and not at.error
        assert len(feed.requests) == 2 + 5
        assert at.success[0].value == (
            "Read 2 page(s) of the feed: 5 services (5 full records fetched) became 5 assets "
            "and 4 organisations; 7 requests."
        )
        assert at.get("download_button")  # the zip of assets.csv and organisations.csv
        asked = len(feed.requests)
        elsewhere = "http://127.0.0.1:9/admin"
        at.text_input(key="feed_address").set_value(elsewhere)
        at.button(key="feed_fetch").click().run()
        assert len(feed.requests) == asked  # nothing fetched
        assert "is not on this deployment's list of feeds" in at.error[0].value
        assert not at.success


def test_without_a_list_of_feeds_the_app_fetches_none(monkeypatch, tmp_path):
    monkeypatch.delenv(feeds.FEEDS_VARIABLE, raising=False)
    at = _app(monkeypatch, _folder(tmp_path), "pages/directory.py")
    assert not at.text_input
    assert "This deployment lists no feeds the app may fetch" in _captions(at)


def test_every_page_says_what_date_its_data_is_as_at_and_warns_when_old(monkeypatch, tmp_path):
    monkeypatch.setenv(freshness.STALE_VARIABLE, "30")
    at = _app(monkeypatch, _folder(tmp_path, "2025-01-31"))
    assert "Data as at 31 Jan 2025 (the extract date)" in _captions(at)
    age = freshness.age_in_days(date(2025, 1, 31))
    old = [w.value for w in at.warning if "days old" in w.value]
    assert old == [
        f"This data is {age:,} days old (as at 31 Jan 2025); this deployment expects data no "
        "older than 30 days. Figures may have moved since: ask whoever keeps the data to "
        "refresh it."
    ]
    at.switch_page("pages/data.py").run()
    assert "Data as at 31 Jan 2025" in _captions(at) and any("days old" in w.value
                                                              for w in at.warning)  # fmt: skip
    monkeypatch.setenv(freshness.STALE_VARIABLE, "ninety")
    at.run()
    assert not any("days old" in w.value for w in at.warning)
    assert any("'ninety', not a whole number of days" in w.value for w in at.warning)


def test_a_running_app_shows_a_refreshed_folder_through_its_saved_copy(monkeypatch, tmp_path):
    folder = _folder(tmp_path)
    today = date.today().isoformat()
    at = _app(monkeypatch, folder)  # app.py: AppTest reruns a switched-to page on its own
    assert "Data as at 10 Jan 2025 (the latest date in the data)" in _captions(at)
    assert "refreshed" not in _captions(at)
    (folder / "assets.csv").write_text(
        ASSETS + f"A2,Choir,arts and creativity,53.44,-1.36,{today}\n", encoding="utf-8"
    )
    assert main(["refresh", str(folder)]) == 0

    def not_from_the_files(*args, **kwargs):
        raise AssertionError("the app loaded the files, not the refreshed copy")

    monkeypatch.setattr(store, "load_folder", not_from_the_files)
    at.run()  # the same session, the same server: no restart
    assert not at.exception, at.exception
    assert f"Data as at {date.today():%d %b %Y} (the latest date in the data) · refreshed" in (
        _captions(at)
    )
