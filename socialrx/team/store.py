"""The team's store: what must outlive a browser session, shared by everyone on a deployment.

It holds the audit trail (who did what, when, on which page, place, period and level), the
team's saved neighbourhoods and named views, workshop guest links (only a hash of each token)
and the directory corrections queue. It never holds person-level data: places are codes of
areas, practices and PCNs, and a view is a page address's choices.

SQLite by default, one file beside the saved copy of the data folder (`default_url`);
PostgreSQL for a deployment with more than one server process, with
`SOCIALRX_DB=postgresql://user:password@host/db` (psycopg 3). Through SQLAlchemy Core, so the
same statements run on both. The schema is versioned: `open_store` applies each step of
`MIGRATIONS` the database has not seen yet, in order, recorded in `schema_versions`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from socialrx.data.store import cache_locations, prepare_cache_folder, user_cache_dir
from socialrx.team import access
from socialrx.team.access import Person, Refused

DB_VARIABLE = "SOCIALRX_DB"
RETENTION_VARIABLE = "SOCIALRX_AUDIT_DAYS"
DEFAULT_RETENTION_DAYS = 365
DB_FILE = "socialrx.db"
TOKEN_BYTES = 24  # a guest token: 192 random bits, shown once, kept only as its SHA-256
# Corrections may change any field of a record but these: a new id is a new asset, and an
# asset moves to another organisation only through the directory's own files.
LOCKED_FIELDS = {"asset_id", "organisation_id"}
_LOCK_ID = 2_316_042  # PostgreSQL advisory lock: one server at a time migrates


def _tables_v1(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """The tables as migration 1 made them. A later migration that changes a table declares
    its new shape in `_tables` and changes it with its own statements; this stays as it was."""
    text = sa.String
    when = sa.DateTime(timezone=True)
    return {
        "audit_events": sa.Table(
            "audit_events", metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", when, nullable=False, index=True),
            sa.Column("who", text(320), nullable=False, index=True),
            sa.Column("role", text(40), nullable=False),
            sa.Column("organisation_id", text(80)),
            sa.Column("action", text(40), nullable=False, index=True),
            sa.Column("page", text(80)),
            sa.Column("place", text(400)),
            sa.Column("period", text(40)),
            sa.Column("level", text(20)),
            sa.Column("detail", text(2000)),
        ),
        "neighbourhoods": sa.Table(
            "neighbourhoods", metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", text(80), nullable=False),
            sa.Column("saved_by", text(320), nullable=False, index=True),
            sa.Column("saved_at", when, nullable=False),
            # kept when removed or replaced: a person's saves are counted (see `saves_by`)
            sa.Column("removed_at", when),
            sa.Column("removed_by", text(320)),
            sa.Index("one_live_neighbourhood_a_name", "name", unique=True,
                     sqlite_where=sa.text("removed_at IS NULL"),
                     postgresql_where=sa.text("removed_at IS NULL")),
        ),
        "neighbourhood_areas": sa.Table(
            "neighbourhood_areas", metadata,
            sa.Column("neighbourhood_id", sa.Integer,
                      sa.ForeignKey("neighbourhoods.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("area_code", text(20), primary_key=True),
            sa.Column("position", sa.Integer, nullable=False),
        ),
        "named_views": sa.Table(
            "named_views", metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", text(80), nullable=False, unique=True),
            sa.Column("page", text(80), nullable=False),
            sa.Column("query", text(4000), nullable=False),
            sa.Column("saved_by", text(320), nullable=False),
            sa.Column("saved_at", when, nullable=False),
        ),
        "guest_links": sa.Table(
            "guest_links", metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("token_hash", text(64), nullable=False, unique=True),
            sa.Column("label", text(120), nullable=False),
            sa.Column("made_by", text(320), nullable=False),
            sa.Column("made_at", when, nullable=False),
            sa.Column("expires_at", when, nullable=False),
            sa.Column("revoked_at", when),
            sa.Column("revoked_by", text(320)),
        ),
        "directory_corrections": sa.Table(
            "directory_corrections", metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("organisation_id", text(80), nullable=False, index=True),
            sa.Column("asset_id", text(80), nullable=False),
            sa.Column("field", text(80), nullable=False),
            sa.Column("old_value", text(2000)),
            sa.Column("new_value", text(2000)),
            sa.Column("submitted_by", text(320), nullable=False),
            sa.Column("submitted_at", when, nullable=False),
            sa.Column("status", text(20), nullable=False, server_default="waiting"),
            sa.Column("decided_by", text(320)),
            sa.Column("decided_at", when),
        ),
    }  # fmt: skip


# Migration 2: what the corrections queue shows and keeps (the asset's name as the provider saw
# it, the editor's reason for a decision).
_CORRECTION_COLUMNS_V2 = (("asset_name", 400), ("reason", 2000))


def _tables_latest(metadata: sa.MetaData) -> dict[str, sa.Table]:
    tables = _tables_v1(metadata)
    for name, length in _CORRECTION_COLUMNS_V2:
        tables["directory_corrections"].append_column(sa.Column(name, sa.String(length)))
    return tables


_METADATA = sa.MetaData()
_tables = _tables_latest(_METADATA)  # the schema as of the latest migration
audit_events = _tables["audit_events"]
neighbourhoods = _tables["neighbourhoods"]
neighbourhood_areas = _tables["neighbourhood_areas"]
named_views = _tables["named_views"]
guest_links = _tables["guest_links"]
directory_corrections = _tables["directory_corrections"]
schema_versions = sa.Table(
    "schema_versions",
    _METADATA,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


def _first_tables(connection: Connection) -> None:
    metadata = sa.MetaData()
    _tables_v1(metadata)
    metadata.create_all(connection)


def _correction_reasons(connection: Connection) -> None:
    for name, length in _CORRECTION_COLUMNS_V2:
        connection.execute(sa.text(
            f"ALTER TABLE directory_corrections ADD COLUMN {name} VARCHAR({length})"))  # fmt: skip


# (version, what it does, the step): append only; a step never changes once released.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "audit trail, neighbourhoods, named views, guest links, directory corrections",
     _first_tables),
    (2, "directory corrections keep the asset's name and the reason for a decision",
     _correction_reasons),
]  # fmt: skip

WAITING, APPROVED, REJECTED = "waiting", "approved", "rejected"


def now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back the UTC times it was given without their zone."""
    if value is None or pd.isna(value):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def default_url(data_folder: Path | str, environ: dict | None = None) -> str:
    """`SOCIALRX_DB` if set; otherwise a SQLite file beside the saved copy of the data folder
    (in its `.socialrx-cache`, or `SOCIALRX_CACHE_DIR`), in the user's cache folder when that
    cannot be written or copies are off."""
    environ = os.environ if environ is None else environ
    if url := environ.get(DB_VARIABLE, "").strip():
        return url
    for root in [*cache_locations(data_folder), user_cache_dir()]:
        try:
            prepare_cache_folder(root)
        except OSError:
            continue
        if os.access(root, os.W_OK):
            return f"sqlite:///{root / DB_FILE}"
    raise OSError(f"no folder to keep the team's store in: set {DB_VARIABLE}")


def describe(url: str) -> str:
    """The store's address without its password, to show an analyst where it is."""
    return sa.make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class GuestLink:
    """A valid workshop guest link: who made it, for whom (its label), until when."""

    id: int
    label: str
    made_by: str
    expires_at: datetime


@dataclass(frozen=True)
class Event:
    """One line of the audit trail."""

    who: str
    role: str
    action: str
    page: str = ""
    place: str = ""
    period: str = ""
    level: str = ""
    detail: str = ""
    organisation_id: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Store:
    """The team's store on one database. Every method is one short transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def version(self) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(sa.func.max(schema_versions.c.version))) or 0

    # -- the audit trail
    def record(self, event: Event, at: datetime | None = None) -> None:
        row = {k: (str(v)[:limit] if v is not None else None)
               for (k, v), limit in zip(vars(event).items(), _LIMITS, strict=True)}  # fmt: skip
        with self.engine.begin() as connection:
            connection.execute(sa.insert(audit_events).values(at=at or now(), **row))

    def events(
        self,
        since: datetime | None = None,
        who: str | None = None,
        action: str | None = None,
        limit: int = 10_000,
    ) -> pd.DataFrame:
        """The latest events first (at most `limit`), optionally since a time, by a person
        or of one action."""
        query = sa.select(*[c for c in audit_events.c if c.name != "id"])
        if since is not None:
            query = query.where(audit_events.c.at >= since)
        if who:
            query = query.where(audit_events.c.who == who)
        if action:
            query = query.where(audit_events.c.action == action)
        query = query.order_by(audit_events.c.at.desc(), audit_events.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        frame = pd.DataFrame(rows, columns=[c.name for c in audit_events.c if c.name != "id"])
        frame["at"] = frame["at"].map(_utc)
        return frame

    def purge(self, keep_days: int, at: datetime | None = None) -> int:
        """Delete audit events older than `keep_days` (the deployment's retention)."""
        cutoff = (at or now()) - timedelta(days=keep_days)
        with self.engine.begin() as connection:
            return connection.execute(sa.delete(audit_events).where(audit_events.c.at < cutoff)
                                      ).rowcount  # fmt: skip

    # -- neighbourhoods
    def neighbourhoods(self) -> pd.DataFrame:
        """The team's neighbourhoods as neighbourhoods.csv holds them (neighbourhood,
        area_code), in the order they were saved."""
        query = (
            sa.select(neighbourhoods.c.name.label("neighbourhood"), neighbourhood_areas.c.area_code)
            .join(neighbourhood_areas)
            .where(neighbourhoods.c.removed_at.is_(None))
            .order_by(
                neighbourhoods.c.saved_at, neighbourhoods.c.id, neighbourhood_areas.c.position
            )
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return pd.DataFrame(rows, columns=["neighbourhood", "area_code"], dtype=object)

    def save_neighbourhood(self, name: str, areas: Iterable[str], by: str) -> None:
        """Save (or replace) a neighbourhood for the whole team."""
        stamp = now()
        with self.engine.begin() as connection:
            self._remove(connection, name, by, stamp)
            new = connection.execute(
                sa.insert(neighbourhoods).values(name=name, saved_by=by, saved_at=stamp)
            ).inserted_primary_key[0]
            codes = list(dict.fromkeys(str(a) for a in areas))
            connection.execute(
                sa.insert(neighbourhood_areas),
                [{"neighbourhood_id": new, "area_code": c, "position": i}
                 for i, c in enumerate(codes)],
            )  # fmt: skip

    def remove_neighbourhood(self, name: str, by: str) -> bool:
        with self.engine.begin() as connection:
            return self._remove(connection, name, by, now())

    @staticmethod
    def _remove(connection: Connection, name: str, by: str, stamp: datetime) -> bool:
        live = (neighbourhoods.c.name == name) & neighbourhoods.c.removed_at.is_(None)
        done = connection.execute(
            sa.update(neighbourhoods).where(live).values(removed_at=stamp, removed_by=by)
        )
        return done.rowcount > 0

    def saves_by(self, who: str) -> int:
        """How many neighbourhoods this person has saved, removed or replaced ones included:
        below "off" each person may save only a few sets of areas (`selection`)."""
        query = sa.select(sa.func.count()).where(neighbourhoods.c.saved_by == who)
        with self.engine.connect() as connection:
            return connection.scalar(query)

    # -- named views
    def named_views(self) -> pd.DataFrame:
        query = sa.select(named_views.c.name, named_views.c.page, named_views.c.query,
                          named_views.c.saved_by, named_views.c.saved_at
                          ).order_by(named_views.c.name)  # fmt: skip
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return pd.DataFrame(rows, columns=["name", "page", "query", "saved_by", "saved_at"])

    def save_view(self, name: str, page: str, query: str, by: str) -> None:
        """Save (or replace) a named view: a page and its address's choices."""
        with self.engine.begin() as connection:
            connection.execute(sa.delete(named_views).where(named_views.c.name == name))
            connection.execute(sa.insert(named_views).values(
                name=name, page=page, query=query, saved_by=by, saved_at=now()))  # fmt: skip

    def remove_view(self, name: str) -> bool:
        with self.engine.begin() as connection:
            return connection.execute(
                sa.delete(named_views).where(named_views.c.name == name)
            ).rowcount > 0  # fmt: skip

    # -- workshop guest links
    def make_guest_link(self, label: str, made_by: str, hours: float,
                        at: datetime | None = None) -> str:  # fmt: skip
        """A new guest token, valid for `hours`: returned once, only its hash is kept."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        made = at or now()
        with self.engine.begin() as connection:
            connection.execute(sa.insert(guest_links).values(
                token_hash=token_hash(token), label=label[:120], made_by=made_by, made_at=made,
                expires_at=made + timedelta(hours=hours)))  # fmt: skip
        return token

    def guest(self, token: str, at: datetime | None = None) -> GuestLink | None:
        """The guest link this token opens, if it has neither expired nor been revoked."""
        if not token or len(token) > 200:
            return None
        query = sa.select(guest_links).where(
            (guest_links.c.token_hash == token_hash(token)) & guest_links.c.revoked_at.is_(None)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None or _utc(row["expires_at"]) <= (at or now()):
            return None
        return GuestLink(row["id"], row["label"], row["made_by"], _utc(row["expires_at"]))

    def guest_links(self, at: datetime | None = None) -> pd.DataFrame:
        """Every guest link, newest first, each "open", "expired" or "withdrawn" (`state`)."""
        columns = ["id", "label", "made_by", "made_at", "expires_at", "revoked_at", "revoked_by"]
        query = sa.select(*[guest_links.c[c] for c in columns]).order_by(
            guest_links.c.made_at.desc())  # fmt: skip
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        frame = pd.DataFrame(rows, columns=columns)
        for column in ("made_at", "expires_at", "revoked_at"):
            frame[column] = frame[column].map(_utc, na_action="ignore")
        moment = at or now()
        frame["state"] = [
            "withdrawn" if pd.notna(revoked) else "expired" if expires <= moment else "open"
            for revoked, expires in zip(frame["revoked_at"], frame["expires_at"], strict=True)
        ]
        return frame

    def revoke_guest_link(self, link_id: int, by: str) -> bool:
        live = (guest_links.c.id == link_id) & guest_links.c.revoked_at.is_(None)
        with self.engine.begin() as connection:
            done = connection.execute(
                sa.update(guest_links).where(live).values(revoked_at=now(), revoked_by=by)
            )
            return done.rowcount > 0  # fmt: skip

    # -- the directory corrections queue: providers submit, directory editors decide
    def corrections(self, status: str | None = None,
                    organisation_id: str | None = None) -> pd.DataFrame:  # fmt: skip
        """The queue in the order things were submitted, optionally of one status or one
        organisation's assets."""
        table = directory_corrections
        query = sa.select(table).order_by(table.c.submitted_at, table.c.id)
        if status:
            query = query.where(table.c.status == status)
        if organisation_id is not None:
            query = query.where(table.c.organisation_id == organisation_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        frame = pd.DataFrame(rows, columns=[c.name for c in table.c])
        for column in ("submitted_at", "decided_at"):
            frame[column] = frame[column].map(_utc, na_action="ignore")
        return frame

    def approved_corrections(self) -> pd.DataFrame:
        """The approved changes in the order they were decided: applied in that order, each
        on the directory as the ones before it left it (`socialrx.data.corrections`)."""
        approved = self.corrections(APPROVED)
        return approved.sort_values(["decided_at", "id"], kind="stable").reset_index(drop=True)

    def submit_corrections(self, someone: Person, organisation_id: str,
                           changes: pd.DataFrame, owners: dict) -> list[int]:  # fmt: skip
        """Put changes to one organisation's asset records in the queue (`changes`: asset_id,
        name, field, old_value, new_value; `owners`: asset_id -> organisation_id in the
        directory as shown). Checked here, whatever the page offered: the person may correct
        the directory, for this organisation, and every asset is this organisation's."""
        access.check(someone, "correct directory")
        access.check_organisation(someone, organisation_id)
        foreign = sorted({str(a) for a in changes["asset_id"]
                          if str(owners.get(a)) != str(organisation_id)})  # fmt: skip
        if foreign:
            raise Refused(f"Not {organisation_id}'s asset records: {', '.join(foreign[:5])}.")
        locked = sorted(set(changes["field"]) & LOCKED_FIELDS)
        if locked:
            raise Refused(f"{', '.join(locked)} cannot be corrected here: it identifies the "
                          "record and its owner.")  # fmt: skip
        stamp = now()
        rows = [{"organisation_id": str(organisation_id), "asset_id": str(c.asset_id)[:80],
                 "asset_name": str(c.name)[:400], "field": str(c.field)[:80],
                 "old_value": str(c.old_value)[:2000], "new_value": str(c.new_value)[:2000],
                 "submitted_by": someone.who[:320], "submitted_at": stamp, "status": WAITING}
                for c in changes.itertuples()]  # fmt: skip
        with self.engine.begin() as connection:
            return [connection.execute(sa.insert(directory_corrections).values(**row)
                                       ).inserted_primary_key[0] for row in rows]  # fmt: skip

    def decide_correction(self, correction_id: int, approve: bool, reason: str,
                          someone: Person) -> bool:  # fmt: skip
        """Approve or reject one waiting change, with a reason; False when it was no longer
        waiting (another editor decided it first)."""
        access.check(someone, "approve corrections")
        reason = " ".join(str(reason).split())
        if not reason:
            raise ValueError("Give a reason for the decision: the provider sees it.")
        waiting = (directory_corrections.c.id == int(correction_id)) & (
            directory_corrections.c.status == WAITING)  # fmt: skip
        with self.engine.begin() as connection:
            done = connection.execute(sa.update(directory_corrections).where(waiting).values(
                status=APPROVED if approve else REJECTED, decided_by=someone.who[:320],
                decided_at=now(), reason=reason[:2000]))  # fmt: skip
            return done.rowcount > 0


_LIMITS = [320, 40, 40, 80, 400, 40, 20, 2000, 80]  # Event's fields, as long as their columns


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations this database has not had yet; the versions applied now."""
    applied = []
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # two servers starting together wait in turn
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        schema_versions.create(connection, checkfirst=True)
        done = set(connection.scalars(sa.select(schema_versions.c.version)))
        for version, description, step in MIGRATIONS:
            if version in done:
                continue
            step(connection)
            connection.execute(sa.insert(schema_versions).values(
                version=version, description=description, applied_at=now()))  # fmt: skip
            applied.append(version)
    return applied


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
    cursor.execute("PRAGMA busy_timeout=5000")  # a writer waits for another, not fails
    cursor.close()


def open_store(url: str) -> Store:
    """Connect, bring the schema up to date and apply the retention of the audit trail."""
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    store = Store(engine)
    store.purge(retention_days())
    return store


def retention_days(environ: dict | None = None) -> int:
    """How long the audit trail is kept (`SOCIALRX_AUDIT_DAYS`, default a year)."""
    value = (os.environ if environ is None else environ).get(RETENTION_VARIABLE, "")
    try:
        days = int(value)
    except ValueError:
        return DEFAULT_RETENTION_DAYS
    return days if days > 0 else DEFAULT_RETENTION_DAYS
