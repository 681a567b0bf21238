import pandas as pd
import pytest

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, disclose_counts
from socialrx.metrics import equity
from socialrx.metrics.referrals import (
    MONTHLY_SPEC,
    NOT_CONNECTED,
    area_rates,
    connected_referrals,
    connected_within,
    first_sent,
    monthly_referrals,
    pathway_flows,
    pathway_nodes,
    practice_rates,
    practice_spec,
)
from socialrx.views import referral_flows
from socialrx.views.panels import Panel


@pytest.fixture
def referrals():
    return pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3", "R4"],
            "referral_date": pd.to_datetime(
                ["2024-01-05", "2024-01-20", "2024-03-02", "2024-03-30"]
            ),
            "referrer_type": ["gp practice", "gp practice", "self", None],
            "practice_code": ["P1", "P1", "P2", "P9"],
            "area_code": ["A1", "A1", "A2", "A3"],
            "age_band": ["18-24", "85+", None, "25-34"],
        }
    )


@pytest.fixture
def connections():
    return pd.DataFrame(
        {
            "referral_id": ["R1", "R1", "R2"],
            "asset_id": ["X", "Y", "X"],
            "outcome": ["attending", "waiting list", "declined by provider (full)"],
            "referred_date": pd.to_datetime(["2024-01-20", "2024-01-25", "2024-02-01"]),
            "started_date": pd.to_datetime(["2024-02-01", None, None]),
        }
    )


def test_connected_means_started_somewhere(referrals, connections):
    assert connected_referrals(referrals, connections).tolist() == [True, False, False, False]


def test_monthly_referrals_span_the_period_and_mark_partial_months(referrals):
    out = monthly_referrals(referrals, pd.Timestamp("2023-12-15"), pd.Timestamp("2024-04-30"))
    assert out["month"].dt.strftime("%Y-%m").tolist() == [
        "2023-12", "2024-01", "2024-02", "2024-03", "2024-04"
    ]  # fmt: skip
    assert out["referrals"].tolist() == [0, 2, 0, 2, 0]
    assert out["partial"].tolist() == [True, False, False, False, False]
    quarter = monthly_referrals(referrals, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    rounded = MONTHLY_SPEC.disclose(quarter, Level.ROUND)
    assert rounded.marks["referrals"].tolist() == ["*", "", "*"]  # 2 hidden, 0 shown
    empty = monthly_referrals(referrals.iloc[:0], pd.Timestamp("2024-01-01"),
                              pd.Timestamp("2024-02-10"))  # fmt: skip
    assert empty["referrals"].tolist() == [0, 0] and empty["partial"].tolist() == [False, True]


def test_rate_per_1000_by_practice_lists_non_referrers_and_unknowns(referrals):
    practices = pd.DataFrame(
        {
            "practice_code": ["P1", "P2", "P3"],
            "name": ["a", "b", "c"],
            "pcn_name": ["n", "n", "s"],
            "list_size": [1000, 4000, 500],
        }
    )
    # over 6 months a count is doubled to a yearly rate
    out = practice_rates(referrals, practices, per_year=2).set_index("practice_code")
    assert out.loc["P1", "rate_per_1000"] == pytest.approx(4.0)  # 2 / 1000 * 1000 * 2
    assert out.loc["P2", "rate_per_1000"] == pytest.approx(0.5)  # 1 / 4000 * 1000 * 2
    assert out.loc["P3", "referrals"] == 0
    assert out.loc["(not among the practices loaded)", "referrals"] == 1
    assert pd.isna(out.loc["(not among the practices loaded)", "rate_per_1000"])  # no list size
    blank = referrals.assign(practice_code=["P1", None, "P2", "P9"])
    out = practice_rates(blank, practices, per_year=1).set_index("practice_code")
    assert out.loc["(no practice recorded)", "referrals"] == 1
    assert out["referrals"].sum() == 4  # nobody vanishes
    # referrals chosen by area: a practice's list is not their denominator, so no rate
    assert "rate_per_1000" not in practice_spec(1, with_rate=False).columns


def test_rates_count_adults_only(referrals):
    practices = pd.DataFrame({"practice_code": ["P1"], "name": ["a"], "pcn_name": ["n"],
                              "list_size": [1000]})  # fmt: skip
    child = referrals.assign(age_band=["0-17", "85+", None, "25-34"])
    out = practice_rates(child, practices, per_year=1).set_index("practice_code")
    assert out.loc["P1", "referrals"] == 1  # the 0-17 referral is not in an adult rate


def test_rates_by_area(referrals):
    stats = pd.DataFrame({"area_code": ["A1", "A2", "A4"],
                          "population_adult": [1000.0, 2000.0, 500.0]})  # fmt: skip
    by_area = area_rates(referrals, stats, per_year=1).set_index("area_code")
    assert by_area.loc["A1", "rate_per_1000"] == pytest.approx(2.0)  # 2 / 1,000 x 1,000
    assert by_area.loc["A4", "referrals"] == 0


def test_an_area_without_population_does_not_inflate_its_deciles_rate(referrals):
    stats = pd.DataFrame(
        {
            "area_code": ["A1", "A2"],
            "population_adult": [None, 1000.0],
            "imd_decile": [1, 1],
        }
    )
    table = equity.rates_by_deprivation(referrals, stats, per_year=1)
    spec = equity.deprivation_rates_spec(1)
    by_decile = spec.disclose(table, Level.OFF).values.set_index("imd_decile")
    # A1's 2 referrals have no population behind them: counted, but not in the rate
    assert by_decile.loc[1, "referrals"] == 3
    assert by_decile.loc[1, "referrals_with_population"] == 1
    assert by_decile.loc[1, "rate_per_1000"] == pytest.approx(1.0)


def test_pathway_flows_count_referrals_by_their_first_connection(referrals, connections):
    assets = pd.DataFrame(
        {"asset_id": ["X", "Y"], "category": ["physical activity", "arts and creativity"]}
    )
    links = pathway_flows(referrals, first_sent(referrals, connections, assets))
    first = links[links["step"] == 1].set_index(["source", "target"])["count"]
    # R1 was sent to X then Y: it counts once, by its first connection (X)
    assert first[("gp practice", "physical activity")] == 2
    assert first[("self", NOT_CONNECTED)] == 1
    assert first[("not recorded", NOT_CONNECTED)] == 1
    assert first.sum() == len(referrals)  # the first column's boxes are the referrals
    second = links[links["step"] == 2].set_index(["source", "target"])["count"]
    assert second[("physical activity", "attending")] == 1
    assert second[("physical activity", "declined by provider (full)")] == 1
    assert second.sum() == 2
    # the boxes: the bands into (or out of) each, summed
    nodes = pathway_nodes(links).set_index(["column", "name"])
    assert nodes.loc[(1, "gp practice"), "out"] == 2 and nodes.loc[(2, NOT_CONNECTED), "into"] == 2
    assert nodes.loc[(2, "physical activity")].tolist() == [2, 2]  # 2 in, 2 out
    assert nodes.loc[(3, "attending"), "into"] == 1


def test_first_sent_breaks_ties_by_asset_and_puts_undated_connections_last(referrals):
    sent = pd.DataFrame(
        {
            # R1: Y and X the same day (X first by asset_id), Z undated (last);
            # R2: undated Z only; R3: blank asset; R9 is nobody's referral
            "referral_id": ["R1", "R1", "R1", "R2", "R3", "R9"],
            "asset_id": ["Z", "Y", "X", "Z", None, "X"],
            "outcome": ["attending", "waiting list", None, "attending", "attending", "x"],
            "referred_date": pd.to_datetime(
                [None, "2024-02-01", "2024-02-01", None, "2024-03-05", "2024-01-01"]
            ),
        }
    )
    assets = pd.DataFrame({"asset_id": ["X", "Y", "Z"], "category": ["walks", "arts", None]})
    expected = pd.DataFrame(
        {
            "category": ["walks", "unknown asset", "unknown asset", NOT_CONNECTED],
            "outcome": ["outcome not recorded", "attending", "attending", None],
        }
    )
    pd.testing.assert_frame_equal(first_sent(referrals, sent, assets), expected)
    # each connection's referral by position, as the dataset keeps them: the same
    rows = [0, 0, 0, 1, 2, -1]
    pd.testing.assert_frame_equal(first_sent(referrals, sent, assets, rows=rows), expected)


def test_pathway_flows_count_a_blank_referrer_with_those_recorded_as_not_recorded():
    refs = pd.DataFrame({"referrer_type": ["self", None, "not recorded", "self"]})
    first = pd.DataFrame({"category": [NOT_CONNECTED] * 4, "outcome": [None] * 4})
    links = pathway_flows(refs, first)
    # two blank-or-"not recorded" and two self, ordered as a groupby orders them
    assert links.to_dict("list") == {
        "step": [1, 1],
        "source": ["not recorded", "self"],
        "target": [NOT_CONNECTED, NOT_CONNECTED],
        "count": [2, 2],
    }


def _sent(hidden: int) -> Dataset:
    """20 GP referrals never sent anywhere; 40 self-referrals sent to a walk (attending), and
    `hidden` more self-referrals never sent anywhere."""
    ids = [f"R{i}" for i in range(60 + hidden)]
    refs = pd.DataFrame(
        {
            "referral_id": ids,
            "referral_date": pd.Timestamp("2024-01-10"),
            "referrer_type": ["gp practice"] * 20 + ["self"] * (40 + hidden),
        }
    )
    conns = pd.DataFrame({"referral_id": ids[20:60], "asset_id": "W",
                          "referred_date": pd.Timestamp("2024-01-12"),
                          "started_date": pd.Timestamp("2024-01-20"),
                          "outcome": "attending"})  # fmt: skip
    assets = pd.DataFrame({"asset_id": ["W"], "category": ["physical activity"]})
    return Dataset(tables={"referrals": refs, "connections": conns, "assets": assets})


def test_a_hidden_sankey_flow_keeps_its_whole_range():
    # self -> not sent is 1-7 (hidden). A box total disclosed on its own would narrow it:
    # "self" holds 40 + 1-7, which rounds to 40 for 1-2 and 45 for 3-7. Boxes that are the
    # sum of the bands drawn show the same whatever it is: everything the panel shows (the
    # figure with its hovers, the CSV, the answer, the notes) is one and the same for 1-7.
    assert set(disclose_counts([40 + n for n in range(1, 8)], Level.ROUND)) == {40, 45}
    shown = set()
    for hidden in range(1, 8):
        data = _sent(hidden)
        panel = referral_flows.pathway_panel(data.table("referrals"), data, Level.ROUND)
        shown.add((panel.figure.to_json(), panel.export().to_json(), panel.answer_text,
                   panel.shown_notes))  # fmt: skip
    assert len(shown) == 1
    _, _, answer, notes = shown.pop()
    sankey = panel.figure.data[0]
    boxes = dict(zip(sankey.node.label, sankey.node.customdata, strict=True))
    assert boxes["self-referral"] == "40 referrals (the bands drawn from it)"
    assert boxes[NOT_CONNECTED] == "20 referrals (the bands drawn into it)"
    assert answer == (
        "Most referrals came from self-referral (40 in the bands drawn); people were most "
        "often first sent to physical activity (40); 20 were not sent to an asset."
    )
    assert notes == (
        "1 flow of 1-7 people is not drawn (hidden), so the boxes count only the bands drawn: "
        "each hidden flow may be any of 1-7.",
    )


def test_practice_ranking_uses_disclosed_rates_so_hidden_counts_keep_no_order():
    practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "name": ["a", "b", "c"],
                              "pcn_name": ["n"] * 3, "list_size": [10_000] * 3})  # fmt: skip
    for p2, p3 in ((5, 3), (3, 5)):
        codes = ["P1"] * 40 + ["P2"] * p2 + ["P3"] * p3
        refs = pd.DataFrame({"practice_code": codes, "age_band": "45-54"})
        panel = Panel("p", "", "", Level.ROUND, practice_rates(refs, practices, 1),
                      practice_spec(1), labels={"practice_code": "Practice",
                      "referrals": "Referrals", "rate_per_1000": "Rate"},
                      rank=("rate_per_1000",))  # fmt: skip
        out = panel.export()
        assert out["Practice"].tolist() == ["P1", "P2", "P3"]
        assert out["Referrals"].tolist() == [40, "*", "*"]
        assert out["Rate"].tolist() == [4.0, "*", "*"]


def test_connected_within_90_days_leaves_out_referrals_too_recent_to_judge():
    refs = pd.DataFrame({
        "referral_id": ["R1", "R2", "R3", "R4"],
        "referral_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-06-01"]),
    })  # fmt: skip
    conns = pd.DataFrame({
        "referral_id": ["R1", "R2", "R3", "R4"],
        "referred_date": pd.to_datetime(["2024-01-10", "2024-01-10", "2024-01-10", "2024-06-02"]),
        "started_date": pd.to_datetime(["2024-02-01", "2024-05-01", None, "2024-06-10"]),
        "outcome": ["attending", "attending", "waiting list", "attending"],
    })  # fmt: skip
    out = connected_within(refs, conns, as_at=pd.Timestamp("2024-07-01"))
    # R1 started in 31 days; R2 in 121 (too late); R3 never started; R4 is 30 days old
    assert out == {"referrals": 4, "eligible": 3, "connected": 1, "too_recent": 1}


def test_a_pcns_deprivation_table_has_shares_not_rates():
    from socialrx.data.dataset import Dataset
    from socialrx.metrics.selection import PCN, Selection
    from socialrx.views.referral_flows import deprivation_panel

    refs = pd.DataFrame(
        {
            "referral_id": ["R1"],
            "referral_date": pd.to_datetime(["2024-01-05"]),
            "practice_code": ["P1"],
            "area_code": ["A1"],
            "age_band": ["45-54"],
        }
    )
    stats = pd.DataFrame({"area_code": ["A1"], "population_adult": [1000.0], "imd_decile": [1]})
    practices = pd.DataFrame({"practice_code": ["P1"], "pcn_code": ["N1"]})
    data = Dataset(tables={"referrals": refs, "area_stats": stats, "practices": practices})
    pcn = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), PCN, ("N1",))
    columns = deprivation_panel(refs, data, pcn, Level.ROUND).export().columns
    assert "Share of referrals (%)" in columns
    assert not any("per 1,000" in c for c in columns)
