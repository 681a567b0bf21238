"""Equity: who the service reaches and who it misses, compared fairly and with honest uncertainty.

Every function returns EXACT figures (a `disclosure.Spec` says which columns count people);
the one disclosure step is applied where they are drawn. Rates are per 1,000 adults a year:
adult referrals (`referrals.adults`) over an adult population, annualised over the months
chosen, so a practice's person-years are its list size times the years in the period.

Methods, each with its source:

- Rate intervals: exact Poisson limits from the chi-squared distribution (Garwood 1936), and
  Byar's approximation (Breslow & Day 1987), which agrees closely from about 10 events up.
- Funnel plots: Spiegelhalter, "Funnel plots for comparing institutional performance", Stat
  Med 2005;24:1185-1202. Exact Poisson control limits with his interpolation between whole
  counts, around the place's own rate, at 95% and 99.8%.
- Overdispersion: Spiegelhalter, "Handling over-dispersion of performance indicators", Qual
  Saf Health Care 2005;14:347-351. z-scores on the square-root scale, winsorised at 10% at
  each end; phi = mean of their squares; n x phi against chi-squared with n-1 degrees of
  freedom. When overdispersed, limits widen by sqrt(phi) (multiplicative) or by an additive
  between-practice variance tau squared (DerSimonian-Laird style, as he gives it).
- Indirect standardisation: observed / expected, expected from the place's age-sex rates
  applied to each practice's list by age and sex; exact Poisson interval on the observed count.
- Slope index of inequality: weighted least squares of the rate on the population-weighted
  cumulative rank midpoint (0 = most deprived), weights the adult population; its 95%
  interval from the regression's standard error with n-2 degrees of freedom (the estimates
  equal those of statsmodels WLS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from socialrx import vocab
from socialrx.disclosure import Judgement, Rate, Share, Spec, Statistic
from socialrx.metrics import referrals as referral_metrics

PER = 1000  # rates per 1,000 adults a year
NOT_RECORDED = "not recorded"
NOT_STATED = "not stated"
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


# --- rates and their intervals -------------------------------------------------------------


def poisson_interval(counts, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence limits for Poisson counts: chi-squared quantiles halved.
    A count of 0 has lower limit 0; NA counts give NaN."""
    count = np.asarray(pd.Series(counts, dtype="Float64").to_numpy(dtype=float, na_value=np.nan))
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        low = np.where(count > 0, stats.chi2.ppf(alpha / 2, 2 * count) / 2, 0.0)
        high = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    low = np.where(np.isnan(count), np.nan, low)
    return low, high


def byar_interval(counts, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits (Breslow & Day 1987, vol II)."""
    count = np.asarray(pd.Series(counts, dtype="Float64").to_numpy(dtype=float, na_value=np.nan))
    z = stats.norm.ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
        up = count + 1
        high = up * (1 - 1 / (9 * up) + z / (3 * np.sqrt(up))) ** 3
    low = np.where(count > 0, low, np.where(np.isnan(count), np.nan, 0.0))
    return low, high


def add_rate_interval(
    table: pd.DataFrame, count: str, population: str, per_year: float, level: float = 0.95
) -> pd.DataFrame:
    """`table` with `rate_low` and `rate_high`: the exact Poisson interval of `count` as a rate
    per 1,000 of `population` a year (NA where the population is unknown or 0)."""
    low, high = poisson_interval(table[count], level)
    people = pd.Series(table[population]).astype("Float64").to_numpy(dtype=float, na_value=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(people > 0, PER * per_year / people, np.nan)
    out = table.copy()
    for column, bound in (("rate_low", low * scale), ("rate_high", high * scale)):
        out[column] = pd.array(np.where(np.isfinite(bound), bound, np.nan), dtype="Float64")
    return out


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
    p_value = float(stats.chi2.sf(n * phi, n - 1))
    weights = 4 * expected  # 1 / s^2, s = 1 / (2 sqrt(E)) on the square-root scale
    if n * phi < n - 1:
        tau2 = 0.0
    else:
        tau2 = (n * phi - (n - 1)) / (weights.sum() - (weights**2).sum() / weights.sum())
    return Dispersion(n, phi, p_value, max(tau2, 0.0), p_value < alpha)


NO_ADJUSTMENT, MULTIPLICATIVE, ADDITIVE = "none", "multiplicative", "additive"


def poisson_limits(expected, probability: float) -> np.ndarray:
    """The `probability` quantile of a Poisson count with mean `expected`, as a ratio to
    `expected`, interpolated between whole counts as Spiegelhalter (2005, appendix) gives:
    (y_p - a) / E, y_p the smallest count with F(y_p) >= p,
    a = (F(y_p) - p) / (F(y_p) - F(y_p - 1))."""
    expected = np.asarray(expected, float)
    y = stats.poisson.ppf(probability, expected)
    upper_cdf = stats.poisson.cdf(y, expected)
    lower_cdf = stats.poisson.cdf(y - 1, expected)
    with np.errstate(divide="ignore", invalid="ignore"):
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
    z = stats.norm.ppf(1 - tail)
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
    referrals from unknown practices) and what the limits rest on."""

    table: pd.DataFrame
    place_rate: float  # per 1,000 registered adults a year (exact)
    place_referrals: int  # adult referrals from practices with a list size
    registered: float  # their registered adults
    dispersion: Dispersion | None
    method: str  # how the limits were set: NO_ADJUSTMENT, MULTIPLICATIVE or ADDITIVE
    per_year: float

    def curves(self, points: int = 160) -> pd.DataFrame:
        """The funnel's limits as rates per 1,000 a year over a range of list sizes, for the
        chart (not person-level: they rest on the place's rate and list sizes only)."""
        sizes = self.table["list_size"].astype("Float64").dropna()
        sizes = sizes[sizes > 0]
        if sizes.empty or not self.place_rate > 0:
            return pd.DataFrame()
        grid = np.geomspace(max(sizes.min() * 0.8, 50), sizes.max() * 1.15, points)
        expected = self.place_rate / PER * grid / self.per_year
        frame = pd.DataFrame({"list_size": grid})
        for name, coverage in FUNNEL_LEVELS.items():
            low, high = funnel_limits(expected, coverage, self.dispersion, self.method)
            frame[f"lower_{name}"] = low * self.place_rate
            frame[f"upper_{name}"] = high * self.place_rate
        if self.method != NO_ADJUSTMENT:  # the limits before widening, for comparison
            low, high = poisson_limits(expected, 0.001), poisson_limits(expected, 0.999)
            frame["lower_998_poisson"] = low * self.place_rate
            frame["upper_998_poisson"] = high * self.place_rate
        return frame

    def method_words(self) -> str:
        """The method for the caption: limits, and the overdispersion test's result."""
        words = (
            "Control limits are Spiegelhalter's (Stat Med 2005): exact Poisson limits around "
            "the place's rate, interpolated between whole counts"
        )
        d = self.dispersion
        if d is None:
            return words + (
                f"; with fewer than {MIN_PRACTICES_FOR_DISPERSION} practices overdispersion "
                "is not tested."
            )
        test = (
            f"Overdispersion test (Spiegelhalter, Qual Saf Health Care 2005: square-root "
            f"z-scores winsorised at 10% each end): phi = {d.phi:.1f} over {d.units} "
            f"practices, p {_p_words(d.p_value)}"
        )
        if not d.overdispersed:
            return f"{words}. {test}: no evidence of overdispersion, so the limits are not widened."
        if self.method == NO_ADJUSTMENT:
            return (
                f"{words}. {test}: the practices vary more than chance alone explains, but the "
                "limits are not widened, as chosen: many practices may fall outside them "
                "because practices differ, not by chance."
            )
        how = (
            f"widened multiplicatively by sqrt(phi) = {np.sqrt(d.phi):.1f}"
            if self.method == MULTIPLICATIVE
            else "widened by an additive random effect (between-practice variance tau\u00b2 "
            f"= {d.tau2:.3f} on the square-root scale, DerSimonian-Laird style)"
        )
        return (
            f"{words}. {test}: the practices vary more than chance alone explains, so the "
            f"limits are {how}, on the square-root scale; the thin grey dotted lines are the "
            "99.8% limits before widening."
        )


def _p_words(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def practice_funnel(
    referrals: pd.DataFrame, practices: pd.DataFrame, per_year: float, method: str = ADDITIVE
) -> PracticeFunnel:
    """Adult referrals per 1,000 registered adults a year for every practice, with the exact
    95% interval, the funnel limits at that list size (95% and 99.8%, as rates) and the
    counts below / above which the practice is outside the 99.8% limits.

    The place's rate is the practices' referrals over their registered adults (practices with
    a list size only); referrals from unknown practices keep a row with no rate."""
    table = referral_metrics.practice_rates(referrals, practices, per_year)
    return funnel_from_rates(table, per_year, method)


def funnel_from_rates(
    table: pd.DataFrame, per_year: float, method: str = ADDITIVE
) -> PracticeFunnel:
    """`practice_funnel` from a `referrals.practice_rates` table already counted (so a change
    of method does not count a million referrals again)."""
    sizes = table["list_size"].astype("Float64")
    known = (sizes > 0).fillna(False)
    observed = table["referrals"].astype(float)
    place_referrals = int(observed[known].sum())
    registered = float(sizes[known].sum()) if known.any() else 0.0
    person_years = sizes.to_numpy(dtype=float, na_value=np.nan) / per_year
    place_rate = PER * place_referrals / (registered / per_year) if registered > 0 else np.nan
    expected = np.where(known, place_rate / PER * person_years, np.nan)
    dispersion = overdispersion(observed[known], expected[known])
    if dispersion is None or not dispersion.overdispersed:
        method = NO_ADJUSTMENT
    table = add_rate_interval(table, "referrals", "list_size", per_year)
    table["expected"] = pd.array(expected, dtype="Float64")
    for name, coverage in FUNNEL_LEVELS.items():
        low, high = funnel_limits(expected, coverage, dispersion, method)
        table[f"lower_{name}"] = pd.array(low * place_rate, dtype="Float64")
        table[f"upper_{name}"] = pd.array(high * place_rate, dtype="Float64")
        if name == "998":
            table["below_count"] = pd.array(low * expected, dtype="Float64")
            table["above_count"] = pd.array(high * expected, dtype="Float64")
    table["place_referrals"] = place_referrals
    return PracticeFunnel(
        table, place_rate, place_referrals, registered, dispersion, method, per_year
    )


def _below(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    return counts.astype("Float64") < frame["below_count"].astype("Float64")


def _above(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    return counts.astype("Float64") > frame["above_count"].astype("Float64")


def funnel_spec(per_year: float) -> Spec:
    """Referral counts and the rate from the disclosed count; intervals rest on the practice's
    referrals, limits on the place's; the 99.8% judgements are "borderline" where rounding
    could change them."""
    return Spec(
        counts=("referrals",),
        rates={"rate_per_1000": Rate("referrals", "list_size", PER * per_year)},
        statistics={
            "rate_low": Statistic("referrals"),
            "rate_high": Statistic("referrals"),
            **{
                f"{side}_{name}": Statistic("place_referrals")
                for side in ("lower", "upper")
                for name in FUNNEL_LEVELS
            },
        },
        judgements={
            "refers_less": Judgement("referrals", _below),
            "refers_more": Judgement("referrals", _above),
        },
    )


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
    population in that stratum.

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
    low, high = poisson_interval(out["observed"], level)
    out["ratio_low"] = low / out["expected"].where(out["expected"] > 0)
    out["ratio_high"] = high / out["expected"].where(out["expected"] > 0)
    return out


ADULT_BANDS = vocab.AGE_BANDS[1:]
STANDARD_SEXES = ("female", "male")  # the sexes registered lists are published by


@dataclass(frozen=True)
class PracticeStandardisation:
    """Practices' adult referrals against those expected for their lists' age and sex mix.

    `table`: one row per practice with registered adults by age and sex (practice_code, name,
    pcn_name, registered, observed, expected, ratio, ratio_low, ratio_high, place_referrals);
    `left_out`: adult referrals from these practices without an adult age band and a sex of
    female or male (not in any stratum); `no_ages`: adult referrals from chosen practices
    with no registered adults by age and sex."""

    table: pd.DataFrame
    observed: int
    left_out: int
    no_ages: int


def practice_standardisation(
    referrals: pd.DataFrame, registered_ages: pd.DataFrame, practices: pd.DataFrame
) -> PracticeStandardisation:
    """Indirect standardisation of the chosen `practices`' adult referrals for age band and
    sex: the place's rate in each stratum is these practices' referrals over their registered
    adults (all of them together), applied to each practice's registered adults in that
    stratum (`indirect_standardisation`). Only referrals with an adult age band and a sex of
    female or male are counted; the rest are counted in `left_out`."""
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
        .groupby(["practice_code", "age_band", "sex"], observed=True)
        .size()
        .rename("referrals")
        .reset_index()
    )
    population = ages.astype(
        {"practice_code": "string", "age_band": "string", "sex": "string"}
    ).rename(columns={"patients": "population"})
    population = population[["practice_code", "age_band", "sex", "population"]]
    population["population"] = population["population"].astype("Float64").fillna(0)
    columns = ["practice_code", "name", "pcn_name", "registered", "observed", "expected",
               "ratio", "ratio_low", "ratio_high", "place_referrals"]  # fmt: skip
    if population.empty:
        return PracticeStandardisation(pd.DataFrame(columns=columns), 0, 0, int(chosen.sum()))
    out = indirect_standardisation(counted, population)
    registered = population.groupby("practice_code")["population"].sum()
    out["registered"] = out["practice_code"].map(registered).round(0).astype("Int64")
    out["observed"] = out["observed"].round(0).astype("Int64")
    for column in ("expected", "ratio", "ratio_low", "ratio_high"):
        out[column] = out[column].astype("Float64")
    out["place_referrals"] = int(known.sum())
    names = practices.drop_duplicates("practice_code").set_index(codes.drop_duplicates())
    for column in ("name", "pcn_name"):
        values = names[column] if column in names else pd.Series(dtype="string")
        out[column] = out["practice_code"].astype(str).map(values)
    table = out[columns].sort_values("practice_code", kind="stable").reset_index(drop=True)
    return PracticeStandardisation(
        table, int(known.sum()), int((~known).sum()), int((chosen & ~ours).sum())
    )


def _interval_high(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    expected = frame["expected"].astype("Float64")
    high = pd.Series(poisson_interval(counts)[1], index=frame.index, dtype="Float64")
    return (high / expected.where(expected > 0)).astype("Float64")


def _interval_low(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    expected = frame["expected"].astype("Float64")
    low = pd.Series(poisson_interval(counts)[0], index=frame.index, dtype="Float64")
    return (low / expected.where(expected > 0)).astype("Float64")


def _fewer_than_expected(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    """The whole 95% interval of the ratio below 1."""
    return (_interval_high(frame, counts) < 1).astype("boolean")


def _more_than_expected(frame: pd.DataFrame, counts: pd.Series) -> pd.Series:
    """The whole 95% interval of the ratio above 1."""
    return (_interval_low(frame, counts) > 1).astype("boolean")


# Observed referrals are people; the ratio comes from the disclosed count (as a rate does);
# its interval and the expected count (resting on the place's referrals) are statistics shown
# at 30+ people; the judgements only where every count the shown one allows agrees.
STANDARDISED_SPEC = Spec(
    counts=("observed",),
    rates={"ratio": Rate("observed", "expected", decimals=2)},
    statistics={
        "expected": Statistic("place_referrals"),
        "ratio_low": Statistic("observed", decimals=2),
        "ratio_high": Statistic("observed", decimals=2),
    },
    judgements={
        "refers_less": Judgement("observed", _fewer_than_expected),
        "refers_more": Judgement("observed", _more_than_expected),
    },
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
    """`referrals.referrals_by_deprivation` (the same table), counted on the distinct areas
    rather than row by row."""
    deciles = area_stats.dropna(subset=["imd_decile"])
    decile_of = dict(zip(deciles["area_code"], deciles["imd_decile"].astype(int), strict=True))
    with_population = set(deciles.loc[deciles["population_adult"].notna(), "area_code"])
    codes, uniques = _codes(referrals.loc[adult_mask(referrals), "area_code"])
    per_area = np.bincount(codes[codes >= 0], minlength=len(uniques))
    area_decile = np.array([decile_of.get(u, 0) for u in uniques], dtype=np.int64)
    populated = np.array([u in with_population for u in uniques], dtype=bool)
    counted = np.bincount(area_decile, weights=per_area, minlength=11)[1:11]
    counted_pop = np.bincount(area_decile[populated], weights=per_area[populated], minlength=11)
    table = pd.DataFrame({"imd_decile": range(1, 11)})
    table["referrals"] = counted.astype(np.int64)
    total = int(counted.sum())
    table["all_with_decile"] = total
    table["share_pct"] = 100 * table["referrals"] / max(total, 1)
    table["referrals_with_population"] = counted_pop[1:11].astype(np.int64)
    table["population_adult"] = table["imd_decile"].map(
        deciles.groupby(deciles["imd_decile"].astype(int))["population_adult"].sum(min_count=1)
    )
    table = table[table["population_adult"].notna() | (table["referrals"] > 0)]
    table = table.reset_index(drop=True)
    table["rate_per_1000"] = (
        table["referrals_with_population"]
        / table["population_adult"].astype("Float64")
        * (PER * per_year)
    )
    return table


def rates_by_deprivation(
    referrals: pd.DataFrame,
    area_stats: pd.DataFrame,
    per_year: float,
    fifths: bool = False,
    deciles: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Adult referrals by IMD decile (or quintile, `fifths`) of the area of residence: the
    count, its share of all with a decile, the adults living there, the rate per 1,000 adults
    a year and its exact 95% interval. Group 1 is the most deprived. `deciles` (from
    `decile_counts`) saves counting again."""
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
        summed["all_with_decile"] = table["all_with_decile"].iloc[0] if len(table) else 0
        table = summed
    columns = [group, "referrals", "all_with_decile", "referrals_with_population"]
    table = table[[*columns, "population_adult"]].copy()
    table["share_pct"] = 100 * table["referrals"] / table["all_with_decile"].clip(lower=1)
    pop = table["population_adult"].astype("Float64")
    table["rate_per_1000"] = (
        table["referrals_with_population"] / pop.where(pop > 0) * PER * per_year
    )
    table = add_rate_interval(table, "referrals_with_population", "population_adult", per_year)
    total_pop = pop.sum()
    table["population_pct"] = 100 * pop / total_pop if total_pop and total_pop > 0 else pd.NA
    table["population_adult"] = pop.round(0).astype("Int64")
    return table.reset_index(drop=True)


def deprivation_rates_spec(per_year: float, with_rate: bool = True) -> Spec:
    """The counts; the share of referrals always; the rate and its interval only where
    residents are the right denominator (referrals chosen by residence)."""
    counts: tuple[str, ...] = ("referrals", "all_with_decile")
    rates, statistics = {}, {}
    if with_rate:
        counts += ("referrals_with_population",)
        rates = {
            "rate_per_1000": Rate("referrals_with_population", "population_adult", PER * per_year)
        }
        statistics = {
            "rate_low": Statistic("referrals_with_population"),
            "rate_high": Statistic("referrals_with_population"),
        }
    return Spec(
        counts=counts,
        rates=rates,
        statistics=statistics,
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
    referrals: int

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
    """The slope index of inequality across the groups of `rates_by_deprivation` (ordered
    most deprived first), or None with fewer than three groups with a population."""
    usable = table[table["population_adult"].astype("Float64").fillna(0) > 0].sort_values(group)
    if len(usable) < 3:
        return None
    pop = usable["population_adult"].astype(float).to_numpy()
    rate = usable["rate_per_1000"].astype(float).to_numpy()
    x = rank_midpoints(pop)
    _, slope, se, df, _ = weighted_regression(x, rate, pop)
    t = stats.t.ppf(0.975, df)
    sii = -slope  # rank 0 (most deprived) minus rank 1 (least deprived)
    mean_rate = float(np.average(rate, weights=pop))
    return SlopeIndex(
        sii,
        sii - t * se,
        sii + t * se,
        mean_rate,
        len(usable),
        int(usable["referrals_with_population"].sum()),
    )


def slope_index_table(index: SlopeIndex | None) -> pd.DataFrame:
    """The index as a one-row table for the panel (no rows when it cannot be computed)."""
    if index is None:
        return pd.DataFrame(columns=["measure", "value", "low", "high", "referrals"])
    return pd.DataFrame(
        {
            "measure": [
                "Slope index of inequality (referrals per 1,000 adults a year, most minus "
                "least deprived)",
                "Relative index (slope index / average rate, %)",
            ],
            "value": [index.sii, 100 * index.relative],
            "low": [index.low, 100 * index.low / index.mean_rate],
            "high": [index.high, 100 * index.high / index.mean_rate],
            "referrals": index.referrals,
        }
    )


SLOPE_SPEC = Spec(
    statistics={
        "value": Statistic("referrals"),
        "low": Statistic("referrals"),
        "high": Statistic("referrals"),
    }
)


def most_deprived_fifth(table: pd.DataFrame) -> pd.DataFrame:
    """The share of adult referrals from people living in the most deprived fifth (quintile
    1) against that fifth's share of the adult population: one row."""
    first = table[table["imd_quintile"] == 1]
    referrals = int(first["referrals"].sum())
    total = int(table["all_with_decile"].iloc[0]) if len(table) else 0
    pop = table["population_adult"].astype("Float64")
    population_pct = (
        float(100 * first["population_adult"].astype("Float64").sum() / pop.sum())
        if pop.notna().any() and pop.sum() > 0
        else np.nan
    )
    return pd.DataFrame(
        {
            "group": ["Most deprived fifth (IMD quintile 1)"],
            "referrals": [referrals],
            "all_with_decile": [total],
            "share_pct": [100 * referrals / total if total else np.nan],
            "population_pct": [population_pct],
        }
    )


FIFTH_SPEC = Spec(
    counts=("referrals", "all_with_decile"),
    shares={"share_pct": Share("referrals", "all_with_decile")},
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
        parts.append(frame.sort_values("group", key=_group_order, kind="stable"))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out["total"] = total
    return out


def _group_order(groups: pd.Series) -> pd.Series:
    """Age bands in age order, then named groups, with `not stated`/`not recorded` last."""
    last = groups.isin([NOT_STATED, NOT_RECORDED]).astype(int) * 100
    young = groups.str.extract(r"^(\d+)")[0].astype(float).fillna(99)
    return last + young.rank(method="dense")


DISTRIBUTION_SPEC = Spec(
    counts=("referrals", "total"), shares={"share_pct": Share("referrals", "total")}
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
    table = {by: ["all referrals", *names]}
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


def completeness_spec() -> Spec:
    """Every recorded count is a count of people; each share rests on the group's referrals."""
    return Spec(
        counts=("referrals", *RECORDED.values()),
        shares={f"{name}_pct": Share(name, "referrals") for name in RECORDED.values()},
    )
