"""A provider's own demand counts (issue 23): people sent, started, waiting and turned away,
in total and by month, exact to the provider itself ("exact: your own records"), on screen
only; at the default level for anyone else, and in every file and every breakdown by who the
people are."""

from __future__ import annotations

import io

import pandas as pd
from test_app_roles import _app, _events
from test_app_roles import deployment as deployment  # a fixture

from socialrx.disclosure import Level
from socialrx.metrics import capacity
from socialrx.metrics.selection import default_selection
from socialrx.report import provider_summary
from socialrx.team import access
from socialrx.team.access import Person, Role
from socialrx.views import provider as provider_view

VIC = "vic@ashcombe.org.uk"  # ORG001's provider
# ORG001 (Ashcombe Collective) in the demo's default year, Oct 2025 to Sep 2026, counted from
# connections.csv by hand (its 4 assets' rows referred in the year): 42 sent (2, 2, 4, 4, 4,
# 6, 5, 3, 3, 3, 2, 4 a month), 31 with a started_date, 2 on a waiting list, 4 turned away
# (2 full, 2 not suitable). Rounded: 40, 30, *, *.
EXACT = {"People sent": "42", "Started": "31", "Waiting list": "2", "Turned away": "4"}
ROUNDED = {"People sent": "40", "Started": "30", "Waiting list": "*", "Turned away": "*"}


def test_own_counts_by_month_and_the_whole_period():
    activity = pd.DataFrame({
        "asset_id": ["all", "A1", "all", "A1"],
        "label": ["Jan 2026", "Jan 2026", "Feb 2026", "Feb 2026"],
        "sent": [9, 9, 3, 3], "started": [6, 6, 1, 1], "waiting_list": [2, 2, 0, 0],
        "declined_full": [1, 1, 1, 1], "declined_not_suitable": [0, 0, 1, 1],
    })  # fmt: skip
    table = capacity.own_counts(activity)  # the "all" rows only, and their sums
    assert table.values.tolist() == [["Jan 2026", 9, 6, 2, 1], ["Feb 2026", 3, 1, 0, 2],
                                     ["Whole period", 12, 7, 2, 3]]  # fmt: skip
    shown = capacity.own_counts_spec().disclose(table, Level.ROUND).values
    # each month and the total on its own: 9 -> 10, 12 -> 10, 1-7 hidden
    assert shown["sent"].tolist() == [10, pd.NA, 10]
    assert shown["turned_away"].isna().tolist() == [True, True, True]


def test_only_the_provider_itself_gets_its_own_counts_exact():
    vic = Person(VIC, Role.PROVIDER, "ORG001", access.SIGN_IN)
    assert access.own_records_level(vic, "ORG001", Level.ROUND) == Level.OFF
    assert access.own_records_level(vic, "ORG002", Level.ROUND) == Level.ROUND
    for role in (Role.PLANNER, Role.PARTNER, Role.EDITOR, Role.GUEST, Role.ANALYST):
        someone = Person("x@y.org", role, None, access.SIGN_IN)
        assert access.own_records_level(someone, "ORG001", Level.ROUND) == Level.ROUND
    analyst = Person("ann@icb.nhs.uk", Role.ANALYST, None, access.SIGN_IN)
    assert access.own_records_level(analyst, "ORG001", Level.OFF) == Level.OFF  # as chosen


def test_the_panel_is_on_screen_only_and_no_file_holds_it(demo):
    year = default_selection(demo)
    panel = provider_view.own_counts_panel(demo, year, Level.ROUND, "ORG001", Level.OFF)
    assert panel.on_screen_only and "exact: your own records" in panel.title
    assert {c.name: c.value for c in panel.shown_cards} == EXACT
    summary = provider_summary(demo, year, Level.ROUND, "ORG001", "Ashcombe Collective", "month")
    assert "provider_own_counts" not in summary.tables
    assert "your own records" not in summary.html
    # a pack built from panels that include it leaves it out
    from socialrx.report import build_pack

    pack = build_pack(demo, year, Level.ROUND, sections=[
        ("Own", ("connections",), lambda d, s, lv, choices: [panel])])  # fmt: skip
    assert "provider_own_counts" not in pack.tables and "your own records" not in pack.html


def _own_cards(at) -> dict[str, str]:
    names = set(EXACT)
    return {m.label: m.value.replace("\\", "") for m in at.metric if m.label in names}


def test_a_provider_sees_its_own_totals_exact_and_its_files_rounded(deployment, monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: dict[str, object] = {}
    real = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    vic = _app(VIC)
    assert vic.title[0].value == "Capacity" and not vic.exception
    assert _own_cards(vic) == EXACT
    assert any("exact: your own records" in h.value for h in [*vic.subheader, *vic.header])
    months = vic.table[0].value
    assert months["People sent"].tolist() == ["2", "2", "4", "4", "4", "6", "5", "3", "3", "3",
                                              "2", "4", "42"]  # fmt: skip
    # every breakdown by who the people are stays rounded (the practices they came from)
    practices = [f.value for f in vic.dataframe if "Practice" in f.value.columns][0]
    assert all(v == "*" or int(str(v).replace(",", "")) % 5 == 0
               for v in practices["People sent"])  # fmt: skip
    # every file is rounded: the CSVs, and the summary to print
    for name, build in made.items():
        data = build()
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        assert "your own records" not in text, name
    demand = pd.read_csv(io.BytesIO(made["provider_demand.csv"]()), dtype=str,
                         skipfooter=11, engine="python", encoding="utf-8-sig")  # fmt: skip
    # by quarter (most months hidden): 2+2+4, 4+4+6, 5+3+3 and 3+2+4 people, 8, 14, 11 and 9,
    # rounded to 10, 15, 10 and 10
    assert demand["People sent"].tolist() == ["10", "15", "10", "10"]
    assert ("vic@ashcombe.org.uk", "exact view") in [(w, a) for w, a, _ in _events()]
    # and each says who made it
    by = "vic@ashcombe.org.uk (provider, ORG001)"
    assert by in made["summary_ORG001.html"]()
    assert f'Made by,"{by}"' in made["provider_demand.csv"]().decode("utf-8-sig")


def test_a_planner_sees_them_rounded_and_a_provider_no_other_organisation(deployment):
    pat = _app("pat@council.gov.uk", {"provider": "ORG001"})
    pat.switch_page("pages/capacity.py").run()
    assert _own_cards(pat) == ROUNDED
    # by quarter, as the page's other panels are where most months would be hidden: 2+2+4,
    # 4+4+6, 5+3+3 and 3+2+4 people (8, 14, 11, 9) rounded, and the period's 42 on its own
    quarters = pat.table[0].value
    assert quarters.index.name == "Quarter"
    assert quarters.index.tolist() == ["2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3",
                                       "Whole period"]  # fmt: skip
    assert quarters["People sent"].tolist() == ["10", "15", "10", "10", "40"]
    # a hidden count's "*" as written, not markdown's bullet (st.table reads cells as markdown)
    assert quarters["Waiting list"].tolist()[-1] == "\\*"
    assert not any("your own records" in h.value for h in [*pat.subheader, *pat.header])
    # a provider's link to another organisation opens its own, and says so
    vic = _app(VIC, {"provider": "ORG002"})
    assert vic.selectbox(key="provider").value == "ORG001"
    assert any("ORG002" in i.value and "not available here" in i.value for i in vic.info)
    assert _own_cards(vic) == EXACT  # its own, not ORG002's
