"""Reading a live Open Referral feed (issue 26): a local server replays recorded responses
(tests/feed_server.py): paginated ORUK v1 and HSDS 3 feeds, detail records, the real Bristol
sample, a second run that fetches only what changed and keeps local corrections, and slow and
broken feeds that give clear messages and write nothing."""

import copy
import csv
import io
import json

import pandas as pd
import pytest
from feed_server import FIXTURES, Reply, recorded, serving

from socialrx.__main__ import main
from socialrx.data import feeds
from socialrx.data.problems import Report

WALKS, LUNCH, MONEY, ALLOTMENT, PHONE, SHED = (
    f"6b8a1e52-1111-4c3e-9a51-00000000000{i}" for i in range(1, 7)
)
PAGES = ["/services?page=1&per_page=100", "/services?page=2&per_page=100"]
QUICK = feeds.Limits(timeout=0.3, retries=1, backoff=0.01, max_wait=5)


def _rows(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _update(feed_url, out, limits=QUICK, waits=None, **kwargs):
    fetcher = feeds.Fetcher(limits, sleep=(waits.append if waits is not None else lambda s: None))
    return feeds.update_folder(feed_url, out, Report(), fetcher=fetcher, **kwargs)


def test_a_paginated_feed_with_detail_records_imports_with_places_and_categories(tmp_path, capsys):
    out = tmp_path / "directory"
    with serving(recorded()) as feed:
        assert main(["import-openreferral", feed.base, "--out", str(out)]) == 0
    # two list pages, then the full record of each of the five services (the list has none
    # of their locations or taxonomy terms)
    assert feed.requests == PAGES + [f"/services/{s}" for s in (WALKS, LUNCH, MONEY,
                                                                 ALLOTMENT, PHONE)]  # fmt: skip
    assets = {r["name"]: r for r in _rows(out / "assets.csv")}
    assert list(assets) == [
        "Knowle West Health Walks",
        "Lunch club at St Pauls",
        "Money advice drop-in",
        "Community allotment",
        "Telephone befriending",
    ]
    walks = assets["Knowle West Health Walks"]
    assert (walks["asset_id"], walks["category"], walks["postcode"]) == (
        "a7c0d1e2-0001-4000-8000-00000000aa01", "physical activity", "BS4 1JN")  # fmt: skip
    assert (walks["latitude"], walks["longitude"], walks["schedule"]) == (
        "51.4182", "-2.5903", "Tue 10:00-11:00")  # fmt: skip
    assert walks["wheelchair_accessible"] == "yes" and walks["cost"] == "free"
    lunch = assets["Lunch club at St Pauls"]
    assert (lunch["category"], lunch["cost"], lunch["cost_per_person_gbp"]) == (
        "social groups and befriending", "paid", "4")  # fmt: skip
    assert assets["Money advice drop-in"]["category"] == "money, debt and benefits advice"
    assert assets["Community allotment"]["category"] == "nature and gardening"
    phone = assets["Telephone befriending"]  # no location, attending by phone
    assert (phone["delivery"], phone["latitude"], phone["asset_id"]) == ("telephone", "", PHONE)
    organisations = [r["name"] for r in _rows(out / "organisations.csv")]
    assert organisations == [
        "Knowle West Health Association",
        "St Pauls Community Kitchen",
        "Bristol Money Advice",
        "Growing Together Bristol",
    ]
    said = capsys.readouterr().out
    assert "Read 2 page(s)" in said and "5 services listed, 5 full records fetched" in said
    assert "0 errors, 0 warnings. Rows usable: assets 5, organisations 4" in said
    assert {p.name for p in tmp_path.iterdir()} == {"directory"}  # no temporary left


def test_a_second_run_fetches_only_what_changed_and_keeps_local_corrections(tmp_path, capsys):
    out = tmp_path / "directory"
    with serving(recorded()) as feed:
        assert main(["import-openreferral", feed.base, "--out", str(out)]) == 0
        # the VCS groups correct their records: a capacity the feed does not give, a
        # description, and the lunch club's time (which the feed is about to change too)
        table = pd.read_csv(out / "assets.csv", dtype=str, keep_default_na=False)
        table = table.set_index("asset_id")
        table.loc["a7c0d1e2-0001-4000-8000-00000000aa01", "capacity_per_month"] = "20"
        table.loc["a7c0d1e2-0004-4000-8000-00000000aa04", "description"] = "Grow food with us"
        table.loc["a7c0d1e2-0002-4000-8000-00000000aa02", "schedule"] = "Wed 12:30-14:00"
        table.reset_index().to_csv(out / "assets.csv", index=False)
        feed.routes = recorded("second_run")  # lunch moved to Thursday; money advice gone
        feed.requests.clear()
        capsys.readouterr()
        assert main(["import-openreferral", feed.base, "--out", str(out)]) == 0
    # the list again (how removals are seen), then only the modified and the new service
    assert feed.requests == PAGES + [f"/services/{LUNCH}", f"/services/{SHED}"]
    assets = {r["asset_id"][-4:]: r for r in _rows(out / "assets.csv")}
    assert list(assets) == ["aa01", "aa02", "aa04", "0005", "aa06"]  # money advice (aa03) gone
    assert assets["aa01"]["capacity_per_month"] == "20"  # kept: the feed left it alone
    assert assets["aa04"]["description"] == "Grow food with us"  # kept
    assert assets["aa02"]["schedule"] == "Thu 12:00-14:00"  # the feed changed it too: the feed's
    assert assets["aa02"]["last_verified"] == "2025-02-10"
    assert assets["aa06"]["name"] == "Men's Shed Bedminster"
    conflicts = _rows(out / feeds.STATE_FOLDER / "conflicts.csv")
    assert conflicts == [{"table": "assets", "id": "a7c0d1e2-0002-4000-8000-00000000aa02",
                          "field": "schedule", "your value": "Wed 12:30-14:00",
                          "feed before": "Wed 12:00-14:00",
                          "feed now": "Thu 12:00-14:00"}]  # fmt: skip
    said = capsys.readouterr().out
    assert "2 full records fetched (3 unchanged since the last run, 1 removed from the feed)" in (
        said
    )
    assert "(1 added, 1 changed and 1 removed by the feed since the last run; 2 of your " in said
    assert "schedule: yours 'Wed 12:30-14:00', the feed's now 'Thu 12:00-14:00'" in said
    organisations = [r["name"] for r in _rows(out / "organisations.csv")]
    assert "Bedminster Men's Shed" in organisations and "Bristol Money Advice" not in organisations
    # --full fetches every full record again
    with serving(recorded("second_run")) as feed:
        assert main(["import-openreferral", feed.base, "--out", str(out), "--full"]) == 0
    assert len(feed.requests) == 2 + 5


def test_merge_keeps_corrections_and_reports_conflicts():
    def frame(rows):
        return pd.DataFrame(rows, columns=["asset_id", "name", "schedule"], dtype=str)

    base = frame([("A", "Walks", "Tue"), ("B", "Lunch", "Wed"), ("C", "Money", "Mon"),
                  ("D", "Garden", "Sat")])  # fmt: skip
    local = frame([("A", "Walks", "Tue 10:00"), ("B", "Lunch club", "Wed"),
                   ("C", "Money", "Mon"), ("L", "Mine", "Fri")])  # D deleted here  # fmt: skip
    feed = frame([("A", "Walks", "Thu"), ("B", "Lunch", "Wed 12:00"), ("D", "Garden", "Sat"),
                  ("N", "New", "Sun")])  # C removed from the feed  # fmt: skip
    merged = feeds.merge(base, local, feed, "asset_id", "assets")
    assert merged.table.values.tolist() == [
        ["A", "Walks", "Thu"],  # both changed the schedule: the feed's, and a conflict
        ["B", "Lunch club", "Wed 12:00"],  # the name kept, the schedule from the feed
        ["N", "New", "Sun"],  # new; D stays deleted (the feed left it alone); C removed
        ["L", "Mine", "Fri"],  # added here
    ]
    assert merged.kept == 1
    assert [(c["id"], c["field"], c["your value"], c["feed now"]) for c in merged.conflicts] == [
        ("A", "schedule", "Tue 10:00", "Thu")
    ]
    without_base = feeds.merge(None, local, feed, "asset_id", "assets")
    assert without_base.table.equals(feed)


def test_the_hsds3_shape_pages_by_total_pages_and_needs_no_detail_records(tmp_path):
    page = json.loads((FIXTURES / "hsds3_services_page.json").read_text(encoding="utf-8"))
    first, second = copy.deepcopy(page), copy.deepcopy(page)
    first |= {"contents": page["contents"][:1], "total_pages": 2, "page_number": 1,
              "last_page": False}  # fmt: skip
    second |= {"contents": page["contents"][1:], "total_pages": 2, "page_number": 2,
               "last_page": True}  # fmt: skip
    with serving({PAGES[0]: first, PAGES[1]: second}) as feed:
        updated = _update(feed.base + "/services", tmp_path / "out")  # /services works too
    assert feed.requests == PAGES  # full records in the list: nothing more to fetch
    assert updated.assets["name"].tolist() == ["Community Counselling", "Night shelter"]
    assert updated.assets["category"].tolist()[0] == "mental health support"


def test_a_feed_that_ignores_the_page_number_is_read_once(tmp_path):
    page = {"totalElements": 9, "totalPages": 3, "number": 1, "last": False,
            "content": recorded()[PAGES[0]]["content"]}  # fmt: skip
    routes = {PAGES[0]: page, "/services?page=2&per_page=100": page}
    routes |= {k: v for k, v in recorded().items() if k.startswith("/services/")}
    with serving(routes) as feed:
        updated = _update(feed.base, tmp_path / "out")
    assert feed.requests[:2] == PAGES and len(updated.assets) == 3


def test_a_server_error_then_a_429_are_retried_politely(tmp_path):
    routes = recorded()
    routes[PAGES[0]] = [Reply(500, {"error": "Internal Server Error"}),
                        Reply(429, {"error": "slow down"}, {"Retry-After": "2"}),
                        Reply(200, routes[PAGES[0]])]  # fmt: skip
    waits = []
    limits = feeds.Limits(timeout=1, retries=2, backoff=0.5, max_wait=5)
    with serving(routes) as feed:
        updated = _update(feed.base, tmp_path / "out", limits, waits)
    assert feed.requests[:3] == [PAGES[0]] * 3
    assert waits == [0.5, 2.0]  # the backoff, then the wait the server asked for
    assert len(updated.assets) == 5


@pytest.mark.parametrize(
    "reply, limits, said",
    [
        (Reply(200, b"<!DOCTYPE html><html><body>Directory</body></html>",
               {"Content-Type": "text/html"}), QUICK,
         "page 1 of the services: the answer from {base}/services?page=1&per_page=100 is not "
         "JSON (text/html, beginning '<!DOCTYPE html><html><body>Directory</body></html>')"),
        (None, QUICK, "page 1 of the services: not found (404) at {base}/services?page=1"),
        (Reply(429, {}, {"Retry-After": "3600"}), QUICK,
         "the feed asks for 3,600 s before another request (429 Too Many Requests), longer "
         "than the 5 s this waits"),
        (Reply(503, {}), QUICK, "page 1 of the services: the server failed (503 Service "
         "Unavailable) at {base}/services?page=1&per_page=100 (2 tries)"),
        (Reply(200, {}, delay=1.0), QUICK, "page 1 of the services: no answer within 0.3 s"),
        (Reply(200, {"status": 500, "error": "Internal error"}), QUICK,
         "holds no services: it looks like an error or another kind of answer (status: 500; "
         "error: Internal error)"),
        (Reply(200, {"content": [{"id": str(i), "name": "x" * 500} for i in range(100)]}),
         feeds.Limits(max_bytes=20_000),
         "the feed's answers came to more than 20 KB (at {base}/services?page=1"),
        (Reply(200, {"content": [{"id": "1", "name": "A"}], "last": False}),
         feeds.Limits(max_pages=1), "more than 1 pages of services; stopped without writing"),
    ],
    ids=["not json", "404", "429 too long", "500s", "slow", "error body", "too big", "pages"],
)  # fmt: skip
def test_a_broken_feed_says_why_and_writes_nothing(tmp_path, reply, limits, said):
    out = tmp_path / "directory"
    out.mkdir()
    (out / "assets.csv").write_text("asset_id,name\nA1,Mine\n", encoding="utf-8")
    with serving({PAGES[0]: reply}) as feed, pytest.raises(feeds.FeedError) as raised:
        _update(feed.base, out, limits)
    assert said.format(base=feed.base) in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["directory"]  # no temporary left
    assert sorted(p.name for p in out.iterdir()) == ["assets.csv"]
    assert (out / "assets.csv").read_text(encoding="utf-8") == "asset_id,name\nA1,Mine\n"


def test_an_unreachable_feed_exits_2_with_nothing_written(tmp_path, capsys):
    with serving({}) as feed:
        address = feed.base  # the server stops: nothing listens there any more
    code = main(["import-openreferral", address, "--out", str(tmp_path / "out"),
                 "--retries", "0"])  # fmt: skip
    said = capsys.readouterr().out
    assert code == 2 and not (tmp_path / "out").exists()
    assert "page 1 of the services: could not connect (" in said
    assert f"Nothing was written to {tmp_path / 'out'}." in said


def test_a_missing_detail_record_is_a_warning_not_a_failure(tmp_path):
    routes = recorded()
    routes[f"/services/{MONEY}"] = None
    report = Report()
    with serving(routes) as feed:
        fetcher = feeds.Fetcher(QUICK)
        feeds.update_folder(feed.base, tmp_path / "out", report, fetcher=fetcher)
    assert any(f"service {MONEY} is listed but its full record is not found (404)" in p.message
               for p in report.warnings)  # fmt: skip


def test_the_allow_list(monkeypatch):
    monkeypatch.setenv(feeds.FEEDS_VARIABLE, " https://feed.example.org/api/v1/ ,nonsense, "
                       "http://other.example:8080")  # fmt: skip
    allowed = feeds.allowed_feeds()
    assert allowed == ["https://feed.example.org/api/v1", "http://other.example:8080"]
    ok = [
        "https://feed.example.org/api/v1",
        "https://feed.example.org/api/v1/services?page=2",
        "https://FEED.example.org:443/api/v1/services/abc",
        "http://other.example:8080/anything",
    ]
    refused = [
        "https://feed.example.org/api/v10/services",  # not under /api/v1
        "https://feed.example.org/api/v1/../admin",  # climbs out
        "https://feed.example.org/api/v1/%2e%2e/admin",
        "http://feed.example.org/api/v1/services",  # another scheme
        "https://feed.example.org.evil.com/api/v1",
        "https://feed.example.org@evil.com/api/v1",
        "https://evil.com/?https://feed.example.org/api/v1",
        "http://other.example/anything",  # another port
        "file:///etc/passwd",
    ]
    assert all(feeds.permits(allowed, url) for url in ok)
    assert not any(feeds.permits(allowed, url) for url in refused)
    assert feeds.allowed_feeds({}) == []


def test_a_redirect_off_the_allow_list_is_not_followed(tmp_path):
    routes = {PAGES[0]: Reply(302, {}, {"Location": "http://127.0.0.1:9/elsewhere"})}
    refused = pytest.raises(feeds.FeedError, match="is not on this deployment's list of feeds")
    with serving(routes) as feed, refused:
        fetcher = feeds.Fetcher(QUICK, permitted=lambda url: feeds.permits([feed.base], url))
        feeds.read_feed(feed.base, fetcher)


def test_the_real_bristol_sample_with_detail_records_made_in_its_shape(realdata, tmp_path):
    """The first seven services of Bristol's Open Place Directory (Dec 2024), served as its
    feed serves them (ORUK v1 pages), with full records made in their shape: a location and
    a taxonomy term each. The list alone imports every service with no place (issue 26)."""
    path = realdata / "community" / "ORUK_Bristol_OpenPlaceDirectory_services_first7_Dec2024.json"
    services = json.loads(path.read_text(encoding="utf-8"))
    terms = ["Homelessness", "Mental health", "Gardening", "Community groups", "Health",
             "Alcohol"]  # fmt: skip
    details = {}
    for number, service in enumerate(services[1:]):  # the first is an empty placeholder
        detail = copy.deepcopy(service) | {
            "service_at_locations": [{"id": f"sal-{number}", "location": {
                "id": f"loc-{number}", "name": service["name"], "latitude": 51.45 + number / 100,
                "longitude": -2.59, "physical_addresses": [{"id": f"pa-{number}",
                "address_1": "1 Street", "city": "Bristol", "postal_code": "BS1 5TR"}]}}],
            "service_taxonomys": [{"id": f"st-{number}", "taxonomy": {
                "id": f"t-{number}", "name": terms[number], "vocabulary": "openplace"}}],
        }  # fmt: skip
        details[f"/services/{service['id']}"] = detail
    routes = {
        PAGES[0]: {"totalElements": 7, "totalPages": 2, "number": 1, "size": 4, "first": True,
                   "last": False, "content": services[:4]},
        PAGES[1]: {"totalElements": 7, "totalPages": 2, "number": 2, "size": 4, "first": False,
                   "last": True, "content": services[4:]},
        **details,
    }  # fmt: skip
    report = Report()
    with serving(routes) as feed:
        updated = feeds.update_folder(feed.base, tmp_path / "bristol", report,
                                      fetcher=feeds.Fetcher(QUICK))  # fmt: skip
        first = list(feed.requests)
        feed.requests.clear()
        feeds.update_folder(feed.base, tmp_path / "bristol", Report(),
                            fetcher=feeds.Fetcher(QUICK))  # fmt: skip
    assert len(first) == 2 + 7  # every list record lacks locations and taxonomy
    assets = updated.assets
    assert len(assets) == 6  # the empty placeholder is not imported
    assert assets["latitude"].ne("").all() and assets["postcode"].eq("BS1 5TR").all()
    assert assets["category"].tolist() == [
        "housing advice", "mental health support", "nature and gardening",
        "social groups and befriending", "health and long-term conditions support",
        "health and long-term conditions support",
    ]  # fmt: skip
    assert "1625 Independent People" in updated.organisations["name"].tolist()
    state = json.loads((tmp_path / "bristol" / feeds.STATE_FOLDER / "state.json").read_text())
    # OpenPlace dates each service (pc_metadata.date_modified): a second run can skip them
    assert state["services"]["86eb98a2-201c-5028-3ef8-9095465c94d5"]["modified"] == "2024-11-27"
    assert feed.requests == PAGES  # so the second run fetched the list alone
