"""The referral flows page's chart builders: what they draw comes from the disclosed table
they are given, and from nothing else."""

import pandas as pd

from socialrx.views.charts import pathway_sankey


def test_sankey_boxes_are_the_sums_of_the_bands_drawn():
    links = pd.DataFrame(
        {
            "step": [1, 1, 1, 2],
            "source": ["gp practice", "self", "self", "physical activity"],
            "target": ["physical activity", "physical activity", "other", "attending"],
            "count": pd.array([10, 15, None, 20], dtype="Float64"),  # self -> other hidden
        }
    )
    sankey = pathway_sankey(links).data[0]
    assert list(sankey.node.label) == [
        "GP practice", "self-referral", "physical activity", "attending"
    ]  # fmt: skip
    assert list(sankey.link.value) == [10.0, 15.0, 20.0]  # the hidden band is not drawn
    # each box: the bands drawn out of it (left) or into it; physical activity has 10 + 15 =
    # 25 in and 20 out (rounded on their own), so it says both
    assert list(sankey.node.customdata) == [
        "10 referrals (the bands drawn from it)",
        "15 referrals (the bands drawn from it)",
        "25 referrals in the bands drawn into it, 20 in those drawn out",
        "20 referrals (the bands drawn into it)",
    ]
    # nothing to draw: every band hidden
    assert pathway_sankey(links.assign(count=pd.array([None] * 4, dtype="Float64"))) is None


def test_sankey_labels_from_files_are_escaped():
    links = pd.DataFrame({"step": [1], "source": ["<b>x</b>"], "target": ["arts"],
                          "count": pd.array([10], dtype="Float64")})  # fmt: skip
    assert list(pathway_sankey(links).data[0].node.label)[0] == "&lt;b&gt;x&lt;/b&gt;"


def test_every_chart_is_written_with_the_white_template():
    """The white template is Plotly's default, not named on each figure: a chart from each
    chart module's layout still carries it, whole, when written out."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from socialrx.views import charts, equity_charts, spc_charts

    white = pio.templates["plotly_white"].to_plotly_json()
    for style in (charts.layout, spc_charts._layout, equity_charts._layout):
        fig = style(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "A title", "x", "y")
        assert fig.to_dict()["layout"]["template"] == white, style
