"""Census 2021 age tables as ONS and Nomis publish them: adults 18+ by small area.

The IoD files count adults from 16 (their published denominators), while referrals count
adults from 18: the Census age tables give the 18+ population of each LSOA, the denominator
that matches. Read as downloaded, whatever the file is called:

- Nomis bulk files (`census2021-ts007-lsoa.csv`, TS007A, TS009): one row per area, `date,
  geography, geography code` then a column per age (`Age: Aged 18 years; measures: Value`,
  TS009 prefixes `Sex: All persons; `), groups and single years side by side;
- ONS "create a custom dataset" files, long: `Lower layer Super Output Areas Code, ...,
  Age (N categories) Code, Age (N categories), Observation`.

Single years give 18+ exactly. With five-year bands only (TS007A), the 15-19 band straddles
18: two fifths of it are counted (ages 18 and 19, assuming an even spread), and the report
says the figure is an estimate.

The ethnic group table TS021 (usual residents of all ages) gives the `area_ethnicity` table:
residents of each LSOA in the five broad groups, read from Nomis's bulk file (`date,
geography, geography code, Ethnic group: Total: All usual residents, Ethnic group: Asian,
Asian British or Asian Welsh, Ethnic group: Asian, Asian British or Asian Welsh: Bangladeshi,
...`, a `; measures: Value` suffix allowed) or ONS's custom dataset (`... Code, Ethnic group (N
categories) Code, Ethnic group (N categories), Observation`, any number of categories: each
finer group is added into the broad group its label begins with)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import empty_table
from socialrx.data.files import SourceFile, first_line, read_csv, what_it_is
from socialrx.data.parsing import normalise_header
from socialrx.data.problems import WARNING, Report
from socialrx.data.tables import ID_DTYPE

# an age column of a wide Nomis file: `[Sex: All persons; ]Age: <label>; measures: Value`
_WIDE = re.compile(r"^(?:sex: all persons; )?age: (?P<age>.+?); measures: value$")
_LONG_CODE = "lower layer super output areas code"
_LONG_AGE = re.compile(r"^age \(\d+ categories\)$")


def _age_range(label: str) -> tuple[int, int] | None:
    """The ages a published label covers (`Aged 18 years` -> (18, 18), `Aged 15 to 19 years`
    -> (15, 19), `Aged 85 years and over` -> (85, 200), `Aged under 1 year` -> (0, 0),
    `Aged 4 years and under` -> (0, 4)); None for a total or anything else."""
    text = label.strip().lower().removeprefix("aged ")
    if m := re.fullmatch(r"(\d+) to (\d+) years?", text):
        return int(m[1]), int(m[2])
    if m := re.fullmatch(r"(\d+) years? and over", text):
        return int(m[1]), 200
    if m := re.fullmatch(r"(\d+) years? and under", text):
        return 0, int(m[1])
    if text == "under 1 year":
        return 0, 0
    if m := re.fullmatch(r"(\d+) years?", text):
        return int(m[1]), int(m[1])
    return None


def is_census_age_table(headers) -> bool:
    """True for the header of a Census 2021 age table by LSOA (wide Nomis or long ONS)."""
    names = [normalise_header(str(h)).replace("_", " ") for h in headers]
    raw = [str(h).replace("\ufeff", "").strip().lower() for h in headers]
    wide = "geography code" in names and any(_WIDE.match(h) for h in raw)
    long = _LONG_CODE in names and "observation" in names and any(_LONG_AGE.match(h) for h in raw)
    return wide or long


def _adult_weights(labels: list[str]) -> tuple[dict[str, float], bool]:
    """The age columns that add up to 18+ (each with its weight, none counted twice), and
    whether that is an estimate. Single years up to the oldest open band where the file has
    them (TS007 also lists groups such as `16 to 19` and `85 and over`: left out); else a
    chain of bands from age 0, with 18-19 of a 15-19 band counted as two fifths."""
    ranges = {label: r for label in labels if (r := _age_range(label)) is not None}
    singles = {r[0]: label for label, r in ranges.items() if r[0] == r[1]}
    opens = sorted((r[0], label) for label, r in ranges.items() if r[1] == 200)
    if opens and set(range(18, opens[-1][0])) <= set(singles):
        oldest, label = opens[-1]
        return {singles[a]: 1.0 for a in range(18, oldest)} | {label: 1.0}, False
    weights, estimated, age = {}, False, 0
    while age < 200:
        starting = [(r[1], label) for label, r in ranges.items() if r[0] == age]
        if not starting:
            return {}, False  # a gap: the ages cannot be added up
        high, label = max(starting)  # the widest band, so no age is counted twice
        if age >= 18:
            weights[label] = 1.0
        elif high >= 18:
            weights[label], estimated = (high - 17) / (high - age + 1), True
        age = high + 1
    return weights, estimated


def adults_by_area(file: SourceFile, report: Report) -> pd.DataFrame | None:
    """area_code, population_adult (18+) from one Census age table; None if unreadable."""
    frame = read_csv(file, report)
    if frame is None:
        return None
    lower = {str(c).replace("\ufeff", "").strip().lower(): c for c in frame.columns}
    if "geography code" in {normalise_header(c).replace("_", " ") for c in frame.columns}:
        code = next(c for c in frame.columns if normalise_header(c).replace("_", " ") ==
                    "geography code")  # fmt: skip
        ages = {_WIDE.match(k)["age"]: c for k, c in lower.items() if _WIDE.match(k)}
        weights, estimated = _adult_weights(list(ages))
        values = pd.DataFrame({age: _numbers(frame[ages[age]]) for age in weights})
        adults = sum(values[age] * w for age, w in weights.items())
        table = pd.DataFrame({"area_code": frame[code].str.strip(), "population_adult": adults})
    else:
        code = next(c for k, c in lower.items() if normalise_header(k).replace("_", " ") ==
                    _LONG_CODE)  # fmt: skip
        age = next(c for k, c in lower.items() if _LONG_AGE.match(k))
        weights, estimated = _adult_weights(list(frame[age].str.strip().unique()))
        weight = frame[age].str.strip().map(weights).fillna(0.0)
        counted = _numbers(frame[lower["observation"]]) * weight
        table = (
            counted.groupby(frame[code].str.strip()).sum()
            .rename("population_adult").rename_axis("area_code").reset_index()
        )  # fmt: skip
    if not weights:
        report.add(file.name, "no age columns that give adults (18 and over): a Census age "
                   "table by single year (TS007) or five-year band (TS007A) is needed")  # fmt: skip
        return None
    if estimated:
        report.add(file.name, "adults 18+ estimated from five-year age bands (two fifths of the "
                   "15-19 band counted): the single-year table (TS007) gives them exactly",
                   WARNING)  # fmt: skip
    table.attrs["file"] = file.name
    return table


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce").fillna(0.0)


def split(files: list[SourceFile]) -> tuple[list[SourceFile], list[SourceFile]]:
    """The files that are Census age tables (known by their headers), and the rest."""
    census, rest = [], []
    for file in files:
        text = Path(file.name).suffix.lower() in (".csv", ".txt") and not what_it_is(file.data)
        (census if text and is_census_age_table(first_line(file.data)) else rest).append(file)
    return rest, census


def supplement(tables: dict, files: list[SourceFile], known: set[str], from_iod: bool,
               report: Report) -> None:  # fmt: skip
    """Adults 18+ from Census age tables into area_stats: the table is made when there is
    none; an IoD file's 16+ population is replaced (18+ matches the referrals counted); a
    population_adult the user gave in area_stats.csv is kept. A national table is cut to the
    dataset's areas."""
    found = [t for f in files if (t := adults_by_area(f, report)) is not None]
    if not found:
        return
    census = pd.concat(found).drop_duplicates("area_code", keep="first")
    label = " and ".join(t.attrs["file"] for t in found)
    if known:
        kept = census["area_code"].isin(known)
        if not kept.all():
            report.add(label, f"kept {int(kept.sum()):,} of {len(census):,} areas: those in the "
                       "dataset", WARNING)  # fmt: skip
        census = census[kept]
    adults = census.set_index("area_code")["population_adult"].round()
    stats = tables.get("area_stats")
    if stats is None:
        base = empty_table("area_stats")
        rows = pd.DataFrame({"area_code": adults.index.astype("string")})
        stats = pd.concat([base, rows], ignore_index=True).astype(base.dtypes)
        tables["area_stats"] = stats
        replacing = True
    else:
        replacing = from_iod or stats["population_adult"].isna().all()
    mine = stats["area_code"].map(adults)
    if replacing:
        stats["population_adult"] = mine.astype("Float64")
        report.add(label, f"adults 18+ for {int(mine.notna().sum()):,} of {len(stats):,} areas "
                   "from the Census (population_adult)", WARNING)  # fmt: skip
    else:
        gaps = stats["population_adult"].isna() & mine.notna()
        stats.loc[gaps, "population_adult"] = mine[gaps].to_numpy(dtype=np.float64)
        n = int(gaps.sum())
        report.add(label, "area_stats.csv gives population_adult: the Census filled it only "
                   f"where blank ({n:,} area{'s' if n != 1 else ''})", WARNING)  # fmt: skip


# --- ethnic group (TS021) -------------------------------------------------------------------

# a broad group's column in a wide Nomis file: `Ethnic group: White` (a finer group has a
# second colon, `Ethnic group: White: Irish`, and so has the total)
_ETHNIC_WIDE = re.compile(r"^ethnic group: (?P<group>[^:;]+?)(?:; measures: value)?$")
_ETHNIC_LONG = re.compile(r"^ethnic group \(\d+ categories\)$")
# each broad group by how its published label begins (Census 2021 names)
_BROAD_GROUPS = {
    "asian": "asian",
    "black": "black",
    "mixed": "mixed",
    "white": "white",
    "other ethnic group": "other",
}
NOT_APPLICABLE = "does not apply"  # the custom dataset's category -8: no one in it
_NUMBER_ALLOWED = "allowed: a whole number from 0"


def broad_group(label: str) -> str | None:
    """The broad group a published Census 2021 label belongs to (`Asian, Asian British or
    Asian Welsh: Indian` -> asian, `Other ethnic group: Arab` -> other), or None."""
    text = str(label).strip().lower()
    return next((g for start, g in _BROAD_GROUPS.items() if text.startswith(start)), None)


def is_census_ethnicity_table(headers) -> bool:
    """True for the header of Census 2021 TS021 by small area (wide Nomis or long ONS)."""
    names = [normalise_header(str(h)).replace("_", " ") for h in headers]
    raw = [str(h).replace("\ufeff", "").strip().lower() for h in headers]
    wide = "geography code" in names and any(_ETHNIC_WIDE.match(h) for h in raw)
    long = "observation" in names and any(_ETHNIC_LONG.match(h) for h in raw)
    return wide or long


def split_ethnicity(files: list[SourceFile]) -> tuple[list[SourceFile], list[SourceFile]]:
    """The files that are Census ethnic group tables (known by their headers), and the rest."""
    found, rest = [], []
    for file in files:
        text = Path(file.name).suffix.lower() in (".csv", ".txt") and not what_it_is(file.data)
        (found if text and is_census_ethnicity_table(first_line(file.data)) else rest).append(file)
    return rest, found


def _counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(counts, bad mask): a whole number from 0, thousands separators allowed."""
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers % 1 != 0)
    return numbers.where(~bad), bad.fillna(True).astype(bool)


def residents_by_ethnic_group(file: SourceFile, report: Report) -> pd.DataFrame | None:
    """area_code, ethnic_group, residents from one TS021 file; None if it cannot be used.
    An area with a count that is not a whole number is left out whole (row named), so no
    group is undercounted."""
    frame = read_csv(file, report)
    if frame is None:
        return None
    lower = {str(c).replace("\ufeff", "").strip().lower(): c for c in frame.columns}
    plain = {normalise_header(c).replace("_", " "): c for c in frame.columns}
    if "geography code" in plain:
        groups = {
            c: broad_group(m["group"]) for k, c in lower.items() if (m := _ETHNIC_WIDE.match(k))
        }
        groups = {c: g for c, g in groups.items() if g is not None}
        if set(groups.values()) != set(vocab.ETHNIC_GROUPS):
            report.add(file.name, "not every broad ethnic group has a column (Census "
                       "2021's five: Asian, Black, Mixed, White, Other): not used")  # fmt: skip
            return None
        bad_rows = pd.Series(False, index=frame.index)
        parts = []
        for column, group in groups.items():
            counts, bad = _counts(frame[column])
            if bad.any():
                report.add_rows(file.name, str(column), frame.index[bad] + 2,
                                frame.loc[bad, column],
                                f"not understood ({_NUMBER_ALLOWED}); area left out")  # fmt: skip
            bad_rows |= bad
            parts.append(pd.DataFrame({"area_code": frame[plain["geography code"]].str.strip(),
                                       "ethnic_group": group, "residents": counts}))  # fmt: skip
        table = pd.concat([p[~bad_rows] for p in parts], ignore_index=True)
    else:
        code = next((c for k, c in plain.items() if k.endswith(" code") and not
                     _ETHNIC_LONG.match(k.removesuffix(" code"))), None)  # fmt: skip
        label = next(c for k, c in lower.items() if _ETHNIC_LONG.match(k))
        if code is None:
            report.add(file.name, "no area code column (such as `Lower layer Super Output Areas "
                       "Code`): not used")  # fmt: skip
            return None
        labels = frame[label].str.strip()
        group = labels.map(broad_group)
        skipped = labels.str.lower() == NOT_APPLICABLE
        unknown = group.isna() & ~skipped
        if unknown.any():
            report.add_rows(file.name, str(label), frame.index[unknown] + 2, labels[unknown],
                            "not a Census 2021 ethnic group (allowed: labels beginning Asian, "
                            "Black, Mixed, White or Other ethnic group); row left out",
                            WARNING)  # fmt: skip
        counts, bad = _counts(frame[lower["observation"]])
        bad &= ~skipped & ~unknown
        areas = frame[code].str.strip()
        if bad.any():
            report.add_rows(file.name, str(lower["observation"]), frame.index[bad] + 2,
                            frame.loc[bad, lower["observation"]],
                            f"not understood ({_NUMBER_ALLOWED}); area left out")  # fmt: skip
        usable = group.notna() & ~areas.isin(set(areas[bad]))
        table = (
            pd.DataFrame({"area_code": areas, "ethnic_group": group, "residents": counts})[usable]
            .groupby(["area_code", "ethnic_group"], as_index=False, sort=False)["residents"].sum()
        )  # fmt: skip
    rank = table["ethnic_group"].map({g: i for i, g in enumerate(vocab.ETHNIC_GROUPS)})
    table = table.assign(_rank=rank).sort_values(["area_code", "_rank"], kind="stable")
    table = table.drop(columns="_rank").reset_index(drop=True)
    table.attrs["file"] = file.name
    return table


def supplement_ethnicity(tables: dict, files: list[SourceFile], known: set[str],
                         report: Report) -> None:  # fmt: skip
    """Residents by broad ethnic group from Census TS021 files into `area_ethnicity`, cut to
    the dataset's areas; an `area_ethnicity.csv` the user gave wins."""
    label = " and ".join(f.name for f in files)
    if "area_ethnicity" in tables:
        report.add(label, "not read: area_ethnicity.csv holds the residents by ethnic group",
                   WARNING)  # fmt: skip
        return
    found = [t for f in files if (t := residents_by_ethnic_group(f, report)) is not None]
    if not found:
        return
    census = pd.concat(found, ignore_index=True).drop_duplicates(["area_code", "ethnic_group"])
    areas = census["area_code"].nunique()
    if known:
        census = census[census["area_code"].isin(known)]
        kept = census["area_code"].nunique()
        if kept < areas:
            report.add(label, f"kept {kept:,} of {areas:,} areas: those in the dataset"
                       + ("" if kept else " (none: Census 2021 tables are on LSOA 2021 codes; are "
                          "the dataset's areas of 2011?)"), WARNING)  # fmt: skip
    if census.empty:
        return
    typed = empty_table("area_ethnicity")
    rows = pd.DataFrame({
        "area_code": census["area_code"].astype(ID_DTYPE).to_numpy(),
        "ethnic_group": census["ethnic_group"].astype("string").to_numpy(),
        "residents": census["residents"].round().astype("Int64").to_numpy(),
    })  # fmt: skip
    tables["area_ethnicity"] = pd.concat([typed, rows], ignore_index=True).astype(typed.dtypes)
