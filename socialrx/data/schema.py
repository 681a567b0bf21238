"""Typed column specs for every table of the data contract (`docs/data-contract.md`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from socialrx import vocab

# Kinds of column, each read by its own parser in `socialrx.data.parsing`.
TEXT, DATE, BOOL, INT, DECIMAL, CHOICE, CHOICES, POSTCODE, CODE = (
    "text",
    "date",
    "bool",
    "int",
    "decimal",
    "choice",
    "choices",
    "postcode",
    "code",
)


@dataclass(frozen=True)
class Column:
    """One column: its kind, whether every row needs it, and what values it allows."""

    name: str
    kind: str = TEXT
    required: bool = False
    allowed: tuple[str, ...] = ()
    codes: dict[str, str] = field(default_factory=dict)  # other spellings -> allowed value
    low: float | None = None
    high: float | None = None
    default: str | None = None
    # held as a categorical of `allowed` (in that order): a column of millions of rows and a
    # few values, one byte a row, where the metrics that read it are checked to work alike
    compact: bool = False


@dataclass(frozen=True)
class Table:
    """A table of the contract: its file name, columns, key and header aliases."""

    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)  # normalised header -> column
    geometry: bool = False
    # Columns the contract does not name: KEEP (more statistics for the map; the many columns
    # of an official file), NOTE (kept, with a warning in case a header is misspelt), or DROP
    # (person-level tables keep nothing the contract does not ask for).
    extras: str = "note"
    about: str = ""  # what the table holds and which pages use it, for the Data page

    @property
    def file(self) -> str:
        return f"{self.name}.geojson" if self.geometry else f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "dataset",
            (
                Column("extract_date", DATE),
                Column("lsoa_vintage", CHOICE, allowed=("2011", "2021")),
                Column("place_name"),
                Column("source"),
                Column("local_authorities"),  # `;`-separated codes (or IoD names): the place
                Column("pcn_codes"),  # `;`-separated PCN codes: the place
            ),
            about="about the extract: its date, LSOA vintage and place",
        ),
        Table(
            "assets",
            (
                Column("asset_id", CODE, required=True),
                Column("name", required=True),
                Column("organisation_id", CODE),
                Column("category", CHOICE, required=True, allowed=vocab.ASSET_CATEGORIES),
                Column(
                    "delivery",
                    CHOICE,
                    allowed=vocab.DELIVERY,
                    default="in person",
                    codes={"in-person": "in person", "face to face": "in person"},
                ),
                Column("latitude", DECIMAL),
                Column("longitude", DECIMAL),
                Column("postcode", POSTCODE),
                Column("status", CHOICE, allowed=vocab.ASSET_STATUS, default="active"),
                Column("cost", CHOICE, allowed=vocab.COST),
                Column("cost_per_person_gbp", DECIMAL, low=0),
                Column("wheelchair_accessible", BOOL),
                Column("schedule"),
                Column("min_age", INT, low=0, high=120),
                Column("max_age", INT, low=0, high=120),
                Column("capacity_per_month", INT, low=0),
                Column("last_verified", DATE),
                Column("url"),
                Column("description"),
            ),
            about="community assets (required): the map, capacity and every page",
            key="asset_id",
            aliases={
                "lat": "latitude",
                "lon": "longitude",
                "long": "longitude",
                "lng": "longitude",
                "id": "asset_id",
            },
        ),
        Table(
            "organisations",
            (
                Column("organisation_id", CODE, required=True),
                Column("name", required=True),
                Column(
                    "type",
                    CHOICE,
                    allowed=vocab.ORGANISATION_TYPES,
                    codes={"cic": "community interest company"},
                ),
                Column("charity_number"),
                Column("volunteers", INT, low=0),
            ),
            about="the VCS providers behind the assets",
            key="organisation_id",
        ),
        Table(
            "funding",
            (
                Column("organisation_id", CODE, required=True),
                Column("financial_year", required=True),
                Column("funder"),
                Column("amount_gbp", DECIMAL, required=True, low=0),
                Column("for_social_prescribing", BOOL),
            ),
            about="money that reached providers",
        ),
        Table(
            "link_workers",
            (
                Column("link_worker_id", CODE, required=True),
                Column("employer", CODE),
                Column("wte", DECIMAL, low=0, high=2),
                Column("start_date", DATE),
                Column("end_date", DATE),
            ),
            about="link workers and their whole-time equivalent",
            key="link_worker_id",
        ),
        Table(
            "referrals",
            (
                Column("referral_id", CODE, required=True),
                Column("person_id", CODE),
                Column("referral_date", DATE, required=True),
                Column(
                    "referrer_type",
                    CHOICE,
                    allowed=vocab.REFERRER_TYPES,
                    compact=True,
                    codes={"gp": "gp practice", "self referral": "self", "self-referral": "self"},
                ),
                Column("referrer_org_code", CODE),
                Column("practice_code", CODE),
                Column("area_code", CODE),
                Column("age_band", CHOICE, allowed=vocab.AGE_BANDS),
                Column("sex", CHOICE, allowed=vocab.SEX, codes=vocab.SEX_CODES),
                Column("ethnicity", CHOICE, allowed=vocab.ETHNICITY, codes=vocab.ETHNICITY_CODES),
                Column("reasons", CHOICES, allowed=vocab.REASONS),
                Column("link_worker_id", CODE),
                Column("status", CHOICE, allowed=vocab.REFERRAL_STATUS, compact=True),
                Column("first_contact_date", DATE),
                Column("first_appointment_date", DATE),
                Column("closed_date", DATE),
                Column("closure_reason", CHOICE, allowed=vocab.CLOSURE_REASONS, compact=True),
            ),
            about="one row per referral: overview, referral flows, outcomes",
            key="referral_id",
            extras="drop",
        ),
        Table(
            "connections",
            (
                Column("referral_id", CODE, required=True),
                Column("asset_id", CODE, required=True),
                Column("referred_date", DATE, required=True),
                Column("started_date", DATE),
                Column("ended_date", DATE),
                Column("outcome", CHOICE, allowed=vocab.CONNECTION_OUTCOMES, compact=True),
            ),
            about="people sent on to an asset: % connected, flows, capacity",
            extras="drop",
        ),
        Table(
            "outcomes",
            (
                Column("referral_id", CODE, required=True),
                Column(
                    "measure", CHOICE, required=True, allowed=tuple(vocab.MEASURES), compact=True
                ),
                Column(
                    "timepoint",
                    CHOICE,
                    required=True,
                    allowed=vocab.TIMEPOINTS,
                    compact=True,
                    codes={
                        "follow up": "follow_up",
                        "follow-up": "follow_up",
                        "followup": "follow_up",
                    },
                ),
                Column("assessed_date", DATE),
                Column("value", DECIMAL, required=True),
            ),
            about="wellbeing and other measures: outcomes, wellbeing change",
            extras="drop",
        ),
        Table(
            "practices",
            (
                Column("practice_code", CODE, required=True),
                Column("name"),
                Column("latitude", DECIMAL),
                Column("longitude", DECIMAL),
                Column("postcode", POSTCODE),
                Column("pcn_code", CODE),
                Column("pcn_name"),
                Column("list_size", INT, low=0),
            ),
            about="GP practices, PCNs and list sizes: place filter, referral rates",
            key="practice_code",
        ),
        Table(
            "postcodes",
            (
                Column("postcode", POSTCODE, required=True),
                Column("latitude", DECIMAL),
                Column("longitude", DECIMAL),
                Column("area_code", CODE),
                Column("local_authority", CODE),
            ),
            about="postcode lookup: places assets that have only a postcode",
            key="postcode",
            extras="keep",
            aliases={
                "pcds": "postcode",
                "pcd": "postcode",
                "pcd7": "postcode",
                "pcd8": "postcode",
                "lat": "latitude",
                "lat_derived_wgs84": "latitude",
                "long": "longitude",
                "long_derived_wgs84": "longitude",
                "lsoa11": "area_code",
                "lsoa21": "area_code",
                "lsoa11cd": "area_code",
                "lsoa21cd": "area_code",
                "laua": "local_authority",
                "oslaua": "local_authority",
            },
        ),
        Table(
            "registrations",
            (
                Column("practice_code", CODE, required=True),
                Column("area_code", CODE, required=True),
                Column("patients", INT, required=True, low=0),
            ),
            about="registered patients by practice and area of residence (NHS Digital): "
            "practice and PCN catchments, rates per registered patient by area",
        ),
        Table(
            "registered_ages",
            (
                Column("practice_code", CODE, required=True),
                Column("age_band", CHOICE, required=True, allowed=vocab.AGE_BANDS[1:]),
                Column(
                    "sex",
                    CHOICE,
                    required=True,
                    allowed=("female", "male"),
                    codes={"1": "male", "2": "female", "m": "male", "f": "female"},
                ),
                Column("patients", INT, required=True, low=0),
            ),
            about="registered adults by practice, age band and sex (NHS Digital's "
            "single-year-of-age files): practices standardised for age and sex (Equity)",
        ),
        Table(
            "area_lookup",
            (
                Column("area_code", CODE, required=True),
                Column("area_name"),
                Column("ward_code", CODE),
                Column("ward_name"),
                Column("msoa_code", CODE),
                Column("msoa_name"),
                Column("la_code", CODE),
                Column("la_name"),
            ),
            about="which ward, MSOA and local authority each small area lies in (ONS lookups): "
            "the place filter and the map",
            key="area_code",
        ),
        Table(
            "neighbourhoods",
            (
                Column("neighbourhood", required=True),
                Column("area_code", CODE, required=True),
            ),
            about="named groups of small areas a partnership plans by: the place filter and "
            "the map",
        ),
        Table(
            "area_stats",
            (
                Column("area_code", CODE, required=True),
                Column("population_adult", DECIMAL, low=0),
                Column("imd_decile", INT, low=1, high=10),
                Column("imd_score", DECIMAL, low=0),
            ),
            about="population and deprivation by area: map shading, rates by decile",
            key="area_code",
            aliases={"lsoa11cd": "area_code", "lsoa21cd": "area_code"},
            extras="keep",
        ),
        Table(
            "area_ethnicity",
            (
                Column("area_code", CODE, required=True),
                Column("ethnic_group", CHOICE, required=True, allowed=vocab.ETHNIC_GROUPS),
                Column("residents", INT, required=True, low=0),
            ),
            about="usual residents of all ages by broad ethnic group and area (Census 2021 "
            "TS021): referral rates by ethnic group (Equity)",
            aliases={"lsoa11cd": "area_code", "lsoa21cd": "area_code"},
        ),
        Table(
            "gp_appointments",
            (
                Column("practice_code", CODE, required=True),
                Column("month", DATE, required=True),
                Column("appointments", INT, required=True, low=0),
                Column("pcn_code", CODE),
                Column("sub_icb_code", CODE),
                Column("sub_icb_name"),
                Column("registered", INT, low=0),
            ),
            about="GP appointments in the national category \u201cSocial Prescribing "
            "Service\u201d by practice and month (NHS England, Appointments in General "
            "Practice): benchmarks (Equity)",
        ),
        Table(
            "sub_icb_appointments",
            (
                Column("sub_icb_code", CODE, required=True),
                Column("month", DATE, required=True),
                Column("appointments", INT, required=True, low=0),
                Column("sub_icb_name"),
                Column("sub_icb_ons_code", CODE),
                Column("registered", INT, low=0),
            ),
            about="GP appointments in \u201cSocial Prescribing Service\u201d by sub-ICB and "
            "month, with the patients registered at the practices counted (NHS England): "
            "England and similar places (Equity)",
        ),
        Table(
            "indicators",
            (
                Column("indicator_id", CODE, required=True),
                Column("indicator_name", required=True),
                Column("area_code", CODE, required=True),
                Column("area_name"),
                Column("area_type"),
                Column("sex"),
                Column("age"),
                Column("time_period", required=True),
                Column("time_period_sortable", INT),
                Column("value", DECIMAL),
                Column("lower_ci", DECIMAL),
                Column("upper_ci", DECIMAL),
                Column("count", DECIMAL, low=0),
                Column("denominator", DECIMAL, low=0),
            ),
            about="public health indicators by area or practice (OHID Fingertips exports): "
            "the place's areas, practices and authority against England (Equity)",
            aliases={
                "lower_ci_95.0_limit": "lower_ci",
                "upper_ci_95.0_limit": "upper_ci",
                "lower_ci_95_limit": "lower_ci",
                "upper_ci_95_limit": "upper_ci",
            },
        ),
        Table(
            "areas",
            (Column("area_code", CODE, required=True), Column("area_name")),
            about="small-area boundaries: the map, areas of assets",
            key="area_code",
            aliases={
                "lsoa11cd": "area_code",
                "lsoa21cd": "area_code",
                "lsoa11": "area_code",
                "lsoa21": "area_code",
                "lsoa11nm": "area_name",
                "lsoa21nm": "area_name",
            },
            geometry=True,
            extras="keep",
        ),
    )
}

# Tables holding one row per person-level event: their counts pass disclosure control.
PERSON_LEVEL = ("referrals", "connections", "outcomes")
# Published figures from outside the extract (benchmarks): their dates are not the extract's,
# so they neither set its "as at" date nor fall foul of it.
PUBLISHED = ("gp_appointments", "sub_icb_appointments", "indicators")
