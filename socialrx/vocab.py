"""The controlled vocabularies of the data contract, and the codes that map onto them."""

from __future__ import annotations

from dataclasses import dataclass

ASSET_CATEGORIES = (
    "physical activity",
    "arts and creativity",
    "nature and gardening",
    "social groups and befriending",
    "learning and skills",
    "money, debt and benefits advice",
    "housing advice",
    "employment and volunteering",
    "mental health support",
    "carers support",
    "faith and cultural groups",
    "food and cooking",
    "digital inclusion",
    "health and long-term conditions support",
    "other",
)
DELIVERY = ("in person", "online", "telephone", "hybrid")
DELIVERY_NEEDS_LOCATION = ("in person", "hybrid")
ASSET_STATUS = ("active", "inactive", "defunct", "temporarily closed")
COST = ("free", "low cost", "paid")
ORGANISATION_TYPES = (
    "charity",
    "community interest company",
    "community group",
    "faith group",
    "social enterprise",
    "public body",
    "other",
)
REFERRER_TYPES = ("gp practice", "hospital", "other health", "council", "vcs", "self")
AGE_BANDS = ("0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
SEX = ("female", "male", "other", "not stated")
# NHS "person stated gender" codes: 1 male, 2 female, 9 indeterminate, X/0 not known.
SEX_CODES = {"1": "male", "2": "female", "9": "other", "x": "not stated", "0": "not stated"}
ETHNICITY = ("white", "mixed", "asian", "black", "other", "not stated")
# The five broad groups of Census 2021 (TS021), in its order: the groups a population by
# ethnic group is given in.
ETHNIC_GROUPS = ("asian", "black", "mixed", "white", "other")
# NHS ethnic category codes (A-Z, from the 2001 Census) onto the five groups as Census 2021
# draws them, so a group's referrals and its residents count the same people: R (Chinese) is
# Asian, as in 2021 (2001 put Chinese beside "other"). Finer groups do not line up (2021 added
# Roma, and Arab under "other", with no NHS code of their own), so only the five are compared.
ETHNICITY_CODES = {
    **{c: "white" for c in "abc"},
    **{c: "mixed" for c in "defg"},
    **{c: "asian" for c in "hjklr"},
    **{c: "black" for c in "mnp"},
    "s": "other",
    "z": "not stated",
    "99": "not stated",
}
REASONS = (
    "loneliness and isolation",
    "low mood and anxiety",
    "physical inactivity",
    "money and debt",
    "housing",
    "long-term condition",
    "carer",
    "bereavement",
    "new to the area",
    "employment",
    "weight and diet",
    "other",
)
REFERRAL_STATUS = (
    "received",
    "contacted",
    "engaged",
    "connected",
    "completed",
    "declined",
    "did not engage",
    "closed",
)
STATUS_NEEDS_CLOSED_DATE = ("completed", "declined", "did not engage", "closed")
CLOSURE_REASONS = (
    "goals met",
    "declined",
    "could not contact",
    "not eligible",
    "referred elsewhere",
    "moved away",
    "died",
    "other",
)
CONNECTION_OUTCOMES = (
    "waiting list",
    "declined by provider (full)",
    "declined by provider (not suitable)",
    "did not attend",
    "attending",
    "moved on",
    "stopped",
)
# Outcomes meaning the person actually started the activity.
CONNECTION_STARTED = ("attending", "moved on", "stopped")
TIMEPOINTS = ("baseline", "follow_up")


@dataclass(frozen=True)
class Measure:
    """A wellbeing or use measure: its valid range, and which direction is better."""

    name: str
    label: str
    low: float
    high: float
    integer: bool
    higher_is_better: bool


MEASURES = {
    m.name: m
    for m in (
        Measure("swemwbs", "SWEMWBS (metric score)", 7, 35, True, True),
        Measure("swemwbs_metric", "SWEMWBS (metric score)", 7, 35, False, True),
        Measure("wemwbs", "WEMWBS", 14, 70, True, True),
        Measure("ons4_life_satisfaction", "ONS4 life satisfaction", 0, 10, True, True),
        Measure("ons4_worthwhile", "ONS4 worthwhile", 0, 10, True, True),
        Measure("ons4_happiness", "ONS4 happiness", 0, 10, True, True),
        Measure("ons4_anxiety", "ONS4 anxiety", 0, 10, True, False),
        Measure("ucla3_loneliness", "UCLA 3-item loneliness", 3, 9, True, False),
        Measure("gp_appointments_6m", "GP appointments in 6 months", 0, 100, True, False),
        Measure("close_connections", "Close connections", 0, 50, True, True),
    )
}

MEASURES_RANGE = {
    name: f"{m.low:g}-{m.high:g}, {'higher' if m.higher_is_better else 'lower'} is better"
    for name, m in MEASURES.items()
}

# Published SWEMWBS raw-to-metric conversion (Stewart-Brown et al. 2009, Rasch model),
# so raw and already-converted scores are analysed on one interval scale.
SWEMWBS_METRIC = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98,
    23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03,
    31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip


def in_sentence(label: str) -> str:
    """A column's label as it reads inside a sentence: lower case, except abbreviations
    ("IMD quintile" stays "IMD quintile", "Age band" becomes "age band")."""
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in label.split(" "))
