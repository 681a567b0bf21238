"""Equity: who the service reaches and who it misses, compared fairly and with honest uncertainty.

Every function returns EXACT counts with a `disclosure.Spec` saying which columns count
people and what is worked out from them after the one disclosure step, from the counts as
shown (intervals, the place's rate, limits, expected counts, judgements). Rates are per 1,000
adults a year: adult referrals (`referrals.adults`) over an adult population, annualised over
the months chosen, so a practice's person-years are its list size times the years in the
period.

Methods, each with its source:

- Rate intervals: exact Poisson limits (`socialrx.metrics.intervals`), the union over every
  count the disclosed one allows.
- Funnel plots: Spiegelhalter, "Funnel plots for comparing institutional performance", Stat
  Med 2005;24:1185-1202. Exact Poisson control limits with his interpolation between whole
  counts, around the place's own rate, at 95% and 99.8%.
- Overdispersion: Spiegelhalter, "Handling over-dispersion of performance indicators", Qual
  Saf Health Care 2005;14:347-351. z-scores on the square-root scale, winsorised at 10% at
  each end; phi = mean of their squares; n x phi against chi-squared with n-1 degrees of
  freedom. When overdispersed, limits widen by sqrt(phi) (multiplicative) or by an additive
  between-practice variance tau squared (DerSimonian-Laird style, as he gives it).
- Indirect standardisation: observed / expected, expected from the place's age-sex rates
  applied to each practice's list by age and sex (rates from the strata's disclosed counts);
  exact Poisson interval on the observed count.
- Slope index of inequality: weighted least squares of the rate on the population-weighted
  cumulative rank midpoint (0 = most deprived), weights the adult population; its 95%
  interval from the regression's standard error with n-2 degrees of freedom (the estimates
  equal those of statsmodels WLS).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special

from socialrx import vocab
from socialrx.disclosure import (
    HIDDEN_MIDDLE,
    Derived,
    Judgement,
    Rate,
    Share,
    Shown,
    Spec,
    Total,
    floats,
)
from socialrx.metrics import intervals
from socialrx.metrics import referrals as referral_metrics

PER = 1000  # rates per 1,000 adults a year
NOT_RECORDED = "not recorded"
NOT_STATED = "not stated"
ALL_REFERRALS = "all referrals"  # the completeness tables' first row
WINSOR = 0.1  # Spiegelhalter's 10% at each end
MIN_PRACTICES_FOR_DISPERSION = 5  # fewer practices than this: too few to test
FUNNEL_LEVELS = {"95": 0.95, "998": 0.998}

# What would let the page do more: named, so the page can say which file to add.
LIST_BY_AGE_SEX_FILE = (
    "NHS Digital \u201cPatients Registered at a GP Practice\u201d, single year of age by sex "
    "(gp-reg-pat-prac-sing-age-male.csv and -female.csv), summed into the referral age bands "
    "as the registered_ages table (or registered_ages.csv: practice_code, age_band, sex, "
    "patients)"
)
POPULATION_BY_AGE_FILE = "ONS Census 2021 TS007A (age by five-year bands) by LSOA"
POPULATION_BY_ETHNICITY_FILE = "ONS Census 2021 TS021 (ethnic group) by LSOA"


# --- funnel plots and overdispersion (Spiegelhalter 2005) ----------------------------------


@dataclass(frozen=True)
class Dispersion:
    """Spiegelhalter's overdispersion test on units' observed and expected counts.

    `phi` is the mean squared winsorised z-score; `n * phi` is compared with chi-squared on
    n-1 degrees of freedom (`p_value`); `tau2` is the additive between-unit variance on the
    square-root scale (0 when n * phi < n - 1)."""

    units: int
    phi: float
    p_value: float
    tau2: float
    overdispersed: bool


def z_scores(observed, expected) -> np.ndarray:
    """Square-root-scale z-scores of observed against expected Poisson counts:
    (sqrt(O/E) - 1) / (1 / (2 sqrt(E))) = 2 (sqrt(O) - sqrt(E))."""
    observed, expected = np.asarray(observed, float), np.asarray(expected, float)
    return 2 * (np.sqrt(observed) - np.sqrt(expected))


def winsorise(values, fraction: float = WINSOR) -> np.ndarray:
    """Values below the `fraction` quantile set to it, above the 1-`fraction` quantile set to
    that (quantiles interpolated linearly, as R's default)."""
    values = np.asarray(values, float)
    if values.size == 0:
        return values
    low, high = np.quantile(values, [fraction, 1 - fraction])
    return np.clip(values, low, high)


def overdispersion(observed, expected, fraction: float = WINSOR, alpha: float = 0.05):
    """The test and the estimates (`Dispersion`); None for fewer than
    MIN_PRACTICES_FOR_DISPERSION units with an expected count."""
    observed, expected = np.asarray(observed, float), np.asarray(expected, float)
    keep = np.isfinite(observed) & np.isfinite(expected) & (expected > 0)
    observed, expected = observed[keep], expected[keep]
    n = len(observed)
    if n < MIN_PRACTICES_FOR_DISPERSION:
        return None
    z = winsorise(z_scores(observed, expected), fraction)
    phi = float(np.mean(z**2))
    p_value = float(special.chdtrc(n - 1, n * phi))  # chi2.sf(n phi, n - 1)
    weights = 4 * expected  # 1 / s^2, s = 1 / (2 sqrt(E)) on the square-root scale
    if n * phi < n - 1:
        tau2 = 0.0
    else:
        tau2 = (n * phi - (n - 1)) / (weights.sum() - (weights**2).sum() / weights.sum())
    return Dispersion(n, phi, p_value, max(tau2, 0.0), p_value < alpha)


NO_ADJUSTMENT, MULTIPLICATIVE, ADDITIVE = "none", "multiplicative", "additive"
WIDENINGS = (MULTIPLICATIVE, ADDITIVE)  # the ways "unusual among practices" can be widened


# scipy.stats' own Poisson functions, from the scipy.special calls it makes, without the half
# second scipy.stats takes to import on a page's first view (tests compare them with it).
def poisson_cdf(count, mean) -> np.ndarray:
    """P(X <= count) for X Poisson with `mean`, as `scipy.stats.poisson.cdf`: 0 below 0."""
    whole = np.floor(np.asarray(count, float))
    return np.where(whole < 0, 0.0, special.pdtr(np.maximum(whole, 0), mean))


def poisson_quantile(probability: float, mean) -> np.ndarray:
    """The least whole count whose `poisson_cdf` reaches `probability` (0 < p < 1), as
    `scipy.stats.poisson.ppf`: pdtrik's root rounded up, or the count below it if that
    already reaches p."""
    above = np.ceil(special.pdtrik(probability, mean))
    below = np.maximum(above - 1, 0)
    return np.where(special.pdtr(below, mean) >= probability, below, above)


def poisson_limits(expected, probability: float) -> np.ndarray:
    """The `probability` quantile of a Poisson count with mean `expected`, as a ratio to
    `expected`, interpolated between whole counts as Spiegelhalter (2005, appendix) gives:
    (y_p - a) / E, y_p the smallest count with F(y_p) >= p,
    a = (F(y_p) - p) / (F(y_p) - F(y_p - 1))."""
    expected = np.asarray(expected, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = poisson_quantile(probability, expected)
        upper_cdf = poisson_cdf(y, expected)
        lower_cdf = poisson_cdf(y - 1, expected)
        a = np.where(upper_cdf > lower_cdf, (upper_cdf - probability) / (upper_cdf - lower_cdf), 0)
        limit = np.maximum(y - a, 0) / expected
    return np.where(expected > 0, limit, np.nan)


def funnel_limits(
    expected, coverage: float, dispersion: Dispersion | None = None, method: str = ADDITIVE
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper control limits for observed / expected at `coverage` (0.95, 0.998).

    Exact Poisson limits unless `dispersion` says the units are overdispersed; then normal
    limits on the square-root scale, widened by sqrt(phi) (`MULTIPLICATIVE`) or by tau2
    (`ADDITIVE`), squared back to the ratio scale (a lower limit below 0 is 0)."""
    expected = np.asarray(expected, float)
    tail = (1 - coverage) / 2
    if dispersion is None or not dispersion.overdispersed or method == NO_ADJUSTMENT:
        return poisson_limits(expected, tail), poisson_limits(expected, 1 - tail)
    z = special.ndtri(1 - tail)  # norm.ppf
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = 1 / (4 * expected)
        if method == MULTIPLICATIVE:
            spread = z * np.sqrt(dispersion.phi * variance)
        else:
            spread = z * np.sqrt(variance + dispersion.tau2)
    low = np.clip(1 - spread, 0, None) ** 2
    high = (1 + spread) ** 2
    bad = ~(expected > 0)
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


@dataclass(frozen=True)
class PracticeFunnel:
    """Practices compared with the place: the exact table (one row per practice, plus rows for
    referrals from unknown practices: practice_code, name, pcn_name, list_size, referrals,
    place_referrals, registered) and what its limits are set by. The place's rate, the
    limits, the overdispersion test and the judgements are worked out after disclosure, from
    the counts as shown (`funnel_spec`)."""

    table: pd.DataFrame
    place_referrals: int  # adult referrals from practices with a list size (exact)
    registered: float  # their registered adults
    method: str  # how "unusual among practices" widens the limits when overdispersed
    per_year: float


def practice_funnel(
    referrals: pd.DataFrame, practices: pd.DataFrame, per_year: float, method: str = ADDITIVE
) -> PracticeFunnel:
    """Adult referrals per 1,000 registered adults a year for every practice, ready for the
    funnel (`funnel_from_rates`). The place's rate is the practices' referrals over their
    registered adults (practices with a list size only); referrals from unknown practices
    keep a row with no rate."""
    table = referral_metrics.practice_rates(referrals, practices, per_year)
    return funnel_from_rates(table, per_year, method)


def funnel_from_rates(
    table: pd.DataFrame, per_year: float, method: str = ADDITIVE
) -> PracticeFunnel:
    """`practice_funnel` from a `referrals.practice_rates` table already counted (so a change
    of method does not count a million referrals again)."""
    sizes = table["list_size"].astype("Float64")
    known = (sizes > 0).fillna(False)
    place_referrals = int(table["referrals"].astype(float)[known].sum())
    registered = float(sizes[known].sum()) if known.any() else 0.0
    columns = ["practice_code", "name", "pcn_name", "list_size", "referrals"]
    out = table[columns].copy()
    out["place_referrals"] = place_referrals
    out["registered"] = registered
    out["in_place"] = known.to_numpy()  # the practices the place's rate adds up
    return PracticeFunnel(out, place_referrals, registered, method, per_year)


# The funnel after disclosure: every figure below is worked out from the counts as shown.


def shown_place_rate(values: pd.DataFrame, per_year: float) -> float:
    """The place's rate per 1,000 registered adults a year from its disclosed total (NaN
    where the total is hidden or there is no list size)."""
    if values.empty:
        return np.nan
    total = values["place_referrals"].astype("Float64").iloc[0]
    registered = float(values["registered"].iloc[0])
    if pd.isna(total) or not registered > 0:
        return np.nan
    return float(PER * total / (registered / per_year))


def _expected(values: pd.DataFrame, per_year: float) -> np.ndarray:
    """Each practice's expected referrals at the place's disclosed rate."""
    rate = shown_place_rate(values, per_year)
    sizes = floats(values["list_size"])
    return np.where(sizes > 0, rate / PER * sizes / per_year, np.nan)


def shown_dispersion(shown: Shown, per_year: float) -> Dispersion | None:
    """Spiegelhalter's overdispersion test on the counts as shown (a hidden one at 4, the
    middle of 1-7) against those expected at the place's disclosed rate."""
    key = ("dispersion", per_year)  # every limit and figure of the funnel asks
    if key not in shown.kept:
        expected = _expected(shown.values, per_year)
        known = floats(shown.values["list_size"]) > 0
        observed = floats(shown.centre("referrals"))
        shown.kept[key] = overdispersion(observed[known], expected[known])
    return shown.kept[key]


def _limit(per_year: float, coverage: float, side: str, method: str, as_count: bool):
    """A Derived funnel limit at each practice's list size: as a rate per 1,000 a year, or as
    a count (what a judgement compares the count with)."""

    def compute(shown: Shown) -> pd.Series:
        expected = _expected(shown.values, per_year)
        dispersion = shown_dispersion(shown, per_year) if method != NO_ADJUSTMENT else None
        low, high = funnel_limits(expected, coverage, dispersion, method)
        ratio = low if side == "lower" else high
        scale = expected if as_count else shown_place_rate(shown.values, per_year)
        return pd.Series(ratio * scale, index=shown.values.index, dtype="Float64")

    return Derived(compute, decimals=1)


def _dispersion_figure(per_year: float, name: str) -> Derived:
    """phi, tau2 or the test's p-value on every row (NA with too few practices)."""

    def compute(shown: Shown) -> pd.Series:
        dispersion = shown_dispersion(shown, per_year)
        value = np.nan if dispersion is None else float(getattr(dispersion, name))
        return pd.Series(value, index=shown.values.index, dtype="Float64")

    return Derived(compute, decimals=3 if name != "phi" else 1)


def _below(count: str):
    def decide(values: pd.DataFrame, counts: pd.Series) -> pd.Series:
        return counts.astype("Float64") < values[count].astype("Float64")

    return decide


def _above(count: str):
    def decide(values: pd.DataFrame, counts: pd.Series) -> pd.Series:
        return counts.astype("Float64") > values[count].astype("Float64")

    return decide


def funnel_spec(per_year: float, method: str = ADDITIVE, recorded: tuple[str, ...] = ()) -> Spec:
    """What the funnel shows, from the disclosed counts: each practice's rate (a hidden count's
    as the range 1-7 gives) and its 95% interval over every count the shown one allows; the
    place's rate from its own disclosed total; the limits around it; the overdispersion test
    on the counts as shown. Two questions, judged apart, each "borderline" where the counts
    the rounding allows disagree: does the practice differ from the place beyond chance
    (exact Poisson 99.8% limits: `refers_less`, `refers_more`), and is it unusual among
    practices (the limits widened for overdispersion by `method`: `unusually_less`,
    `unusually_more`; the same as the first where the practices are not overdispersed).
    The second question is also answered for each way of widening (`unusually_less_additive`,
    ...), so the answer can say where the choice changes it. `recorded`: fields of
    `RECORDED` whose completeness sits beside each practice (`with_recording`)."""
    per = PER * per_year
    derived = {
        "rate_low": intervals.rate_interval("referrals", "list_size", per, "low"),
        "rate_high": intervals.rate_interval("referrals", "list_size", per, "high"),
        "rate_from": intervals.rate_range("referrals", "list_size", per, "low"),
        "rate_to": intervals.rate_range("referrals", "list_size", per, "high"),
        "place_rate": Derived(
            lambda shown: pd.Series(
                shown_place_rate(shown.values, per_year),
                index=shown.values.index,
                dtype="Float64",
            )  # fmt: skip
        ),
        "expected": Derived(
            lambda shown: pd.Series(
                _expected(shown.values, per_year), index=shown.values.index, dtype="Float64"
            )  # fmt: skip
        ),
        "phi": _dispersion_figure(per_year, "phi"),
        "tau2": _dispersion_figure(per_year, "tau2"),
        "dispersion_p": _dispersion_figure(per_year, "p_value"),
    }
    for name, coverage in FUNNEL_LEVELS.items():
        for side in ("lower", "upper"):
            derived[f"{side}_{name}"] = _limit(per_year, coverage, side, NO_ADJUSTMENT, False)
    for side in ("lower", "upper"):
        derived[f"{side}_998_adjusted"] = _limit(per_year, 0.998, side, method, False)
    derived["below_count"] = _limit(per_year, 0.998, "lower", NO_ADJUSTMENT, True)
    derived["above_count"] = _limit(per_year, 0.998, "upper", NO_ADJUSTMENT, True)
    derived["below_count_adjusted"] = _limit(per_year, 0.998, "lower", method, True)
    derived["above_count_adjusted"] = _limit(per_year, 0.998, "upper", method, True)
    judgements = {
        "refers_less": Judgement("referrals", _below("below_count")),
        "refers_more": Judgement("referrals", _above("above_count")),
        "unusually_less": Judgement("referrals", _below("below_count_adjusted")),
        "unusually_more": Judgement("referrals", _above("above_count_adjusted")),
    }
    for widening in WIDENINGS:
        for side, count, judge in (("lower", "below", _below), ("upper", "above", _above)):
            derived[f"{count}_count_{widening}"] = _limit(per_year, 0.998, side, widening, True)
            less_or_more = "less" if side == "lower" else "more"
            judgements[f"unusually_{less_or_more}_{widening}"] = Judgement(
                "referrals", judge(f"{count}_count_{widening}")
            )
    counts, shares = ("referrals",), {}
    if recorded:
        counts, shares = _recording_columns(recorded)
        counts = ("referrals", *counts)
    return Spec(
        counts=counts,
        # the place's total adds up its practices as shown: rounded on its own it could narrow
        # a hidden practice
        totals={"place_referrals": Total("referrals", where="in_place")},
        rates={"rate_per_1000": Rate("referrals", "list_size", per, as_range=True)},
        shares=shares,
        derived=derived,
        judgements=judgements,
    )


def funnel_curves(
    values: pd.DataFrame, per_year: float, method: str = ADDITIVE, points: int = 160
) -> pd.DataFrame:
    """The funnel's limits as rates per 1,000 a year over a range of list sizes, for the
    chart, from a disclosed `funnel_spec` table (the place's disclosed rate, the
    overdispersion figures worked out from the counts as shown)."""
    sizes = values["list_size"].astype("Float64").dropna()
    sizes = sizes[sizes > 0]
    rate = shown_place_rate(values, per_year)
    if sizes.empty or not rate > 0:
        return pd.DataFrame()
    grid = np.geomspace(max(sizes.min() * 0.8, 50), sizes.max() * 1.15, points)
    expected = rate / PER * grid / per_year
    frame = pd.DataFrame({"list_size": grid})
    for name, coverage in FUNNEL_LEVELS.items():
        low, high = funnel_limits(expected, coverage)
        frame[f"lower_{name}"], frame[f"upper_{name}"] = low * rate, high * rate
    dispersion = shown_dispersion_of(values)
    if dispersion is not None and dispersion.overdispersed and method != NO_ADJUSTMENT:
        low, high = funnel_limits(expected, 0.998, dispersion, method)
        frame["lower_998_adjusted"], frame["upper_998_adjusted"] = low * rate, high * rate
    return frame


def shown_dispersion_of(values: pd.DataFrame) -> Dispersion | None:
    """The overdispersion figures a disclosed `funnel_spec` or `standardised_spec` table
    carries (None: too few practices to test); its units are the practices with a count
    expected."""
    if values.empty or pd.isna(values["phi"].iloc[0]):
        return None
    phi, p_value = float(values["phi"].iloc[0]), float(values["dispersion_p"].iloc[0])
    units = int((values["expected"].astype("Float64") > 0).fillna(False).sum())
    return Dispersion(units, phi, p_value, float(values["tau2"].iloc[0]), p_value < 0.05)


def widened(values: pd.DataFrame, method: str) -> bool:
    """Whether "unusual among practices" uses limits wider than chance alone gives."""
    dispersion = shown_dispersion_of(values)
    return dispersion is not None and dispersion.overdispersed and method != NO_ADJUSTMENT


def unusual_under(values: pd.DataFrame, side: str, method: str) -> pd.Series:
    """Whether each practice is unusually low (`side` "less") or high ("more") among
    practices with the limits widened by `method`, from a disclosed `funnel_spec` or
    `standardised_spec` table (NA: borderline or not judged). With no widening the second
    question reads as the first."""
    column = f"refers_{side}" if method == NO_ADJUSTMENT else f"unusually_{side}_{method}"
    return values[column].astype("boolean")


FUNNEL_LIMITS_WORDS = (
    "Control limits are Spiegelhalter's (Stat Med 2005): exact Poisson limits around the "
    "place's rate (worked out from its total as shown), interpolated between whole counts"
)


def method_words(values: pd.DataFrame, method: str, words: str = FUNNEL_LIMITS_WORDS) -> str:
    """The method for the caption, from a disclosed `funnel_spec` (or `standardised_spec`)
    table: how "beyond chance" is judged (`words`), and the overdispersion test's result."""
    d = shown_dispersion_of(values)
    if d is None:
        return words + (
            f"; with fewer than {MIN_PRACTICES_FOR_DISPERSION} practices overdispersion "
            "is not tested."
        )
    test = (
        f"Overdispersion test (Spiegelhalter, Qual Saf Health Care 2005: square-root "
        f"z-scores of the counts as shown, winsorised at 10% each end): phi = {d.phi:.1f} "
        f"over {d.units} practices, p {_p_words(d.p_value)}"
    )
    if not d.overdispersed:
        return (
            f"{words}. {test}: no evidence of overdispersion, so a practice beyond chance is "
            "also unusual among practices."
        )
    if method == NO_ADJUSTMENT:
        return (
            f"{words}. {test}: the practices vary more than chance alone explains, but no "
            "allowance is made for it, as chosen: “unusual among practices” then "
            "reads the same as “beyond chance”."
        )
    how = (
        f"widened multiplicatively by sqrt(phi) = {np.sqrt(d.phi):.1f}"
        if method == MULTIPLICATIVE
        else "widened by an additive random effect (between-practice variance tau² "
        f"= {d.tau2:.3f} on the square-root scale, DerSimonian-Laird style)"
    )
    drawn = " (the grey dashed lines)" if words == FUNNEL_LIMITS_WORDS else ""
    return (
        f"{words}. {test}: the practices vary more than chance alone explains, so for "
        f"“unusual among practices” the 99.8% limits are {how}, on the square-root "
        f"scale{drawn}."
    )


def _p_words(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


# --- how complete the recording is behind each practice compared ---------------------------

PRACTICE_RECORDING = ("age_recorded", "ethnicity_recorded")  # beside the funnel


def with_recording(
    table: pd.DataFrame, completeness: pd.DataFrame, fields: tuple[str, ...] = PRACTICE_RECORDING
) -> pd.DataFrame:
    """`table` (one row per practice) with each practice's referrals (`all_referrals`: of any
    age, as `recording_completeness` counts them) and how many have each of `fields`
    recorded, from `recording_completeness(..., "practice_code")`: the same counts as the
    completeness panel's, so the same figure reads the same in both. NA for a row with no
    referrals counted there."""
    counted = completeness[completeness["practice_code"] != ALL_REFERRALS]
    counted = counted.set_index("practice_code")
    out = table.copy()
    codes = out["practice_code"].astype("string")
    out["all_referrals"] = codes.map(counted["referrals"]).astype("Int64")
    for field in fields:
        out[field] = codes.map(counted[field]).astype("Int64")
    return out


def _recording_columns(fields: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, Share]]:
    """The counts `with_recording` adds and the shares recorded worked out from them."""
    shares = {f"{field}_pct": Share(field, "all_referrals") for field in fields}
    return ("all_referrals", *fields), shares


# --- indirect standardisation ---------------------------------------------------------------


def indirect_standardisation(
    referrals_by_stratum: pd.DataFrame,
    population_by_stratum: pd.DataFrame,
    unit: str = "practice_code",
    strata: tuple[str, ...] = ("age_band", "sex"),
    level: float = 0.95,
) -> pd.DataFrame:
    """Observed / expected referrals for each `unit`, expected from the place's own rates in
    each stratum (referrals / population, all units together) applied to the unit's
    population in that stratum: the textbook method on exact counts (with disclosure off;
    `standardised_spec` works the same out from the counts as shown).

    `referrals_by_stratum` has `unit`, the strata and `referrals`; `population_by_stratum`
    has `unit`, the strata and `population` (e.g. registered adults by age band and sex).
    Returns unit, observed, expected, ratio and its exact Poisson interval (ratio_low,
    ratio_high). A ratio of 1 refers as the place would with its age-sex mix."""
    keys = [unit, *strata]
    pop = population_by_stratum.groupby(keys, observed=True)["population"].sum()
    refs = referrals_by_stratum.groupby(keys, observed=True)["referrals"].sum()
    joined = pd.concat([pop, refs], axis=1).fillna(0)
    by_stratum = joined.groupby(level=list(strata)).sum()
    rates = by_stratum["referrals"] / by_stratum["population"].where(by_stratum["population"] > 0)
    joined["reference_rate"] = rates.reindex(joined.droplevel(unit).index).to_numpy()
    joined["expected"] = joined["population"] * joined["reference_rate"].fillna(0)
    out = joined.groupby(level=unit)[["referrals", "expected"]].sum()
    out = out.rename(columns={"referrals": "observed"}).reset_index()
    out["ratio"] = out["observed"] / out["expected"].where(out["expected"] > 0)
    low, high = intervals.poisson_interval(out["observed"], level)
    out["ratio_low"] = low / out["expected"].where(out["expected"] > 0)
    out["ratio_high"] = high / out["expected"].where(out["expected"] > 0)
    return out


ADULT_BANDS = vocab.AGE_BANDS[1:]
STANDARD_SEXES = ("female", "male")  # the sexes registered lists are published by
STRATA = ("age_band", "sex")


@dataclass(frozen=True)
class PracticeStandardisation:
    """Practices' adult referrals against those expected for their lists' age and sex mix.

    `table`: one row per practice with registered adults by age and sex (practice_code, name,
    pcn_name, registered, observed, adults: all its adult referrals, the whole `observed` is a
    part of, and the place's left_out and no_ages on every row);
    `strata`: the chosen practices together by age band and sex (referrals, population),
    whose rates set what is expected; `population`: registered
    adults of each practice (rows, in `table`'s order) in each stratum (columns, in
    `strata`'s order); `left_out`: adult referrals from these practices without an adult age
    band and a sex of female or male (not in any stratum); `no_ages`: adult referrals from
    chosen practices with no registered adults by age and sex."""

    table: pd.DataFrame
    strata: pd.DataFrame
    population: np.ndarray
    observed: int
    left_out: int
    no_ages: int


def practice_standardisation(
    referrals: pd.DataFrame, registered_ages: pd.DataFrame, practices: pd.DataFrame
) -> PracticeStandardisation:
    """Exact counts for indirect standardisation of the chosen `practices`' adult referrals
    for age band and sex (`standardised_spec` works out the expected counts and ratios from
    them as shown). Only referrals with an adult age band and a sex of female or male are
    counted; the rest are counted in `left_out`."""
    codes = practices["practice_code"].astype(str)
    ages = registered_ages[registered_ages["practice_code"].astype(str).isin(set(codes))]
    with_ages = set(ages["practice_code"].astype(str))
    refs = referrals.loc[adult_mask(referrals), ["practice_code", "age_band", "sex"]]
    practice = refs["practice_code"].astype("string")
    chosen = practice.isin(set(codes)).fillna(False).to_numpy(dtype=bool)
    ours = practice.isin(with_ages).fillna(False).to_numpy(dtype=bool)
    refs = refs[ours]
    known = (
        refs["age_band"].astype("string").isin(ADULT_BANDS).fillna(False)
        & refs["sex"].astype("string").isin(STANDARD_SEXES).fillna(False)
    ).to_numpy(dtype=bool)
    counted = (
        refs[known]
        .astype({"practice_code": "string", "age_band": "string", "sex": "string"})
        .groupby(["practice_code", *STRATA], observed=True)
        .size()
        .rename("referrals")
    )
    population = ages.astype(
        {"practice_code": "string", "age_band": "string", "sex": "string"}
    ).rename(columns={"patients": "population"})
    population["population"] = population["population"].astype("Float64").fillna(0)
    grid = population.pivot_table(
        index="practice_code", columns=list(STRATA), values="population", aggfunc="sum",
        fill_value=0,
    ).sort_index()  # fmt: skip
    columns = ["practice_code", "name", "pcn_name", "registered", "observed", "adults"]
    if grid.empty:
        empty = pd.DataFrame(columns=[*columns, "left_out", "no_ages"])
        strata = pd.DataFrame(columns=[*STRATA, "referrals", "population"])
        return PracticeStandardisation(empty, strata, np.zeros((0, 0)), 0, 0, int(chosen.sum()))
    by_practice = counted.groupby(level="practice_code").sum()
    table = pd.DataFrame({"practice_code": grid.index.astype(str)})
    table["registered"] = pd.array(grid.sum(axis=1).round(0).to_numpy(), dtype="Int64")
    table["observed"] = table["practice_code"].map(by_practice).fillna(0).astype("Int64")
    adults = refs["practice_code"].astype("string").value_counts()
    table["adults"] = table["practice_code"].map(adults).fillna(0).astype("Int64")
    names = practices.drop_duplicates("practice_code").set_index(codes.drop_duplicates())
    for column in ("name", "pcn_name"):
        values = names[column] if column in names else pd.Series(dtype="string")
        table[column] = table["practice_code"].map(values)
    by_stratum = counted.groupby(level=list(STRATA)).sum()
    strata = pd.DataFrame(list(grid.columns), columns=list(STRATA))
    keys = pd.MultiIndex.from_frame(strata)
    strata["referrals"] = by_stratum.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    strata["population"] = grid.sum(axis=0).to_numpy(dtype=float)
    table = table[columns].assign(  # the notes' counts, disclosed with the table
        left_out=int((~known).sum()), no_ages=int((chosen & ~ours).sum())
    )
    return PracticeStandardisation(
        table,
        strata,
        grid.to_numpy(dtype=float),
        int(known.sum()),
        int((~known).sum()),
        int((chosen & ~ours).sum()),
    )


STRATA_SPEC = Spec(counts=("referrals",))


def _expected_from_strata(population: np.ndarray):
    """Each practice's expected referrals: its registered adults in each stratum times the
    place's rate there, from the stratum's disclosed count (a hidden one at 4)."""

    def compute(shown: Shown) -> pd.Series:
        strata = shown.basis["strata"]
        count = strata.values["referrals"].astype("Float64").fillna(HIDDEN_MIDDLE)
        people = strata.values["population"].astype(float)
        rate = (count / people.where(people > 0)).fillna(0).to_numpy(dtype=float)
        return pd.Series(population @ rate, index=shown.values.index, dtype="Float64")

    return compute


BEYOND_CHANCE = 0.998  # the funnel's coverage: "beyond chance" means the same on both panels


def _ratio_end(frame: pd.DataFrame, counts: pd.Series, end: int) -> pd.Series:
    expected = frame["expected"].astype("Float64")
    limit = intervals.poisson_interval(counts, BEYOND_CHANCE)[end]
    limit = pd.Series(limit, index=frame.index, dtype="Float64")
    return (limit / expected.where(expected > 0)).astype("Float64")


def _fewer_than_expected(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    """The whole 99.8% interval of the ratio below 1: for a whole count, the same as a count
    under the exact Poisson 99.8% lower limit around the count expected (the funnel's test)."""
    return (_ratio_end(frame, counts, 1) < 1).astype("boolean")


def _more_than_expected(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    """The whole 99.8% interval of the ratio above 1."""
    return (_ratio_end(frame, counts, 0) > 1).astype("boolean")


def _standardised_dispersion(shown: Shown) -> Dispersion | None:
    """Spiegelhalter's overdispersion test on the observed counts as shown (a hidden one at 4)
    against those expected from the strata as shown."""
    expected = shown.values["expected"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    observed = shown.centre("observed").to_numpy(dtype=float, na_value=np.nan)
    return overdispersion(observed, expected)


def _standardised_figure(name: str) -> Derived:
    """phi, tau2 or the test's p-value of the standardised ratios on every row."""

    def compute(shown: Shown) -> pd.Series:
        dispersion = _standardised_dispersion(shown)
        value = np.nan if dispersion is None else float(getattr(dispersion, name))
        return pd.Series(value, index=shown.values.index, dtype="Float64")

    return Derived(compute, decimals=3 if name != "phi" else 1)


def _widened_count(side: str, method: str) -> Derived:
    """The 99.8% limit widened for overdispersion by `method`, as a count (the ratio's limit
    times the count expected); NA where the ratios are not overdispersed or no widening is
    chosen (the second question then reads as the first)."""

    def compute(shown: Shown) -> pd.Series:
        index = shown.values.index
        dispersion = _standardised_dispersion(shown)
        if dispersion is None or not dispersion.overdispersed or method == NO_ADJUSTMENT:
            return pd.Series(np.nan, index=index, dtype="Float64")
        expected = shown.values["expected"].astype("Float64").to_numpy(dtype=float, na_value=0)
        low, high = funnel_limits(expected, BEYOND_CHANCE, dispersion, method)
        return pd.Series((low if side == "lower" else high) * expected, index=index,
                         dtype="Float64")  # fmt: skip

    return Derived(compute, decimals=1)


def _unusual(side: str, limit: str):
    """Outside the widened limit (`limit`, a count) where there is one; else the first
    question's answer (the ratio's 99.8% interval wholly below or above 1)."""
    by_interval = _fewer_than_expected if side == "less" else _more_than_expected

    def decide(values: pd.DataFrame, counts: pd.Series) -> pd.Series:
        bound = values[limit].astype("Float64")
        counts = counts.astype("Float64")
        outside = counts < bound if side == "less" else counts > bound
        return outside.astype("boolean").where(bound.notna(), by_interval(values, counts))

    return decide


def standardised_spec(result: PracticeStandardisation, method: str = ADDITIVE) -> Spec:
    """Observed referrals are people; the expected counts come from the strata's disclosed
    counts (the panel's `strata` basis, `STRATA_SPEC`), so they add up to what the strata
    show, not to the exact total; the ratio from the count shown; its 99.8% interval (the
    funnel's coverage) the union of the exact Poisson intervals over every count the shown
    one allows (a hidden count's included); the share of the practice's adult referrals in a
    stratum (age band and sex recorded) from the counts as shown. The funnel's two questions,
    judged only where every count the shown one allows agrees: below or above the place
    beyond chance (the ratio's 99.8% interval wholly below or above 1), and unusual among
    practices (Spiegelhalter's overdispersion test on the ratios as shown; where they are
    overdispersed, the 99.8% limits around 1 widened by `method`, as in `funnel_limits`), for
    the chosen widening and for each other (`unusually_less_additive`, ...)."""
    derived = {
        "expected": Derived(_expected_from_strata(result.population), decimals=1),
        "ratio": Derived(
            lambda shown: (
                shown.values["observed"].astype("Float64")
                / shown.values["expected"].astype("Float64").where(shown.values["expected"] > 0)
            ),
            decimals=2,
            hidden_with=("observed",),
        ),
        "ratio_low": intervals.ratio_interval("observed", "expected", "low", BEYOND_CHANCE),
        "ratio_high": intervals.ratio_interval("observed", "expected", "high", BEYOND_CHANCE),
        "phi": _standardised_figure("phi"),
        "tau2": _standardised_figure("tau2"),
        "dispersion_p": _standardised_figure("p_value"),
    }
    judgements = {
        "refers_less": Judgement("observed", _fewer_than_expected),
        "refers_more": Judgement("observed", _more_than_expected),
    }
    for name, widening in (("adjusted", method), *((w, w) for w in WIDENINGS)):
        for side, count in (("less", "below"), ("more", "above")):
            limit = f"{count}_count_{name}"
            derived[limit] = _widened_count("lower" if side == "less" else "upper", widening)
            judged = f"unusually_{side}" if name == "adjusted" else f"unusually_{side}_{name}"
            judgements[judged] = Judgement("observed", _unusual(side, limit))
    return Spec(
        # left_out and no_ages: the notes' counts
        counts=("observed", "adults", "left_out", "no_ages"),
        shares={"age_sex_recorded_pct": Share("observed", "adults")},
        derived=derived,
        judgements=judgements,
    )


# --- equity by deprivation ------------------------------------------------------------------


def adult_mask(referrals: pd.DataFrame) -> np.ndarray:
    """`referrals.adults` as a mask, worked out on the distinct age bands (fast at a million
    rows): an age band of 18 or over, or none recorded."""
    codes, uniques = _codes(referrals["age_band"])
    adult = np.append([str(u) != referral_metrics.CHILDREN for u in uniques], True)
    return adult[codes]


def decile_counts(
    referrals: pd.DataFrame, area_stats: pd.DataFrame, per_year: float
) -> pd.DataFrame:
    """Adult referrals by IMD decile (1 = most deprived) of the area of residence, counted on
    the distinct areas rather than row by row: the count, all those with a decile (the whole
    a share is of), the count from areas with a population (a rate's numerator, so
    referrals from an area without one do not inflate it) and the adults living there.
    Referrals whose area is not recorded or has no decile are in no decile: how many is
    `no_decile` (on every row), how complete the recording behind the comparison is. The one
    home of the deprivation table: the referral flows and equity pages both show it."""
    deciles = area_stats.dropna(subset=["imd_decile"])
    decile_of = dict(zip(deciles["area_code"], deciles["imd_decile"].astype(int), strict=True))
    with_population = set(deciles.loc[deciles["population_adult"].notna(), "area_code"])
    adults = adult_mask(referrals)
    codes, uniques = _codes(referrals.loc[adults, "area_code"])
    per_area = np.bincount(codes[codes >= 0], minlength=len(uniques))
    area_decile = np.array([decile_of.get(u, 0) for u in uniques], dtype=np.int64)
    populated = np.array([u in with_population for u in uniques], dtype=bool)
    counted = np.bincount(area_decile, weights=per_area, minlength=11)[1:11]
    counted_pop = np.bincount(area_decile[populated], weights=per_area[populated], minlength=11)
    table = pd.DataFrame({"imd_decile": range(1, 11)})
    table["referrals"] = counted.astype(np.int64)
    table["all_with_decile"] = int(counted.sum())
    table["no_decile"] = int(adults.sum()) - int(counted.sum())
    table["referrals_with_population"] = counted_pop[1:11].astype(np.int64)
    table["population_adult"] = table["imd_decile"].map(
        deciles.groupby(deciles["imd_decile"].astype(int))["population_adult"].sum(min_count=1)
    )
    table = table[table["population_adult"].notna() | (table["referrals"] > 0)]
    return table.reset_index(drop=True)


def rates_by_deprivation(
    referrals: pd.DataFrame,
    area_stats: pd.DataFrame,
    per_year: float,
    fifths: bool = False,
    deciles: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Adult referrals by IMD decile (or quintile, `fifths`) of the area of residence: the
    counts of `decile_counts`, the adults living there and their share of the place's adults.
    Group 1 is the most deprived. The share, the rate and its interval are worked out from
    the counts as shown (`deprivation_rates_spec`). `deciles` (from `decile_counts`) saves
    counting again."""
    table = decile_counts(referrals, area_stats, per_year) if deciles is None else deciles
    group = "imd_decile"
    if fifths:
        group = "imd_quintile"
        table = table.assign(imd_quintile=(table["imd_decile"] + 1) // 2)
        summed = table.groupby(group, as_index=False).agg(
            referrals=("referrals", "sum"),
            referrals_with_population=("referrals_with_population", "sum"),
            population_adult=("population_adult", lambda s: s.sum(min_count=1)),
        )
        for column in ("all_with_decile", "no_decile"):  # the same on every row
            summed[column] = table[column].iloc[0] if len(table) else 0
        table = summed
    columns = [group, "referrals", "all_with_decile", "no_decile", "referrals_with_population"]
    table = table[[*columns, "population_adult"]].copy()
    pop = table["population_adult"].astype("Float64")
    total_pop = pop.sum()
    table["population_pct"] = 100 * pop / total_pop if total_pop and total_pop > 0 else pd.NA
    table["population_adult"] = pop.round(0).astype("Int64")
    return table.reset_index(drop=True)


def deprivation_rates_spec(per_year: float, with_rate: bool = True) -> Spec:
    """The counts; the share of referrals always; the rate and its 95% interval (the union of
    exact Poisson intervals over every count the shown one allows) only where residents are
    the right denominator (referrals chosen by residence)."""
    # referrals_with_population counts people whether or not a rate is drawn from it, and so
    # does no_decile whether or not its share is shown; the total a share is of adds up the
    # groups as shown
    counts: tuple[str, ...] = ("referrals", "referrals_with_population", "no_decile")
    rates, derived = {}, {}
    if with_rate:
        per = PER * per_year
        rates = {"rate_per_1000": Rate("referrals_with_population", "population_adult", per)}
        derived = {
            f"rate_{side}": intervals.rate_interval(
                "referrals_with_population", "population_adult", per, side
            )
            for side in ("low", "high")
        }
    return Spec(
        counts=counts,
        totals={"all_with_decile": Total("referrals")},
        rates=rates,
        derived=derived,
        shares={"share_pct": Share("referrals", "all_with_decile")},
    )


@dataclass(frozen=True)
class SlopeIndex:
    """The slope index of inequality: the modelled rate in the most deprived minus that in
    the least deprived (positive: more referrals per head where deprivation is greater), its
    95% interval, the relative index (SII over the mean rate) and what it rests on."""

    sii: float
    low: float
    high: float
    mean_rate: float
    groups: int

    @property
    def relative(self) -> float:
        return self.sii / self.mean_rate if self.mean_rate else np.nan


def rank_midpoints(population) -> np.ndarray:
    """Each group's population-weighted cumulative rank midpoint, in the order given (most
    deprived first): the share of the population before it plus half its own share."""
    population = np.asarray(population, float)
    shares = population / population.sum()
    return np.cumsum(shares) - shares / 2


def weighted_regression(x, y, weights) -> tuple[float, float, float, float, int]:
    """Weighted least squares of y on x: (intercept, slope, slope's standard error, its
    residual degrees of freedom, n), as statsmodels WLS gives them."""
    x, y, w = (np.asarray(v, float) for v in (x, y, weights))
    design = np.column_stack([np.ones_like(x), x])
    xtw = design.T * w
    cov = np.linalg.inv(xtw @ design)
    beta = cov @ xtw @ y
    residuals = y - design @ beta
    df = len(x) - 2
    sigma2 = float(np.sum(w * residuals**2) / df) if df > 0 else np.nan
    return float(beta[0]), float(beta[1]), float(np.sqrt(sigma2 * cov[1, 1])), df, len(x)


def slope_index(table: pd.DataFrame, group: str = "imd_decile") -> SlopeIndex | None:
    """The slope index of inequality across groups with `population_adult` and
    `rate_per_1000` (ordered most deprived first), or None with fewer than three groups with a
    population and a rate."""
    rate = table["rate_per_1000"].astype("Float64")
    pop = table["population_adult"].astype("Float64").fillna(0)
    usable = table[(pop > 0).to_numpy() & rate.notna().to_numpy()].sort_values(group)
    if len(usable) < 3:
        return None
    pop = usable["population_adult"].astype(float).to_numpy()
    rate = usable["rate_per_1000"].astype(float).to_numpy()
    x = rank_midpoints(pop)
    _, slope, se, df, _ = weighted_regression(x, rate, pop)
    t = special.stdtrit(df, 0.975)  # t.ppf(0.975, df)
    sii = -slope  # rank 0 (most deprived) minus rank 1 (least deprived)
    mean_rate = float(np.average(rate, weights=pop))
    return SlopeIndex(sii, sii - t * se, sii + t * se, mean_rate, len(usable))


SLOPE_MEASURES = (
    "Slope index of inequality (referrals per 1,000 adults a year, most minus least deprived)",
    "Relative index (slope index / average rate, %)",
)


def slope_index_table() -> pd.DataFrame:
    """The index's two rows for the panel; every figure comes from the deciles as shown
    (`slope_spec`, with the decile table as the panel's `deciles` basis)."""
    return pd.DataFrame({"measure": list(SLOPE_MEASURES)})


def shown_slope_index(deciles, per_year: float) -> SlopeIndex | None:
    """The slope index from a disclosed decile table: each decile's rate from its count as
    shown (a hidden one at 4, the middle of 1-7)."""
    values = deciles.values
    count = values["referrals_with_population"].astype("Float64").fillna(HIDDEN_MIDDLE)
    pop = values["population_adult"].astype("Float64")
    table = values.assign(rate_per_1000=count / pop.where(pop > 0) * PER * per_year)
    return slope_index(table)


def _slope_figure(per_year: float, name: str) -> Derived:
    def compute(shown: Shown) -> pd.Series:
        index = shown_slope_index(shown.basis["deciles"], per_year)
        if index is None:
            return pd.Series(np.nan, index=shown.values.index, dtype="Float64")
        value = getattr(index, name)
        relative = 100 * value / index.mean_rate if index.mean_rate else np.nan
        return pd.Series([value, relative], index=shown.values.index, dtype="Float64")

    return Derived(compute, decimals=1, people="referrals")


def _deciles_referrals(shown: Shown) -> pd.Series:
    """The adult referrals the index rests on: the deciles' as shown, added up (a hidden one
    as 4)."""
    counts = shown.basis["deciles"].values["referrals_with_population"].astype("Float64")
    total = float(counts.fillna(HIDDEN_MIDDLE).sum())
    return pd.Series(total, index=shown.values.index, dtype="Float64")


def slope_spec(per_year: float) -> Spec:
    """The index and its interval, from the deciles as shown; "too few" under 30 referrals."""
    return Spec(
        derived={
            "referrals": Derived(_deciles_referrals, decimals=0),
            "value": _slope_figure(per_year, "sii"),
            "low": _slope_figure(per_year, "low"),
            "high": _slope_figure(per_year, "high"),
        },
    )


FIFTH_SPEC = Spec(
    counts=("referrals", "no_decile"),
    totals={"all_with_decile": Total("referrals")},
    shares={"share_pct": Share("referrals", "all_with_decile")},
)


def fifth_table(fifths: pd.DataFrame) -> pd.DataFrame:
    """The most deprived fifth panel's table from `rates_by_deprivation(..., fifths=True)`:
    the counts, and each quintile's share of the place's adults to the whole per cent."""
    columns = ["imd_quintile", "referrals", "all_with_decile", "no_decile"]
    return fifths[columns].assign(
        population_pct=fifths["population_pct"].astype("Float64").round(0).astype("Int64")
    )


def _decile_known(shown: Shown) -> pd.Series:
    """The share of adult referrals with a recorded area that has a decile: the groups as
    shown added up, over those and the adult referrals in no decile as shown (a hidden count
    at 4)."""
    known = shown.values["all_with_decile"].astype("Float64")
    whole = known + shown.centre("no_decile")
    # to the whole per cent shown, so an answer judging it judges what the reader sees
    return (100 * known / whole.where(whole > 0)).round(0).astype("Float64")


def with_area_recorded(spec: Spec) -> Spec:
    """A deprivation spec (`deprivation_rates_spec`, `FIFTH_SPEC`) with how complete the
    recording behind it is: the share of adult referrals with an area and its decile known
    (`decile_known_pct`), from the groups and the count in no decile (`no_decile`) as shown;
    "too few" under 30 referrals with a decile."""
    return replace(
        spec,
        derived={
            **spec.derived,
            "decile_known_pct": Derived(_decile_known, decimals=0, people="all_with_decile"),
        },
    )


# --- who was referred: distributions --------------------------------------------------------

CHARACTERISTICS = {"age_band": "Age band", "sex": "Sex", "ethnicity": "Ethnic group"}


def referral_distribution(referrals: pd.DataFrame) -> pd.DataFrame:
    """Referrals by age band, sex and ethnic group (ONS 5+1), `not recorded` where blank:
    the count and the total it is a share of. No population denominator: a distribution of
    referrals, not a rate."""
    parts = []
    total = len(referrals)
    for column, label in CHARACTERISTICS.items():
        counts = referrals[column].astype("string").fillna(NOT_RECORDED).value_counts(sort=False)
        frame = pd.DataFrame(
            {
                "characteristic": label,
                "group": counts.index.astype(str),
                "referrals": counts.to_numpy(dtype=int),
            }
        )
        # age bands in age order, the rest by name: never in the order the data gives them,
        # which would tell the first referral's sex or ethnic group
        frame = frame.sort_values("group", kind="stable")
        parts.append(frame.sort_values("group", key=_group_order, kind="stable"))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out["total"] = total
    return out


def _group_order(groups: pd.Series) -> pd.Series:
    """Age bands in age order, then named groups, with `not stated`/`not recorded` last."""
    last = groups.isin([NOT_STATED, NOT_RECORDED]).astype(int) * 100
    young = groups.str.extract(r"^(\d+)")[0].astype(float).fillna(99)
    return last + young.rank(method="dense")


def _characteristic_recorded(shown: Shown) -> pd.Series:
    """For each row, the share of referrals with its characteristic recorded (not `not
    recorded` or `not stated`): the characteristic's groups as shown added up (a hidden one
    at 4), over all of them."""
    values = shown.values
    counts = shown.centre("referrals")
    unrecorded = values["group"].isin([NOT_RECORDED, NOT_STATED])
    by = values["characteristic"]
    recorded = counts.where(~unrecorded, 0).groupby(by).transform("sum")
    whole = counts.groupby(by).transform("sum")
    return (100 * recorded / whole.where(whole > 0)).round(0).astype("Float64")


DISTRIBUTION_SPEC = Spec(
    counts=("referrals",),
    totals={"total": Total("referrals", group="characteristic")},
    shares={"share_pct": Share("referrals", "total")},
    derived={"recorded_pct": Derived(_characteristic_recorded, decimals=0, people="total")},
)


# --- how complete the recording is ----------------------------------------------------------

RECORDED = {
    "ethnicity": "ethnicity_recorded",
    "age_band": "age_recorded",
    "sex": "sex_recorded",
    "area_code": "area_recorded",
}
COMPLETENESS_BY = ("month", "practice_code", "link_worker_id")


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 where blank) and the distinct values: one pass over a million rows,
    then work on the few distinct values only."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes), np.asarray(uniques, dtype=object)


def _recorded(referrals: pd.DataFrame) -> dict[str, np.ndarray]:
    """One 0/1 array per field: recorded (not blank, not `not stated`, any case)."""
    out = {}
    for column, name in RECORDED.items():
        codes, uniques = _codes(referrals[column])
        stated = np.array(
            [str(u).strip().lower() not in ("", NOT_STATED) for u in uniques], dtype=bool
        )
        known = np.append(stated, False)  # code -1 (blank) looks up the last entry
        out[name] = known[codes].astype(np.int64)
    return out


def _grouping(referrals: pd.DataFrame, by: str) -> tuple[np.ndarray, list[str]]:
    """Each referral's group code and the groups' names in order (`not recorded` last)."""
    if by == "month":
        dates = referrals["referral_date"]
        keys = (dates.dt.year * 100 + dates.dt.month).fillna(0).astype(np.int64).to_numpy()
        months, codes = np.unique(keys, return_inverse=True)
        names = [f"{k // 100:04d}-{k % 100:02d}" if k else NOT_RECORDED for k in months]
        if len(months) and months[0] == 0:  # no date: last
            codes = np.where(codes == 0, len(months) - 1, codes - 1)
            names = names[1:] + names[:1]
        return codes, names
    codes, uniques = _codes(referrals[by])
    order = np.argsort(np.array([str(u) for u in uniques], dtype=object), kind="stable")
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    names = [str(uniques[i]) for i in order]
    if (codes < 0).any():
        names.append(NOT_RECORDED)
    lookup = np.append(rank, len(uniques))  # code -1 (blank) looks up the last entry
    return lookup[codes], names


def recording_completeness(
    referrals: pd.DataFrame, by: str, recorded: dict[str, np.ndarray] | None = None
) -> pd.DataFrame:
    """Referrals and how many have each of ethnicity, age band, sex and area recorded, for
    each `by` value ("practice_code", "link_worker_id" or "month"), `not recorded` where the
    grouping itself is blank; the first row is all referrals together. `recorded` (from
    `_recorded`) saves working it out again for each grouping."""
    recorded = _recorded(referrals) if recorded is None else recorded
    codes, names = _grouping(referrals, by)
    groups = len(names)
    table = {by: [ALL_REFERRALS, *names]}
    table["referrals"] = np.concatenate(
        [[len(codes)], np.bincount(codes, minlength=groups)]
    ).astype(np.int64)
    for name, flags in recorded.items():
        per_group = np.bincount(codes, weights=flags, minlength=groups)
        table[name] = np.concatenate([[flags.sum()], per_group]).astype(np.int64)
    return pd.DataFrame(table)


def recording_completeness_by(referrals: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`recording_completeness` by month, practice and link worker, sharing one pass."""
    recorded = _recorded(referrals)
    return {by: recording_completeness(referrals, by, recorded) for by in COMPLETENESS_BY}


def completeness_spec(by: str) -> Spec:
    """Every recorded count is a count of people; each share rests on the group's referrals;
    the first row (all referrals) adds up the groups as shown."""
    return Spec(
        counts=("referrals", *RECORDED.values()),
        shares={f"{name}_pct": Share(name, "referrals") for name in RECORDED.values()},
        total_row=(by, ALL_REFERRALS),
    )
