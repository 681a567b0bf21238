"""Who may see what: the deployment's access list (`access.csv`: email, role, organisation_id)
and what each role is offered and allowed.

The list is read again whenever its file changes (checked on every run), so a person removed
from it loses access at their next click. It names people one by one: no rule by e-mail domain
(NHSmail is one national tenant: `@nhs.net` is every NHS employee). The pages, the sidebar and
every place a figure or file is produced ask the same questions here (`page_allowed`,
`levels`, `check_level`, `check_organisation`, `may`).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from socialrx.disclosure import Level, allowed_levels

ACCESS_VARIABLE = "SOCIALRX_ACCESS"


class Role(StrEnum):
    ANALYST = "analyst"  # every page; exact figures where the deployment allows them
    PLANNER = "planner"  # every page at the default level; packs and links
    PARTNER = "partner"  # a workshop participant: as a planner
    PROVIDER = "provider"  # a VCS organisation: its own organisation only
    EDITOR = "directory editor"  # keeps the directory: approves corrections
    GUEST = "workshop guest"  # a time-limited link, no account: the default level


# Every page, by its url_path ("" is the overview); "team" is the audit trail and guest links.
ALL_PAGES = ("", "asset_map", "referral_flows", "equity", "capacity", "outcomes",
             "commissioning", "pack", "directory", "data", "team")  # fmt: skip
PAGES = {
    Role.ANALYST: ALL_PAGES,
    Role.PLANNER: ALL_PAGES[:-1],
    Role.PARTNER: ALL_PAGES[:-1],
    # its own organisation: My organisation (capacity) and its assets (directory)
    Role.PROVIDER: ("capacity", "directory"),
    Role.EDITOR: ("asset_map", "directory"),
    Role.GUEST: (
        "",
        "asset_map",
        "referral_flows",
        "equity",
        "capacity",
        "outcomes",
        "commissioning",
    ),
}
# What else a role may do, beyond seeing its pages.
ACTIONS = {
    Role.ANALYST: {"pack", "share", "neighbourhoods", "named views", "upload", "audit",
                   "guest links", "every organisation"},
    Role.PLANNER: {"pack", "share", "neighbourhoods", "named views", "upload",
                   "every organisation"},
    Role.PARTNER: {"pack", "share", "neighbourhoods", "named views", "upload",
                   "every organisation"},
    Role.PROVIDER: {"correct directory"},  # its own organisation's records (check_organisation)
    Role.EDITOR: {"every organisation", "approve corrections"},
    Role.GUEST: {"every organisation"},
}  # fmt: skip
LOCAL, SIGN_IN, PROXY, GUEST_LINK = "this machine", "sign-in", "proxy", "guest link"


@dataclass(frozen=True)
class Person:
    """Who is looking, with which role, for which organisation, and how they got in."""

    who: str  # the e-mail address, "guest: <label>", or "this machine"
    role: Role
    organisation_id: str | None = None  # a provider's own organisation
    how: str = LOCAL

    @property
    def described(self) -> str:
        """Who, in words, for the "made by" of an output: the address (or guest label) and
        role, or that nobody signed in."""
        if self.how == LOCAL:
            return "this machine (no sign-in set up)"
        organisation = f", {self.organisation_id}" if self.organisation_id else ""
        return f"{self.who} ({self.role}{organisation})"


class Refused(PermissionError):
    """What someone asked for that their role does not allow (said to them in words)."""


@dataclass(frozen=True)
class AccessList:
    people: dict[str, tuple[Role, str | None]]
    problems: tuple[str, ...] = ()


def _role(text: str) -> Role | None:
    words = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    return next((r for r in Role if r.value == words), None)


def parse_access(text: str, name: str = "access.csv") -> AccessList:
    """The people on the list and the problems found (file:row: what is wrong): a row with a
    problem gives nobody access."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {c.strip().lower(): c for c in rows.fieldnames or []}
    if "email" not in columns or "role" not in columns:
        return AccessList({}, (f"{name}: needs the columns email, role (and organisation_id "
                               "for providers)",))  # fmt: skip
    people: dict[str, tuple[Role, str | None]] = {}
    problems = []
    for number, row in enumerate(rows, start=2):
        email = (row.get(columns["email"]) or "").strip().lower()
        role_text = (row.get(columns["role"]) or "").strip()
        org = (row.get(columns.get("organisation_id", ""), "") or "").strip() or None
        where = f"{name}:{number}"
        role = _role(role_text)
        if not email and not role_text:
            continue
        if "@" not in email or email.startswith("@") or "*" in email:
            problems.append(f"{where}: email: “{email}” is not one person's address (no rules "
                            "by domain or wildcard)")  # fmt: skip
        elif role is None:
            allowed = ", ".join(r.value for r in Role if r != Role.GUEST)
            problems.append(f"{where}: role: “{role_text}”: use one of {allowed}")
        elif role == Role.GUEST:
            problems.append(f"{where}: role: workshop guests come by a link an analyst makes, "
                            "not by the access list")  # fmt: skip
        elif role == Role.PROVIDER and not org:
            problems.append(f"{where}: organisation_id: a provider needs its organisation")
        elif email in people:
            problems.append(f"{where}: email: {email} is listed twice: the first row is used")
        else:
            people[email] = (role, org if role == Role.PROVIDER else None)
    return AccessList(people, tuple(problems))


def access_path(environ: dict | None = None) -> Path | None:
    value = (os.environ if environ is None else environ).get(ACCESS_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None


def read_access(path: Path) -> AccessList:
    """The list in `path`, read again only when the file changes (its size or times)."""
    try:
        stat = path.stat()
    except OSError:
        return AccessList({}, (f"{path}: the access list could not be found or read",))
    return _read(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


@lru_cache(maxsize=4)
def _read(path: str, _size: int, _mtime: int, _ctime: int) -> AccessList:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return AccessList({}, (f"{path}: the access list could not be read ({exc})",))
    return parse_access(text, Path(path).name)


def person(email: str, how: str, listed: AccessList) -> Person | None:
    """The person on the list with this address (None: not on it)."""
    email = email.strip().lower()
    found = listed.people.get(email)
    if found is None:
        return None
    role, org = found
    return Person(email, role, org, how)


def page_allowed(someone: Person, page: str) -> bool:
    return page in PAGES[someone.role]


# One person on their own machine (no sign-in set up) keeps their own directory: they may both
# send a correction and approve it.
LOCAL_ACTIONS = {"correct directory", "approve corrections"}


def may(someone: Person, action: str) -> bool:
    return action in ACTIONS[someone.role] or (someone.how == LOCAL and action in LOCAL_ACTIONS)


def levels(someone: Person, floor: Level) -> list[Level]:
    """The disclosure levels this person may choose: only an analyst goes below the default."""
    allowed = allowed_levels(floor)
    return allowed if someone.role == Role.ANALYST else allowed[:1]


def check_level(someone: Person, level: Level, floor: Level) -> None:
    """Before any figure is drawn or file built: the level must be one this person may use."""
    if level not in levels(someone, floor):
        raise Refused(f"Disclosure level “{level}” is not available to a {someone.role}.")


def organisations(someone: Person, offered: dict) -> dict:
    """The organisations (id -> name) this person may look at among those offered."""
    if may(someone, "every organisation"):
        return offered
    return {k: v for k, v in offered.items() if str(k) == someone.organisation_id}


def own_records_level(someone: Person, organisation_id, level: Level) -> Level:
    """The level of a provider's own demand counts (people sent, started, waiting, turned
    away, in total and by month): exact ("off") to that provider itself, which holds these
    records already; `level` for anyone else. On screen only: every file, and every breakdown
    by who the people are, stays at `level`."""
    own = someone.role == Role.PROVIDER and str(organisation_id) == someone.organisation_id
    return Level.OFF if own else level


def check_organisation(someone: Person, organisation_id) -> None:
    """Before a provider's figures or files are produced: its own organisation only."""
    if not may(someone, "every organisation") and str(organisation_id) != someone.organisation_id:
        raise Refused("A provider sees its own organisation only.")


def check(someone: Person, action: str) -> None:
    if not may(someone, action):
        raise Refused(f"A {someone.role} cannot do this here ({action}).")
