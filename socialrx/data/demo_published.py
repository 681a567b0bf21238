"""Published files made for the demo: the real layouts (headers, codes' shapes, date formats) of
Census 2021 TS021, NHS England's "Appointments in General Practice" and an OHID Fingertips
export, holding invented values, so the demo shows rates by ethnic group and benchmarks beyond
the place as a user's downloads would. None of the values is real; the files say so in their
names and the indicators in theirs ("[demo values]").

Drawn from a generator of their own (seeded from the demo's seed), so adding them changed no
other demo file."""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialrx.data.benchmarks import ENGLAND, SOCIAL_PRESCRIBING

MONTHS = pd.period_range("2026-04", "2026-09", freq="M")  # the benchmark files' six months
SUB_ICBS = 106  # as England had when sub-ICBs began (2022)
PLACE_SUB_ICB = 71  # the demo place's invented sub-ICB (D071)
DEMO = " [demo values]"

# Census 2021 TS021 as Nomis publishes it: each broad group, then its finer groups, with the
# share of the broad group each finer group is given here (invented, roughly England's)
TS021 = {
    "Asian, Asian British or Asian Welsh": {"Bangladeshi": 0.05, "Chinese": 0.08,
                                            "Indian": 0.12, "Pakistani": 0.62,
                                            "Other Asian": 0.13},
    "Black, Black British, Black Welsh, Caribbean or African": {"African": 0.65,
                                                               "Caribbean": 0.15,
                                                               "Other Black": 0.20},
    "Mixed or Multiple ethnic groups": {"White and Asian": 0.25,
                                        "White and Black African": 0.15,
                                        "White and Black Caribbean": 0.35,
                                        "Other Mixed or Multiple ethnic groups": 0.25},
    "White": {"English, Welsh, Scottish, Northern Irish or British": 0.93, "Irish": 0.01,
              "Gypsy or Irish Traveller": 0.005, "Roma": 0.005, "Other White": 0.05},
    "Other ethnic group": {"Arab": 0.45, "Any other ethnic group": 0.55},
}  # fmt: skip


def _generator(seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, 25])  # issue 25: not the demo's own stream


def _whole(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Each total split by the shares (rows), in whole numbers adding up to it (largest
    remainders)."""
    exact = totals[:, None] * shares / shares.sum(axis=1, keepdims=True)
    out = np.floor(exact).astype(np.int64)
    short = totals - out.sum(axis=1)
    order = np.argsort(-(exact - out), axis=1, kind="stable")
    for i, k in enumerate(short):
        out[i, order[i, : int(k)]] += 1
    return out


def census_ts021(areas, stats: pd.DataFrame, seed: int, adult_share: float) -> pd.DataFrame:
    """Usual residents (all ages) of each area by ethnic group in Nomis's bulk layout
    (`census2021-ts021-lsoa.csv`): everyone the area's adults stand for (adults over the
    adult share), more Asian, Black, Mixed and Other residents where deprivation is greater,
    as in many English towns (`adult_share`: adults among everyone). On the demo's LSOA 2011
    codes (the real table's are 2021)."""
    rng = _generator(seed)
    n = len(stats)
    total = np.floor(stats["population_adult"].to_numpy(float) / adult_share + 0.5).astype(int)
    need = 10 - stats["imd_decile"].to_numpy(float)  # 9 in the most deprived decile, 0 least
    wobble = rng.uniform(0.5, 1.5, (n, 4))
    others = np.column_stack([
        0.010 + 0.009 * need * wobble[:, 0],  # Asian
        0.003 + 0.0015 * need * wobble[:, 1],  # Black
        0.010 + 0.001 * need * wobble[:, 2],  # Mixed
        0.004 + 0.0015 * need * wobble[:, 3],  # Other
    ])  # fmt: skip
    shares = np.column_stack([others[:, :3], 1 - others.sum(axis=1), others[:, 3]])
    broad = _whole(total, shares)
    names = areas.set_index("area_code")["area_name"]
    codes = stats["area_code"].to_numpy()
    columns = {
        "date": 2021,
        "geography": names.reindex(codes).fillna("").to_numpy(),
        "geography code": codes,
        "Ethnic group: Total: All usual residents": total,
    }
    for g, (group, finer) in enumerate(TS021.items()):
        columns[f"Ethnic group: {group}"] = broad[:, g]
        split = _whole(broad[:, g], np.tile(np.array(list(finer.values())), (n, 1)))
        for f, name in enumerate(finer):
            columns[f"Ethnic group: {group}: {name}"] = split[:, f]
    return pd.DataFrame(columns)


def _sub_icbs(seed: int, place_registered: int) -> pd.DataFrame:
    """106 invented sub-ICBs (codes D001..D106, ONS codes E38999001..): registered patients,
    deprivation score, share aged 65+ and a social prescribing rate. The place's is D071, as
    deprived as Rotherham and as old (IMD 2019 average score about 30, a fifth over 65)."""
    rng = _generator(seed + 1)
    i = np.arange(1, SUB_ICBS + 1)
    imd = rng.uniform(10, 42, SUB_ICBS).round(1)
    over_65 = np.clip(19 - 0.12 * (imd - 22) + rng.normal(0, 3, SUB_ICBS), 11, 28).round(1)
    registered = (rng.uniform(150_000, 1_100_000, SUB_ICBS) / 100).round() * 100
    # appointments per 1,000 registered a year: recording differs widely between places
    rate = 45 * np.exp(rng.normal(0, 0.35, SUB_ICBS)) * (1 + 0.01 * (imd - 22))
    place = i == PLACE_SUB_ICB
    imd[place], over_65[place], registered[place] = 29.6, 19.8, place_registered
    icb = (i - 1) // 3 + 1
    return pd.DataFrame(
        {
            "code": [f"D{k:03d}" for k in i],
            "ons": [f"E38{999000 + k}" for k in i],
            "name": [f"NHS Demo ICB {c} - D{k:03d}" for c, k in zip(icb, i, strict=True)],
            "icb_ons": [f"E54{999000 + c}" for c in icb],
            "region_ons": [f"E40{999000 + (c - 1) // 6 + 1}" for c in icb],
            "registered": registered.astype(int),
            "imd": imd,
            "over_65": over_65,
            "rate": rate,
            "place": place,
        }
    )


def gpad_practices(practices: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The place's practices in NHS England's practice-level monthly layout, six months in one
    file: "Social Prescribing Service" appointments by status and mode (the two practices that
    hardly refer record few), beside their routine GP appointments (another category, which
    the loader leaves out)."""
    rng = _generator(seed + 2)
    n = len(practices)
    propensity = np.where(np.isin(np.arange(n) % 10, (3, 8)), 0.15, 1.0)
    propensity *= np.exp(rng.normal(0, 0.25, n))
    season = 1 + 0.08 * np.cos(2 * np.pi * (np.arange(len(MONTHS)) - 9) / 12)  # winter busier
    per_month = practices["list_size"].to_numpy(float) * 75 / 1000 / 12  # per adults a year
    counts = np.floor(per_month[:, None] * propensity[:, None] * season[None, :] + 0.5)
    rows = []
    statuses = (("Attended", 0.92), ("DNA", 0.06), ("Unknown", 0.02))
    modes = (("Face-to-Face", 0.55), ("Telephone", 0.45))
    shares = np.array([[s * m for _, s in statuses for _, m in modes]])
    for p, practice in enumerate(practices.itertuples()):
        for m, month in enumerate(MONTHS):
            base = {
                "APPOINTMENT_MONTH_START_DATE": month.start_time.strftime("%d%b%Y").upper(),
                "GP_CODE": practice.practice_code,
                "GP_NAME": practice.name.upper(),
                "SUPPLIER": "EMIS" if p % 3 else "TPP",
                "PCN_CODE": practice.pcn_code,
                "PCN_NAME": practice.pcn_name,
                "SUB_ICB_LOCATION_CODE": f"D{PLACE_SUB_ICB:03d}",
                "SUB_ICB_LOCATION_NAME": f"NHS Demo ICB 24 - D{PLACE_SUB_ICB:03d}",
            }
            split = _whole(np.array([int(counts[p, m])]), shares)[0]
            k = 0
            for status, _ in statuses:
                for mode, _ in modes:
                    if split[k]:
                        rows.append(base | {
                            "HCP_TYPE": "Other Practice staff", "APPT_MODE": mode,
                            "NATIONAL_CATEGORY": SOCIAL_PRESCRIBING,
                            "TIME_BETWEEN_BOOK_AND_APPT": "2 to 7 Days",
                            "COUNT_OF_APPOINTMENTS": int(split[k]), "APPT_STATUS": status,
                        })  # fmt: skip
                    k += 1
            routine = int(practice.list_size * 3.2 / 12 * season[m])
            rows.append(base | {
                "HCP_TYPE": "GP", "APPT_MODE": "Face-to-Face",
                "NATIONAL_CATEGORY": "General Consultation Routine",
                "TIME_BETWEEN_BOOK_AND_APPT": "2 to 7 Days", "COUNT_OF_APPOINTMENTS": routine,
                "APPT_STATUS": "Attended",
            })  # fmt: skip
    return pd.DataFrame(rows)


def gpad_sub_icbs(practice_file: pd.DataFrame, place_registered: int,
                  seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The sub-ICB daily file by national category ("Social Prescribing Service", General
    Practice setting, weekdays) and its coverage file, for 106 invented sub-ICBs; the place's
    sub-ICB holds exactly the practice file's appointments each month."""
    subs = _sub_icbs(seed, place_registered)
    social = practice_file[practice_file["NATIONAL_CATEGORY"] == SOCIAL_PRESCRIBING]
    place_months = social.groupby("APPOINTMENT_MONTH_START_DATE")["COUNT_OF_APPOINTMENTS"].sum()
    rng = _generator(seed + 3)
    daily, coverage = [], []
    for month in MONTHS:
        days = pd.bdate_range(month.start_time, month.end_time)
        label = month.start_time.strftime("%d%b%Y").upper()
        drift = 1 + rng.normal(0, 0.003, SUB_ICBS)  # registrations move a little month to month
        registered = np.floor(subs["registered"].to_numpy() * drift + 0.5).astype(int)
        registered[subs["place"].to_numpy()] = place_registered
        totals = np.floor(registered * subs["rate"].to_numpy() / 1000 / 12 + 0.5).astype(int)
        totals[subs["place"].to_numpy()] = int(place_months.get(label, 0))
        by_day = _whole(totals, rng.uniform(0.8, 1.2, (SUB_ICBS, len(days))))
        for s, sub in enumerate(subs.itertuples()):
            for d, day in enumerate(days):
                if by_day[s, d]:
                    daily.append({
                        "SUB_ICB_LOCATION_CODE": sub.code, "SUB_ICB_LOCATION_ONS_CODE": sub.ons,
                        "SUB_ICB_LOCATION_NAME": sub.name, "ICB_ONS_CODE": sub.icb_ons,
                        "REGION_ONS_CODE": sub.region_ons,
                        "Appointment_Date": day.strftime("%d%b%Y").upper(),
                        "SERVICE_SETTING": "General Practice",
                        "CONTEXT_TYPE": "Care Related Encounter",
                        "NATIONAL_CATEGORY": SOCIAL_PRESCRIBING,
                        "COUNT_OF_APPOINTMENTS": int(by_day[s, d]),
                    })  # fmt: skip
            practices = max(int(registered[s] / 9_000), 1)
            coverage.append({
                "SUB_ICB_LOCATION_CODE": sub.code, "ICB_ONS_CODE": sub.icb_ons,
                "REGION_CODE": f"Y{60 + (s // 18)}", "Appointment_Month": label,
                "Included Practices": practices, "Open Practices": practices,
                "Patients registered at included practices": int(registered[s]),
                "Patients registered at open practices": int(registered[s]),
            })  # fmt: skip
    return pd.DataFrame(daily), pd.DataFrame(coverage)


FINGERTIPS_COLUMNS = (
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles", "Compared to percentiles",
    "Time period Sortable", "New data", "Compared to goal",
)  # fmt: skip


def fingertips(practices: pd.DataFrame, area_lookup: pd.DataFrame, place_registered: int,
               seed: int, adult_share: float) -> pd.DataFrame:  # fmt: skip
    """An OHID Fingertips export in its published layout with invented values: deprivation
    score (IMD 2019) and share aged 65+ for England, the 106 invented sub-ICBs and the place's
    practices, and loneliness for England and the place's local authorities."""
    subs = _sub_icbs(seed, place_registered)
    rng = _generator(seed + 4)
    rows = []

    def row(iid, name, code, area, kind, period, sortable, value, low=None, high=None,
            parent=("", ""), count=None, denominator=None):  # fmt: skip
        rows.append({
            "Indicator ID": iid, "Indicator Name": name + DEMO, "Parent Code": parent[0],
            "Parent Name": parent[1], "Area Code": code, "Area Name": area, "Area Type": kind,
            "Sex": "Persons", "Age": "All ages", "Time period": period, "Value": value,
            "Lower CI 95.0 limit": low, "Upper CI 95.0 limit": high, "Count": count,
            "Denominator": denominator, "Time period Sortable": sortable,
        })  # fmt: skip

    england = (ENGLAND, "England")
    for iid, name, period, sortable, column, national in (
        (93553, "Deprivation score (IMD 2019)", "2019", 20190000, "imd", 21.7),
        (99901, "% aged 65+ years", "2025", 20250000, "over_65", 18.9),
    ):
        row(iid, name, *england, "England", period, sortable, national)
        for sub in subs.itertuples():
            row(iid, name, sub.ons, sub.name, "Sub-ICBs", period, sortable,
                float(getattr(sub, column)), parent=england)  # fmt: skip
        place = subs.loc[subs["place"], column].iloc[0]
        for practice in practices.itertuples():
            value = round(float(place + rng.normal(0, 3.0)), 1)
            if column == "over_65":
                people = int(practice.list_size / adult_share)
                share = value / 100
                half = 1.96 * np.sqrt(share * (1 - share) / people) * 100
                row(iid, name, practice.practice_code, practice.name, "GPs", period, sortable,
                    value, round(value - half, 1), round(value + half, 1),
                    (f"E38{999000 + PLACE_SUB_ICB}", ""), int(share * people), people)  # fmt: skip
            else:
                row(iid, name, practice.practice_code, practice.name, "GPs", period, sortable,
                    value, parent=(f"E38{999000 + PLACE_SUB_ICB}", ""))  # fmt: skip
    lonely = "Percentage of adults who feel lonely often or always or some of the time"
    row(99903, lonely, *england, "England", "2023/24", 20230000, 25.9, 25.6, 26.2)
    authorities = area_lookup.dropna(subset=["la_code"]).drop_duplicates("la_code")
    for la in authorities.itertuples():
        value = round(float(25.9 + 2.5 + rng.normal(0, 1.0)), 1)
        row(99903, lonely, la.la_code, la.la_name, "Districts & UAs (from Apr 2023)", "2023/24",
            20230000, value, round(value - 2.4, 1), round(value + 2.4, 1), england)  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=list(FINGERTIPS_COLUMNS))
