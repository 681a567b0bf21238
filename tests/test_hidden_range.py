"""Issue 20: a count hidden as `*` (1-7 people) must keep at least three possible values
given everything else shown about the same people: totals, margins, Sankey boxes and bands,
and other panels' counts over the same referrals.

Each referral of the chosen place and period is described by what the panels group it by
(`BASE`: month, practice, area, age band, sex, ethnic group, referrer, the asset first sent to
and what happened there, link worker; the rest, such as the area's decile or what is recorded,
follow from these). An atom is such a description: those of the referrals, and every one a
single attribute away from one of them (any value the contract allows, or none). Each count
shown is the number of referrals in a set of atoms (its provenance, written below panel by
panel and checked against the panel's exact figure); a row a table would have if it counted
anyone, and does not have, is a count shown as 0. Each disclosed count puts its sum in the
range the rounding allows (8-12 for a shown 10, 1-7 for a `*`).

A hidden count keeps three values when moving referrals from the truth to atoms one attribute
away, one at a time or two together, reaches three values with every count shown staying in
range: each step is a whole dataset consistent with everything shown, so the claim is proved.
Else its range is worked out by linear programming (scipy.optimize.linprog; the range of the
relaxation, rounded inwards, holds the whole numbers') and, where that leaves three values or
more, by integer programming (scipy.optimize.milp). The atoms are fewer than an attacker
must allow (who could combine attributes more freely), so a range found wide is wide; one found
narrow is narrow at least for the datasets the atoms make. A failure names the counts that
bind the relaxation's optimum (its certificate) and whether, without the totals disclosed on
their own, the hidden count would keep three values."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pytest
from neighbours import write_tables
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array, vstack

from socialrx import vocab
from socialrx.data.demo import build_demo, write_demo
from socialrx.data.loader import load_folder
from socialrx.disclosure import SUPPRESSED, Level, count_bounds
from socialrx.metrics import equity as equity_metrics
from socialrx.metrics import referrals as referral_metrics
from socialrx.metrics.selection import (
    PCN,
    Selection,
    default_selection,
    selected_practices,
    selected_referrals,
)
from socialrx.views import equity, overview, pages
from socialrx.views.panels import Panel

LEVEL = Level.ROUND
SEED = 11
MIN_VALUES = 3
NOT_RECORDED = equity_metrics.NOT_RECORDED
NOT_SENT = referral_metrics.NOT_CONNECTED
NO_PRACTICE, OTHER_PRACTICE = "(no practice recorded)", "(not among the practices loaded)"
VOCABULARY = {
    "age_band": vocab.AGE_BANDS,
    "sex": vocab.SEX,
    "ethnicity": vocab.ETHNICITY,
    "referrer": vocab.REFERRER_TYPES,
}
BASE = (
    "month",
    "practice_code",
    "area_code",
    "age_band",
    "sex",
    "ethnicity",
    "referrer",
    "sent",
    "link_worker",
)


# --- who each referral is, and who else it could have been ---------------------------------


def referrals_of(dataset, selection: Selection) -> pd.DataFrame:
    """The place and period's referrals by their `BASE` attributes, as text ("" where not
    recorded; `sent`: the category of the asset first sent to and what happened there, as
    the Sankey takes them, or not sent)."""
    refs = selected_referrals(dataset, selection)
    out = pd.DataFrame(index=refs.index)
    out["month"] = refs["referral_date"].dt.strftime("%Y-%m")
    for column, source in (
        ("practice_code", "practice_code"),
        ("area_code", "area_code"),
        ("age_band", "age_band"),
        ("sex", "sex"),
        ("ethnicity", "ethnicity"),
        ("referrer", "referrer_type"),
        ("link_worker", "link_worker_id"),
    ):
        out[column] = refs[source].astype("string").fillna("").astype(str)
    sent = dataset.table("connections")
    sent = sent[sent["referral_id"].isin(set(refs["referral_id"]))]
    first = (
        sent.sort_values(["referred_date", "asset_id"], kind="stable")
        .drop_duplicates("referral_id")
        .set_index("referral_id")
    )
    category = first["asset_id"].map(dataset.table("assets").set_index("asset_id")["category"])
    pair = (
        category.astype(object).fillna("unknown asset")
        + "|"
        + first["outcome"].astype(object).fillna("outcome not recorded")
    )
    out["sent"] = refs["referral_id"].map(pair).fillna(NOT_SENT).to_numpy()
    return out


class Space:
    """The atoms: the referrals' descriptions (`truth`: how many referrals each) and those
    one attribute away (none), with what every panel groups them by (`people`)."""

    def __init__(self, dataset, selection: Selection):
        self.context = _Context(dataset, selection)
        base = referrals_of(dataset, selection)
        # an area matters to the panels only by its kind: one area stands for each
        kinds = self.context.area_kinds(list(base["area_code"]))
        base["area_code"] = base["area_code"].map(kinds)
        seen = base.value_counts(sort=False).reset_index(name="truth")
        values = {c: sorted(set(seen[c])) for c in BASE}
        values["month"] = list(
            pd.period_range(selection.start, selection.end, freq="M").strftime("%Y-%m")
        )
        # what else a referral could have been: any value the contract allows, or none
        for column, allowed in VOCABULARY.items():
            values[column] = sorted(set(values[column]) | set(allowed) | {""})
        values["practice_code"] = sorted(set(values["practice_code"]) | self.context.chosen | {""})
        values["link_worker"] = sorted(set(values["link_worker"]) | {""})
        values["area_code"] = sorted(set(kinds.values()) | {""})
        rows, parents = [seen[list(BASE)]], [np.full(len(seen), -1)]
        for column in BASE:
            for value in values[column]:
                other = seen.loc[seen[column] != value, list(BASE)].assign(**{column: value})
                rows.append(other)
                parents.append(other.index.to_numpy())
        every = pd.concat(rows, ignore_index=True)
        parent = np.concatenate(parents)
        first = ~every.duplicated()  # a description reached twice is one atom
        self.atoms = every[first].reset_index(drop=True)
        self.parent = parent[first.to_numpy()]
        self.truth = np.concatenate([seen["truth"], np.zeros(len(self.atoms) - len(seen))])
        self.values = values
        self.people = self.context.describe(self.atoms)


@dataclass
class _Context:
    dataset: object
    selection: Selection

    def __post_init__(self):
        d = self.dataset
        self.practices = d.table("practices").set_index("practice_code")
        self.chosen = set(selected_practices(d, self.selection)["practice_code"].astype(str))
        self.stats = d.table("area_stats").set_index("area_code")
        self.with_ages = set(d.table("registered_ages")["practice_code"].astype(str))

    def area_kinds(self, seen: list[str]) -> dict[str, str]:
        """For each area (of the referrals and of the area statistics) the one standing for
        its kind: the panels tell areas apart only by decile and whether there is a
        population (no area, "", stands for itself)."""
        codes = pd.Series(sorted(set(seen) | set(self.stats.index.astype(str))))
        kinds = pd.DataFrame(
            {
                "code": codes,
                "decile": codes.map(self._decile),
                "populated": codes.map(self._populated),
                "given": codes != "",
            }
        )
        first = kinds.groupby(["decile", "populated", "given"])["code"].transform("first")
        return dict(zip(codes, first, strict=True))

    def _decile(self, code: str) -> float:
        value = self.stats["imd_decile"].get(code, np.nan)
        return 0.0 if pd.isna(value) else float(value)

    def _populated(self, code: str) -> bool:
        return bool(pd.notna(self.stats["population_adult"].get(code, np.nan)))

    def describe(self, atoms: pd.DataFrame) -> pd.DataFrame:
        """What each panel groups an atom by."""
        out = pd.DataFrame(index=atoms.index)
        out["month"] = atoms["month"]
        out["adult"] = atoms["age_band"] != referral_metrics.CHILDREN
        code = atoms["practice_code"]
        chosen = code.isin(self.chosen)
        out["practice"] = code.where(chosen, np.where(code == "", NO_PRACTICE, OTHER_PRACTICE))
        sizes = code.map(self.practices["list_size"]).astype("Float64")
        out["listed"] = (sizes > 0).fillna(False).astype(bool) & chosen
        out["with_ages"] = code.isin(self.with_ages) & chosen
        out["completeness_practice"] = code.replace("", NOT_RECORDED)
        out["decile"] = atoms["area_code"].map(self._decile)
        out["populated"] = atoms["area_code"].map(self._populated) & (out["decile"] > 0)
        for column in ("age_band", "sex", "ethnicity", "link_worker"):
            out[column] = atoms[column].replace("", NOT_RECORDED)
        out["referrer"] = atoms["referrer"].replace("", "not recorded")
        sent = atoms["sent"].str.split("|", n=1, expand=True).reindex(columns=[0, 1])
        out["category"], out["outcome"] = sent[0], sent[1].fillna("")
        for column, name in equity_metrics.RECORDED.items():
            text = atoms[column].str.strip().str.lower()
            out[name] = ~text.isin(["", equity_metrics.NOT_STATED])
        out["stratum"] = atoms["age_band"].isin(equity_metrics.ADULT_BANDS) & atoms["sex"].isin(
            equity_metrics.STANDARD_SEXES
        )
        return out


# --- what is shown, and over which atoms ----------------------------------------------------


@dataclass
class Shown:
    """One count as shown (None: hidden, `*`) over the atoms `mask` picks; `own`: a total
    disclosed on its own, not summed from cells shown."""

    where: str
    mask: np.ndarray
    shown: float | None
    own: bool = False
    exact: float | None = None  # the panel's exact figure, where the panel holds it


Rows = Callable[[pd.Series, pd.DataFrame], pd.Series]


def _table(
    panel: Panel, column: str, rows: Rows, people: pd.DataFrame, own: bool = False
) -> list[Shown]:
    """A count column of a panel's table: each row's atoms (`rows(row, people)`); a row that
    totals the others as shown (`Spec.total_row`) adds nothing."""
    values, marks = panel.disclosed.values, panel.disclosed.marks
    out = []
    if column not in panel.spec.counts:  # not a count of people here
        return out
    if panel.spec.total_row:
        label, name = panel.spec.total_row
        keep = values[label].astype(str) != name
        values, marks = values[keep], marks[keep]
    keys = [c for c in (panel.labels or values.columns) if c not in panel.spec.columns]
    for label, row in values.iterrows():
        if marks.loc[label, column] not in ("", SUPPRESSED):
            continue
        shown = None if marks.loc[label, column] == SUPPRESSED else float(row[column])
        name = ", ".join(str(row[c]) for c in keys[:3])
        out.append(
            Shown(
                f"{panel.name} [{name}] {column}",
                rows(row, people).to_numpy(),
                shown,
                own,
                float(panel.table.loc[label, column]),
            )
        )
    return out


def _total(panel: Panel, column: str, rows: Rows, people) -> list[Shown]:
    """A total repeated on every row: one figure, disclosed on its own (none where the spec
    works it out from the cells as shown: it then says nothing the cells do not)."""
    if column in panel.spec.totals:
        return []
    cells = _table(panel, column, rows, people, own=True)[:1]
    for cell in cells:
        cell.where = f"{panel.name}: {column} (total)"
    return cells


def _absent(panel: Panel, name: str, present, every, rows: Callable[[object], pd.Series]):
    """A row the table would have if anyone were counted in it, and does not have: 0."""
    missing = [v for v in every if v not in set(present)]
    return [Shown(f"{panel.name} [{v}] (no row: 0)", rows(v).to_numpy(), 0.0) for v in missing]


def _number(text: str) -> float | None:
    return None if text.strip() == SUPPRESSED else float(text.replace(",", ""))


def _everyone(row, people):
    return pd.Series(True, index=people.index)


def _practice(row, people):
    return people["adult"] & (people["practice"] == row["practice_code"])


def _practices(panel, people, space):
    """Adult referrals by practice, and 0 for an extra row the table has not got."""
    every = [*space.context.chosen, NO_PRACTICE, OTHER_PRACTICE]
    present = panel.disclosed.values["practice_code"]
    return _table(panel, "referrals", _practice, people) + _absent(
        panel,
        "practice",
        present,
        every,
        lambda v: people["adult"] & (people["practice"] == v),
    )


def _deciles(row, people):
    group = row.get("imd_decile", np.nan)
    if pd.notna(group):
        return people["adult"] & (people["decile"] == group)
    return people["adult"] & ((people["decile"] + 1) // 2 == row["imd_quintile"])


def _deprivation(panel, people, space):
    """Adult referrals by decile (or quintile), those from areas with a population, the total
    with a decile; 0 for a group with no row."""
    column = "imd_decile" if "imd_decile" in panel.table else "imd_quintile"
    groups = range(1, 11) if column == "imd_decile" else range(1, 6)
    size = 1 if column == "imd_decile" else 2
    cells = (
        _table(panel, "referrals", _deciles, people)
        + _total(panel, "all_with_decile", lambda r, q: q["adult"] & (q["decile"] > 0), people)
        + _table(
            panel, "referrals_with_population", lambda r, q: _deciles(r, q) & q["populated"], people
        )
        # adult referrals in no decile (no area, or an area without one), on every row
        + _total(panel, "no_decile", lambda r, q: q["adult"] & (q["decile"] == 0), people)
    )
    return cells + _absent(
        panel,
        column,
        panel.disclosed.values[column],
        groups,
        lambda g: people["adult"] & ((people["decile"] + size - 1) // size == g),
    )


def _sankey(panel, people, space):
    """The bands (and 0 for a pair with none), and each box's own total from the chart's
    hover (what the reader sees)."""

    def band(row, q):
        if row["step"] == 1:
            return (q["referrer"] == row["source"]) & (q["category"] == row["target"])
        return (q["category"] == row["source"]) & (q["outcome"] == row["target"])

    cells = _table(panel, "count", band, people)
    links = panel.disclosed.values
    categories = sorted(set(people["category"]))
    outcomes = sorted(set(people["outcome"]) - {""})
    for step, firsts, seconds, a, b in (
        (1, sorted(set(people["referrer"])), categories, "referrer", "category"),
        (2, [c for c in categories if c != NOT_SENT], outcomes, "category", "outcome"),
    ):
        shown = links[links["step"] == step]
        cells += _absent(
            panel,
            "band",
            list(zip(shown["source"], shown["target"], strict=True)),
            [(x, y) for x in firsts for y in seconds],
            lambda v, a=a, b=b: (people[a] == v[0]) & (people[b] == v[1]),
        )
    # each box is the sum of the bands drawn into or out of it (`referrals.pathway_nodes` on
    # the disclosed bands): it says nothing the bands do not, so it adds no constraint
    return cells


def _completeness(by: str, attribute: str):
    def build(panel, people, space):
        cells = []
        for column in ("referrals", *equity_metrics.RECORDED.values()):

            def rows(row, q, column=column):
                key = str(row.iloc[0])
                mask = pd.Series(key == "all referrals", index=q.index) | (
                    q[attribute].astype(str) == key
                )
                return mask & q[column] if column != "referrals" else mask

            cells += _table(panel, column, rows, people)
        for cell in cells:  # the first row, all referrals, is a total disclosed on its own
            cell.own = cell.where.startswith(f"{panel.name} [all referrals")
        every = set(people[attribute].astype(str))
        present = panel.disclosed.values.iloc[:, 0].astype(str)
        return cells + _absent(
            panel, by, present, sorted(every), lambda v: people[attribute].astype(str) == v
        )

    return build


def _standardised(panel, people, space):
    """Each practice's observed count, the strata (its basis) and the notes' counts: adult
    referrals left out (no adult age band and female or male sex) and those of chosen
    practices with no registered ages, each disclosed on its own."""
    cells = _table(
        panel,
        "observed",
        lambda row, p: p["adult"] & p["stratum"] & (p["practice"] == row["practice_code"]),
        people,
    ) + _table(panel, "adults", lambda row, p: p["adult"] & (p["practice"] == row["practice_code"]),
               people)  # fmt: skip
    strata, exact = panel.disclosed_basis["strata"], panel.basis["strata"][0]
    for label, row in strata.values.iterrows():
        hidden = strata.marks.loc[label, "referrals"] == SUPPRESSED
        mask = (
            people["adult"]
            & people["with_ages"]
            & (people["age_band"] == row["age_band"])
            & (people["sex"] == row["sex"])
        )
        cells.append(
            Shown(
                f"{panel.name} stratum {row['age_band']} {row['sex']}",
                mask.to_numpy(),
                None if hidden else float(row["referrals"]),
                False,
                float(exact.loc[label, "referrals"]),
            )
        )
    chosen = ~people["practice"].str.startswith("(")
    for pattern, mask in (
        (r"Left out: (\*|[\d,]+) adult", people["with_ages"] & ~people["stratum"]),
        (r"Not compared: (\*|[\d,]+) adult", chosen & ~people["with_ages"]),
    ):
        for note in panel.shown_notes:
            found = re.search(pattern, note)
            if found:
                cells.append(
                    Shown(
                        f"{panel.name} note {note[:14]!r}",
                        (people["adult"] & mask).to_numpy(),
                        _number(found.group(1)),
                        own=True,
                    )
                )
    return cells


def _distribution(panel, people, space):
    column = {label: c for c, label in equity_metrics.CHARACTERISTICS.items()}
    cells = _table(
        panel, "referrals", lambda r, q: q[column[r["characteristic"]]] == r["group"], people
    )
    cells += _total(panel, "total", _everyone, people)
    values = panel.disclosed.values
    for label, name in column.items():
        present = values.loc[values["characteristic"] == label, "group"]
        cells += _absent(
            panel, label, present, sorted(set(people[name])), lambda v, name=name: people[name] == v
        )
    return cells


def _card(panel, people, space):
    """The overview's referral card adds up the months as shown (its basis, with a total
    worked out from them): it adds no constraint; its months are the monthly panel's."""
    months = panel.disclosed_basis.get("months_now")
    assert months is not None and "all" in referral_metrics.PERIOD_SPEC.totals
    return []


def _funnel(panel, people, space):
    received = _table(panel, "judged", _everyone, people, own=True)
    return [c for c in received if "Received" in c.where]


def _months(panel, people, space):
    return _table(panel, "referrals", lambda r, q: q["month"] == f"{r['month']:%Y-%m}", people)


def _recorded_beside(panel, people):
    """Beside each practice, its referrals of any age and those with each field recorded: the
    completeness panel's counts by practice."""
    cells = []
    for column in ("all_referrals", *equity_metrics.RECORDED.values()):

        def rows(row, q, column=column):
            mine = q["completeness_practice"] == row["practice_code"]
            return mine if column == "all_referrals" else mine & q[column]

        cells += _table(panel, column, rows, people)
    return cells


def _place_total(panel, people, space):
    listed = _total(panel, "place_referrals", lambda r, q: q["adult"] & q["listed"], people)
    return _practices(panel, people, space) + listed + _recorded_beside(panel, people)


# What each panel counts, panel by panel: the test's knowledge of its provenance.
PROVENANCE: dict[str, Callable] = {
    "overview_headlines": _card,
    "referrals_per_month": _months,
    "referral_pathways": _sankey,
    "referrals_by_practice": _practices,
    "referrals_by_deprivation": _deprivation,
    "pathway_funnel": _funnel,
    "practice_funnel": _place_total,
    "practice_rates_ranked": _place_total,
    "practice_standardised": _standardised,
    "equity_by_imd_quintile": _deprivation,
    "equity_by_imd_decile": _deprivation,
    "equity_most_deprived_fifth": _deprivation,
    "equity_slope_index": lambda p, people, space: _total(
        p, "referrals", lambda r, q: q["adult"] & q["populated"], people
    ),
    "equity_who_was_referred": _distribution,
    "recording_by_month": _completeness("month", "month"),
    "recording_by_practice": _completeness("practice", "completeness_practice"),
    "recording_by_link_worker": _completeness("link worker", "link_worker"),
}


def shown_counts(panels: list[Panel], space: Space) -> list[Shown]:
    """Every count the panels show whose provenance is known, each checked against the
    panel's exact figure and its own range (a wrong provenance would find ranges that mean
    nothing)."""
    out = []
    for panel in panels:
        build = PROVENANCE.get(panel.name)
        if build is None or not (panel.labels or panel.cards):
            continue
        for cell in build(panel, space.people, space):
            counted = float(space.truth[cell.mask].sum())
            if cell.exact is not None:
                assert counted == cell.exact, f"{cell.where}: the provenance counts {counted}"
            low, high = _bounds(cell.shown)
            assert low <= counted <= high, f"{cell.where}: {counted} outside {low}-{high}"
            out.append(cell)
    return out


@cache  # a few distinct values among hundreds of cells, each a pandas call otherwise
def _bounds(shown: float | None) -> tuple[float, float]:
    low, high = count_bounds(pd.Series([shown], dtype="Float64"), LEVEL)
    return float(low.iloc[0]), float(high.iloc[0])


# --- the ranges ------------------------------------------------------------------------------


class System:
    """The counts shown as constraints on the atoms: `matrix` (counts x atoms, 1 where the
    count holds the atom), each count's least and greatest true value (`low`, `high`), and
    the moves of one referral from an atom to one a single attribute away (`moves`: from, to)
    with what each does to every count (`change`)."""

    def __init__(self, cells: list[Shown], space: Space):
        self.space = space
        self.matrix = np.array([c.mask for c in cells], dtype=np.int8)
        bounds = np.array([_bounds(c.shown) for c in cells])
        self.low, self.high = bounds[:, 0], bounds[:, 1]
        children = np.flatnonzero(space.parent >= 0)
        self.moves = np.concatenate(
            [
                np.stack([space.parent[children], children]),
                np.stack([children, space.parent[children]]),
            ],
            axis=1,
        )
        self.change = self.matrix[:, self.moves[1]] - self.matrix[:, self.moves[0]]
        self.counted = self.matrix.astype(np.float32) @ space.truth  # every count's truth

    def keeping(self, rows: np.ndarray) -> System:
        """The same but only counts `rows` (a mask)."""
        other = object.__new__(System)
        other.space, other.moves, other.change = self.space, self.moves, self.change[rows]
        other.matrix, other.low, other.high = self.matrix[rows], self.low[rows], self.high[rows]
        other.counted = self.counted[rows]
        return other

    def values(self, row: int) -> tuple[int, int, list[int]] | None:
        """None when count `row` can take MIN_VALUES values or more, else its least and
        greatest value and the counts that pin it there (those binding the linear
        relaxation's optimum: its certificate)."""
        if len(self.walk(row)) >= MIN_VALUES:
            return None
        low, high, binding = self.relaxed(row)
        if high - low + 1 >= MIN_VALUES:
            low, high = self.range(row)
            binding = []
        return (low, high, binding) if high - low + 1 < MIN_VALUES else None

    def walk(self, row: int) -> set[int]:
        """Values of count `row` reached from the truth by moving referrals, one at a time
        or two together, to atoms one attribute away, every count staying in range."""
        truth, start = self.space.truth, self.counted
        found = {round(start[row])}
        for direction in (1, -1):
            x, counts = truth.copy(), start.copy()
            for _ in range(MIN_VALUES - 1):
                moved = self._step(row, x, counts, direction)
                if moved is None:
                    break
                x, counts = moved
                found.add(round(counts[row]))
            if len(found) >= MIN_VALUES:
                break
        return found

    def _step(self, row: int, x: np.ndarray, counts: np.ndarray, direction: int):
        """`x` (and every count) with count `row` one more (`direction` 1) or one fewer: a
        referral moved into (out of) it, and where that takes another count out of its
        range, a second referral moved elsewhere to bring it back."""
        up, down = self.high - counts, counts - self.low  # room to add, to take away
        occupied = x[self.moves[0]] >= 1
        first = np.flatnonzero((self.change[row] == direction) & occupied)
        fits = (
            (self.change[:, first] <= up[:, None]) & (-self.change[:, first] <= down[:, None])
        ).all(axis=0)
        if fits.any():
            return self._moved(x, counts, first[np.argmax(fits)])
        others = np.flatnonzero((self.change[row] == 0) & occupied)
        for m in first[:60]:
            after_up, after_down = up - self.change[:, m], down + self.change[:, m]
            broken = np.flatnonzero((after_up < 0) | (after_down < 0))
            short = after_up[broken] < 0
            need = np.where(short, after_up[broken], -after_down[broken])
            mend = self.change[np.ix_(broken, others)]
            helps = np.where(short[:, None], mend <= need[:, None], mend >= need[:, None]).all(0)
            second = others[helps]
            fits = (
                (self.change[:, second] <= after_up[:, None])
                & (-self.change[:, second] <= after_down[:, None])
            ).all(axis=0)
            if fits.any():
                return self._moved(*self._moved(x, counts, m), second[np.argmax(fits)])
        return None

    def _moved(self, x: np.ndarray, counts: np.ndarray, move: int):
        step = x.copy()
        step[self.moves[0, move]] -= 1
        step[self.moves[1, move]] += 1
        return step, counts + self.change[:, move]

    def relaxed(self, row: int) -> tuple[int, int, list[int]]:
        """The least and greatest value of count `row` allowing fractions of referrals,
        rounded inwards (it holds the whole numbers' range), and the other counts binding
        either end (scipy.optimize.linprog's dual values)."""
        matrix = csr_array(self.matrix.astype(float))
        rows = len(self.low)
        ends, binding = [], set()
        for sign in (1, -1):
            found = linprog(
                sign * self.matrix[row].astype(float),
                A_ub=vstack([matrix, -matrix]),
                b_ub=np.concatenate([self.high, -self.low]),
                bounds=(0, None),
                method="highs",
            )
            assert found.success, found.message
            ends.append(sign * found.fun)
            duals = np.abs(found.ineqlin.marginals)
            binding |= set(np.flatnonzero((duals[:rows] + duals[rows:]) > 1e-9))
        return math.ceil(ends[0] - 1e-6), math.floor(ends[1] + 1e-6), sorted(binding - {row})

    def range(self, row: int) -> tuple[int, int]:
        """The least and greatest value of count `row` (scipy.optimize.milp)."""
        constraint = LinearConstraint(csr_array(self.matrix.astype(float)), self.low, self.high)
        ends = []
        for sign in (1, -1):
            found = milp(
                sign * self.matrix[row].astype(float),
                integrality=np.ones(self.matrix.shape[1]),
                bounds=Bounds(0, np.inf),
                constraints=constraint,
                options={"time_limit": 60},
            )
            if not found.success:
                pytest.fail(f"count {row}: no range found in time ({found.message})")
            ends.append(round(sign * found.fun))
        return ends[0], ends[1]


@dataclass
class Range:
    where: str
    low: int
    high: int
    pinned_by: list[str]  # the counts shown that hold it there


def hidden_ranges(cells: list[Shown], space: Space) -> list[Range]:
    """Each hidden count that everything shown narrows below MIN_VALUES values, with its
    range and what holds it there: the counts binding the linear relaxation's optimum (its
    certificate; rows shown as 0 counted, not named), and whether it would keep MIN_VALUES
    values if no total were disclosed on its own."""
    system = System(cells, space)
    own = np.array([c.own and c.shown is not None for c in cells])
    without_totals = system.keeping(~own)
    out = []
    for i, cell in enumerate(cells):
        found = None if cell.shown is not None else system.values(i)
        if found is None:
            continue
        low, high, binding = found
        wholes = [j for j in binding if cells[j].shown]
        held = [_named(cells, j) for j in sorted(wholes, key=lambda j: not cells[j].own)]
        if len(binding) > len(wholes):
            held.append(f"{len(binding) - len(wholes)} rows shown as 0")
        if without_totals.values(int(np.count_nonzero(~own[:i]))) is None:
            held.append(
                f"and without the totals disclosed on their own it would keep {MIN_VALUES} values"
            )
        else:
            held.append("and it stays narrow without the totals disclosed on their own")
        out.append(Range(cell.where, low, high, held))
    return out


def _named(cells: list[Shown], j: int) -> str:
    """A count by where it is shown, with the same count shown elsewhere (the same people)."""
    if not cells[j].own:
        return cells[j].where
    same = [
        c.where
        for k, c in enumerate(cells)
        if k != j and c.own and np.array_equal(c.mask, cells[j].mask)
    ]
    return f"{cells[j].where} (disclosed on its own" + (
        f"; the same total is also shown as {', '.join(same)})" if same else ")"
    )


def narrow(ranges: list[Range]) -> list[str]:
    """The narrowed counts, grouped by what holds them there."""
    groups: dict[tuple, list[str]] = {}
    for r in ranges:
        groups.setdefault(tuple(r.pinned_by), []).append(f"{r.where}: only {r.low}-{r.high}")
    return [
        "; ".join(cells)
        + "\n    held there by: "
        + ("; ".join(held) if held else "(the cells around them)")
        for held, cells in groups.items()
    ]


# --- the pages and the pack ------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hidden") / "demo"
    write_demo(folder, 600, SEED, assets=40, practices=8)
    loaded, _ = load_folder(folder)
    return loaded


def _places(dataset) -> dict[str, Selection]:
    whole = default_selection(dataset)
    pcn = dataset.table("practices")["pcn_code"].dropna().iloc[0]
    return {"whole": whole, "pcn": Selection(whole.start, whole.end, PCN, (pcn,))}


PAGES = {
    "overview": lambda d, s: [overview.headline_panel(d, s, LEVEL)],
    "referral_flows": lambda d, s: pages.panels_of(pages.referral_flows(d, s, LEVEL)),
    "equity": lambda d, s: equity.panels(d, s, LEVEL),
    "pack": lambda d, s: [
        p
        for title, _, view in pages.PAGES
        if title in ("Overview", "Referral flows", "Equity")
        for p in pages.panels_of(view(d, s, LEVEL))
    ],
}
# every page for the whole dataset; the pack (which holds them all) for a PCN too
CASES = [("whole", page) for page in PAGES] + [("pcn", "pack")]


_SPACES: dict[tuple[int, Selection], tuple[object, Space]] = {}


def _space(dataset, selection: Selection) -> Space:
    """One Space per dataset and place, shared by the pages checked there (none changes it);
    the dataset is kept beside it, so its id stays its own."""
    key = (id(dataset), selection)
    if key not in _SPACES:
        _SPACES[key] = (dataset, Space(dataset, selection))
    return _SPACES[key][1]


def _check(dataset, selection: Selection, page: str, what: str) -> None:
    space = _space(dataset, selection)
    cells = shown_counts(PAGES[page](dataset, selection), space)
    if page == "overview":  # its card adds up the months as shown: nothing of its own
        assert not cells
        return
    assert cells and any(c.shown is None for c in cells)
    found = narrow(hidden_ranges(cells, space))
    assert not found, f"{page} ({what}): hidden counts narrowed below {MIN_VALUES} values:\n  " + (
        "\n  ".join(found)
    )


@pytest.mark.parametrize(("place", "page"), CASES, ids=[f"{p}-{g}" for p, g in CASES])
def test_every_hidden_count_keeps_three_possible_values(dataset, place, page):
    _check(dataset, _places(dataset)[place], page, place)


def _crafted(folder, people: list[dict]) -> object:
    """The demo's places, practices and assets with only the referrals described (each a
    dict: practice and area by index into two chosen ones, sex, age band, ethnic group,
    referrer, link worker by index, the kind of asset first sent to by index and what
    happened there, the month back from the last whole one), loaded as the app loads them."""
    tables = build_demo(120, SEED, assets=40, practices=8)
    extract = pd.Timestamp(tables["dataset"]["extract_date"].iloc[0])
    practices = tables["practices"]
    chosen = practices.loc[practices["list_size"] > 0, "practice_code"].iloc[:3].tolist()
    stats = tables["area_stats"]
    areas = [stats.loc[stats["imd_decile"] == d, "area_code"].iloc[0] for d in (2, 9, 5)]
    kinds = tables["assets"].drop_duplicates("category")["asset_id"].iloc[:3].tolist()
    workers = tables["link_workers"]["link_worker_id"].iloc[:3].tolist()
    template = tables["referrals"].iloc[0]
    rows, sent = [], []
    for i, who in enumerate(people):
        day = (extract.to_period("M") - 1 - who["month"]).start_time + pd.Timedelta(days=i % 28)
        row = template.copy()
        row[["referral_id", "person_id", "referral_date"]] = [f"H{i:03d}", f"Q{i:03d}", day]
        row[["practice_code", "area_code", "link_worker_id"]] = [
            chosen[who["practice"]],
            areas[who["area"]],
            workers[who["worker"]],
        ]
        for column in ("sex", "age_band", "ethnicity", "referrer_type"):
            row[column] = who[column]
        row[["referrer_org_code", "reasons", "status", "closure_reason"]] = [
            "",
            "carer",
            "received",
            None,
        ]
        row[["first_contact_date", "first_appointment_date", "closed_date"]] = pd.NaT
        rows.append(row)
        sent.append(
            {
                "referral_id": row["referral_id"],
                "asset_id": kinds[who["asset"]],
                "referred_date": day + pd.Timedelta(days=1),
                "started_date": pd.NaT,
                "ended_date": pd.NaT,
                "outcome": who["outcome"],
            }
        )
    tables["referrals"] = pd.DataFrame(rows).reset_index(drop=True)
    tables["connections"] = pd.DataFrame(sent)
    tables["outcomes"] = tables["outcomes"].iloc[:0]
    write_tables(tables, folder)
    loaded, _ = load_folder(folder)
    assert len(loaded.table("referrals")) == len(loaded.table("connections")) == len(people)
    return loaded


THIRDS = {  # what a referral's place in a cycle of three gives it: groups of 5, 5 and 4
    "age_band": ("35-44", "45-54", "55-64"),
    "ethnicity": ("white", "asian", "other"),
    "referrer_type": ("council", "hospital", "self"),
    "outcome": (
        "waiting list",
        "declined by provider (full)",
        "declined by provider (not suitable)",
    ),
    "worker": (0, 1, 2),
}


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """A place whose 14 referrals in the period split in two halves of 7 by practice (the
    others refer nobody), decile, sex and the kind of asset first sent to, and in smaller
    groups (4, 4, 3, 3 or 5, 5, 4) by everything else: each half is hidden and only totals
    disclosed on their own show the whole (15, so 13-17: each half 6 or 7)."""
    people = [
        {
            "month": i % 4,
            "practice": i % 2,
            "area": i % 2,
            "asset": i % 2,
            "sex": ("female", "male")[i % 2],
            **{k: v[i % 3] for k, v in THIRDS.items()},
        }
        for i in range(14)
    ]
    return _crafted(tmp_path_factory.mktemp("halves") / "demo", people)


@pytest.mark.parametrize("page", ["referral_flows", "equity", "pack"])
def test_a_total_disclosed_on_its_own_leaves_two_hidden_halves_their_range(halves, page):
    # each half, 7, is hidden; the whole, 14, shows as 15 (13-17), and 13-17 less at most 7
    # leaves 6 or 7 for the other half, unless the whole is worked out from the cells shown
    _check(halves, default_selection(halves), page, "two halves of 7")


@pytest.fixture(scope="module")
def sankey(tmp_path_factory):
    """24 referrals: 10 from councils, all first sent to one kind of asset (a band of 10,
    shown, so the Sankey is drawn), and 14 from hospitals, 7 sent to that kind and 7 to
    another (two hidden bands); everything else in groups of 8 or fewer."""
    people = [
        {
            "month": i % 4,
            "practice": i % 3,
            "area": i % 3,
            "sex": ("female", "male")[i % 2],
            **{k: v[i % 3] for k, v in THIRDS.items()},
            "referrer_type": "council" if i < 10 else "hospital",
            "asset": 0 if i < 10 else i % 2,
        }
        for i in range(24)
    ]
    return _crafted(tmp_path_factory.mktemp("sankey") / "demo", people)


def test_a_sankey_box_leaves_its_two_hidden_bands_their_range(sankey):
    # the hospitals' box, 14, shows as 15 (13-17) and holds two hidden bands of 7: each is
    # 6 or 7, unless the box is worked out from the bands shown
    _check(sankey, default_selection(sankey), "referral_flows", "a box of two hidden bands")
