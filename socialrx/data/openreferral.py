"""Open Referral UK (HSDS) directories in and out: community directories become `assets` and
`organisations`, and ours go back out as HSDS 3 tables and JSON.

In: the JSON a directory's `/services` API returns (ORUK v1 / HSDS 2 pages with `content`,
HSDS 3 / UK profile pages with `contents`, or a bare list), a folder of HSDS CSV tables (v1
plural names such as `service_at_locations.csv`, `regular_schedules.csv`; HSDS 3 singular names
such as `service_at_location.csv`, `schedule.csv`, `attribute.csv`), or a zip of either. Every
format is first gathered into HSDS 3 shaped service records (a service with its organization,
service_at_locations with their location, schedules, cost_options, capacities and attributes),
which one function flattens: one asset per service at a location. The flattened tables are text,
checked afterwards exactly as an `assets.csv` would be.

Out: HSDS 3 tables (organization, service, location, address, accessibility,
service_at_location, schedule, cost_option, service_capacity, unit, taxonomy, taxonomy_term,
attribute, organization_identifier) and the same services as one JSON page. Ids are our own
where they are UUIDs, else UUIDv5 of ours, so they are the same in every export; our own ids
travel as identifiers (`location.external_identifier`, `organization_identifier`), so an export
read back gives the same assets.
"""

from __future__ import annotations

import html
import io
import json
import re
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path, PurePosixPath

import pandas as pd

from socialrx import vocab
from socialrx.data.files import MAX_FILE_BYTES, SourceFile, decode_text, read_csv
from socialrx.data.parsing import normalise_header
from socialrx.data.problems import WARNING, Report
from socialrx.escape import csv_bytes

# --------------------------------------------------------------------------------------------
# Names and vocabularies

# Our identifiers, taxonomies and attribute kinds, as they are written into an export.
NAMESPACE = uuid.UUID("5b0d6c2e-8f7a-5d0e-9c41-3a6f0b7d2e19")
ASSET_ID_TYPE = "socialrx asset_id"
ORGANISATION_ID_TYPE = "socialrx organisation_id"
PLACEHOLDER_TYPE = "socialrx no organisation"
NO_ORGANISATION = "(no organisation)"
CATEGORY_TAXONOMY = "socialrx category"
DELIVERY_TAXONOMY = "socialrx delivery"
VOLUNTEERS_TAXONOMY = "socialrx volunteers"
CAPACITY_UNIT = "people per month"
REMOTE = ("online", "telephone")  # delivered with no venue; with one as well, hybrid
CHARITY_SCHEMES = ("gb-chc", "gb-sc", "gb-nic")

MAPPING_FILE = "taxonomy_mapping.csv"
MAPPING_NAMES = ("taxonomy_mapping", "category_mapping")
MAPPING_COLUMNS = ("term", "vocabulary", "category")

# HSDS tables by their canonical (HSDS 3) name, with every spelling seen in the wild.
HSDS_FILES = {
    "service": ("service", "services"),
    "organization": ("organization", "organizations"),
    "location": ("location", "locations"),
    "service_at_location": (
        "service_at_location",
        "service_at_locations",
        "services_at_location",
        "services_at_locations",
    ),
    "schedule": ("schedule", "schedules", "regular_schedule", "regular_schedules"),
    "taxonomy_term": ("taxonomy_term", "taxonomy_terms"),
    "taxonomy": ("taxonomy", "taxonomies"),
    "attribute": ("attribute", "attributes"),
    "service_taxonomy": ("service_taxonomy", "service_taxonomies", "service_taxonomys"),
    "service_capacity": ("service_capacity", "service_capacities"),
    "unit": ("unit", "units"),
    "cost_option": ("cost_option", "cost_options"),
    "address": ("address", "addresses", "physical_address", "physical_addresses"),
    "accessibility": ("accessibility", "accessibilities", "accessibility_for_disabilities"),
    "eligibility": ("eligibility", "eligibilities", "eligibilitys"),
    "organization_identifier": ("organization_identifier", "organization_identifiers"),
}
# Tables of a directory that say nothing an asset holds: read past without a warning.
HSDS_IGNORED = {
    "contact", "contacts", "phone", "phones", "language", "languages", "service_area",
    "service_areas", "metadata", "meta_table_description", "program", "programs",
    "required_document", "required_documents", "url", "urls", "review", "reviews",
    "link_taxonomy", "link_taxonomies", "holiday_schedule", "holiday_schedules",
    "postal_address", "postal_addresses", "funding", "datapackage", "meta_table_descriptions",
}  # fmt: skip
_SPELLING = {spelling: name for name, spellings in HSDS_FILES.items() for spelling in spellings}

# The fields each table is read for (v1 and v3 names); other columns are named in a warning.
HSDS_FIELDS = {
    "service": (
        "id organization_id program_id name alternate_name description url additional_urls email "
        "status interpretation_services application_process fees_description wait_time fees "
        "accreditations eligibility_description minimum_age maximum_age assured_date "
        "assurer_email licenses alert last_modified attending_type attending_access "
        "deliverable_type"
    ),
    "organization": (
        "id name alternate_name description email website url tax_status tax_id "
        "year_incorporated legal_status logo uri parent_organization_id charity_number"
    ),
    "location": (
        "id location_type url organization_id name alternate_name description transportation "
        "latitude longitude external_identifier external_identifier_type"
    ),
    "service_at_location": "id service_id location_id description",
    "schedule": (
        "id service_id location_id service_at_location_id weekday valid_from valid_to dtstart "
        "timezone until count wkst freq interval byday byweekno bymonthday byyearday "
        "description opens_at closes_at schedule_link attending_type notes"
    ),
    "taxonomy_term": (
        "id code name description parent_id taxonomy language taxonomy_id term_uri vocabulary"
    ),
    "taxonomy": "id name description uri version",
    "attribute": "id link_id taxonomy_term_id link_type link_entity value label",
    "service_taxonomy": "id service_id taxonomy_id link_id",
    "service_capacity": "id service_id unit_id available maximum description updated",
    "unit": "id name scheme identifier uri",
    "cost_option": ("id service_id valid_from valid_to option currency amount amount_description"),
    "address": (
        "id location_id attention address_1 address_2 address_3 address_4 city region "
        "state_province postal_code country address_type"
    ),
    "accessibility": "id location_id description details url accessibility",
    "eligibility": "id service_id eligibility minimum_age maximum_age",
    "organization_identifier": ("id organization_id identifier_scheme identifier_type identifier"),
}

DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
_DAY_WORDS = {
    **{code.lower(): code for code in DAYS},
    **{name.lower(): code for code, name in DAYS.items()},
    "monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR",
    "saturday": "SA", "sunday": "SU", "tues": "TU", "weds": "WE", "thur": "TH", "thurs": "TH",
}  # fmt: skip
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}

# Default taxonomy terms onto our categories; our own category names map to themselves.
_DEFAULT_TERMS = {
    "physical activity": (
        "sport", "sports", "exercise", "walking", "walking groups", "health walks", "fitness",
        "dance", "swimming", "yoga", "cycling", "active lifestyles", "sport and leisure",
        "physical activities", "leisure",
    ),
    "arts and creativity": (
        "arts", "art", "arts and crafts", "crafts", "music", "singing", "choir", "drama",
        "theatre", "creative activities", "creative writing", "photography", "arts and culture",
    ),
    "nature and gardening": (
        "gardening", "allotments", "community gardens", "nature", "green spaces", "environment",
        "conservation", "outdoor activities", "green social prescribing",
    ),
    "social groups and befriending": (
        "befriending", "social activities", "social groups", "lunch clubs", "community groups",
        "friendship", "social clubs", "coffee mornings", "clubs and groups", "loneliness",
        "social isolation", "men's sheds", "mens sheds", "community activities",
    ),
    "learning and skills": (
        "learning", "education", "adult learning", "adult education", "courses", "training",
        "skills", "english language", "esol", "libraries",
    ),
    "money, debt and benefits advice": (
        "debt", "debt advice", "money advice", "benefits", "benefits advice", "welfare rights",
        "financial advice", "money management", "money", "welfare benefits", "money and debt",
    ),
    "housing advice": (
        "housing", "homelessness", "tenancy support", "accommodation", "housing support",
    ),
    "employment and volunteering": (
        "employment", "jobs", "volunteering", "employment support", "careers", "work",
        "volunteer opportunities",
    ),
    "mental health support": (
        "mental health", "mental wellbeing", "counselling", "emotional support", "peer support",
        "anxiety", "depression", "talking therapies", "wellbeing", "emotional wellbeing",
    ),
    "carers support": ("carers", "carer support", "young carers", "respite", "caring"),
    "faith and cultural groups": (
        "faith", "faith groups", "religion", "places of worship", "cultural groups", "church",
        "culture",
    ),
    "food and cooking": (
        "food", "food banks", "food bank", "cooking", "healthy eating", "community meals",
        "food and drink", "nutrition",
    ),
    "digital inclusion": (
        "digital skills", "computer skills", "internet access", "online skills", "digital",
    ),
    "health and long-term conditions support": (
        "health", "long-term conditions", "long term conditions", "physical health",
        "disability", "disabilities", "stroke", "diabetes", "dementia", "cancer support",
        "health conditions", "substance misuse", "addiction", "drugs and alcohol", "alcohol",
    ),
}  # fmt: skip


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def stable_id(kind: str, ours: object) -> str:
    """Our id where it already is a UUID, else the UUIDv5 of `kind:ours`: the same in every
    export, so a directory that imports us twice sees one record, not two."""
    text = str(ours).strip()
    if _UUID.match(text):
        return text.lower()
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{text}"))


def _key(text: object) -> str:
    """Text compared loosely: lower case, single spaces, `&` as `and`."""
    return " ".join(str(text or "").replace("&", " and ").lower().split())


def strip_html(text: object) -> str:
    """Description HTML as plain text: tags gone, entities decoded, blocks as line breaks."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    text = str(text)
    if "<" not in text and "&" not in text:
        return text.strip()
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|tr)\s*>", "\n", text)
    text = re.sub(r"(?s)<!--.*?-->|</?[A-Za-z][^<>]*>", " ", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------------------------
# The taxonomy mapping: term, vocabulary, category


@dataclass(frozen=True)
class CategoryMapping:
    """Taxonomy terms onto our 15 categories. A blank vocabulary matches a term from any
    vocabulary; a term is matched by its name or its code, in any case."""

    table: pd.DataFrame  # term, vocabulary, category (text)

    @cached_property
    def _lookup(self) -> dict[tuple[str, str], str]:
        return {
            (_key(t), _key(v)): c
            for t, v, c in self.table[list(MAPPING_COLUMNS)].itertuples(index=False)
        }

    def category(self, names: Iterable[str], vocabulary: str) -> str | None:
        lookup = self._lookup
        for name in names:
            if not _key(name):
                continue
            found = lookup.get((_key(name), _key(vocabulary))) or lookup.get((_key(name), ""))
            if found:
                return found
        return None


def default_mapping() -> CategoryMapping:
    """The mapping used unless the dataset brings its own `taxonomy_mapping.csv`."""
    rows = [(c, "", c) for c in vocab.ASSET_CATEGORIES]
    rows += [(term, "", c) for c, terms in _DEFAULT_TERMS.items() for term in terms]
    return CategoryMapping(pd.DataFrame(rows, columns=list(MAPPING_COLUMNS)))


def mapping_csv(mapping: CategoryMapping | None = None, unmapped: Iterable = ()) -> bytes:
    """The mapping as a CSV a user can edit (unmapped terms added with a blank category)."""
    table = (mapping or default_mapping()).table[list(MAPPING_COLUMNS)]
    extra = pd.DataFrame([(t, v, "") for t, v in unmapped], columns=list(MAPPING_COLUMNS))
    return csv_bytes(pd.concat([table, extra], ignore_index=True))


def read_mapping(file: SourceFile, report: Report) -> CategoryMapping:
    """A user's mapping table; bad rows are reported and skipped, and the default mapping
    still covers the terms the file does not name."""
    base = default_mapping()
    raw = read_csv(file, report)
    if raw is None:
        return base
    raw.columns = [normalise_header(c) for c in raw.columns]
    missing = [c for c in ("term", "category") if c not in raw.columns]
    if missing:
        report.add(file.name, f"missing column(s) {', '.join(missing)}: a mapping has the "
                   "columns term, vocabulary, category; the default mapping is used")  # fmt: skip
        return base
    if "vocabulary" not in raw.columns:
        raw["vocabulary"] = ""
    rows = []
    for index, term, vocabulary, category in raw[list(MAPPING_COLUMNS)].itertuples():
        if not term.strip():
            continue
        if not category.strip():  # a term listed for the user to fill in: not mapped yet
            continue
        if _key(category) not in vocab.ASSET_CATEGORIES:
            report.add(file.name, "not one of the categories; row not used (allowed: "
                       + ", ".join(vocab.ASSET_CATEGORIES) + ")", row=index + 2,
                       column="category", value=category)  # fmt: skip
            continue
        rows.append((term.strip(), vocabulary.strip(), _key(category)))
    mine = pd.DataFrame(rows, columns=list(MAPPING_COLUMNS))
    return CategoryMapping(pd.concat([mine, base.table], ignore_index=True))


# --------------------------------------------------------------------------------------------
# Reading: every format into HSDS 3 shaped service records


@dataclass
class Directory:
    """Service records gathered from one or more files, with where each came from."""

    services: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    organizations: list[dict] = field(default_factory=list)  # from organization.csv


def _is_geojson(doc: object) -> bool:
    kinds = ("FeatureCollection", "Feature", "GeometryCollection", "Polygon", "MultiPolygon")
    return isinstance(doc, dict) and doc.get("type") in kinds


def _looks_like_service(record: object) -> bool:
    return isinstance(record, dict) and "id" in record and "name" in record


def _error_text(doc: dict) -> str:
    """What an API error body says, in a few words."""
    said = [
        f"{k}: {str(doc[k])[:120]}"
        for k in ("status", "error", "title", "message", "detail", "errors")
        if doc.get(k) not in (None, "", [], {})
    ]
    keys = ", ".join(list(doc)[:8]) or "nothing"
    return "; ".join(said) if said else f"it has only the fields {keys}"


def services_from_json(doc: object, name: str, report: Report) -> list[dict] | None:
    """The services of one API page (v1 `content`, v3 `contents`, a bare list, or one
    service); None, with the reason reported, for an error body or anything else."""
    page = None
    if isinstance(doc, dict):
        for key in ("contents", "content", "items", "services", "data", "results"):
            if isinstance(doc.get(key), list):
                page, doc = doc, doc[key]
                break
        else:
            if _looks_like_service(doc):
                doc = [doc]
            else:
                report.add(name, "holds no services: it looks like an error or another kind of "
                           f"answer from the directory's API ({_error_text(doc)}). Allowed: "
                           "an Open Referral UK /services page, a list of services or an "
                           "object whose 'content' (v1) or 'contents' (HSDS 3) holds them; "
                           "download the page again")  # fmt: skip
                report.unreadable.append(name)
                return None
    if not isinstance(doc, list):
        report.add(name, "holds no services (the JSON is a single value): allowed is an Open "
                   "Referral UK /services page")  # fmt: skip
        report.unreadable.append(name)
        return None
    services = [s for s in doc if isinstance(s, dict)]
    if len(services) < len(doc):
        report.add(name, f"{len(doc) - len(services):,} entries of the list are not service "
                   "records (objects with an id and a name); skipped", WARNING)  # fmt: skip
    if page is not None:
        _note_paging(page, len(services), name, report)
    for position, service in enumerate(services, start=1):
        service["_file"], service["_row"] = name, position
    return services


def _note_paging(page: dict, count: int, name: str, report: Report) -> None:
    """Say when a page is one of several: the rest of the directory is not in this file."""
    pages = page.get("total_pages", page.get("totalPages"))
    total = page.get("total_items", page.get("totalElements"))
    number = page.get("page_number", page.get("number"))
    last = page.get("last_page", page.get("last"))
    if (isinstance(pages, int) and pages > 1) or last is False:
        of = f" of {pages}" if isinstance(pages, int) else ""
        listed = f" (the directory lists {total:,})" if isinstance(total, int) else ""
        report.add(name, f"page {number if number is not None else '?'}{of} of the directory: "
                   f"only its {count:,} services were imported{listed}; download every page "
                   "(e.g. ?page=2) and add each file", WARNING)  # fmt: skip


def _hsds_name(file_name: str) -> str | None:
    stem = normalise_header(PurePosixPath(file_name).stem)
    return _SPELLING.get(stem)


def _is_service_table(file: SourceFile) -> bool:
    return _hsds_name(file.name) == "service" and Path(file.name).suffix.lower() in (
        ".csv",
        ".txt",
    )


def _records(file: SourceFile, table: str, report: Report) -> list[dict]:
    """One HSDS CSV table as records with normalised headers; unknown columns are named."""
    frame = read_csv(file, report, empty=WARNING)
    if frame is None:
        return []
    headers = [normalise_header(c) for c in frame.columns]
    known = set(HSDS_FIELDS.get(table, "").split())
    extra = [str(c) for c, h in zip(frame.columns, headers, strict=True) if h and h not in known]
    if extra and known:
        report.add(
            file.name,
            f"column(s) {', '.join(map(repr, extra))} are not {table} fields "
            "of HSDS that an asset uses: kept in the file, not imported",
            WARNING,
        )
    frame.columns = headers
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame = frame[~frame.eq("").all(axis=1)]  # blank lines (the UK profile's own examples)
    records = frame.astype(object).to_dict("records")
    for row, record in zip(frame.index, records, strict=True):
        record["_file"], record["_row"] = file.name, int(row) + 2
    return records


def _by(records: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for record in records:
        value = str(record.get(key) or "").strip()
        if value:
            out.setdefault(value, []).append(record)
    return out


def services_from_tables(
    tables: dict[str, list[SourceFile]], report: Report
) -> tuple[list[dict], list[dict]]:
    """HSDS CSV tables (v1 plural or v3 singular names) gathered into service records, and
    every organization (those without a service too)."""
    has_terms = bool(tables.get("taxonomy_term"))
    read: dict[str, list[dict]] = {}
    for table, files in tables.items():
        # v1 `taxonomies.csv` holds the terms themselves (id, name, vocabulary, parent_id)
        as_table = "taxonomy_term" if table == "taxonomy" and not has_terms else table
        read.setdefault(as_table, [])
        for file in files:
            read[as_table] += _records(file, as_table, report)
    taxonomies = {t.get("id"): t for t in read.get("taxonomy", [])}
    terms = {t.get("id"): dict(t) for t in read.get("taxonomy_term", [])}
    for term in terms.values():
        parent = taxonomies.get(term.get("taxonomy_id"))
        if parent and not term.get("taxonomy"):
            term["taxonomy"] = parent.get("name", "")
    units = {u.get("id"): u for u in read.get("unit", [])}
    identifiers = _by(read.get("organization_identifier", []), "organization_id")
    attributes = read.get("attribute", [])
    linked = _by(attributes, "link_id")
    organizations = {}
    for org in read.get("organization", []):
        org = dict(org)
        org["organization_identifiers"] = identifiers.get(org.get("id"), [])
        org["attributes"] = [_with_term(a, terms) for a in linked.get(org.get("id"), [])
                             if _key(a.get("link_entity")) in ("", "organization")]  # fmt: skip
        organizations[org.get("id")] = org
    addresses = _by(read.get("address", []), "location_id")
    access = _by(read.get("accessibility", []), "location_id")
    locations = {}
    for loc in read.get("location", []):
        loc = dict(loc)
        loc["addresses"] = addresses.get(loc.get("id"), [])
        loc["accessibility"] = access.get(loc.get("id"), [])
        locations[loc.get("id")] = loc
    schedules = read.get("schedule", [])
    by_sal = _by(schedules, "service_at_location_id")
    by_service = _by([s for s in schedules if not s.get("service_at_location_id")], "service_id")
    sals = _by(read.get("service_at_location", []), "service_id")
    links = _by(read.get("service_taxonomy", []), "service_id")
    capacities = _by(read.get("service_capacity", []), "service_id")
    costs = _by(read.get("cost_option", []), "service_id")
    eligibility = _by(read.get("eligibility", []), "service_id")
    services = []
    for record in read.get("service", []):
        service = dict(record)
        sid = str(service.get("id") or "")
        service["organization"] = organizations.get(service.get("organization_id"))
        service["service_at_locations"] = [
            {**sal, "location": locations.get(sal.get("location_id")),
             "schedules": by_sal.get(str(sal.get("id") or ""), [])}
            for sal in sals.get(sid, [])
        ]  # fmt: skip
        service["schedules"] = by_service.get(sid, [])
        service["attributes"] = [
            _with_term(a, terms)
            for a in linked.get(sid, [])
            if _key(a.get("link_entity")) in ("", "service")
        ] + [
            {"taxonomy_term": terms.get(link.get("taxonomy_id"), {"id": link.get("taxonomy_id")})}
            for link in links.get(sid, [])
        ]
        service["capacities"] = [
            {**c, "unit": units.get(c.get("unit_id"), {})} for c in capacities.get(sid, [])
        ]
        service["cost_options"] = costs.get(sid, [])
        service["eligibilitys"] = eligibility.get(sid, [])
        services.append(service)
    return services, list(organizations.values())


def _with_term(attribute: dict, terms: dict) -> dict:
    return {**attribute, "taxonomy_term": terms.get(attribute.get("taxonomy_term_id"), {})}


def _zip_members(file: SourceFile) -> list[SourceFile] | None:
    """The files inside a zip (folders flattened, macOS extras left out); None if it is not
    a zip, or holds neither JSON nor a service table (a zipped shapefile is not read here)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        infos = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and "__MACOSX" not in info.filename
            and not PurePosixPath(info.filename).name.startswith(".")
        ]
        names = [PurePosixPath(info.filename).name for info in infos]
        if not any(n.lower().endswith(".json") or _hsds_name(n) == "service" for n in names):
            return None
        if sum(info.file_size for info in infos) > MAX_FILE_BYTES:
            return None  # over the upload limit unpacked: not unpacked here (a zip bomb)
        return [SourceFile(n, archive.read(i)) for n, i in zip(names, infos, strict=True)]
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
        return None


def _json_doc(file: SourceFile) -> tuple[bool, object]:
    """(parsed, document) for a JSON file."""
    try:
        return True, json.loads(decode_text(file.data))
    except ValueError:
        return False, None


def _is_service_json(file: SourceFile) -> bool:
    """A JSON file that is neither boundaries nor a data package descriptor."""
    if not file.name.lower().endswith(".json"):
        return False
    if normalise_header(Path(file.name).stem) == "datapackage":
        return False
    parsed, doc = _json_doc(file)
    return parsed and not _is_geojson(doc)


def gather(files: list[SourceFile], report: Report) -> tuple[Directory, list[SourceFile]]:
    """The directory held by some of the files (ORUK JSON pages, HSDS CSV tables, zips of
    either), and the files that are something else (contract tables, boundaries)."""
    directory, rest = Directory(), []
    has_services = any(_is_service_table(f) for f in files)
    tables: dict[str, list[SourceFile]] = {}
    for file in files:
        suffix = Path(file.name).suffix.lower()
        stem = normalise_header(Path(file.name).stem)
        if len(file.data) > MAX_FILE_BYTES:
            rest.append(file)  # reported by the loader without being read
        elif suffix == ".json" and stem == "datapackage":
            continue  # an HSDS tabular data package's descriptor: the tables say it all
        elif suffix == ".json":
            parsed, doc = _json_doc(file)
            if not parsed or _is_geojson(doc):  # boundaries, or for the boundary reader to refuse
                rest.append(file)
                continue
            services = services_from_json(doc, file.name, report)
            directory.sources.append(file.name)
            directory.services += services or []
        elif suffix == ".zip":
            members = _zip_members(file)
            inner_has_directory = members is not None and (
                any(_is_service_table(m) for m in members)
                or any(_is_service_json(m) for m in members)
            )
            if not inner_has_directory:
                rest.append(file)  # a zipped shapefile, or for the boundary reader to refuse
                continue
            inner, others = gather(members, report)
            if others:
                names = ", ".join(f.name for f in others[:8])
                report.add(file.name, f"files in the zip that are not part of the directory "
                           f"were ignored: {names}", WARNING)  # fmt: skip
            directory.services += inner.services
            directory.organizations += inner.organizations
            directory.sources.append(file.name)
        elif has_services and suffix in (".csv", ".txt") and stem in _SPELLING:
            tables.setdefault(_SPELLING[stem], []).append(file)
        elif has_services and suffix in (".csv", ".txt") and stem in HSDS_IGNORED:
            if stem == "funding" and b"amount_gbp" in file.data[:2000].lower():
                rest.append(file)  # our own funding.csv, not HSDS's
            continue
        else:
            rest.append(file)
    if tables:
        services, organizations = services_from_tables(tables, report)
        directory.services += services
        directory.organizations += organizations
        directory.sources += [f.name for files_ in tables.values() for f in files_]
    return directory, rest


# --------------------------------------------------------------------------------------------
# Flattening service records into assets and organisations


def _items(record: dict | None, *keys: str) -> list[dict]:
    """The first list of objects among `keys` (v3 and v1 spellings)."""
    if not isinstance(record, dict):
        return []
    for k in keys:
        value = record.get(k)
        if isinstance(value, list):
            return [v for v in value if isinstance(v, dict)]
        if isinstance(value, dict):
            return [value]
    return []


def _text(value: object) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float):
        if pd.isna(value):
            return ""
        return f"{value:.10g}"
    return str(value).strip()


def _first(record: dict | None, *keys: str) -> str:
    if not isinstance(record, dict):
        return ""
    for k in keys:
        text = _text(record.get(k))
        if text:
            return text
    return ""


def _number(text: str) -> float | None:
    try:
        value = float(str(text).replace(",", "").replace("£", "").strip())
    except ValueError:
        return None
    return value if value == value else None


def _whole(text: str) -> str:
    value = _number(text)
    return "" if value is None else (f"{value:.0f}" if value == int(value) else text)


def _time(text: str) -> str | None:
    match = re.match(r"^\s*(\d{1,2}):?(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?\s*$",
                     str(text or ""))  # fmt: skip
    if not match or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _days(text: str) -> list[tuple[int | None, str]] | None:
    """`TU,TH`, `2MO`, `-1FR`, `Tuesday`: (ordinal, day code) pairs; None if not days."""
    days = []
    for part in re.split(r"[,;/ ]+", str(text or "").strip()):
        if not part:
            continue
        match = re.match(r"^([+-]?\d)?([A-Za-z]+)$", part)
        if not match or match.group(2).lower() not in _DAY_WORDS:
            return None
        days.append((int(match.group(1)) if match.group(1) else None,
                     _DAY_WORDS[match.group(2).lower()]))  # fmt: skip
    return days or None


def _one_schedule(s: dict) -> tuple[list[str], bool]:
    """One schedule record as our text (`Tue 10:00-12:00`), and whether it was understood."""
    day_text = _first(s, "byday", "weekday")
    days = _days(day_text)
    opens, closes = _first(s, "opens_at"), _first(s, "closes_at")
    o, c = _time(opens), _time(closes)
    freq = _first(s, "freq").upper()
    interval = _number(_first(s, "interval")) or 1
    if days and (o and c or not (opens or closes)) and freq in ("", "WEEKLY", "MONTHLY"):
        when = f" {o}-{c}" if o and c else ""
        every = (
            " fortnightly" if freq != "MONTHLY" and interval == 2
            else f" every {interval:.0f} weeks" if freq != "MONTHLY" and interval > 2 else ""
        )  # fmt: skip
        parts = []
        for ordinal, code in days:
            nth = _ORDINALS.get(ordinal, f"{ordinal}th") + " " if ordinal else ""
            monthly = " monthly" if freq == "MONTHLY" and not ordinal else ""
            parts.append(f"{nth}{DAYS[code]}{when}{every}{monthly}")
        return parts, True
    said = strip_html(_first(s, "description", "notes"))
    hours = "-".join(t for t in (opens, closes) if t)
    raw = " ".join(t for t in (day_text, hours) if t)
    text = said or raw
    return ([text] if text else []), not text


def schedule_text(schedules: list[dict]) -> tuple[str, int]:
    """Schedules as the contract's text (`Tue 10:00-12:00; Thu 18:00-20:00`), and how many
    could not be understood (kept as their own words)."""
    parts, unparsed = [], 0
    for s in schedules:
        text, understood = _one_schedule(s)
        unparsed += 0 if understood else 1
        parts += [t for t in text if t not in parts]
    return "; ".join(parts), unparsed


_SCHEDULE_PART = re.compile(
    r"^(?:(1st|2nd|3rd|4th|5th|last)\s+)?(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
    r"(?:\s+(\d{1,2}[:.]\d{2})\s*-\s*(\d{1,2}[:.]\d{2}))?"
    r"(\s+fortnightly|\s+monthly|\s+every (\d+) weeks)?$",
    re.IGNORECASE,
)


def schedule_records(text: str) -> list[dict]:
    """Our schedule text as HSDS 3 RRULE fields, one record per part; a part that is not
    `Day HH:MM-HH:MM` is kept as the schedule's description."""
    records = []
    for part in (p.strip() for p in str(text or "").split(";")):
        if not part:
            continue
        match = _SCHEDULE_PART.match(part)
        if not match:
            records.append({"description": part})
            continue
        nth, day, opens, closes, every, weeks = match.groups()
        code = next(k for k, v in DAYS.items() if v.lower() == day[:3].lower())
        ordinal = {v: k for k, v in _ORDINALS.items()}.get((nth or "").lower())
        monthly = bool(nth) or (every or "").strip() == "monthly"
        interval = 2 if (every or "").strip() == "fortnightly" else int(weeks) if weeks else 1
        record = {
            "freq": "MONTHLY" if monthly else "WEEKLY",
            "interval": interval,
            "byday": f"{ordinal}{code}" if ordinal else code,
        }
        if opens and closes:
            record |= {"opens_at": opens.replace(".", ":"), "closes_at": closes.replace(".", ":")}
        records.append(record)
    return records


def _terms(service: dict) -> list[dict]:
    """Taxonomy terms linked to a service: HSDS 3 attributes, v1 service_taxonomys."""
    terms = []
    for link in _items(service, "attributes", "service_taxonomys", "service_taxonomies"):
        term = link.get("taxonomy_term") or link.get("taxonomy") or {}
        if isinstance(term, dict) and term:
            terms.append({**term, "_value": _text(link.get("value"))})
    for term in _items(service, "taxonomy_terms"):
        terms.append(term)
    return terms


def _vocabulary(term: dict) -> str:
    taxonomy = term.get("taxonomy_detail") or term.get("taxonomy")
    if isinstance(taxonomy, dict):
        return _first(taxonomy, "name", "id")
    return _first(term, "vocabulary", "taxonomy", "taxonomy_id")


def _delivery(service: dict, terms: list[dict]) -> str:
    """How a service is delivered, from our own attribute or the v1 attending type."""
    for term in terms:
        if (
            _key(_vocabulary(term)) == DELIVERY_TAXONOMY
            and _key(term.get("name")) in vocab.DELIVERY
        ):
            return _key(term.get("name"))
    said = _key(_first(service, "attending_type", "delivery_method"))
    for words, delivery in (
        (("online", "virtual", "video"), "online"),
        (("phone", "telephone"), "telephone"),
    ):
        if any(w in said for w in words):
            return delivery
    for term in terms:
        name = _key(term.get("name"))
        if name in ("online", "telephone", "phone", "remote"):
            return "telephone" if "phone" in name else "online"
    return ""


def _cost(service: dict) -> tuple[str, str]:
    """(cost, cost_per_person_gbp) from cost options, else the fees text."""
    cost, per_person = "", ""
    for option in _items(service, "cost_options"):
        said = _key(_first(option, "option"))
        amount = _number(_first(option, "amount"))
        qualifier = _key(_first(option, "amount_description"))
        if said in vocab.COST and not cost:
            cost = said
        elif amount is not None and not cost:
            cost = "free" if amount == 0 else "paid"
        if amount is not None and amount > 0 and "per person" in qualifier and not per_person:
            per_person = f"{amount:.10g}"
    if not cost:
        fees = _key(strip_html(_first(service, "fees_description", "fees")))
        if fees in ("free", "no charge", "free of charge", "no cost") or fees.startswith("free"):
            cost = "free"
        elif fees in vocab.COST:
            cost = fees
    return cost, per_person


def _capacity(service: dict, units_seen: Counter) -> str:
    """People or places a month, from service_capacity; other units are counted, not used."""
    for capacity in _items(service, "capacities", "service_capacities", "service_capacity"):
        unit = capacity.get("unit") if isinstance(capacity.get("unit"), dict) else {}
        name = _key(_first(unit, "name", "identifier") or capacity.get("unit_name"))
        if re.fullmatch(r"(people|persons?|places?)( per| a| each)? month", name):
            value = _number(_first(capacity, "maximum", "available"))
            if value is not None:
                return f"{value:.0f}"
        else:
            units_seen[name or "no unit"] += 1
    return ""


def _wheelchair(location: dict) -> str:
    said = " ".join(
        _key(_first(a, "description", "accessibility", "details"))
        for a in _items(location, "accessibility", "accessibility_for_disabilities")
    )
    if "wheelchair" not in said:
        return ""
    return "no" if re.search(r"\b(not|no|without)\b", said) else "yes"


def _postcode(location: dict) -> str:
    addresses = _items(location, "addresses", "physical_addresses", "address")
    physical = [a for a in addresses if _key(a.get("address_type")) in ("", "physical")]
    return next((_first(a, "postal_code", "postcode") for a in physical + addresses
                 if _first(a, "postal_code", "postcode")), "")  # fmt: skip


def _our_id(identifiers: list[dict], kind: str) -> str:
    for identifier in identifiers:
        if _key(identifier.get("identifier_type")) == kind:
            return _first(identifier, "identifier")
    return ""


def _age(service: dict, key: str) -> str:
    value = _first(service, f"{key}_age")
    if not value:
        value = next((_first(e, f"{key}_age") for e in _items(service, "eligibilitys",
                      "eligibilities") if _first(e, f"{key}_age")), "")  # fmt: skip
    return _whole(value) if value else ""


ORG_TYPES = {
    "charity": "charity", "registered charity": "charity", "charitable incorporated organisation":
    "charity", "cio": "charity", "community interest company": "community interest company",
    "cic": "community interest company", "community group": "community group",
    "voluntary group": "community group", "faith group": "faith group", "social enterprise":
    "social enterprise", "public body": "public body", "local authority": "public body",
    "nhs": "public body", "other": "other",
}  # fmt: skip


@dataclass
class Imported:
    """What an import produced: the flattened tables (text, as if read from CSV) and what it
    noticed along the way (counted for one warning each, not one per service)."""

    assets: pd.DataFrame
    organisations: pd.DataFrame
    unmapped: Counter = field(default_factory=Counter)  # (term, vocabulary) -> services
    mapping: CategoryMapping | None = None  # the mapping the import used
    label: str = "directory"  # the files it came from, in words
    service_of: dict[str, str] = field(default_factory=dict)  # asset_id -> its service's id


def flatten(
    directory: Directory, mapping: CategoryMapping, report: Report, label: str = ""
) -> Imported:
    """One asset per service at a (physical) location, one organisation per organization."""
    assets, organisations = [], {}
    unmapped: Counter = Counter()
    untagged, unplaced, unparsed, units = [], [], Counter(), Counter()
    for service in directory.services:
        where = {"file": service.get("_file", label), "row": service.get("_row")}
        if not strip_html(_first(service, "name")) and not strip_html(
            _first(service, "description")
        ):  # an empty record (a feed's placeholder): nothing to list, and no one to name
            report.add(where["file"], f"service {_first(service, 'id') or '?'} has no name and "
                       "no description: an empty record, not imported", WARNING,
                       row=where["row"])  # fmt: skip
            continue
        org = service.get("organization") if isinstance(service.get("organization"), dict) else {}
        org_id = (
            _our_id(_items(org, "organization_identifiers"), ORGANISATION_ID_TYPE)
            or _first(org, "id")
            or _first(service, "organization_id")
        )
        if _our_id(_items(org, "organization_identifiers"), PLACEHOLDER_TYPE):
            org, org_id = {}, ""  # ours, standing in for an organisation not recorded
        if org_id and org_id not in organisations and _first(org, "name"):
            organisations[org_id] = _organisation(org, org_id)
        terms = _terms(service)
        category_terms = [
            t for t in terms if _key(_vocabulary(t)) not in (DELIVERY_TAXONOMY, VOLUNTEERS_TAXONOMY)
        ]
        category = None
        for term in category_terms:
            category = mapping.category([_first(term, "name"), _first(term, "code")],
                                        _vocabulary(term))  # fmt: skip
            if category:
                break
        if category is None:
            category = "other"
            if category_terms:
                for term in category_terms:
                    unmapped[(_first(term, "name") or _first(term, "code", "id"),
                              _vocabulary(term))] += 1  # fmt: skip
            else:
                untagged.append(where)
        cost, per_person = _cost(service)
        base = {
            "_service": _first(service, "id"),  # not a column: which service made the asset
            "name": strip_html(_first(service, "name")),
            "organisation_id": org_id,
            "category": category,
            "status": _first(service, "status"),
            "cost": cost,
            "cost_per_person_gbp": per_person,
            "min_age": _age(service, "minimum"),
            "max_age": _age(service, "maximum"),
            "capacity_per_month": _capacity(service, units),
            "last_verified": _first(service, "assured_date")[:10],
            "url": _first(service, "url"),
            "description": strip_html(_first(service, "description")),
        }
        service_schedules = _items(service, "schedules", "regular_schedules")
        delivery = _delivery(service, terms)
        sals = _items(service, "service_at_locations", "service_at_location")
        placed = [s for s in sals if isinstance(s.get("location"), dict)
                  and _key(s["location"].get("location_type")) != "virtual"]  # fmt: skip
        virtual = [s for s in sals if isinstance(s.get("location"), dict)
                   and _key(s["location"].get("location_type")) == "virtual"]  # fmt: skip
        sid = _first(service, "id")
        if not placed:
            if virtual and delivery not in ("online", "telephone"):
                delivery = "online"
            anchor = (virtual or sals or [{}])[0]
            location = anchor.get("location") or {}
            asset_id = (
                _our_id([{"identifier_type": location.get("external_identifier_type"),
                          "identifier": location.get("external_identifier")}], ASSET_ID_TYPE)
                or _first(anchor, "id") or sid
            )  # fmt: skip
            if delivery not in ("online", "telephone"):
                unplaced.append({**where, "value": base["name"] or sid})
            text, bad = schedule_text(service_schedules + _items(anchor, "schedules",
                                                                  "regular_schedules"))  # fmt: skip
            unparsed[where["file"]] += bad
            assets.append({"asset_id": asset_id, **base, "delivery": delivery, "schedule": text,
                           "wheelchair_accessible": _wheelchair(location)})  # fmt: skip
            continue
        for sal in placed:
            location = sal["location"]
            asset_id = (
                _our_id([{"identifier_type": location.get("external_identifier_type"),
                          "identifier": location.get("external_identifier")}], ASSET_ID_TYPE)
                or _first(sal, "id")
                or f"{sid}-{_first(location, 'id')}"
            )  # fmt: skip
            text, bad = schedule_text(service_schedules + _items(sal, "schedules",
                                                                  "regular_schedules"))  # fmt: skip
            unparsed[where["file"]] += bad
            assets.append({
                "asset_id": asset_id, **base,
                "delivery": "hybrid" if delivery in REMOTE + ("hybrid",) else "in person",
                "latitude": _first(location, "latitude"),
                "longitude": _first(location, "longitude"),
                "postcode": _postcode(location),
                "wheelchair_accessible": _wheelchair(location),
                "schedule": text,
            })  # fmt: skip
    for org in directory.organizations:
        if _our_id(_items(org, "organization_identifiers"), PLACEHOLDER_TYPE):
            continue
        org_id = _our_id(_items(org, "organization_identifiers"), ORGANISATION_ID_TYPE) or _first(
            org, "id"
        )
        if org_id and org_id not in organisations:
            organisations[org_id] = _organisation(org, org_id)
    _report_flattening(directory, label, untagged, unplaced, unparsed, units, unmapped, report)
    columns = [
        "asset_id", "name", "organisation_id", "category", "delivery", "latitude", "longitude",
        "postcode", "status", "cost", "cost_per_person_gbp", "wheelchair_accessible",
        "schedule", "min_age", "max_age", "capacity_per_month", "last_verified", "url",
        "description",
    ]  # fmt: skip
    asset_frame = pd.DataFrame(assets, columns=columns, dtype=str).fillna("")
    org_frame = pd.DataFrame(
        list(organisations.values()),
        columns=["organisation_id", "name", "type", "charity_number", "volunteers"],
        dtype=str,
    ).fillna("")
    service_of = {a["asset_id"]: a["_service"] for a in assets}
    return Imported(asset_frame, org_frame, unmapped, mapping, service_of=service_of)


def _organisation(org: dict, org_id: str) -> dict:
    identifiers = _items(org, "organization_identifiers")
    charity = next(
        (_first(i, "identifier") for i in identifiers
         if _key(i.get("identifier_scheme")) in CHARITY_SCHEMES
         or "charity" in _key(i.get("identifier_type"))),
        _first(org, "charity_number"),
    )  # fmt: skip
    volunteers = ""
    for attribute in _items(org, "attributes"):
        term = attribute.get("taxonomy_term") or {}
        if _key(_vocabulary(term)) == VOLUNTEERS_TAXONOMY:
            volunteers = _whole(_first(attribute, "value"))
    return {
        "organisation_id": org_id,
        "name": strip_html(_first(org, "name")),
        "type": ORG_TYPES.get(_key(_first(org, "legal_status")), ""),
        "charity_number": charity,
        "volunteers": volunteers,
    }


def _report_flattening(directory, label, untagged, unplaced, unparsed, units, unmapped,
                       report: Report) -> None:  # fmt: skip
    """One warning per kind of gap, counted, so a directory of 5,000 services is readable."""
    file = label or ", ".join(directory.sources[:3]) or "directory"
    if unmapped:
        listed = ", ".join(f"'{t}'" + (f" ({v})" if v else "") + f" x{n}"
                           for (t, v), n in unmapped.most_common(30))  # fmt: skip
        more = f" and {len(unmapped) - 30:,} more" if len(unmapped) > 30 else ""
        report.add(file, f"taxonomy terms that map to none of our categories, so their services "
                   f"are filed under 'other': {listed}{more}. Map them in {MAPPING_FILE} "
                   "(columns term, vocabulary, category; download it from the Directory page) "
                   "and load again", WARNING)  # fmt: skip
    if untagged:
        report.add(file, f"{len(untagged):,} service(s) have no taxonomy term: filed under "
                   "'other' (e.g. row " + ", ".join(str(w["row"]) for w in untagged[:5])
                   + "); correct their category in assets.csv", WARNING)  # fmt: skip
    for where in unplaced[:20]:
        report.add(where["file"], "service with no location and nothing saying it is delivered "
                   "online or by telephone: imported with no place, so not on the map (give the "
                   "service a location, or a 'socialrx delivery' attribute of online or "
                   "telephone)", WARNING, row=where["row"], column="service_at_locations",
                   value=where["value"])  # fmt: skip
    if len(unplaced) > 20:
        report.add(file, f"and {len(unplaced) - 20:,} more services with no location", WARNING)
    for name, count in unparsed.items():
        if count:
            report.add(name, f"{count:,} schedule(s) could not be read as days and times "
                       "(byday/weekday with opens_at and closes_at such as 10:00): kept as "
                       "their own words in the schedule column", WARNING)  # fmt: skip
    if units:
        listed = ", ".join(f"'{u}' x{n}" for u, n in units.most_common(10))
        report.add(file, f"service capacities not imported, their unit is not people or places "
                   f"per month: {listed}", WARNING)  # fmt: skip


def import_directory(
    files: list[SourceFile], report: Report, mapping: CategoryMapping | None = None
) -> tuple[Imported | None, list[SourceFile]]:
    """The directory among `files` flattened into assets and organisations (None if there is
    none), and the files that are not part of it. A `taxonomy_mapping.csv` among the files is
    the mapping used (over the default)."""
    mapping_file = next(
        (f for f in files if normalise_header(Path(f.name).stem) in MAPPING_NAMES), None
    )
    if mapping_file is not None:
        files = [f for f in files if f is not mapping_file]
    directory, rest = gather(files, report)
    if not directory.sources:
        if mapping_file is not None:
            report.add(mapping_file.name, "a taxonomy mapping, but no Open Referral directory "
                       "to apply it to; ignored", WARNING)  # fmt: skip
        return None, rest
    if mapping is None:
        mapping = read_mapping(mapping_file, report) if mapping_file else default_mapping()
    _drop_repeated_services(directory, report)
    sources = sorted(directory.sources, key=lambda name: _hsds_name(name) != "service")
    label = sources[0] + (f" (+{len(sources) - 1} files)" if len(sources) > 1 else "")
    if not directory.services and not report.unreadable:
        report.add(label, "the directory holds no services", WARNING)
    imported = flatten(directory, mapping, report, label)
    imported.label = label
    return imported, rest


def _drop_repeated_services(directory: Directory, report: Report) -> None:
    """A service given twice (the JSON and the CSV tables of one export, overlapping pages) is
    imported once, from the first file that holds it."""
    seen, kept, repeated = set(), [], Counter()
    for service in directory.services:
        sid = _first(service, "id")
        if sid and sid in seen:
            repeated[service.get("_file", "")] += 1
            continue
        seen.add(sid)
        kept.append(service)
    directory.services = kept
    for name, count in repeated.items():
        report.add(name, f"{count:,} service(s) already given by another file (same id): "
                   "imported once", WARNING)  # fmt: skip


def unmapped_table(imported: Imported) -> pd.DataFrame:
    """The taxonomy terms that mapped to no category, with how many services carry them."""
    rows = [(t, v, n) for (t, v), n in imported.unmapped.most_common()]
    return pd.DataFrame(rows, columns=["term", "vocabulary", "services"])


def directory_sources(files: list[SourceFile], report: Report) -> tuple[list[SourceFile], list]:
    """For the loader: the files that are not a directory, and the tables an Open Referral
    directory among them becomes, as (label, table, raw text frame) with rows numbered as in
    the assets.csv they amount to (header = row 1)."""
    imported, rest = import_directory(files, report)
    if imported is None or imported.assets.empty:
        return rest, []
    base = imported.label
    tables = [(f"{base}[assets]", "assets", imported.assets)]
    if not imported.organisations.empty:
        tables.append((f"{base}[organisations]", "organisations", imported.organisations))
    return rest, tables


# --------------------------------------------------------------------------------------------
# Writing: assets and organisations as HSDS 3


def _json_value(value: object) -> object:
    """A typed cell as JSON: None for missing, plain numbers, ISO dates."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def export_services(
    assets: pd.DataFrame, organisations: pd.DataFrame | None = None, as_at: date | None = None
) -> list[dict]:
    """Our assets as HSDS 3 service records (as `service_full.json` nests them): one service
    with one service_at_location each; online and telephone assets at a virtual location."""
    as_at = as_at or date.today()
    orgs = {}
    if organisations is not None:
        for row in organisations.to_dict("records"):
            orgs[row["organisation_id"]] = row
    services = []
    for row in assets.astype(object).to_dict("records"):
        row = {k: _json_value(v) for k, v in row.items()}
        aid = str(row["asset_id"])
        sid, lid = stable_id("service", aid), stable_id("location", aid)
        sal_id = stable_id("service_at_location", aid)
        delivery = row.get("delivery") or "in person"
        virtual = delivery in ("online", "telephone")
        location = {
            "id": lid,
            "location_type": "virtual" if virtual else "physical",
            "name": row["name"],
            "latitude": None if virtual else row.get("latitude"),
            "longitude": None if virtual else row.get("longitude"),
            "external_identifier": aid,
            "external_identifier_type": ASSET_ID_TYPE,
            "url": row.get("url") if virtual else None,
            "addresses": [],
            "accessibility": [],
        }
        if row.get("postcode") and not virtual:
            location["addresses"].append({
                "id": stable_id("address", aid), "location_id": lid,
                "address_1": row["name"], "city": "Not recorded", "state_province": "England",
                "postal_code": row["postcode"], "country": "GB", "address_type": "physical",
            })  # fmt: skip
        if row.get("wheelchair_accessible") is not None:
            location["accessibility"].append({
                "id": stable_id("accessibility", aid), "location_id": lid,
                "description": "Wheelchair accessible" if row["wheelchair_accessible"]
                else "Not wheelchair accessible",
            })  # fmt: skip
        schedules = [
            {"id": stable_id("schedule", f"{aid}:{i}"), "service_id": sid,
             "service_at_location_id": sal_id, **record}
            for i, record in enumerate(schedule_records(row.get("schedule") or ""))
        ]  # fmt: skip
        attributes = [_attribute(aid, "category", sid, "service", CATEGORY_TAXONOMY,
                                 row["category"])]  # fmt: skip
        if delivery != "in person":
            attributes.append(_attribute(aid, "delivery", sid, "service", DELIVERY_TAXONOMY,
                                         delivery))  # fmt: skip
        cost_options = []
        if row.get("cost") or row.get("cost_per_person_gbp") is not None:
            amount = row.get("cost_per_person_gbp")
            cost_options.append({
                "id": stable_id("cost_option", aid), "service_id": sid,
                "option": row.get("cost"), "currency": "GBP", "amount": amount,
                "amount_description": "per person" if amount is not None else None,
            })  # fmt: skip
        capacities = []
        if row.get("capacity_per_month") is not None:
            capacities.append({
                "id": stable_id("service_capacity", aid), "service_id": sid,
                "unit_id": stable_id("unit", CAPACITY_UNIT),
                "unit": {"id": stable_id("unit", CAPACITY_UNIT), "name": CAPACITY_UNIT},
                "available": row["capacity_per_month"], "maximum": row["capacity_per_month"],
                "description": "New referred people the service can take a month",
                "updated": f"{row.get('last_verified') or as_at.isoformat()}T00:00:00.000Z",
            })  # fmt: skip
        org_id = row.get("organisation_id")
        service = {
            "id": sid,
            "organization_id": stable_id("organization", org_id or NO_ORGANISATION),
            "name": row["name"],
            "description": row.get("description"),
            "url": row.get("url"),
            "status": row.get("status") or "active",
            "minimum_age": row.get("min_age"),
            "maximum_age": row.get("max_age"),
            "assured_date": row.get("last_verified"),
            "organization": _export_org(org_id, orgs.get(org_id)) if org_id else _placeholder_org(),
            "service_at_locations": [{"id": sal_id, "service_id": sid, "location_id": lid,
                                      "location": location}],
            "schedules": schedules,
            "cost_options": cost_options,
            "capacities": capacities,
            "attributes": attributes,
        }  # fmt: skip
        services.append(_drop_none(service))
    return services


def _attribute(aid: str, kind: str, link_id: str, entity: str, taxonomy: str, name: str,
               value: object = None) -> dict:  # fmt: skip
    term_id = stable_id("taxonomy_term", f"{taxonomy}:{name}")
    return {
        "id": stable_id("attribute", f"{aid}:{kind}"),
        "link_id": link_id,
        "link_type": kind,
        "link_entity": entity,
        "taxonomy_term_id": term_id,
        "value": None if value is None else str(value),  # a string in HSDS
        "taxonomy_term": {
            "id": term_id, "code": name, "name": name, "description": f"{taxonomy}: {name}",
            "taxonomy": taxonomy, "taxonomy_id": stable_id("taxonomy", taxonomy),
        },
    }  # fmt: skip


def _export_org(org_id: str, row: dict | None) -> dict:
    row = {k: _json_value(v) for k, v in (row or {}).items()}
    oid = stable_id("organization", org_id)
    identifiers = [{"id": stable_id("organization_identifier", f"{org_id}:ours"),
                    "organization_id": oid, "identifier_scheme": "",
                    "identifier_type": ORGANISATION_ID_TYPE, "identifier": org_id}]  # fmt: skip
    if row.get("charity_number"):
        identifiers.append({"id": stable_id("organization_identifier", f"{org_id}:charity"),
                            "organization_id": oid, "identifier_scheme": "GB-CHC",
                            "identifier_type": "Charity number",
                            "identifier": str(row["charity_number"])})  # fmt: skip
    attributes = []
    if row.get("volunteers") is not None:
        attributes.append(
            _attribute(
                org_id,
                "volunteers",
                oid,
                "organization",
                VOLUNTEERS_TAXONOMY,
                "volunteers",
                row["volunteers"],
            )
        )
    name = row.get("name") or org_id
    return _drop_none({
        "id": oid, "name": name,
        "description": row.get("description") or name,
        "legal_status": row.get("type"),
        "organization_identifiers": identifiers,
        "attributes": attributes,
    })  # fmt: skip


def _placeholder_org() -> dict:
    """The organization an asset with no organisation_id is exported under: HSDS tables need
    every service to name one. Marked as ours, so it is not imported back as a provider."""
    oid = stable_id("organization", NO_ORGANISATION)
    return {
        "id": oid,
        "name": "Organisation not recorded",
        "description": "Services whose provider the dataset does not record",
        "organization_identifiers": [
            {"id": stable_id("organization_identifier", NO_ORGANISATION), "organization_id": oid,
             "identifier_scheme": "", "identifier_type": PLACEHOLDER_TYPE, "identifier": "none"}
        ],
    }  # fmt: skip


def _drop_none(record: object) -> object:
    """Fields with no value left out, all the way down (HSDS types do not allow null)."""
    if isinstance(record, dict):
        return {k: _drop_none(v) for k, v in record.items() if v is not None}
    if isinstance(record, list):
        return [_drop_none(v) for v in record]
    return record


# HSDS 3 tabular columns written, table by table (required fields first).
EXPORT_COLUMNS = {
    "organization": ("id", "name", "description", "legal_status"),
    "organization_identifier": ("id", "organization_id", "identifier_scheme", "identifier_type",
                                "identifier"),
    "service": ("id", "organization_id", "name", "status", "description", "url", "minimum_age",
                "maximum_age", "assured_date"),
    "location": ("id", "location_type", "name", "latitude", "longitude", "url",
                 "external_identifier", "external_identifier_type"),
    "address": ("id", "location_id", "address_1", "city", "state_province", "postal_code",
                "country", "address_type"),
    "accessibility": ("id", "location_id", "description"),
    "service_at_location": ("id", "service_id", "location_id"),
    "schedule": ("id", "service_id", "service_at_location_id", "freq", "interval", "byday",
                 "opens_at", "closes_at", "description"),
    "cost_option": ("id", "service_id", "option", "currency", "amount", "amount_description"),
    "unit": ("id", "name"),
    "service_capacity": ("id", "service_id", "unit_id", "available", "maximum", "description",
                         "updated"),
    "taxonomy": ("id", "name", "description"),
    "taxonomy_term": ("id", "code", "name", "description", "taxonomy", "taxonomy_id"),
    "attribute": ("id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value"),
}  # fmt: skip


def export_tables(
    services: list[dict], organisations: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """The service records as HSDS 3 tables (one row per object, children by id), with the
    organisations that have no service as well."""
    rows: dict[str, dict[str, dict]] = {name: {} for name in EXPORT_COLUMNS}

    def put(table: str, record: dict) -> None:
        rows[table].setdefault(record["id"], {c: record.get(c) for c in EXPORT_COLUMNS[table]})

    for service in services:
        put("service", service)
        org = service.get("organization")
        if org:
            put("organization", org)
            for identifier in org.get("organization_identifiers", []):
                put("organization_identifier", identifier)
            for attribute in org.get("attributes", []):
                _put_attribute(put, attribute)
        for sal in service["service_at_locations"]:
            put("service_at_location", sal)
            location = sal["location"]
            put("location", location)
            for address in location.get("addresses", []):
                put("address", address)
            for access in location.get("accessibility", []):
                put("accessibility", access)
        for schedule in service.get("schedules", []):
            put("schedule", schedule)
        for option in service.get("cost_options", []):
            put("cost_option", option)
        for capacity in service.get("capacities", []):
            put("unit", capacity["unit"])
            put("service_capacity", capacity)
        for attribute in service.get("attributes", []):
            _put_attribute(put, attribute)
    for row in [] if organisations is None else organisations.to_dict("records"):
        org = _export_org(row["organisation_id"], row)
        put("organization", org)
        for identifier in org.get("organization_identifiers", []):
            put("organization_identifier", identifier)
        for attribute in org.get("attributes", []):
            _put_attribute(put, attribute)
    return {
        name: pd.DataFrame(list(found.values()), columns=list(EXPORT_COLUMNS[name]))
        for name, found in rows.items()
    }


def _put_attribute(put, attribute: dict) -> None:
    term = attribute["taxonomy_term"]
    put("taxonomy", {"id": term["taxonomy_id"], "name": term["taxonomy"],
                     "description": f"{term['taxonomy']} (socialrx)"})  # fmt: skip
    put("taxonomy_term", term)
    put("attribute", attribute)


def export_page(services: list[dict]) -> dict:
    """The services as one HSDS 3 API page (`contents`), as a directory's /services returns."""
    return {
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": services,
    }


def export_files(
    assets: pd.DataFrame, organisations: pd.DataFrame | None = None, as_at: date | None = None
) -> dict[str, bytes]:
    """Every file of an export by name: the HSDS 3 CSV tables and `services.json`."""
    services = export_services(assets, organisations, as_at)
    files = {f"{name}.csv": csv_bytes(_csv_ready(frame))
             for name, frame in export_tables(services, organisations).items()}  # fmt: skip
    # compact: the C encoder (an indent would use the pure-Python one, 5x slower)
    page = export_page(services)
    files["services.json"] = json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()
    return files


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole numbers without `.0` (a column with gaps is float in pandas)."""
    out = frame.astype(object)
    for column in out.columns:
        out[column] = [
            f"{v:.0f}" if isinstance(v, float) and v.is_integer() else ("" if v is None else v)
            for v in out[column]
        ]
    return out


def export_zip(files: dict[str, bytes]) -> bytes:
    """The export's files in one zip, for a download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()
