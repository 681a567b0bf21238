"""The referral pathway: funnel shares and waits worked out by hand on six referrals, the
too-recent referrals kept apart, endings with Wilson intervals checked against statsmodels,
and the endings' shares and intervals worked out from the counts as shown."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from socialrx.disclosure import SUPPRESSED, TOO_FEW, Level
from socialrx.metrics import intervals, pathway, referrals
from socialrx.metrics.overview import as_at
from socialrx.metrics.selection import Selection
from socialrx.views import referral_flows
from tests.conftest import GOOD_ASSETS, load_texts

# The data runs to 30 June 2024. Days from referral to each step:
#   R1 1 Nov 2023  contact 2, appointment 10, connected 20, completed 92   (242 days old)
#   R2 15 Nov      contact 10, appointment 70 (late), no start, did not engage (228)
#   R3 1 Dec       contact 40 (late), declined                          (212)
#   R4 1 Mar 2024  contact 4, appointment 19, connected 61, still open  (121)
#   R5 10 Jun      contact 2                                             (20: too recent for all)
#   R6 20 May      received, nothing since                               (41)
HEADER = "referral_id,referral_date,referrer_type,reasons,status,"
HEADER += "first_contact_date,first_appointment_date,closed_date"
LONELY = "loneliness and isolation"
REFERRALS = f"""{HEADER}
R1,2023-11-01,gp practice,{LONELY},completed,2023-11-03,2023-11-11,2024-02-01
R2,2023-11-15,gp practice,{LONELY};money and debt,did not engage,2023-11-25,2024-01-24,2024-02-01
R3,2023-12-01,self,money and debt,declined,2024-01-10,,2024-01-20
R4,2024-03-01,self,,connected,2024-03-05,2024-03-20,
R5,2024-06-10,gp practice,,contacted,2024-06-12,,
R6,2024-05-20,council,,received,,,
"""
CONNECTIONS = """referral_id,asset_id,referred_date,started_date,outcome
R1,A1,2023-11-15,2023-11-21,attending
R2,A1,2023-12-01,,did not attend
R4,A1,2024-04-20,2024-05-01,attending
"""


@pytest.fixture(scope="module")
def dataset():
    dataset, report = load_texts(
        {
            "assets.csv": GOOD_ASSETS,
            "referrals.csv": REFERRALS,
            "connections.csv": CONNECTIONS,
            "dataset.csv": "extract_date\n2024-06-30\n",
        }
    )
    assert not report.errors, report.errors
    return dataset


@pytest.fixture(scope="module")
def steps(dataset):
    return pathway.referral_steps(
        dataset.table("referrals"), dataset.table("connections"), as_at(dataset)
    )


def test_the_funnel_by_hand(steps):
    funnel = pathway.pathway_funnel(steps).set_index("step")
    assert funnel["judged"].tolist() == [6, 5, 4, 4, 3]
    assert funnel["reached"].tolist() == [6, 3, 2, 2, 1]
    assert funnel["too_recent"].tolist() == [0, 1, 2, 2, 3]
    # contact: R1 2, R2 10, R4 4 days (R3 took 40: not within 30, a drop-out, not a wait)
    assert funnel.loc["contacted", "median_days"] == 4
    assert funnel.loc["contacted", "p90_days"] == pytest.approx(8.8)  # 4 + 0.8 x (10 - 4)
    assert funnel.loc["first appointment", "median_days"] == 14.5  # 10 and 19
    assert funnel.loc["first appointment", "p90_days"] == pytest.approx(18.1)
    assert funnel.loc["connected", "median_days"] == 40.5  # 20 and 61
    assert np.isnan(funnel.loc["completed", "median_days"])  # no wait shown for completion
    shown = pathway.FUNNEL_SPEC.disclose(funnel.reset_index(), Level.OFF).values
    assert shown["share_pct"].tolist() == [100, 60, 50, 50, 33]


def test_connected_step_is_connected_within(dataset, steps):
    like_for_like = referrals.connected_within(
        dataset.table("referrals"), dataset.table("connections"), as_at(dataset)
    )
    funnel = pathway.pathway_funnel(steps).set_index("step")
    assert like_for_like["eligible"] == funnel.loc["connected", "judged"] == 4
    assert like_for_like["connected"] == funnel.loc["connected", "reached"] == 2
    assert like_for_like["too_recent"] == funnel.loc["connected", "too_recent"]


def test_waits_are_statistics_of_30_people(steps):
    funnel = pathway.pathway_funnel(steps)
    marks = pathway.FUNNEL_SPEC.disclose(funnel, Level.ROUND).marks
    assert set(marks["median_days"]) <= {TOO_FEW, "–"}  # 3 people or fewer: never shown
    assert (marks["share_pct"] != "").all()  # 1-7 people: no share either


def test_a_status_without_its_date_still_reaches_the_step():
    refs = pd.DataFrame(
        {
            "referral_id": ["A", "B", "C"],
            "referral_date": pd.to_datetime(["2024-01-01"] * 3),
            "status": pd.array(["engaged", "received", None], dtype="string"),
            "first_contact_date": pd.to_datetime([None] * 3),
            "first_appointment_date": pd.to_datetime([None] * 3),
            "closed_date": pd.to_datetime([None] * 3),
        }
    )
    connections = pd.DataFrame(
        columns=["referral_id", "referred_date", "started_date", "outcome"]
    ).astype({"referred_date": "datetime64[ns]", "started_date": "datetime64[ns]"})
    steps = pathway.referral_steps(refs, connections, pd.Timestamp("2024-12-31"))
    funnel = pathway.pathway_funnel(steps).set_index("step")
    assert funnel.loc["contacted", "reached"] == 1  # engaged: contacted and seen, undated
    assert funnel.loc["first appointment", "reached"] == 1
    assert funnel.loc["contacted", "timed"] == 0  # but no wait to time
    assert funnel.loc["contacted", "judged"] == 3  # no status recorded: judged, not reached


def test_months_too_recent_are_left_out_not_zero(dataset, steps):
    months = pd.period_range("2023-11", "2024-06", freq="M").start_time
    monthly = pathway.monthly_pathway(steps, months)
    contact = monthly[monthly["step"] == pathway.CONTACTED].set_index("month")
    assert contact.loc["2023-11-01", ["referrals", "judged", "reached"]].tolist() == [2, 2, 2]
    assert contact.loc["2023-11-01", "median_days"] == 6  # 2 and 10
    june = contact.loc["2024-06-01"]
    assert june["referrals"] == 1 and june["judged"] == 0  # R5: too recent, not a drop-out
    shown = pathway.MONTHLY_SPEC.disclose(monthly, Level.OFF)
    at_june = (monthly["step"] == pathway.CONTACTED) & (monthly["month"] == "2024-06-01")
    assert shown.marks.loc[at_june, "share_pct"].tolist() == ["–"]  # no share, not 0%
    # the months an SPC chart of a share may use: the whole window has passed
    fully = pathway.month_fully_judged(months, as_at(dataset), pathway.CONNECTED)
    assert [str(m.date()) for m in months[fully]][-1] == "2024-03-01"  # 31 Mar + 90 <= 30 Jun
    contact_months = pathway.month_fully_judged(months, as_at(dataset), pathway.CONTACTED)
    assert months[contact_months][-1] == pd.Timestamp("2024-05-01")  # 31 May + 30 = 30 Jun


def test_interpolated_median_of_whole_days():
    days = pd.Series([6, 6, 6, 7, 2, 10, 5.0])
    groups = pd.Series(["a", "a", "a", "a", "b", "b", "c"])
    median = pathway.interpolated_median(days, groups)
    assert median["a"] == pytest.approx(5.5 + 2 / 3)  # half of 4 is 2, three waited 6
    assert median["b"] == pytest.approx(2.5)  # 1.5 + (1 - 0) / 1
    assert median["c"] == pytest.approx(5.0)


def test_endings_by_reason_and_referrer(dataset):
    table = pathway.endings_by_group(dataset.table("referrals"))
    rows = table.set_index(["kind", "group"])
    counts = ["ended", "did_not_engage", "declined"]
    assert rows.loc[("reason", LONELY), counts].tolist() == [2, 1, 0]
    assert rows.loc[("reason", "money and debt"), counts].tolist() == [2, 1, 1]
    assert rows.loc[("referrer", "self"), ["ended", "declined"]].tolist() == [1, 1]
    assert ("referrer", "council") not in rows.index  # nothing ended there
    assert not any(c.endswith(("_pct", "_low", "_high")) for c in table.columns)  # counts only
    # at level off the shares and Wilson intervals are those of the exact counts
    shown = pathway.ENDINGS_SPEC.disclose(table, Level.OFF).values.set_index(["kind", "group"])
    low, high = proportion_confint(1, 2, alpha=0.05, method="wilson")
    money = shown.loc[("reason", "money and debt")]
    assert money["declined_pct"] == 50  # 1 of 2
    assert money["declined_low"] == pytest.approx(100 * low)
    assert money["declined_high"] == pytest.approx(100 * high)


def test_a_place_pathway_sums_only_its_own_referrals_in_its_months(dataset):
    refs = dataset.table("referrals")
    chosen = (refs["referral_id"] != "R2").to_numpy()  # the place: everyone but R2
    steps, endings = pathway.place_pathway(
        refs, dataset.table("connections"), pd.Timestamp("2023-11-01"),
        pd.Timestamp("2023-12-31"), as_at(dataset), chosen=chosen,
    )  # fmt: skip
    # November: R1 (contacted in 2 days); December: R3 (contacted in 40: not within 30)
    contacted = steps.counts[steps.counts["step"] == pathway.CONTACTED]
    assert contacted["referrals"].tolist() == [1, 1]
    assert contacted["reached"].tolist() == [1, 0]
    ended = endings.by_referrer.groupby("group")[["ended", "declined"]].sum()
    assert ended.to_dict("index") == {  # R1 completed, R3 declined; R2 is not the place's
        "gp practice": {"ended": 1, "declined": 0},
        "self": {"ended": 1, "declined": 1},
    }


def test_the_tiny_dataset_by_quarter(steps):
    # Oct-Dec 2023 holds R1 (contact in 2 days), R2 (10) and R3 (40: late): 3 referrals, 2
    # contacted within 30 days, median wait (2 + 10) / 2 = 6
    quarters = pd.DatetimeIndex(["2023-10-01", "2024-01-01"])
    by_quarter = pathway.monthly_pathway(pathway.by_quarter(steps), quarters)
    contact = by_quarter[by_quarter["step"] == pathway.CONTACTED].set_index("month")
    assert contact.loc["2023-10-01", ["referrals", "judged", "reached", "timed"]].tolist() == [
        3, 3, 2, 2
    ]  # fmt: skip
    assert contact.loc["2023-10-01", "median_days"] == 6
    assert contact.loc["2024-01-01", "referrals"] == 1  # R4, March
    # connected within 90 days: a quarter counts once its last day is 90 days old (as at 30
    # June: 31 Dec + 90 = 30 Mar, yes; 31 Mar + 90 = 29 Jun, yes; 30 Jun + 90, no)
    fully = pathway.month_fully_judged(
        pd.DatetimeIndex(["2023-10-01", "2024-01-01", "2024-04-01"]),
        pd.Timestamp("2024-06-30"),
        pathway.CONNECTED,
        "Q",
    )
    assert fully.tolist() == [True, True, False]


@pytest.mark.parametrize(
    ("part", "whole"), [(0, 30), (1, 30), (15, 30), (30, 30), (7, 250), (123, 4567), (1, 1)]
)
def test_wilson_interval_agrees_with_statsmodels(part, whole):
    low, high = intervals.wilson_interval([part], [whole])
    expected = proportion_confint(part, whole, alpha=0.05, method="wilson")
    assert low[0] == pytest.approx(expected[0], abs=1e-12)
    assert high[0] == pytest.approx(expected[1], abs=1e-12)


def test_wilson_interval_of_nobody_is_empty():
    low, high = intervals.wilson_interval([0, 3], [0, 10])
    assert np.isnan(low[0]) and np.isnan(high[0]) and low[1] > 0


def test_endings_are_ranked_by_the_shares_shown_hidden_ones_last():
    # "a": 5 of 100 did not engage (hidden), "b": 40 of 100, "c": 20 of 100
    refs = pd.DataFrame(
        {
            "referral_date": pd.Timestamp("2024-01-01"),
            "referrer_type": "self",
            "reasons": ["a"] * 100 + ["b"] * 100 + ["c"] * 100,
            "status": ["did not engage"] * 5
            + ["completed"] * 95
            + ["did not engage"] * 40
            + ["completed"] * 60
            + ["did not engage"] * 20
            + ["completed"] * 80,
        }
    )
    table = pathway.endings_by_group(refs)
    assert table["group"].tolist() == ["a", "b", "c", "self"]  # not by the exact shares
    panel = referral_flows.endings_panel(
        referral_flows.PathwayTables(pd.DataFrame(), pd.DataFrame(), table, pd.DataFrame(),
                                     pd.Timestamp("2024-12-31"), pd.DataFrame()),
        Level.ROUND,
    )  # fmt: skip
    assert panel.shown()["Reason or referrer"].tolist() == ["b", "c", "a", "self"]


def _endings(ended: int, did_not_engage: int, declined: int = 30) -> pd.DataFrame:
    return pd.DataFrame({"kind": ["reason"], "reason_first": [1], "group": ["a"],
                         "ended": [ended], "did_not_engage": [did_not_engage],
                         "declined": [declined]})  # fmt: skip


def test_endings_shares_and_intervals_come_from_the_counts_shown():
    # 40 of 100 did not engage, shown as 40 of 100: the share is 40%, and the interval runs
    # from the Wilson lower limit of the least count (38 of 102) to the upper limit of the
    # greatest (42 of 98), as statsmodels gives them
    shown = pathway.ENDINGS_SPEC.disclose(_endings(100, 40), Level.ROUND).values.iloc[0]
    assert shown["did_not_engage_pct"] == 40
    low = proportion_confint(38, 102, alpha=0.05, method="wilson")[0]
    high = proportion_confint(42, 98, alpha=0.05, method="wilson")[1]
    assert shown["did_not_engage_low"] == pytest.approx(100 * low)
    assert shown["did_not_engage_high"] == pytest.approx(100 * high)
    # a hidden count keeps its share hidden, and its interval spans all of 1-7 (of 98-102)
    hidden = pathway.ENDINGS_SPEC.disclose(_endings(100, 5), Level.ROUND)
    assert hidden.marks.loc[0, "did_not_engage_pct"] == SUPPRESSED
    assert hidden.values.loc[0, "did_not_engage_low"] == pytest.approx(
        100 * proportion_confint(1, 102, alpha=0.05, method="wilson")[0]
    )
    assert hidden.values.loc[0, "did_not_engage_high"] == pytest.approx(
        100 * proportion_confint(7, 98, alpha=0.05, method="wilson")[1]
    )
    # fewer than 30 ended referrals shown: the share and its interval are too few
    few = pathway.ENDINGS_SPEC.disclose(_endings(25, 10, 10), Level.ROUND).marks.iloc[0]
    assert few[["did_not_engage_pct", "did_not_engage_low"]].tolist() == [TOO_FEW, TOO_FEW]


def test_an_endings_row_leaves_its_counts_their_whole_range():
    # the attack: a share (or interval) from the exact counts beside the rounded ones tells
    # the count (38 of 100 shown as "40 of 100, 38%"); from the counts shown, every true
    # count consistent with them gives the same row
    rows = {
        tuple(pathway.ENDINGS_SPEC.disclose(_endings(ended, part), Level.ROUND).export().iloc[0])
        for ended in range(98, 103)
        for part in range(38, 43)
    }
    assert len(rows) == 1
    hidden = {
        tuple(pathway.ENDINGS_SPEC.disclose(_endings(100, part), Level.ROUND).export().iloc[0])
        for part in range(1, 8)
    }
    assert len(hidden) == 1  # a hidden count of 1-7: one row whatever it is
    # at level off the figures are exact, and differ with the count
    exact = {
        pathway.ENDINGS_SPEC.disclose(_endings(100, part), Level.OFF)
        .export()
        .iloc[0]["did_not_engage_pct"]
        for part in range(38, 43)
    }
    assert exact == {38, 39, 40, 41, 42}


def test_the_view_on_the_tiny_dataset(dataset):
    period = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30"))
    tables = referral_flows.pathway_tables(dataset, period)
    # the period holds R4, R5 and R6; the SPC series run from the data's first month
    assert tables.funnel.loc[0, "judged"] == 3
    assert tables.trend["month"].min() == pd.Timestamp("2023-11-01")
    for panel in referral_flows.pathway_panels(tables, Level.ROUND):
        panel.figure  # noqa: B018 - draws without error, or says why there is nothing
        assert list(panel.export().columns) == list(panel.labels.values())
    # whole quarters only: the data starts in November 2023
    assert tables.quarters["month"].unique().tolist() == [
        pd.Timestamp("2024-01-01"), pd.Timestamp("2024-04-01")
    ]  # fmt: skip
    for panel in referral_flows.spc_panels(tables, Level.ROUND, None):
        assert panel.figure is None  # 1-7 referrals a month: nothing may be drawn
        assert panel.empty.startswith("Neither months nor quarters can be charted")
        assert "wider place" in panel.empty


def test_every_new_chart_has_a_title_axes_and_safe_colours(demo):
    from socialrx.metrics.selection import default_selection
    from socialrx.views.figures import OKABE_ITO
    from socialrx.views.spc_charts import GREY

    tables = referral_flows.pathway_tables(demo, default_selection(demo))
    panels = referral_flows.pathway_panels(tables, Level.ROUND)
    panels += referral_flows.spc_panels(tables, Level.ROUND, None)
    allowed = {c.lower() for c in OKABE_ITO} | {GREY.lower(), "#bbbbbb", "#000000"}
    assert len(panels) == 7
    for panel in panels:
        figure = panel.figure
        assert figure is not None, panel.name
        assert figure.layout.title.text and figure.layout.xaxis.title.text, panel.name
        assert figure.layout.yaxis.title.text, panel.name
        assert panel.caption.startswith("How to read this"), panel.name
        for trace in figure.data:
            line = trace.line if "line" in trace else None
            colours = [trace.marker.color if "marker" in trace else None,
                       line.color if line is not None else None]  # fmt: skip
            for colour in colours:
                if isinstance(colour, str):
                    assert colour.lower() in allowed, (panel.name, colour)


def test_figures_from_the_summary_equal_those_from_every_referral(demo):
    from socialrx.metrics.selection import default_selection, selected_referrals

    period = default_selection(demo)
    tables = referral_flows.pathway_tables(demo, period)
    refs = selected_referrals(demo, period)
    steps = pathway.referral_steps(refs, demo.table("connections"), as_at(demo))
    funnel = tables.funnel.set_index("step")
    for step in pathway.WAITED_STEPS:
        days = steps[f"{step}_days"].dropna().to_numpy()
        assert funnel.loc[step, "median_days"] == np.median(days)
        assert funnel.loc[step, "p90_days"] == pytest.approx(np.quantile(days, 0.9))
        assert funnel.loc[step, "reached"] == steps[f"{step}_reached"].sum()
    assert funnel.loc["received", "judged"] == len(refs)
    endings = pathway.endings_by_group(refs)
    pd.testing.assert_frame_equal(tables.endings, endings)


def test_the_workshop_pack_holds_the_pathway_and_spc_panels(demo):
    from socialrx.metrics.selection import default_selection
    from socialrx.report import build_pack
    from socialrx.views import pages

    chosen = default_selection(demo)
    flows = [section for section in pages.PAGES if section[0] == "Referral flows"]
    pack = build_pack(demo, chosen, Level.ROUND, sections=flows)  # the page they are on
    names = {"pathway_funnel", "endings_by_reason_and_referrer", "spc_referrals",
             "spc_connected", "spc_contact_wait"}  # fmt: skip
    assert names <= set(pack.tables)
    tables = referral_flows.pathway_tables(demo, chosen)
    page = referral_flows.funnel_panel(tables, Level.ROUND).export()
    pd.testing.assert_frame_equal(pack.tables["pathway_funnel"], page)
    assert "Median wait to first contact: is a change a signal?" in pack.html
