"""The sidebar's choice of place and period, and the rows of each table it selects."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset, keep
from socialrx.data.scope import area_authorities, authority_names
from socialrx.disclosure import Level
from socialrx.metrics import capacity, outcomes, pathway
from socialrx.metrics import referrals as referral_metrics
from socialrx.metrics.catchments import pcn_catchments

WHOLE = "whole dataset"
PCN, PRACTICE, AREA = "PCN", "practice", "area"
WARD, MSOA, LA = "ward", "MSOA", "local authority"
NEIGHBOURHOOD, CATCHMENT = "neighbourhood", "PCN catchment"
# Places by residence: each stands for a set of small areas (LSOAs), and referrals, assets and
# area statistics are those of the people and places in them. The rest (PCN, practice) choose
# referrals by registered practice.
BY_RESIDENCE = (AREA, WARD, MSOA, LA, NEIGHBOURHOOD, CATCHMENT)


# Below "off", places a rounding can protect: one standard geography (a practice, PCN, area,
# ward, MSOA, local authority, PCN catchment) or one named neighbourhood at a time. Any set of
# places would let a user subtract the rounded totals of many sets with and without a small
# area until its hidden count fell out; a session may name only a few neighbourhoods of its own.
ONE_PLACE = (
    "At a disclosure level other than \u201coff\u201d one place is chosen at a time: the "
    "rounded totals of many sets of places, with and without a small one, could be subtracted "
    "to undo its rounding. Name a neighbourhood to look at several areas together."
)
SESSION_NEIGHBOURHOODS = 2  # neighbourhoods a browser session may save below "off"


def place_rule(kind: str, codes, level: Level) -> str | None:
    """Why a choice of place is not allowed at `level`, or None where it is."""
    if level == Level.OFF or kind == WHOLE or len(tuple(codes)) <= 1:
        return None
    return ONE_PLACE


@dataclass(frozen=True)
class Selection:
    """A place (PCN, practices or areas by code) and a period [start, end], both inclusive.

    A place by residence (an area, ward, MSOA, local authority, neighbourhood or PCN catchment)
    carries the small areas it stands for in `area_codes` (`resolve`), so a cache keyed on the
    selection tells one session's neighbourhood from another's of the same name.

    Periods move in whole calendar months (`month_period`): two periods a user can choose never
    differ by a day's worth of people, which subtraction could otherwise single out."""

    start: pd.Timestamp
    end: pd.Timestamp
    place_kind: str = WHOLE
    place_codes: tuple[str, ...] = ()
    area_codes: tuple[str, ...] = ()

    @property
    def chosen_by_residence(self) -> bool:
        """Whether the place is a set of small areas (not the whole data, not practices)."""
        return self.place_kind in BY_RESIDENCE

    @property
    def residence_areas(self) -> tuple[str, ...] | None:
        """The small areas of a place by residence (None for the whole data or practices)."""
        if not self.chosen_by_residence:
            return None
        if self.area_codes or self.place_kind != AREA:
            return self.area_codes
        return self.place_codes  # areas chosen directly, as older callers build them

    @property
    def months(self) -> float:
        """Calendar months the period covers (a partly covered month counts its share of
        days), for per-month and per-year figures."""
        months = pd.period_range(self.start, self.end, freq="M")
        first = np.maximum(months.start_time, self.start.normalize())
        last = np.minimum(months.end_time.normalize(), self.end.normalize())
        covered = (last - first).days.to_numpy() + 1
        return float(np.sum(covered / months.days_in_month.to_numpy()))

    @property
    def per_year(self) -> float:
        """What a count in the period is multiplied by to give a count a year."""
        return 12 / self.months

    @property
    def by_residence(self) -> bool:
        """Whether the referrals are everyone's or chosen by area of residence, so that area
        populations (residents) are their denominator; a practice's patients are not."""
        return self.place_kind == WHOLE or self.chosen_by_residence

    @property
    def by_registration(self) -> bool:
        """Whether practice list sizes are the denominator of the chosen referrals: not when
        they are chosen by area, which holds only part of each practice's list."""
        return not self.chosen_by_residence

    def previous(self) -> Selection:
        """The same calendar months just before this period (as many of them, the last cut
        on the same day of the month as this one), same place."""
        count = len(pd.period_range(self.start, self.end, freq="M"))
        start = (self.start.to_period("M") - count).start_time
        last = self.end.to_period("M") - count
        end = min(last.start_time + pd.Timedelta(days=self.end.day - 1), last.end_time)
        if self.end.normalize() == self.end.to_period("M").end_time.normalize():
            end = last.end_time
        return replace(self, start=start, end=end.normalize())


def month_period(first: pd.Period, last: pd.Period, data_end: pd.Timestamp) -> tuple:
    """The period from the first day of month `first` to the last day of month `last`, cut at
    the end of the data."""
    end = min(last.end_time.normalize(), data_end.normalize())
    return first.start_time, end


def place_options(
    dataset: Dataset, neighbourhoods: pd.DataFrame | None = None
) -> dict[str, dict[str, str]]:
    """What the place filter offers: for each kind of place (the whole dataset, PCN, practice,
    area, and the places by residence the data allows: ward, MSOA, local authority,
    neighbourhood, PCN catchment) its codes and how each is named. Practices and areas seen
    only in referrals are offered too, so no referral is out of reach. `neighbourhoods`
    (neighbourhood, area_code) replaces the dataset's own, as a session edits them."""
    practices, referred = dataset.table("practices"), referred_codes(dataset)
    options: dict[str, dict[str, str]] = {WHOLE: {}}
    pcns = practices.dropna(subset=["pcn_code"]).drop_duplicates("pcn_code")
    if len(pcns):
        options[PCN] = dict(
            zip(pcns["pcn_code"], pcns["pcn_name"].fillna(pcns["pcn_code"]), strict=True)
        )
    codes = set(practices["practice_code"]) | set(referred["practice_code"]["code"])
    if codes:
        names = practices.set_index("practice_code")["name"].fillna("").to_dict()
        options[PRACTICE] = {c: f"{names.get(c) or c} ({c})" for c in sorted(codes)}
    areas = set(referred["area_code"]["code"]) | set(dataset.table("area_stats")["area_code"])
    area_names = {}
    if dataset.areas is not None:
        area_names = dict(
            zip(dataset.areas["area_code"], dataset.areas["area_name"].fillna(""), strict=True)
        )
        areas |= set(area_names)
    if areas:
        options[AREA] = {a: f"{area_names.get(a) or a} ({a})" for a in sorted(areas)}
    for kind, groups in {
        **place_groups(dataset),
        **_neighbourhood_groups(dataset, neighbourhoods),
    }.items():
        named = groups.drop_duplicates("key").sort_values(["label", "key"])
        options[kind] = dict(zip(named["key"], named["label"], strict=True))
    return options


def referred_codes(dataset: Dataset) -> dict[str, pd.DataFrame]:
    """The practice and area codes the referrals name, each once (`code`), once per dataset
    and kept with its saved copy: a fresh server's first page offers them without reading
    the referrals."""

    def build() -> dict[str, pd.DataFrame]:
        referrals = dataset.table("referrals")
        return {column: pd.DataFrame({"code": referrals[column].dropna().unique()})
                for column in ("practice_code", "area_code")}  # fmt: skip

    return dataset.derived("referred_codes", build)


def place_groups(dataset: Dataset) -> dict[str, pd.DataFrame]:
    """The places by residence the dataset's own files give, each kind as rows of (key, label,
    area_code): wards, MSOAs and local authorities from the area lookup (local authorities
    also from the IoD file or the postcodes when there is no lookup), and PCN catchments
    from the GP registrations by area. Worked out once per dataset."""

    def build() -> dict[str, pd.DataFrame]:
        lookup = dataset.table("area_lookup")
        groups = {}
        for kind, code, name in (
            (WARD, "ward_code", "ward_name"),
            (MSOA, "msoa_code", "msoa_name"),
            (LA, "la_code", "la_name"),
        ):
            groups[kind] = _groups(kind, lookup[code], lookup[name], lookup["area_code"])
        if groups[LA].empty:  # no lookup: the IoD file's or the postcodes' local authorities
            by_area = area_authorities(dataset.tables)
            names = authority_names(dataset.tables)
            groups[LA] = _groups(LA, by_area.to_numpy(), by_area.map(names).to_numpy(),
                                 by_area.index.to_numpy())  # fmt: skip
        groups[CATCHMENT] = _catchment_groups(dataset)
        return {kind: frame for kind, frame in groups.items() if len(frame)}

    return dataset.derived("place_groups", build)


def _groups(kind: str, codes, names, areas) -> pd.DataFrame:
    """Rows (key, label, area_code) of one kind of place; a place known by name only (an MSOA
    whose code the lookup lacks) is keyed by its name: no code is made up."""
    codes = pd.Series(codes, dtype="string").str.strip().replace("", pd.NA)
    names = pd.Series(names, dtype="string").str.strip().replace("", pd.NA)
    frame = pd.DataFrame({"code": codes, "name": names,
                          "area_code": pd.Series(areas, dtype="string")})  # fmt: skip
    frame = frame.dropna(subset=["area_code"])
    frame = frame[frame["code"].notna() | frame["name"].notna()]
    key = frame["code"].fillna(frame["name"])
    label = (frame["name"] + f" ({kind}, " + frame["code"] + ")").fillna(
        frame["name"].fillna(frame["code"]) + f" ({kind})"
    )
    return pd.DataFrame({"key": key, "label": label, "area_code": frame["area_code"]})


def _catchment_groups(dataset: Dataset) -> pd.DataFrame:
    """PCN catchments from the registrations by area (see `socialrx.metrics.catchments`)."""
    if not dataset.has("registrations"):
        return pd.DataFrame(columns=["key", "label", "area_code"])
    practices = dataset.table("practices").dropna(subset=["pcn_code"])
    names = practices.drop_duplicates("pcn_code").set_index("pcn_code")["pcn_name"].to_dict()
    rows = [
        (pcn, f"{names.get(pcn) or pcn} ({CATCHMENT}, {pcn})", area)
        for pcn, areas in pcn_catchments(dataset).items()
        for area in areas
    ]
    return pd.DataFrame(rows, columns=["key", "label", "area_code"])


def _neighbourhood_groups(dataset: Dataset, neighbourhoods: pd.DataFrame | None) -> dict:
    frame = dataset.table("neighbourhoods") if neighbourhoods is None else neighbourhoods
    frame = frame.dropna(subset=["neighbourhood", "area_code"])
    if frame.empty:
        return {}
    names = frame["neighbourhood"].astype(str)
    return {
        NEIGHBOURHOOD: pd.DataFrame(
            {
                "key": names,
                "label": names + f" ({NEIGHBOURHOOD})",
                "area_code": frame["area_code"].astype(str),
            }  # fmt: skip
        )
    }


def neighbourhood_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Neighbourhoods as (neighbourhood, area_code) text rows, one per area of each, in the
    order given: what neighbourhoods.csv holds."""
    rows = frame[["neighbourhood", "area_code"]].dropna().astype(str)
    return rows.drop_duplicates().reset_index(drop=True)


def neighbourhood_options(neighbourhoods: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The place filter's neighbourhoods (name -> label), {} when there are none."""
    names = list(dict.fromkeys(neighbourhood_table(neighbourhoods)["neighbourhood"]))
    return {NEIGHBOURHOOD: {n: f"{n} ({NEIGHBOURHOOD})" for n in sorted(names)}} if names else {}


def areas_of(
    dataset: Dataset, kind: str, codes, neighbourhoods: pd.DataFrame | None = None
) -> tuple[str, ...]:
    """The small areas (sorted codes) a place by residence stands for: the areas chosen, or
    those of the chosen wards, MSOAs, local authorities, neighbourhoods or PCN catchments;
    () for the whole data or practices."""
    if kind == AREA:
        return tuple(sorted(set(codes)))
    if kind == NEIGHBOURHOOD:
        groups = _neighbourhood_groups(dataset, neighbourhoods).get(kind)
    else:
        groups = place_groups(dataset).get(kind)
    if groups is None:
        return ()
    return tuple(sorted(set(groups.loc[groups["key"].isin(list(codes)), "area_code"])))


def resolve(
    dataset: Dataset,
    start: pd.Timestamp,
    end: pd.Timestamp,
    kind: str = WHOLE,
    codes: tuple[str, ...] = (),
    neighbourhoods: pd.DataFrame | None = None,
) -> Selection:
    """The selection of a place chosen by kind and codes, with the small areas of a place by
    residence worked out (`neighbourhoods` as in `place_options`)."""
    codes = tuple(codes)
    areas = areas_of(dataset, kind, codes, neighbourhoods) if kind in BY_RESIDENCE else ()
    return Selection(start, end, kind, codes, areas)


def residence_groups(
    dataset: Dataset, neighbourhoods: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Every kind of place by residence the data gives but single areas (wards, MSOAs, local
    authorities, PCN catchments, neighbourhoods), each as rows of (key, label, area_code);
    `neighbourhoods` as in `place_options`."""
    return {**place_groups(dataset), **_neighbourhood_groups(dataset, neighbourhoods)}


def area_places(dataset: Dataset, neighbourhoods: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each small area, the ward, MSOA, local authority and neighbourhoods it lies in
    (labels; blank where unknown): the map's area details."""
    groups = residence_groups(dataset, neighbourhoods)
    columns = {}
    for kind in (WARD, MSOA, LA, NEIGHBOURHOOD):
        if kind in groups:
            rows = groups[kind].drop_duplicates(["area_code", "key"])
            columns[kind] = rows.groupby("area_code")["label"].agg("; ".join)
    return pd.DataFrame(columns)


def practices_of(dataset: Dataset, selection: Selection) -> list[str] | None:
    """The practice codes a PCN or practice choice stands for (None: no practice filter)."""
    if selection.place_kind == PRACTICE:
        return list(selection.place_codes)
    if selection.place_kind == PCN:
        practices = dataset.table("practices")
        return practices.loc[
            practices["pcn_code"].isin(selection.place_codes), "practice_code"
        ].tolist()
    return None


def in_place(referrals: pd.DataFrame, dataset: Dataset, selection: Selection) -> pd.Series:
    """Mask of referrals from the chosen place (registered practice, or area of residence)."""
    areas = selection.residence_areas
    if areas is not None:
        return referrals["area_code"].isin(areas)
    practices = practices_of(dataset, selection)
    if practices is None:
        return pd.Series(True, index=referrals.index)
    return referrals["practice_code"].isin(practices)


def selected_referrals(
    dataset: Dataset, selection: Selection, columns: list[str] | None = None
) -> pd.DataFrame:
    """Referrals made in the period from the chosen place (only `columns`, where named: taking
    a million rows' text columns that are not needed costs more than the choice itself)."""
    referrals = dataset.table("referrals")
    return (referrals if columns is None else referrals[columns])[referral_mask(dataset, selection)]


def referral_mask(dataset: Dataset, selection: Selection) -> np.ndarray:
    """Which rows of the referrals table `selected_referrals` keeps (no copy of the rows)."""
    referrals = dataset.table("referrals")
    when = referrals["referral_date"].between(selection.start, selection.end)
    return (when & in_place(referrals, dataset, selection)).to_numpy(dtype=bool)


def selected_outcomes(dataset: Dataset, selection: Selection) -> outcomes.Measured:
    """The outcome measurements of the referrals made in the chosen place and period (the
    same people for the overview's card and the outcomes page), as `outcomes.Measured`."""
    chosen = np.append(referral_mask(dataset, selection), False)  # last: "unknown"
    return measured(dataset).cut(chosen, dataset.table("referrals")["referral_id"].array)


def outcomes_of(dataset: Dataset, referral_ids) -> outcomes.Measured:
    """Outcome measurements of the referrals with these ids (people sent to a provider,
    wherever and whenever they were referred), as `selected_outcomes` gives them."""
    ids = pd.Index(dataset.table("referrals")["referral_id"])
    found = ids.get_indexer(pd.Index(pd.unique(pd.Series(list(referral_ids), dtype=object))))
    return _outcomes_at(dataset, found[found >= 0])


def _outcomes_at(dataset: Dataset, rows: np.ndarray) -> outcomes.Measured:
    """The outcomes of the referrals at these positions of the referrals table."""
    chosen = np.zeros(len(dataset.table("referrals")) + 1, dtype=bool)  # last: "unknown"
    chosen[rows] = True
    return measured(dataset).cut(chosen, dataset.table("referrals")["referral_id"].array)


MEASURED_PARTS = 8  # slices of people: the build's copies are an eighth of the rows at a time


def measured(dataset: Dataset) -> outcomes.Measured:
    """Every referral's outcome measurements summed per measure (`outcomes.Measured`, the
    person `_ref`: the position of the referral, a whole number to group by instead of the
    id), worked out once per dataset: pairing millions of rows for every place and period is
    slow, cutting the people out is not."""

    def build() -> outcomes.Measured:
        rows = dataset.table("outcomes")
        ids = pd.Index(dataset.table("referrals")["referral_id"])
        where = ids.get_indexer(rows["referral_id"]).astype(np.int32)
        # few measures and timepoints: as categories (every measure's, the same in each
        # slice), filtering and grouping them is fast
        coded = rows[["measure", "timepoint", "assessed_date", "value"]].astype({
            "measure": pd.CategoricalDtype(list(vocab.MEASURES)),
            "timepoint": pd.CategoricalDtype(list(vocab.TIMEPOINTS)),
        })  # fmt: skip
        return outcomes.measured(coded.assign(_ref=where), parts=MEASURED_PARTS)

    return dataset.derived("measured", build)


def connection_referrals(dataset: Dataset) -> np.ndarray:
    """For each connection, the position of its referral in the referrals table (-1 where
    unknown), worked out once per dataset rather than by id on every rerun."""

    def build() -> np.ndarray:
        ids = pd.Index(dataset.table("referrals")["referral_id"])
        return ids.get_indexer(dataset.table("connections")["referral_id"])

    return dataset.derived("connection_referrals", build)


def first_started(dataset: Dataset) -> pd.Series:
    """Every referral's first started connection (`referrals.first_started`), once per
    dataset: each choice of place and period takes its referrals' rows."""
    return dataset.derived("first_started", lambda: referral_metrics.first_started(
        dataset.table("referrals"), dataset.table("connections")))  # fmt: skip


def first_sent(dataset: Dataset) -> pd.DataFrame:
    """Every referral's first connection's asset category and outcome
    (`referrals.first_sent`), once per dataset: a referral's connections are all in or all
    out of any choice, so its first one is the same whatever the choice."""
    tables = (dataset.table(t) for t in ("referrals", "connections", "assets"))
    return dataset.derived("first_sent", lambda: referral_metrics.first_sent(
        *tables, rows=connection_referrals(dataset)))  # fmt: skip


def everyone_pathway(dataset: Dataset) -> tuple[pathway.StepSummary, pathway.EndingCounts]:
    """Every referral's pathway summed small (`pathway.place_pathway` of the whole data), once
    per dataset: the Referral flows page of the whole dataset, which every visitor opens
    first, reads it instead of passing over a million referrals."""

    def build():
        last = as_at(dataset)
        return pathway.place_pathway(dataset.table("referrals"), dataset.table("connections"),
                                     first_month(dataset), last, last,
                                     first_started(dataset))  # fmt: skip

    return dataset.derived("everyone_pathway", build)


def first_month(dataset: Dataset) -> pd.Timestamp:
    """The first day of the data's first month (of the "as at" date's, with no dates): where
    the pathway's months start."""
    span = data_period(dataset)
    return (as_at(dataset) if span is None else span[0]).to_period("M").start_time


def resident_sent(dataset: Dataset) -> pd.DataFrame:
    """People sent a month from each area of residence to each asset category
    (`capacity.sent_a_month`), once per dataset: a choice of areas adds up its rows."""

    def build() -> pd.DataFrame:
        # as codes of the referrals' areas and the assets' categories: a million strings
        # would each be hashed again
        position = connection_referrals(dataset)
        areas, area_names = pd.factorize(dataset.table("referrals")["area_code"])
        assets = dataset.table("assets")
        found = pd.Index(assets["asset_id"]).get_indexer(dataset.table("connections")["asset_id"])
        categories, category_names = pd.factorize(assets["category"])
        return capacity.sent_a_month(
            dataset.table("connections"),
            pd.Categorical.from_codes(np.where(position >= 0, areas[position], -1), area_names),
            pd.Categorical.from_codes(np.where(found >= 0, categories[found], -1),
                                      category_names),
        )  # fmt: skip

    return dataset.derived("resident_sent", build)


def asset_months(dataset: Dataset) -> pd.DataFrame:
    """People sent a month to each asset and those who started (`capacity.asset_months`),
    once per dataset: a period adds up its months."""
    return dataset.derived(
        "asset_months", lambda: capacity.asset_months(dataset.table("connections"))
    )


def connections_of(dataset: Dataset, referrals: pd.DataFrame) -> pd.DataFrame:
    """The connections of the given referrals (rows of the referrals table), matched by
    position (`connection_referrals`)."""
    everyone = dataset.table("referrals")
    chosen = np.zeros(len(everyone) + 1, dtype=bool)
    chosen[everyone.index.get_indexer(referrals.index)] = True
    return dataset.table("connections")[chosen[connection_referrals(dataset)]]


def selected_connections(
    dataset: Dataset, selection: Selection, columns: list[str] | None = None
) -> pd.DataFrame:
    """Every connection sent to an asset in the period, wherever the person lives: demand on
    a provider is all of it, so the place chooses which assets to look at, not the demand.
    Only `columns`, where named (as `selected_referrals`)."""
    connections = dataset.table("connections")
    when = connections["referred_date"].between(selection.start, selection.end)
    return (connections if columns is None else connections[columns])[when]


# what demand on an asset needs of its connections (`capacity`): not whose they are
DEMAND_COLUMNS = ["asset_id", "referred_date", "started_date", "outcome"]


def selected_assets(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Assets located in the chosen areas (all assets for a PCN, practice or the whole data)."""
    assets = dataset.table("assets")
    if selection.residence_areas is not None:
        return assets[assets["area_code"].isin(selection.residence_areas)]
    return assets


def selected_practices(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """The practices of the chosen PCN or practices (all of them otherwise)."""
    practices = dataset.table("practices")
    codes = practices_of(dataset, selection)
    return practices if codes is None else practices[practices["practice_code"].isin(codes)]


def selected_area_stats(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Area statistics of the chosen areas (all areas for a PCN, practice or the whole data),
    so a rate's population matches its referrals."""
    stats = dataset.table("area_stats")
    if selection.residence_areas is not None:
        return stats[stats["area_code"].isin(selection.residence_areas)]
    return stats


def as_at(dataset: Dataset) -> pd.Timestamp:
    """The day the data runs to (the extract date, or the last date in it): how old a
    referral is, for "too recent to judge"."""
    period = data_period(dataset)
    return period[1] if period else (dataset.extract_date or pd.Timestamp.today()).normalize()


def data_period(dataset: Dataset) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of person-level activity (referrals, connections, outcomes), the last
    no earlier than the extract date; None when there is none. Once per dataset: every page
    and choice asks for it, and it reads five million dates."""

    def build() -> tuple[pd.Timestamp, pd.Timestamp] | None:
        dates = [dataset.table(t)[c] for t, c in (("referrals", "referral_date"),
                 ("connections", "referred_date"), ("outcomes", "assessed_date"))]  # fmt: skip
        firsts, lasts = [d.min() for d in dates], [d.max() for d in dates]
        if all(pd.isna(d) for d in firsts):
            return None
        first, last = min(d for d in firsts if pd.notna(d)), max(d for d in lasts if pd.notna(d))
        last = max(last, dataset.extract_date or last)
        return first.normalize(), last.normalize()

    return dataset.derived("data_period", build)


def default_selection(dataset: Dataset) -> Selection:
    """The last 12 calendar months of the data (to the extract date), whole dataset."""
    period = data_period(dataset)
    end = (
        (dataset.extract_date or pd.Timestamp.today()).normalize() if period is None else period[1]
    )
    first = end.to_period("M") - 11
    if period is not None:
        first = max(first, period[0].to_period("M"))
    return Selection(*month_period(first, end.to_period("M"), end))


def is_lasting_default(dataset: Dataset, selection: Selection) -> bool:
    """Whether `selection` is the default one and the data's dates fix it (without them it
    moves with today's date): what a page works out for it can be kept with the saved copy."""
    return data_period(dataset) is not None and selection == default_selection(dataset)


# What a fresh server reads from the saved copy instead of working out again (`dataset.keep`):
# pairing the region's 3.8 million outcome rows alone takes about 5 s of a first page, and the
# period, kept, spares the first page reading the outcomes at all (`dataset.Tables`)
_HERE = ("socialrx.metrics.selection",)  # and every module it imports: the code building them
keep("measured", lambda m: {"records": m.records, "pairs": m.pairs,
                            "status": m.status.reset_index()},
     lambda f: outcomes.Measured(f["records"], f["pairs"],
                                 f["status"].set_index(["_ref", "measure"])),
     *_HERE, ask=measured)  # fmt: skip
keep("first_started", lambda s: {"first": s.to_frame("first")},
     lambda f: f["first"]["first"].rename(None), *_HERE, ask=first_started)  # fmt: skip
keep("first_sent", lambda frame: {"first": frame}, lambda f: f["first"], *_HERE, ask=first_sent)
keep("resident_sent", lambda frame: {"sent": frame}, lambda f: f["sent"], *_HERE, ask=resident_sent)
keep("asset_months", lambda frame: {"sent": frame}, lambda f: f["sent"], *_HERE, ask=asset_months)
keep("connection_referrals", lambda rows: {"rows": pd.DataFrame({"row": rows})},
     lambda f: f["rows"]["row"].to_numpy(), *_HERE, ask=connection_referrals)  # fmt: skip
keep("place_groups", dict, dict, *_HERE, ask=place_groups)
keep("referred_codes", dict, dict, *_HERE, ask=referred_codes)
keep("everyone_pathway", lambda p: {"counts": p[0].counts, "waits": p[0].waits,
                                    "by_text": p[1].by_text, "by_referrer": p[1].by_referrer},
     lambda f: (pathway.StepSummary(f["counts"], f["waits"]),
                pathway.EndingCounts(f["by_text"], f["by_referrer"])),
     *_HERE, ask=everyone_pathway)  # fmt: skip
keep("data_period", lambda period: {"period": _period_frame(period)},
     lambda f: (f["period"]["first"][0], f["period"]["last"][0]) if len(f["period"]) else None,
     *_HERE, ask=data_period)  # fmt: skip


def _period_frame(period: tuple[pd.Timestamp, pd.Timestamp] | None) -> pd.DataFrame:
    """`data_period` as a table (no rows: None), each date's unit kept."""
    if period is None:
        return pd.DataFrame({"first": pd.Series([], dtype="M8[ns]"),
                             "last": pd.Series([], dtype="M8[ns]")})  # fmt: skip
    return pd.DataFrame({"first": pd.array([period[0]]), "last": pd.array([period[1]])})
