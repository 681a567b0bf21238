"""Live Open Referral feeds: a directory's `/services` API read page by page into the same
`assets.csv` and `organisations.csv` as a downloaded file, politely and incrementally.

A feed (the ORUK v1 API at developers.openreferraluk.org; the HSDS 3 API reference at
docs.openreferral.org) answers `GET {base}/services?page=N&per_page=M` with a page of services:
v1 as `content` with `totalPages` and `last`, HSDS 3 as `contents` with `total_pages` and
`last_page`, pages numbered from 1. A list record "need not contain arrays of child entities",
so a service's locations and taxonomy terms may come only from `GET {base}/services/{id}`, its
fully nested record: fetched wherever the list leaves them out.

Polite: one request at a time, each with a timeout and retries with doubling backoff (a
timeout, a dropped connection, a 5xx or a 429, whose Retry-After is honoured up to a limit),
and limits on pages and on bytes for the whole run. Nothing is written unless every request
succeeded, and then whole (a temporary folder, then renames).

Incremental: the out folder keeps `.openreferral/` (the feed's values as last written, and
each service's modification date). A later run reads the list again (that is how removed
services are seen) but fetches full records only for services new or modified since, where
the feed dates them. A field corrected locally in `assets.csv` or `organisations.csv` is kept
unless the feed changed the same field; then the feed's value is written and the conflict
reported (and kept in `.openreferral/conflicts.csv`).
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import pandas as pd

from socialrx.data import openreferral
from socialrx.data.files import MAX_FILE_BYTES, SourceFile, decode_text, read_csv
from socialrx.data.parsing import normalise_header
from socialrx.data.problems import WARNING, Report
from socialrx.escape import csv_bytes, spreadsheet_safe

FEEDS_VARIABLE = "SOCIALRX_FEEDS"  # the feeds the app may fetch: base addresses, comma-separated
STATE_FOLDER = ".openreferral"  # hidden: the loader and the app's folder key pass over it
USER_AGENT = "socialrx/0.1 (Open Referral UK directory reader)"
_LOCATION_KEYS = ("service_at_locations", "service_at_location")
_TAXONOMY_KEYS = ("attributes", "service_taxonomys", "service_taxonomies", "taxonomy_terms")
_CONFLICT_COLUMNS = ["table", "id", "field", "your value", "feed before", "feed now"]

Progress = Callable[[float, str], None]


class FeedError(Exception):
    """A feed could not be read; the message says why in words. Nothing was written."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    """How patient and how greedy one run may be."""

    timeout: float = 30.0  # seconds a request may wait for the server to answer
    retries: int = 3  # further tries after a timeout, a dropped connection, a 5xx or a 429
    backoff: float = 1.0  # seconds before the first retry, doubled for each one after
    max_wait: float = 120.0  # the longest Retry-After honoured; longer gives up
    max_pages: int = 500
    max_bytes: int = MAX_FILE_BYTES  # over every answer of the run together
    per_page: int = 100


# --------------------------------------------------------------------------------------------
# Addresses and the deployment's list of feeds


def addresses(url: str) -> tuple[str, str]:
    """(the feed's base, its /services list) from either, as a user would paste it."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FeedError(f"{url!r} is not a web address: a feed's address begins http:// or "
                        "https://, e.g. https://example.org/api/v1")  # fmt: skip
    path = parts.path.rstrip("/")
    base_path = path.removesuffix("/services")
    listing = urlunsplit((parts.scheme, parts.netloc, base_path + "/services", parts.query, ""))
    return urlunsplit((parts.scheme, parts.netloc, base_path, "", "")), listing


def allowed_feeds(environ: dict | None = None) -> list[str]:
    """The feeds this deployment lets the app fetch (`SOCIALRX_FEEDS`, comma-separated base
    addresses); none unless it names some."""
    text = (environ if environ is not None else os.environ).get(FEEDS_VARIABLE, "")
    found = []
    for item in text.replace("\n", ",").split(","):
        item = item.strip().rstrip("/")
        parts = urlsplit(item)
        if parts.scheme.lower() in ("http", "https") and parts.hostname and item not in found:
            found.append(item)
    return found


def permits(allowed: list[str], url: str) -> bool:
    """True when `url` is at or under one of the allowed feeds: the same scheme, host and
    port, and a path within the feed's (no `..` to climb out of it)."""
    parts = urlsplit(url.strip())
    segments = unquote(parts.path).split("/")
    if "." in segments or ".." in segments or parts.username or parts.password:
        return False
    for feed in allowed:
        mine = urlsplit(feed)
        same = (parts.scheme.lower(), parts.hostname, _port(parts)) == (
            mine.scheme.lower(), mine.hostname, _port(mine))  # fmt: skip
        prefix = mine.path.rstrip("/")
        if same and (not prefix or parts.path == prefix or parts.path.startswith(prefix + "/")):
            return True
    return False


def _port(parts) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number
        return None


def _page_address(listing: str, number: int, per_page: int) -> str:
    parts = urlsplit(listing)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in ("page", "per_page")]  # fmt: skip
    query += [("page", str(number)), ("per_page", str(per_page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --------------------------------------------------------------------------------------------
# Requests


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only where a request could have gone itself."""

    def __init__(self, check: Callable[[str], None]):
        self.check = check

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Fetcher:
    """GETs JSON politely; counts its requests and bytes. `permitted` (the app's allow list)
    is asked about every address, redirects included; `sleep` is replaceable for tests."""

    def __init__(
        self,
        limits: Limits | None = None,
        permitted: Callable[[str], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.limits = limits or Limits()
        self.permitted = permitted
        self.sleep = sleep
        self.requests = 0
        self.bytes = 0
        self._opener = urllib.request.build_opener(_Redirects(self._check))

    def _check(self, url: str) -> None:
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FeedError(f"{url}: only http and https addresses are fetched")
        if self.permitted is not None and not self.permitted(url):
            raise FeedError(f"{url} is not on this deployment's list of feeds ({FEEDS_VARIABLE})")

    def json(self, url: str, what: str) -> object:
        """The JSON at `url`; FeedError, saying what and why, when it cannot be had."""
        self._check(url)
        limits, wait, failure = self.limits, 0.0, ""
        for attempt in range(limits.retries + 1):
            if wait:
                self.sleep(wait)
            wait = limits.backoff * 2**attempt
            try:
                status, reason, headers, body = self._get(url)
            except TimeoutError:
                failure = f"no answer within {limits.timeout:g} s"
                continue
            except urllib.error.URLError as exc:
                failure = (
                    f"no answer within {limits.timeout:g} s"
                    if isinstance(exc.reason, TimeoutError)
                    else f"could not connect ({exc.reason})"
                )
                continue
            except (OSError, http.client.HTTPException) as exc:
                failure = f"the connection failed ({exc or type(exc).__name__})"
                continue
            if 200 <= status < 300:
                return _parsed(body, headers, url, what)
            if status == 429:
                asked = _retry_after(headers.get("Retry-After"))
                if asked is not None and asked > limits.max_wait:
                    raise FeedError(
                        f"{what}: the feed asks for {asked:,.0f} s before another request "
                        f"(429 Too Many Requests), longer than the {limits.max_wait:,.0f} s "
                        f"this waits; try again later ({url})",
                        status,
                    )
                wait = max(wait, asked or 0.0)
                failure = "too many requests (429), still after waiting"
                continue
            if status >= 500 or status == 408:
                failure = f"the server failed ({status} {reason})"
                continue
            if status == 404:
                raise FeedError(f"{what}: not found (404) at {url}. Check the address: a feed's "
                                "address is its API's, the part before /services "
                                "(e.g. https://example.org/api/v1)", status)  # fmt: skip
            raise FeedError(f"{what}: refused ({status} {reason}) at {url}", status)
        tries = limits.retries + 1
        raise FeedError(f"{what}: {failure} at {url} ({tries} {'try' if tries == 1 else 'tries'})"
                        ". Check the address and that the feed is up, then try again")  # fmt: skip

    def _get(self, url: str) -> tuple[int, str, object, bytes]:
        request = urllib.request.Request(
            url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
        )
        self.requests += 1
        try:
            response = self._opener.open(request, timeout=self.limits.timeout)
        except urllib.error.HTTPError as exc:  # an answer all the same: its status decides
            with exc:
                return exc.code, exc.reason, exc.headers, self._read(exc, url)
        with response:
            return response.status, response.reason, response.headers, self._read(response, url)

    def _read(self, response, url: str) -> bytes:
        left = self.limits.max_bytes - self.bytes
        body = response.read(left + 1)
        self.bytes += len(body)
        if len(body) > left:
            most = self.limits.max_bytes
            size = f"{most / 2**20:,.0f} MB" if most >= 2**20 else f"{most / 1024:,.0f} KB"
            raise FeedError(f"the feed's answers came to more than {size} (at {url}), the most "
                            "one run reads; raise the limit (--max-mb) if the directory is that "
                            "big")  # fmt: skip
        return body


def _parsed(body: bytes, headers, url: str, what: str) -> object:
    try:
        return json.loads(decode_text(body))
    except ValueError:
        kind = headers.get_content_type() if headers is not None else "no content type"
        start = " ".join(decode_text(body[:80]).split())[:60]
        raise FeedError(f"{what}: the answer from {url} is not JSON ({kind}, beginning "
                        f"{start!r}). Is this the address of the directory's API (the part "
                        "before /services) rather than its web page?") from None  # fmt: skip


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# --------------------------------------------------------------------------------------------
# Reading a feed


@dataclass
class FeedRead:
    """What one run read: the records to flatten (new and modified services, with their full
    records), the ids listed unchanged since the last run, and every listed id's date."""

    services: list[dict] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    modified: dict[str, str | None] = field(default_factory=dict)
    pages: int = 0
    details: int = 0  # full records fetched


def modified_date(record: dict) -> str | None:
    """When the feed says the service last changed (HSDS `last_modified`, a list's
    `modified_date`, OpenPlace's `pc_metadata.date_modified`, HSDS metadata); None if not."""
    for key in ("last_modified", "modified_date", "date_modified"):
        text = openreferral._text(record.get(key))
        if text:
            return text
    extra = record.get("pc_metadata")
    if isinstance(extra, dict):
        text = openreferral._first(extra, "date_modified", "last_modified")
        if text:
            return text
    stamps = [openreferral._first(m, "last_action_date") for m in openreferral._items(record,
              "metadata")]  # fmt: skip
    stamps = [s for s in stamps if s]
    return max(stamps) if stamps else None


def _page_records(doc: object, what: str) -> tuple[list, dict | None]:
    """A page's records and its paging fields (None for a bare list)."""
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        for key in ("contents", "content"):
            if isinstance(doc.get(key), list):
                return doc[key], doc
        if "id" in doc and "name" in doc:
            return [doc], None
        raise FeedError(f"{what} holds no services: it looks like an error or another kind "
                        f"of answer ({openreferral._error_text(doc)})")  # fmt: skip
    raise FeedError(f"{what} holds no services (the JSON is a single value)")


def _last_page(page: dict | None, number: int, count: int) -> bool:
    if page is None or count == 0 or page.get("empty") is True:
        return True
    if page.get("last_page", page.get("last")) is True:
        return True
    pages = page.get("total_pages", page.get("totalPages"))
    return isinstance(pages, int) and not isinstance(pages, bool) and number >= pages


def _complete(record: dict) -> bool:
    """A record that carries its locations and taxonomy terms (a fully nested one)."""
    return any(k in record for k in _LOCATION_KEYS) and any(k in record for k in _TAXONOMY_KEYS)


def read_feed(
    url: str,
    fetcher: Fetcher,
    known: dict[str, str | None] | None = None,
    report: Report | None = None,
    progress: Progress | None = None,
) -> FeedRead:
    """Every page of the feed's services, with the full record of each new or modified one
    (all of them when `known`, last run's id -> modification date, is None)."""
    step = progress or (lambda fraction, text: None)
    report = report if report is not None else Report()
    base, listing = addresses(url)
    host = urlsplit(base).hostname
    limits, read = fetcher.limits, FeedRead()
    listed: list[dict] = []
    seen: set[str] = set()
    number = 1
    while True:
        if number > limits.max_pages:
            raise FeedError(f"{url}: more than {limits.max_pages:,} pages of services; stopped "
                            "without writing anything (raise --max-pages if the directory is "
                            "that big)")  # fmt: skip
        what = f"page {number} of the services"
        doc = fetcher.json(_page_address(listing, number, limits.per_page), what)
        records, page = _page_records(doc, f"{what} ({url})")
        records = [r for r in records if isinstance(r, dict)]
        fresh = [r for r in records if openreferral._first(r, "id") not in seen]
        read.pages = number
        if records and not fresh:  # the same services again: the feed ignores ?page=
            break
        for position, record in enumerate(fresh, start=1):
            record["_file"], record["_row"] = f"{host} services page {number}", position
            seen.add(openreferral._first(record, "id"))
        listed += fresh
        pages = (page or {}).get("total_pages", (page or {}).get("totalPages"))
        step(min(0.5, number / pages / 2) if isinstance(pages, int) and pages else 0.1,
             f"Read page {number} of the services")  # fmt: skip
        if _last_page(page, number, len(records)):
            break
        number += 1
    if not listed:
        raise FeedError(f"{url}: the feed lists no services")
    todo = []
    for record in listed:
        sid = openreferral._first(record, "id")
        date = modified_date(record)
        read.modified[sid] = date
        if known is not None and sid in known and date is not None and known[sid] == date:
            read.unchanged.append(sid)
        else:
            todo.append(record)
    for done, record in enumerate(todo):
        if not _complete(record) and openreferral._first(record, "id"):
            if read.details % 25 == 0:
                step(0.5 + 0.5 * done / len(todo), f"Fetching full records ({done:,} of "
                     f"{len(todo):,} services)")  # fmt: skip
            record = _with_detail(record, base, host, fetcher, report)
            read.details += 1
        read.services.append(record)
    return read


def fetch_directory(
    url: str,
    fetcher: Fetcher,
    report: Report,
    mapping: openreferral.CategoryMapping | None = None,
    known: dict[str, str | None] | None = None,
    progress: Progress | None = None,
) -> tuple[FeedRead, openreferral.Imported]:
    """The feed read (see `read_feed`) and its new and modified services flattened into
    assets and organisations, as the file import flattens a downloaded page."""
    read = read_feed(url, fetcher, known, report, progress)
    host = urlsplit(addresses(url)[0]).hostname or url
    directory = openreferral.Directory(services=read.services, sources=[host])
    openreferral._drop_repeated_services(directory, report)
    mapping = mapping or openreferral.default_mapping()
    imported = openreferral.flatten(directory, mapping, report, f"{host} services")
    imported.label = f"{host} services"
    return read, imported


def _with_detail(record: dict, base: str, host: str, fetcher: Fetcher, report: Report) -> dict:
    """The list record with its full record over it; the list record alone (with a warning)
    when the feed no longer has the service."""
    sid = openreferral._first(record, "id")
    address = f"{base}/services/{quote(sid, safe='')}"
    try:
        doc = fetcher.json(address, f"the full record of service {sid}")
    except FeedError as exc:
        if exc.status != 404:
            raise
        report.add(record["_file"], f"service {sid} is listed but its full record is not found "
                   "(404): imported from the list alone, without locations or taxonomy",
                   WARNING, row=record["_row"])  # fmt: skip
        return record
    if isinstance(doc, dict) and isinstance(doc.get("contents", doc.get("content")), list):
        doc = next(iter(doc.get("contents", doc.get("content"))), None)
    if not isinstance(doc, dict) or openreferral._first(doc, "id") != sid:
        raise FeedError(f"the full record of service {sid} ({address}) is not that service's "
                        "record: the feed's /services/{id} answers something else")  # fmt: skip
    return {**record, **doc, "_file": f"{host} services/{sid}", "_row": None}


# --------------------------------------------------------------------------------------------
# Keeping local corrections: a three-way merge on each field


@dataclass
class Merged:
    table: pd.DataFrame
    conflicts: list[dict] = field(default_factory=list)
    kept: int = 0  # local corrections kept because the feed left their field alone


def merge(
    base: pd.DataFrame | None, local: pd.DataFrame | None, feed: pd.DataFrame, key: str,
    name: str,
) -> Merged:  # fmt: skip
    """The feed's table with local corrections kept. `base` is the feed's table as last
    written, `local` the file as it is now (both text). Per field of a row in all three: local
    equal to base takes the feed's value; local corrected and the feed unchanged keeps the
    local value; both changed (differently) takes the feed's value and reports a conflict.
    Rows added locally (in neither base nor feed) stay; rows the feed removed go; a row removed
    locally stays removed unless the feed changed it. Without a base, the feed's table."""
    if base is None or local is None:
        return Merged(feed.copy())
    base_rows = {r[key]: r for r in base.to_dict("records")}
    local_rows = {r[key]: r for r in local.to_dict("records")}
    feed_keys = set(feed[key])
    columns = list(feed.columns) + [c for c in local.columns if c not in feed.columns]
    out, conflicts, kept = [], [], 0
    for row in feed.to_dict("records"):
        rid, was, mine = row[key], base_rows.get(row[key]), local_rows.get(row[key])
        if was is None or (mine is None and all(row[c] == was.get(c, "") for c in feed.columns)):
            if was is None or mine is not None:
                out.append({**(mine or {}), **row})
            continue  # new from the feed; or deleted locally and unchanged in the feed
        if mine is None:
            conflicts.append({"table": name, "id": rid, "field": "(the whole row)",
                              "your value": "(deleted)", "feed before": "(a row)",
                              "feed now": "(changed: written again)"})  # fmt: skip
            out.append(row)
            continue
        merged = dict(mine)
        for column in feed.columns:
            old, now, yours = was.get(column, ""), row[column], mine.get(column, "")
            if yours in (old, now):
                merged[column] = now
            elif now == old:
                kept += 1
            else:
                merged[column] = now
                conflicts.append({"table": name, "id": rid, "field": column, "your value": yours,
                                  "feed before": old, "feed now": now})  # fmt: skip
        out.append(merged)
    for rid, mine in local_rows.items():
        if rid not in feed_keys and rid not in base_rows:
            out.append(mine)  # added locally
        elif rid not in feed_keys and any(mine.get(c, "") != v for c, v in base_rows[rid].items()):
            conflicts.append({"table": name, "id": rid, "field": "(the whole row)",
                              "your value": "(corrected)", "feed before": "(a row)",
                              "feed now": "(removed from the feed)"})  # fmt: skip
    table = pd.DataFrame(out, columns=columns, dtype=object).fillna("").astype(str)
    return Merged(table, conflicts, kept)


# --------------------------------------------------------------------------------------------
# A data folder kept up to date from a feed


@dataclass
class Updated:
    """One run's outcome, for the command line and the app to report."""

    assets: pd.DataFrame
    organisations: pd.DataFrame
    read: FeedRead
    conflicts: pd.DataFrame
    kept: int = 0
    added: int = 0  # asset rows, against the last run's
    changed: int = 0
    removed: int = 0
    removed_services: int = 0
    first: bool = True  # no earlier run to compare with (or it was of another feed)
    requests: int = 0
    bytes: int = 0


def _written(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as its CSV reads back: text, formula-safe, so old and new compare alike."""
    return spreadsheet_safe(frame.fillna("").astype(str)).astype(str)


def _local(path: Path, key: str, report: Report) -> pd.DataFrame | None:
    """A table in the out folder as text with the contract's header spellings."""
    if not path.is_file():
        return None
    found = Report()
    frame = read_csv(SourceFile(path.name, path.read_bytes()), found)
    if frame is None:
        raise FeedError(f"{path} could not be read ({'; '.join(found.lines()) or 'empty'}): "
                        "correct or move it and run again; nothing was written")  # fmt: skip
    frame.columns = [normalise_header(c) for c in frame.columns]
    if key not in frame.columns:
        raise FeedError(
            f"{path} has no {key} column, so its rows cannot be matched to the feed's: "
            "correct or move it and run again; nothing was written"
        )
    return frame.astype(str).reset_index(drop=True)


def _state(out: Path, url: str, mapping_digest: str) -> tuple[dict | None, str]:
    """Last run's state when it is of this feed and mapping, with why not otherwise."""
    folder = out / STATE_FOLDER
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, ""
    if not all((folder / name).is_file() for name in ("assets.csv", "organisations.csv")):
        return None, "the last run's copy of the feed is incomplete: every service is fetched"
    if state.get("feed") != addresses(url)[1]:
        return None, (f"the last run read another feed ({state.get('feed')}): every service "
                      "is fetched and the files are replaced")  # fmt: skip
    if state.get("mapping") != mapping_digest:
        return None, "the taxonomy mapping changed since the last run: every service is fetched"
    return state, ""


def update_folder(
    url: str,
    out: Path,
    report: Report,
    mapping: openreferral.CategoryMapping | None = None,
    mapping_digest: str = "",
    full: bool = False,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> Updated:
    """Read the feed into `out`'s assets.csv and organisations.csv, keeping local corrections
    (see the module's docstring); FeedError, with nothing written, when it cannot."""
    fetcher = fetcher or Fetcher()
    if out.exists() and not out.is_dir():
        raise FeedError(f"{out} is a file, not a folder")
    state, why = (None, "") if full else _state(out, url, mapping_digest)
    if why:
        report.add(str(out / STATE_FOLDER), why, WARNING)
    known = None if state is None else {sid: s.get("modified") for sid, s in
                                        state.get("services", {}).items()}  # fmt: skip
    read, imported = fetch_directory(url, fetcher, report, mapping, known, progress)
    new_assets, new_orgs = _written(imported.assets), _written(imported.organisations)
    base_assets = base_orgs = None
    services = {sid: {"modified": read.modified.get(sid), "assets": []} for sid in read.modified}
    for asset_id, sid in imported.service_of.items():
        services.setdefault(sid, {"modified": read.modified.get(sid), "assets": []})
        services[sid]["assets"].append(asset_id)
    feed_assets, feed_orgs = new_assets, new_orgs
    if state is not None:
        base_assets = _written(pd.read_csv(out / STATE_FOLDER / "assets.csv", dtype=str,
                                           keep_default_na=False))  # fmt: skip
        base_orgs = _written(pd.read_csv(out / STATE_FOLDER / "organisations.csv", dtype=str,
                                         keep_default_na=False))  # fmt: skip
        kept_ids = []
        for sid in read.unchanged:
            kept_ids += state["services"].get(sid, {}).get("assets", [])
            services[sid]["assets"] = list(state["services"].get(sid, {}).get("assets", []))
        unchanged = base_assets[base_assets["asset_id"].isin(kept_ids)]
        feed_assets = pd.concat([unchanged, new_assets], ignore_index=True)
        used = set(unchanged["organisation_id"]) - set(new_orgs["organisation_id"])
        feed_orgs = pd.concat([base_orgs[base_orgs["organisation_id"].isin(used)], new_orgs],
                              ignore_index=True)  # fmt: skip
        order = [a for sid in services for a in services[sid]["assets"]]  # as the feed lists them
        rank = feed_assets["asset_id"].map({a: i for i, a in enumerate(order)}).fillna(len(order))
        feed_assets = feed_assets.iloc[rank.argsort(kind="stable")].reset_index(drop=True)
    local_assets = _local(out / "assets.csv", "asset_id", report)
    if state is None and local_assets is not None:
        report.add(str(out / "assets.csv"), "replaced by the feed's assets: there is no earlier "
                   "run of this feed to keep corrections from", WARNING)  # fmt: skip
    assets = merge(base_assets, local_assets, feed_assets, "asset_id", "assets")
    orgs = merge(base_orgs, _local(out / "organisations.csv", "organisation_id", report),
                 feed_orgs, "organisation_id", "organisations")  # fmt: skip
    conflicts = pd.DataFrame(assets.conflicts + orgs.conflicts, columns=_CONFLICT_COLUMNS)
    updated = Updated(assets.table, orgs.table, read, conflicts, kept=assets.kept + orgs.kept,
                      first=state is None, requests=fetcher.requests,
                      bytes=fetcher.bytes)  # fmt: skip
    if base_assets is not None:
        before = base_assets.drop_duplicates("asset_id").set_index("asset_id")
        now = feed_assets.drop_duplicates("asset_id").set_index("asset_id")
        common = now.index.intersection(before.index)
        updated.added = int((~now.index.isin(before.index)).sum())
        updated.removed = int((~before.index.isin(now.index)).sum())
        shared = [c for c in now.columns if c in before.columns]
        updated.changed = int(
            (now.loc[common, shared] != before.loc[common, shared]).any(axis=1).sum()
        )
        updated.removed_services = len(set(state["services"]) - set(read.modified))
    new_state = {
        "feed": addresses(url)[1],
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mapping": mapping_digest,
        "services": services,
    }
    _write_whole(out, {
        "assets.csv": csv_bytes(updated.assets),
        "organisations.csv": csv_bytes(updated.organisations),
        f"{STATE_FOLDER}/assets.csv": csv_bytes(feed_assets),
        f"{STATE_FOLDER}/organisations.csv": csv_bytes(feed_orgs),
        f"{STATE_FOLDER}/conflicts.csv": csv_bytes(conflicts),
        f"{STATE_FOLDER}/state.json": json.dumps(new_state, indent=1).encode(),
    })  # fmt: skip
    return updated


def mapping_digest(data: bytes | None) -> str:
    """What the state remembers of the mapping a run used (a change refetches everything)."""
    return hashlib.sha256(data or b"").hexdigest()[:16]


def _write_whole(out: Path, files: dict[str, bytes]) -> None:
    """Every file written in a temporary folder beside `out`, then moved in (the folder
    itself when `out` is new; file by file, the state last, when it holds other data)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{out.name}-writing-", dir=out.parent))
    try:
        for name, data in files.items():
            (temporary / name).parent.mkdir(parents=True, exist_ok=True)
            (temporary / name).write_bytes(data)
        if not out.exists():
            temporary.rename(out)
            return
        for name in files:  # in order: the state file last
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary / name, out / name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
