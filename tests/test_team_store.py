"""The team's store: migrations, audit trail, neighbourhoods, named views, guest links and the
corrections queue, against SQLite always and a real PostgreSQL when it is installed."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from postgres_server import postgres_url

from socialrx.team import access
from socialrx.team import store as team_store
from socialrx.team.access import Person, Refused, Role
from socialrx.team.store import Event, open_store

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
_numbers = itertools.count()


@pytest.fixture(scope="module")
def postgres():
    with postgres_url() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'team.db'}"
    server = request.getfixturevalue("postgres")
    name = f"t{os.getpid()}_{next(_numbers)}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)


def test_migrations_run_once_and_make_every_table(url):
    store = open_store(url)
    assert store.version == 2
    assert team_store.migrate(store.engine) == []  # a restart applies nothing again
    names = set(sa.inspect(store.engine).get_table_names())
    assert names == {"schema_versions", "audit_events", "neighbourhoods", "neighbourhood_areas",
                     "named_views", "guest_links", "directory_corrections"}  # fmt: skip


def test_no_column_could_hold_person_level_data(url):
    store = open_store(url)
    inspector = sa.inspect(store.engine)
    columns = {c["name"] for t in inspector.get_table_names() for c in inspector.get_columns(t)}
    assert not columns & {"person_id", "referral_id", "nhs_number", "age_band", "sex",
                          "ethnicity", "outcome", "value"}  # fmt: skip


def test_audit_trail_reads_back_latest_first_and_filters(url):
    store = open_store(url)
    store.record(Event("ann@x.org", "analyst", "sign-in"), at=T0)
    view = Event("ann@x.org", "analyst", "page view", "Equity", "PCN: North",
                 "2025-04 to 2026-03", "off", "exact figures")  # fmt: skip
    store.record(view, at=T0 + timedelta(minutes=5))
    store.record(Event("bo@y.org", "provider", "download", detail="x" * 5000,
                       organisation_id="ORG1"), at=T0 + timedelta(minutes=9))  # fmt: skip
    events = store.events()
    assert list(events["action"]) == ["download", "page view", "sign-in"]
    assert events["at"].iloc[0] == T0 + timedelta(minutes=9)
    assert len(events["detail"].iloc[0]) == 2000  # cut to its column, never refused
    assert events["organisation_id"].iloc[0] == "ORG1"
    view = events.iloc[1]
    assert (view["page"], view["place"], view["period"], view["level"]) == (
        "Equity", "PCN: North", "2025-04 to 2026-03", "off")  # fmt: skip
    assert list(store.events(who="ann@x.org")["action"]) == ["page view", "sign-in"]
    assert list(store.events(action="download")["who"]) == ["bo@y.org"]
    assert len(store.events(since=T0 + timedelta(minutes=1))) == 2


def test_retention_deletes_only_older_events(url):
    store = open_store(url)
    store.record(Event("ann@x.org", "analyst", "sign-in"), at=T0 - timedelta(days=31))
    store.record(Event("ann@x.org", "analyst", "sign-in"), at=T0 - timedelta(days=29))
    assert store.purge(30, at=T0) == 1  # 31 days old goes, 29 days old stays
    assert len(store.events()) == 1


def test_neighbourhoods_are_the_teams_and_survive_a_restart(url):
    store = open_store(url)
    store.save_neighbourhood("Dearne", ["E01000003", "E01000001", "E01000003"], by="ann@x.org")
    store.save_neighbourhood("Rother Valley", ["E01000002"], by="bo@y.org")
    store.save_neighbourhood("Dearne", ["E01000004"], by="ann@x.org")  # replaced, moves last
    store.engine.dispose()
    again = open_store(url)  # a restarted server
    table = again.neighbourhoods()
    assert table.values.tolist() == [["Rother Valley", "E01000002"], ["Dearne", "E01000004"]]
    assert again.saves_by("ann@x.org") == 2  # the replaced one counts: sets of areas seen
    assert again.remove_neighbourhood("Dearne", by="bo@y.org")
    assert not again.remove_neighbourhood("Dearne", by="bo@y.org")
    assert again.neighbourhoods()["neighbourhood"].tolist() == ["Rother Valley"]
    assert again.saves_by("ann@x.org") == 2  # removing one does not give a save back


def test_named_views_save_replace_remove(url):
    store = open_store(url)
    store.save_view("North PCN last year", "equity", "place_kind=PCN&place_PCN=U1", "ann@x.org")
    store.save_view("North PCN last year", "capacity", "place_kind=PCN", "bo@y.org")
    views = store.named_views()
    assert views[["name", "page", "query", "saved_by"]].values.tolist() == [
        ["North PCN last year", "capacity", "place_kind=PCN", "bo@y.org"]]  # fmt: skip
    assert store.remove_view("North PCN last year")
    assert store.named_views().empty


def test_guest_links_expire_and_are_revoked(url):
    store = open_store(url)
    token = store.make_guest_link("Rotherham workshop", "ann@x.org", hours=8, at=T0)
    kept = store.guest_links()
    assert token not in kept.to_string() and len(token) >= 32  # only a hash is kept
    link = store.guest(token, at=T0 + timedelta(hours=7, minutes=59))
    assert (link.label, link.made_by) == ("Rotherham workshop", "ann@x.org")
    assert link.expires_at == T0 + timedelta(hours=8)
    assert store.guest(token, at=T0 + timedelta(hours=8)) is None  # expired
    assert store.guest("not-a-token", at=T0) is None
    assert store.guest("", at=T0) is None
    other = store.make_guest_link("Second room", "ann@x.org", hours=8, at=T0)
    link_id = store.guest(other, at=T0).id
    assert store.revoke_guest_link(link_id, by="ann@x.org")
    assert store.guest(other, at=T0 + timedelta(minutes=1)) is None
    listed = store.guest_links(at=T0 + timedelta(hours=9)).set_index("label")
    assert listed.loc["Second room", "revoked_by"] == "ann@x.org"
    assert listed["state"].to_dict() == {
        "Rotherham workshop": "expired",
        "Second room": "withdrawn",
    }
    assert store.guest_links(at=T0)["state"].tolist().count("open") == 1


def test_corrections_queue_starts_empty(url):
    frame = open_store(url).corrections()
    assert frame.empty
    assert {"organisation_id", "asset_id", "field", "status"} <= set(frame.columns)


VIC = Person("vic@ashcombe.org.uk", Role.PROVIDER, "ORG001", access.SIGN_IN)
EDDIE = Person("eddie@icb.nhs.uk", Role.EDITOR, None, access.SIGN_IN)
OWNERS = {"A1": "ORG001", "A2": "ORG001", "B1": "ORG002"}


def _changes(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["asset_id", "name", "field", "old_value", "new_value"])


def test_a_provider_submits_for_its_own_organisation_only(url):
    store = open_store(url)
    ids = store.submit_corrections(VIC, "ORG001", _changes(
        ("A1", "Walk", "capacity_per_month", "2", "12"),
        ("A2", "Café", "last_verified", "2025-06-11", "2026-12-06")), OWNERS)  # fmt: skip
    assert len(ids) == 2
    # another organisation, by name or by slipping its asset into one's own submission
    with pytest.raises(Refused, match="its own organisation only"):
        store.submit_corrections(VIC, "ORG002", _changes(("B1", "Run", "name", "Run", "R")),
                                 OWNERS)  # fmt: skip
    with pytest.raises(Refused, match="Not ORG001's asset records: B1"):
        store.submit_corrections(VIC, "ORG001", _changes(("B1", "Run", "name", "Run", "R")),
                                 OWNERS)  # fmt: skip
    with pytest.raises(Refused, match="organisation_id cannot be corrected"):
        store.submit_corrections(VIC, "ORG001", _changes(
            ("A1", "Walk", "organisation_id", "ORG001", "ORG002")), OWNERS)  # fmt: skip
    with pytest.raises(Refused):  # a planner keeps no records; an editor approves, not sends
        store.submit_corrections(Person("pat@c.gov.uk", Role.PLANNER, None, access.SIGN_IN),
                                 "ORG001", _changes(("A1", "Walk", "name", "Walk", "W")),
                                 OWNERS)  # fmt: skip
    queue = store.corrections()
    assert queue[["asset_id", "asset_name", "field", "old_value", "new_value", "submitted_by",
                  "status"]].values.tolist() == [
        ["A1", "Walk", "capacity_per_month", "2", "12", "vic@ashcombe.org.uk", "waiting"],
        ["A2", "Café", "last_verified", "2025-06-11", "2026-12-06", "vic@ashcombe.org.uk",
         "waiting"]]  # fmt: skip
    assert store.corrections(organisation_id="ORG002").empty


def test_an_editor_decides_each_change_with_a_reason_once(url):
    store = open_store(url)
    first, second, third = store.submit_corrections(VIC, "ORG001", _changes(
        ("A1", "Walk", "capacity_per_month", "2", "12"),
        ("A1", "Walk", "schedule", "", "Tue 10:00-12:00"),
        ("A2", "Café", "name", "Café", "Carers' Café")), OWNERS)  # fmt: skip
    with pytest.raises(Refused):  # a provider cannot approve its own
        store.decide_correction(first, True, "fine", VIC)
    with pytest.raises(ValueError, match="reason"):
        store.decide_correction(first, True, "   ", EDDIE)
    assert store.decide_correction(third, True, "checked with the group", EDDIE)
    assert store.decide_correction(first, True, "matches their leaflet", EDDIE)
    assert store.decide_correction(second, False, "no such session", EDDIE)
    assert not store.decide_correction(first, False, "changed my mind", EDDIE)  # decided
    # approved ones in the order they were decided: the order they are applied in
    approved = store.approved_corrections()
    assert approved["id"].tolist() == [third, first]
    assert approved["reason"].tolist() == ["checked with the group", "matches their leaflet"]
    rejected = store.corrections("rejected").iloc[0]
    assert (rejected["decided_by"], rejected["reason"]) == ("eddie@icb.nhs.uk",
                                                            "no such session")  # fmt: skip
    assert rejected["decided_at"].tzinfo is not None
    assert store.corrections("waiting").empty


def test_a_version_1_store_gains_the_corrections_columns_and_keeps_its_rows(url):
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a store as migration 1 left it, with one correction
        team_store.schema_versions.create(connection)
        team_store._first_tables(connection)
        connection.execute(sa.insert(team_store.schema_versions).values(
            version=1, description="first", applied_at=T0))  # fmt: skip
        connection.execute(sa.text(
            "INSERT INTO directory_corrections (organisation_id, asset_id, field, old_value, "
            "new_value, submitted_by, submitted_at, status) VALUES ('ORG001', 'A1', 'name', "
            "'Walk', 'Walks', 'vic@a.org', :at, 'waiting')"), {"at": T0})  # fmt: skip
    engine.dispose()
    store = open_store(url)
    assert store.version == 2
    kept = store.corrections().iloc[0]
    assert (kept["new_value"], kept["asset_name"], kept["reason"]) == ("Walks", None, None)


def test_default_place_is_beside_the_saved_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("SOCIALRX_CACHE_DIR", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    url = team_store.default_url(data, environ={})
    assert url == f"sqlite:///{data.resolve() / '.socialrx-cache' / 'socialrx.db'}"
    assert (data / ".socialrx-cache" / ".gitignore").exists()  # git leaves it alone
    assert team_store.default_url(data, {"SOCIALRX_DB": "postgresql://h/db"}) == (
        "postgresql://h/db")  # fmt: skip
    monkeypatch.setenv("SOCIALRX_CACHE_DIR", "off")
    assert team_store.default_url(data, environ={}) == (
        f"sqlite:///{tmp_path / 'user-cache' / 'socialrx' / 'socialrx.db'}")  # fmt: skip
    assert team_store.describe("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


def test_retention_setting():
    assert team_store.retention_days({}) == 365
    assert team_store.retention_days({"SOCIALRX_AUDIT_DAYS": "90"}) == 90
    assert team_store.retention_days({"SOCIALRX_AUDIT_DAYS": "ninety"}) == 365
