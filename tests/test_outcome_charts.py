import pandas as pd
import pytest

from socialrx.views.outcome_charts import change_per_measure, effect_forest, group_forest


def _table():
    return pd.DataFrame(
        {
            "measure": ["ucla3_loneliness", "ons4_happiness", "ons4_anxiety", "wemwbs"],
            "label": ["Loneliness", "Happiness <b>", "Anxiety", "WEMWBS"],
            "higher_is_better": [False, True, False, True],
            "mean_change": [-1.0, -0.5, 0.0, None],  # WEMWBS: too few, not drawn
            "ci_low": [-1.5, -1.0, -0.4, None],
            "ci_high": [-0.5, 0.2, 0.4, None],
            "smc": [0.5, -0.2, 0.0, None],
            "smc_low": [0.3, -0.4, -0.2, None],
            "smc_high": [0.7, 0.0, 0.2, None],
            "dz": [0.8, -0.3, 0.0, None],
            "dz_low": [0.6, -0.5, -0.2, None],
            "dz_high": [1.0, -0.1, 0.2, None],
        }
    )


def test_each_measure_has_its_own_axis_and_colour_by_its_better_direction():
    fig = change_per_measure(_table())
    assert len(fig.data) == 3  # one chart per shown measure, each with its own y axis
    assert {t.yaxis for t in fig.data} == {"y", "y2", "y3"}
    # a fall in loneliness is better (blue); a fall in happiness is worse (orange); none grey
    assert [t.marker.color for t in fig.data] == ["#0072B2", "#D55E00", "#999999"]
    assert list(fig.data[0].error_y.array) == [0.5] and list(fig.data[0].error_y.arrayminus) == [
        0.5
    ]
    assert "Happiness &lt;b&gt;" in fig.layout.annotations[1].text
    assert change_per_measure(_table().iloc[3:]) is None


def test_effect_forest_puts_every_measure_on_one_axis():
    fig = effect_forest(_table())
    assert [t.name.split(" (")[0] for t in fig.data] == [
        "Standardised mean change",
        "Cohen's dz",
    ]
    assert list(fig.data[1].x) == [0.8, -0.3, 0.0]
    assert fig.layout.xaxis.title.text.startswith("Effect size")


def test_group_forest_draws_only_shown_groups():
    groups = pd.DataFrame(
        {
            "group": ["female", "male", "other"],
            "mean_change": [1.2, 0.8, None],
            "ci_low": [0.9, 0.4, None],
            "ci_high": [1.5, 1.2, None],
        }
    )
    fig = group_forest(groups, "SWEMWBS", "Sex")
    assert list(fig.data[0].y) == ["female", "male"]
    assert group_forest(groups.iloc[2:], "SWEMWBS", "Sex") is None


def test_charts_hold_no_more_precision_than_the_table_shows():
    # intervals worked out after disclosure come unrounded: mean +/- half at full precision
    # would give the exact mean away in the figure's data (their midpoint)
    table = _table().assign(
        mean_change=[-1.0349, -0.5, 0.0, None],
        ci_low=[-1.52871, -1.0, -0.4, None],
        ci_high=[-0.54109, 0.2, 0.4, None],
        dz=[0.8123, -0.3, 0.0, None],
        dz_low=[0.61234, -0.5, -0.2, None],
    )
    change = change_per_measure(table).to_json()
    effects = effect_forest(table).to_json()
    groups = group_forest(table.assign(group=table["label"]), "SWEMWBS", "Sex").to_json()
    for figure in (change, effects, groups):
        assert "1.0349" not in figure and "1.52871" not in figure and "0.54109" not in figure
    assert "0.8123" not in effects and "0.61234" not in effects
    fig = change_per_measure(table)
    # -1.0 with its interval -1.5 to -0.5, as the table shows them
    assert list(fig.data[0].y) == [-1.0]
    assert list(fig.data[0].error_y.arrayminus) == [pytest.approx(0.5)]
