"""The referral pathway: funnel shares and waits worked out by hand on six referrals, the
too-recent referrals kept apart, endings with Wilson intervals checked against statsmodels."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from socialrx.disclosure import SUPPRESSED, TOO_FEW, Level
from socialrx.metrics import pathway, referrals
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
    low, high = proportion_confint(1, 2, alpha=0.05, method="wilson")
    assert rows.loc[("reason", "money and debt"), "declined_low"] == pytest.approx(100 * low)
    assert rows.loc[("reason", "money and debt"), "declined_high"] == pytest.approx(100 * high)


@pytest.mark.parametrize(
    ("part", "whole"), [(0, 30), (1, 30), (15, 30), (30, 30), (7, 250), (123, 4567), (1, 1)]
)
def test_wilson_interval_agrees_with_statsmodels(part, whole):
    low, high = pathway.wilson_interval([part], [whole])
    expected = proportion_confint(part, whole, alpha=0.05, method="wilson")
    assert low[0] == pytest.approx(expected[0], abs=1e-12)
    assert high[0] == pytest.approx(expected[1], abs=1e-12)


def test_wilson_interval_of_nobody_is_empty():
    low, high = pathway.wilson_interval([0, 3], [0, 10])
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
                                     pd.Timestamp("2024-12-31")),
        Level.ROUND,
    )  # fmt: skip
    assert panel.shown()["Reason or referrer"].tolist() == ["b", "c", "a", "self"]


def test_an_interval_is_hidden_wherever_its_share_is():
    # 5 of 100 did not engage: the share would say 5, and so would its interval
    table = pd.DataFrame({"kind": ["reason"] * 2, "group": ["a", "b"], "ended": [100, 100],
                          "did_not_engage": [5, 40], "declined": [30, 30]})  # fmt: skip
    for name in ("did_not_engage", "declined"):
        low, high = pathway.wilson_interval(table[name], table["ended"])
        table[f"{name}_pct"] = 100 * table[name] / table["ended"]
        table[f"{name}_low"], table[f"{name}_high"] = 100 * low, 100 * high
    shown = pathway.ENDINGS_SPEC.disclose(table, Level.ROUND)
    assert shown.marks.loc[0, ["did_not_engage_pct", "did_not_engage_low",
                               "did_not_engage_high"]].tolist() == [SUPPRESSED] * 3  # fmt: skip
    assert shown.marks.loc[1, "did_not_engage_low"] == ""
    assert shown.values.loc[1, "did_not_engage_low"] == round(table.loc[1, "did_not_engage_low"])
    export = shown.export()
    assert export.loc[0, "did_not_engage_high"] == SUPPRESSED


def test_the_view_on_the_tiny_dataset(dataset):
    period = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30"))
    tables = referral_flows.pathway_tables(dataset, period)
    # the period holds R4, R5 and R6; the SPC series run from the data's first month
    assert tables.funnel.loc[0, "judged"] == 3
    assert tables.trend["month"].min() == pd.Timestamp("2023-11-01")
    for panel in referral_flows.pathway_panels(tables, Level.ROUND):
        panel.figure  # noqa: B018 - draws without error, or says why there is nothing
        assert list(panel.export().columns) == list(panel.labels.values())
    for panel in referral_flows.spc_panels(tables, Level.ROUND, None):
        assert panel.figure is None  # 1-7 referrals a month: nothing may be drawn
        assert any("fewer than 12" in note for note in panel.notes)


def test_every_new_chart_has_a_title_axes_and_safe_colours():
    from socialrx.data.loader import load_folder
    from socialrx.metrics.selection import default_selection
    from socialrx.views.figures import OKABE_ITO
    from socialrx.views.spc_charts import GREY

    demo, _ = load_folder(Path(__file__).resolve().parent.parent / "data" / "demo")
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


def test_figures_from_the_summary_equal_those_from_every_referral():
    from socialrx.data.loader import load_folder
    from socialrx.metrics.selection import default_selection, selected_referrals

    demo, _ = load_folder(Path(__file__).resolve().parent.parent / "data" / "demo")
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


def test_the_workshop_pack_holds_the_pathway_and_spc_panels():
    from socialrx.data.loader import load_folder
    from socialrx.metrics.selection import default_selection
    from socialrx.report import build_pack

    demo, _ = load_folder(Path(__file__).resolve().parent.parent / "data" / "demo")
    chosen = default_selection(demo)
    pack = build_pack(demo, chosen, Level.ROUND)
    names = {"pathway_funnel", "endings_by_reason_and_referrer", "spc_referrals",
             "spc_connected", "spc_contact_wait"}  # fmt: skip
    assert names <= set(pack.tables)
    tables = referral_flows.pathway_tables(demo, chosen)
    page = referral_flows.funnel_panel(tables, Level.ROUND).export()
    pd.testing.assert_frame_equal(pack.tables["pathway_funnel"], page)
    assert "Median wait to first contact: is a change a signal?" in pack.html
