"""The equity page's answers: one or two plain sentences per panel, worked out from the panel's
DISCLOSED values only (the figures quoted are those the panel shows; what is picked or compared
comes from `socialrx.metrics.equity_summary`), so an answer never says more than the table.

The practice panels answer two questions apart, in the same words everywhere: is a practice
below (or above) the place beyond chance, and is it unusual among practices. Where the
allowance for overdispersion chosen changes the second answer, the answer says what each
other allowance would say, so no option changes which practices the page names unsaid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from socialrx import vocab
from socialrx.metrics import equity
from socialrx.metrics import equity_summary as summary

ALLOWANCE = {  # each allowance for overdispersion, as an alternative to the one chosen
    equity.NO_ADJUSTMENT: "no allowance (Poisson limits only)",
    equity.MULTIPLICATIVE: "the multiplicative allowance (\u221aphi)",
    equity.ADDITIVE: "the additive allowance (tau\u00b2)",
}
ALLOWED_BY = {  # the one chosen, after "allowed for"
    equity.MULTIPLICATIVE: "by widening the limits by \u221aphi",
    equity.ADDITIVE: "by an additive random effect (tau\u00b2)",
}
RECORDED_WORDS = {
    "ethnicity_recorded_pct": "ethnicity",
    "age_recorded_pct": "age band",
    "sex_recorded_pct": "sex",
    "area_recorded_pct": "area",
    "age_sex_recorded_pct": "age band and sex",
    "decile_known_pct": "an area with a decile",
}
POOR = (
    f"under {summary.WELL_RECORDED_PCT}% of referrals with it recorded, so the comparison "
    "rests on poorly recorded data"
)


def _list(words: list[str]) -> str:
    """a, b and c."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def practice_name(row: pd.Series) -> str:
    """A practice's name, or its code where it has none."""
    name = row.get("name")
    return name if isinstance(name, str) and name else str(row["practice_code"])


def named_practice(row: pd.Series) -> str:
    """A practice's name and code: "Brackenby Medical Practice (X90004)"."""
    name = practice_name(row)
    return name if name == str(row["practice_code"]) else f"{name} ({row['practice_code']})"


# --- practices: two questions ----------------------------------------------------------------


@dataclass(frozen=True)
class Compared:
    """How a practice panel words its answer: each practice's figure as shown (`figure`), what
    the figures are (`measure`, said once), the column ranking them (`rank`, highest first)
    and the shares recorded that sit beside them (`recorded`)."""

    figure: Callable[[pd.Series], str]
    measure: Callable[[pd.DataFrame], str]
    rank: str
    recorded: tuple[str, ...]


def funnel_figure(row: pd.Series) -> str:
    """A practice in a sentence, with its rate as shown (a hidden count's as its range)."""
    rate = row["rate_per_1000"]
    if pd.isna(rate):
        low, high = row["rate_from"], row["rate_to"]
        return (
            f"{practice_name(row)} ({row['practice_code']}: fewer than 8 referrals, "
            f"{low:,.1f} to {high:,.1f})"
        )
    return f"{practice_name(row)} ({row['practice_code']}: {rate:,.1f})"


def standardised_figure(row: pd.Series) -> str:
    """A practice in a sentence, with its ratio as shown (a hidden count's interval)."""
    ratio = row["ratio"]
    if pd.isna(ratio):
        low, high = row["ratio_low"], row["ratio_high"]
        return (
            f"{practice_name(row)} ({row['practice_code']}: fewer than 8 referrals, 99.8% "
            f"interval {low:.2f} to {high:.2f})"
        )
    return f"{practice_name(row)} ({row['practice_code']}: {ratio:.2f})"


FUNNEL = Compared(
    funnel_figure,
    lambda values: (
        "referrals per 1,000 registered adults a year, against the place's "
        f"{values['place_rate'].astype('Float64').iloc[0]:,.1f}"
    ),
    "rate_per_1000",
    ("age_recorded_pct", "ethnicity_recorded_pct"),
)
STANDARDISED = Compared(
    standardised_figure,
    lambda _values: "observed / expected referrals, given the age and sex of their lists",
    "ratio",
    ("age_sex_recorded_pct",),
)


def _which(rows: pd.DataFrame) -> str:
    """Up to three practices by name and code, or how many."""
    if len(rows) > 3:
        return f"{len(rows)} of them"
    return _list([named_practice(row) for _, row in rows.iterrows()])


def _would(unusual: pd.DataFrame, named: int) -> str:
    """How many of the `named` practices another allowance would call unusual (named where
    only some would)."""
    k = len(unusual)
    if named == 1:
        return "it would be" if k else "it would not be"
    if k == named:
        return "both would be" if named == 2 else f"all {named} would be"
    if k == 0:
        return "none would be"
    return f"{_which(unusual)} would be"


def unusual_sentence(values: pd.DataFrame, named: pd.DataFrame, side: str, method: str) -> str:
    """Whether the practices `named` beyond chance (on `side`, "less" or "more") are unusual
    among practices too, with the allowance chosen, and what the other allowances would say
    where they answer differently ("" where overdispersion is not tested)."""
    dispersion = equity.shown_dispersion_of(values)
    if dispersion is None:
        return ""
    n = len(named)

    def unusual(how: str) -> pd.DataFrame:
        return named[equity.unusual_under(named, side, how).fillna(False).to_numpy()]

    if not dispersion.overdispersed:
        them = "it is" if n == 1 else "they are"
        return (
            f"Practices vary no more than chance explains, so {them} also unusual among practices."
        )
    chosen = unusual(method)
    if method == equity.NO_ADJUSTMENT:
        said = (
            "Practices vary more than chance explains, but no allowance is made for it (as "
            "chosen), so \u201cunusual among practices\u201d reads as beyond chance"
        )
    elif len(chosen):
        who = "It also stands" if n == 1 else (
            f"{_which(chosen)} also stand{'s' if len(chosen) == 1 else ''}"
            if len(chosen) < n else "All of them also stand"
        )  # fmt: skip
        said = (
            f"{who} out as unusual among practices, with how much practices differ allowed "
            f"for {ALLOWED_BY[method]}"
        )
    else:
        who = "It is not" if n == 1 else "None of them is"
        said = (
            f"{who} unusual among practices once the wide variation between practices is "
            f"allowed for {ALLOWED_BY[method]}"
        )
    # each other allowance that names other practices, those naming the same said together
    differing: dict[tuple, list[str]] = {}
    for how in (equity.NO_ADJUSTMENT, *equity.WIDENINGS):
        named_by = unusual(how)
        if how != method and set(named_by.index) != set(chosen.index):
            differing.setdefault(tuple(named_by.index), []).append(how)
    others = [
        f"with either allowance (\u221aphi or tau\u00b2), {_would(named.loc[list(key)], n)}"
        if tuple(hows) == equity.WIDENINGS
        else f"with {_list([ALLOWANCE[how] for how in hows])}, {_would(named.loc[list(key)], n)}"
        for key, hows in differing.items()
    ]
    return "; ".join([said, *others]) + "."


def recording_sentence(values: pd.DataFrame, shares: tuple[str, ...], who: str) -> str:
    """Which of the rows compared (practices) have poorly recorded data behind them, with the
    shares as shown ("" where none)."""
    poor = summary.poorly_recorded(values, shares)
    if poor.empty:
        return ""
    parts = [
        f"{named_practice(row)}: "
        + ", ".join(f"{RECORDED_WORDS[c]} {row[c]:.0f}%" for c in row["poor"])
        for _, row in poor.iterrows()
    ]
    return f"Recording is poor behind {len(poor)} of the {who} ({POOR}): {'; '.join(parts)}."


def practices_answer(
    values: pd.DataFrame, method: str, compared: Compared, lead: bool = False
) -> str:
    """What a practice panel found, from its disclosed table: the practices below (and above)
    the place beyond chance, named with their figures as shown, whether they are unusual
    among practices, and any resting on poorly recorded data (`lead`: the first question's
    answer only, for the page's summary)."""
    sentences, measure = [], f" ({compared.measure(values)})"
    for side in ("less", "more"):
        named = values[values[f"refers_{side}"].astype("boolean").fillna(False).to_numpy()]
        if named.empty:
            continue
        count = len(named)
        if lead and side == "more" and sentences:  # the summary names those referring less
            sentences[-1] = f"{sentences[-1][:-1]}; {count} refer{'s' if count == 1 else ''} more."
            continue
        # the practices that hardly refer are the question: always named (in the summary, the
        # lowest three); those referring more, named while a sentence can hold them
        which = "; ".join(compared.figure(row) for _, row in named.iterrows())
        if lead and count > 3:
            lowest = named.sort_values(compared.rank, kind="stable", na_position="first")
            which = "; ".join(compared.figure(row) for _, row in lowest.head(3).iterrows())
            which = f"the lowest {which}; and {count - 3} more"
        if side == "more" and count > 3:
            top = named.sort_values(compared.rank, ascending=False).iloc[0]
            which = f"the highest is {compared.figure(top)}"
        sentences.append(
            f"{count} practice{'s' if count != 1 else ''} refer{'s' if count == 1 else ''} "
            f"{side} than the place beyond chance{measure}: {which}."
        )
        measure = ""  # said once
        if not lead:
            sentences.append(unusual_sentence(values, named, side, method))
    if not sentences:
        judged = values[compared.rank].notna() | values["refers_less"].notna()
        open_ = int((values["refers_less"].isna() | values["refers_more"].isna())[judged].sum())
        sentences.append(
            f"No practice refers more or less than the place beyond chance "
            f"({compared.measure(values)})"
            + (f"; for {open_} the rounding leaves it open." if open_ else ".")
        )
    if not lead:
        sentences.append(recording_sentence(values, compared.recorded, "practices compared"))
    return " ".join(s for s in sentences if s)


def funnel_answer(values: pd.DataFrame, method: str, lead: bool = False) -> str:
    """The funnel's answer (the place's rate hidden: nothing compared)."""
    if values.empty or values["place_rate"].astype("Float64").isna().all():
        return "The place's total is hidden (1-7 referrals), so practices are not compared."
    return practices_answer(values, method, FUNNEL, lead)


def standardised_answer(values: pd.DataFrame, method: str, lead: bool = False) -> str:
    """The standardised panel's answer, given the age and sex of each list."""
    if values.empty or values["expected"].astype("Float64").fillna(0).le(0).all():
        return "No practice has referrals expected for its list, so none is compared."
    return practices_answer(values, method, STANDARDISED, lead)


def standardised_lead(values: pd.DataFrame) -> str:
    """The standardised panel's answer for the page's summary: the practices below expected
    beyond chance, by code, with their ratios as shown, and how many are above."""
    if values.empty or values["expected"].astype("Float64").fillna(0).le(0).all():
        return ""
    less, more = (
        values[values[f"refers_{side}"].astype("boolean").fillna(False).to_numpy()]
        for side in ("less", "more")
    )
    if less.empty and more.empty:
        return "For the age and sex of their lists, no practice differs beyond chance."
    below = (
        f"{len(less)} below expected beyond chance"
        + (
            " (" + "; ".join(f"{r['practice_code']}: {r['ratio']:.2f}" if pd.notna(r["ratio"])
                            else str(r["practice_code"]) for _, r in less.iterrows()) + ")"
            if 0 < len(less) <= 3 else ""
        )
    )  # fmt: skip
    return f"For the age and sex of their lists: {below}, {len(more)} above."


def ranked_answer(values: pd.DataFrame, lead: bool = False) -> str:
    """The ranked table's ends, as shown (its rows arrive ranked by the rate shown), and how
    to read them (`lead`: the ends by code, for the page's summary)."""
    rated = values[values["rate_per_1000"].notna()]
    if len(rated) < 2:
        return ""
    highest, lowest = rated.iloc[0], rated.iloc[-1]
    if lead:
        return (
            f"Rates run from {highest['rate_per_1000']:,.1f} ({highest['practice_code']}) to "
            f"{lowest['rate_per_1000']:,.1f} ({lowest['practice_code']})."
        )
    place = values["place_rate"].astype("Float64").iloc[0]
    against = f", against the place's {place:,.1f}" if pd.notna(place) else ""
    return (
        f"Referrals per 1,000 registered adults a year run from "
        f"{highest['rate_per_1000']:,.1f} at {named_practice(highest)} to "
        f"{lowest['rate_per_1000']:,.1f} at {named_practice(lowest)}{against}.{READ_INTERVALS}"
    )


READ_INTERVALS = (
    " Read the 95% intervals, not only the rank: the labels answer the funnel's two questions."
)


# --- deprivation -----------------------------------------------------------------------------

FIFTH_WORDS = {"imd_quintile": ("quintile", "fifth"), "imd_decile": ("decile", "tenth")}


def area_recorded_sentence(values: pd.DataFrame) -> str:
    """Said where under 80% of adult referrals have an area with a decile ("" otherwise)."""
    if "decile_known_pct" not in values or values.empty:
        return ""
    poor = summary.poorly_recorded(values.head(1), ("decile_known_pct",))
    if poor.empty:
        return ""
    share = poor["decile_known_pct"].iloc[0]
    return (
        f"Only {share:.0f}% of adult referrals have a recorded area with a decile, so this "
        "comparison rests on poorly recorded data."
    )


def deprivation_answer(values: pd.DataFrame, group: str, by_residence: bool) -> str:
    """The most deprived group against the least deprived shown: rates (with whether their
    intervals are apart) where residents are the denominator, shares of referrals otherwise."""
    word, part = FIFTH_WORDS[group]
    figure = "rate_per_1000" if by_residence else "share_pct"
    contrast = summary.group_contrast(values, group, figure)
    if contrast is None:
        said = f"Too few IMD {word}s have a figure shown to compare the most and least deprived."
    elif by_residence:
        apart = {
            True: "; their 95% intervals do not overlap",
            False: "; their 95% intervals overlap, so the difference may be chance",
            None: "",
        }[contrast.apart]
        said = (
            f"Adults living in the most deprived {part} of areas (IMD {word} "
            f"{contrast.first_group}) are referred at {contrast.first:,.1f} per 1,000 a year, "
            f"against {contrast.last:,.1f} in the least deprived shown ({word} "
            f"{contrast.last_group}): {contrast.ratio:.1f} times the rate{apart}."
        )
    else:
        said = (
            f"{contrast.first:.0f}% of the chosen practices' adult referrals with a known decile "
            f"come from people living in the most deprived {part} of areas (IMD {word} "
            f"{contrast.first_group}), {contrast.last:.0f}% from the least deprived shown "
            f"({word} {contrast.last_group})."
        )
    return " ".join(s for s in (said, area_recorded_sentence(values)) if s)


def deprivation_lead(values: pd.DataFrame, group: str, by_residence: bool) -> str:
    """A deprivation panel's figures in a clause, for the page's summary ("" where none)."""
    word, _ = FIFTH_WORDS[group]
    figure = "rate_per_1000" if by_residence else "share_pct"
    contrast = summary.group_contrast(values, group, figure)
    if contrast is None:
        return ""
    if by_residence:
        return (
            f"By {word}: {contrast.first:,.1f} per 1,000 adults a year in {word} "
            f"{contrast.first_group}, {contrast.ratio:.1f} times the {contrast.last:,.1f} in "
            f"{word} {contrast.last_group}."
        )
    return (
        f"By {word}: {contrast.first:.0f}% of referrals from {word} {contrast.first_group}, "
        f"{contrast.last:.0f}% from {word} {contrast.last_group}."
    )


def fifth_answer(values: pd.DataFrame, by_residence: bool, lead: bool = False) -> str:
    """The most deprived fifth's share of referrals, beside its share of adults (`lead`: in a
    clause, for the page's summary)."""
    reach = summary.most_deprived_fifth(values)
    if reach is None:
        return "The most deprived fifth's share of referrals is not shown (too few or hidden)."
    if lead:
        home = (
            f", home to {reach.population:.0f}% of its adults"
            if by_residence and reach.population is not None
            else ""
        )
        return (
            f"{reach.share:.0f}% of referrals come from the most deprived fifth of areas{home}."
            + (f" {area_recorded_sentence(values)}" if area_recorded_sentence(values) else "")
        )
    said = (
        f"{reach.share:.0f}% of adult referrals with a known decile come from people living in "
        "the most deprived fifth of areas"
    )
    if by_residence and reach.population is not None:
        more = {True: "more than", False: "less than", None: "in line with"}[reach.more]
        said += (
            f", where {reach.population:.0f}% of the place's adults live: {more} their share "
            "of the population"
        )
    return " ".join(s for s in (said + ".", area_recorded_sentence(values)) if s)


def slope_answer(values: pd.DataFrame, lead: bool = False) -> str:
    """The slope index as shown, and which way referrals go with deprivation (`lead`: without
    its share of the average rate, for the page's summary)."""
    index = summary.slope_reading(values)
    if index is None:
        return "Too few referrals (under 30) or deciles to estimate the slope index."
    value, low, high, relative = index.value, index.low, index.high, index.relative
    size = f"{abs(value):,.1f} per 1,000 adults a year"
    interval = f"(95% CI {low:,.1f} to {high:,.1f})"
    if index.direction == "rises":
        said = (
            f"Referrals rise with deprivation: the modelled rate is {size} higher in the most "
            f"deprived areas than in the least {interval}"
            + ("." if lead else f", {relative:.0f}% of the average rate.")
        )
    elif index.direction == "falls":
        said = (
            f"Referrals fall with deprivation: the modelled rate is {size} lower in the most "
            f"deprived areas than in the least {interval}"
            + ("." if lead else f", {abs(relative):.0f}% of the average rate.")
        )
    else:
        said = (
            f"No clear gradient with deprivation: the slope index is {value:,.1f} per 1,000 "
            f"adults a year {interval}, an interval that spans 0."
        )
    return said


# --- who was referred, and how complete the recording is -------------------------------------


def distribution_answer(values: pd.DataFrame) -> str:
    """The largest recorded group of each characteristic, with any characteristic poorly
    recorded."""
    largest = summary.largest_groups(values)
    if not largest:
        return "Too few referrals to show who was referred."
    parts = [
        f"{vocab.in_sentence(top.characteristic)} {_list(list(top.groups))} ({top.share:.0f}%"
        + (" each)" if len(top.groups) > 1 else ")")
        for top in largest
    ]
    said = f"The largest groups referred: {'; '.join(parts)}."
    firsts = values.drop_duplicates("characteristic")
    poor = summary.poorly_recorded(firsts, ("recorded_pct",))
    if not poor.empty:
        words = _list(
            [
                f"{vocab.in_sentence(row['characteristic'])} for {row['recorded_pct']:.0f}%"
                for _, row in poor.iterrows()
            ]  # fmt: skip
        )
        said += (
            f" Recorded only {words} of referrals: a comparison of those groups rests on "
            "poorly recorded data, and a group missing from the recording is not necessarily "
            "missing from the service."
        )
    return said


COMPLETENESS_SHARES = (
    "ethnicity_recorded_pct",
    "age_recorded_pct",
    "sex_recorded_pct",
    "area_recorded_pct",
)


def completeness_answer(
    values: pd.DataFrame,
    label: str,
    plural: str,
    name: Callable[[pd.Series], str] | None = None,
    where: str = "in",
    lead: bool = False,
) -> str:
    """Which groups (months, practices, link workers) record a field for under 80% of their
    referrals, or, where none does, the lowest share shown (`lead`: not the lowest, for the
    page's summary)."""
    groups = summary.groups_compared(values, label)
    one = plural[:-1]
    named = name or (lambda row: str(row[label]))

    def name_of(row: pd.Series) -> str:  # the referrals with no group recorded, in words
        return f"no {one} recorded" if row[label] == equity.NOT_RECORDED else named(row)

    poor = summary.poorly_recorded(groups, COMPLETENESS_SHARES)
    if not poor.empty:
        said = []
        for share in COMPLETENESS_SHARES:
            rows = poor[poor["poor"].map(lambda p, share=share: share in p)]
            if rows.empty:
                continue
            shown = rows.head(3) if lead else rows  # the summary names three
            which = "; ".join(f"{name_of(row)} ({row[share]:.0f}%)" for _, row in shown.iterrows())
            which += f"; and {len(rows) - 3} more" if len(shown) < len(rows) else ""
            said.append(
                f"{RECORDED_WORDS[share].capitalize()} is recorded for under "
                f"{summary.WELL_RECORDED_PCT}% of referrals in {len(rows)} "
                f"{one if len(rows) == 1 else plural}: {which}."
            )
        return " ".join(said) + " Comparisons resting on them rest on poorly recorded data."
    lowest = summary.lowest_recorded(values, label, COMPLETENESS_SHARES)
    if not lowest:
        return f"No {one} has enough referrals (30) to show the shares recorded."
    least = min(lowest, key=lambda low: low.value)
    at = [name_of(row) for _, row in groups.iterrows() if str(row[label]) in least.groups]
    more = f" and {len(at) - 3} more" if len(at) > 3 else ""
    at = _list(at[:3]) if not more else ", ".join(at[:3])
    if lead:
        return (
            f"Every {one} judged records each field for at least {summary.WELL_RECORDED_PCT}% of "
            "referrals."
        )
    well = (
        f"Every {one} with enough referrals to judge records each field for at least "
        f"{summary.WELL_RECORDED_PCT}% of them"
    )
    return (
        f"{well}; the lowest: {RECORDED_WORDS[least.share]} recorded for {least.value:.0f}% of "
        f"referrals {where} {at}{more}."
    )
