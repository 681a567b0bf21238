"""Commissioning: where more provision, of which kind, would meet the most unmet need."""

import streamlit as st

from socialrx import ui
from socialrx.metrics import access, funding
from socialrx.metrics import commissioning as metrics
from socialrx.views import commissioning
from socialrx.views.asset_map import need_options
from socialrx.views.links import Between
from socialrx.views.panels import Section

context = ui.current()
ui.page_header(
    "Commissioning",
    context,
    "What to commission next: for each kind of asset in each neighbourhood, ward or PCN "
    "catchment, the need, access, demand and its forecast, strain on the providers who serve "
    "it and their unfunded work, ranked by the unmet need more provision would meet; and what "
    "adding places would do.",
)
dataset, sel, level = context.dataset, context.selection, context.level
kinds = metrics.subdivision_kinds(dataset, ui.neighbourhoods(dataset))
why_not = commissioning.access_note(dataset)
if why_not:
    st.info(why_not)
elif not kinds:
    st.info(
        "No places to compare: add area_lookup.csv (wards, MSOAs, local authorities), "
        "neighbourhoods.csv, or GP registrations by area (PCN catchments)."
    )
elif ui.needs(context, "referrals", "connections"):
    found = st.empty()  # what the page found, once the scenario below is chosen
    needs = need_options(dataset)
    need_list = list(needs) or ["imd_decile"]
    defaults = {
        "commission_by": commissioning.default_kind(kinds),
        "commission_radius": access.DEFAULT_RADIUS_M,
        "commission_horizon": max(metrics.HORIZONS),
        "commission_cost": funding.DEFAULT_COST_GBP,
        "commission_need": need_list[0],
    }
    for key, offered, what, label in (
        ("commission_by", kinds, "places to compare", str),
        ("commission_radius", Between(*commissioning.RADIUS_RANGE), "reach", str),
        ("commission_horizon", Between(*metrics.HORIZONS), "months ahead", str),
        ("commission_cost", Between(0, 10_000), "cost per person", str),
        ("commission_need", need_list, "measure of need", needs.get),
    ):
        ui.linked(key, offered, what, label, default=defaults[key])
        st.session_state.setdefault(key, defaults[key])
    with st.expander("Assumptions", expanded=False):
        one, two, three = st.columns(3)
        kind = one.selectbox("Compare", kinds, key="commission_by",
                             help="The places the chosen place is divided into, each taken "
                             "whole.")  # fmt: skip
        need = one.selectbox("Need", need_list, format_func=lambda n: needs.get(n, n),
                             key="commission_need")  # fmt: skip
        radius = two.slider("Reach (metres, straight line)", *commissioning.RADIUS_RANGE,
                            step=100, key="commission_radius",
                            help="An asset within this distance of an area's centre serves "
                            "it: for access (2SFCA) and for strain.")  # fmt: skip
        horizon = two.slider("Months ahead", *metrics.HORIZONS, key="commission_horizon")
        cost = three.number_input(
            "Cost per person where an asset states none (£)",
            min_value=0.0,
            max_value=10_000.0,
            step=10.0,
            key="commission_cost",
        )
    assumptions = metrics.Assumptions(float(radius), int(horizon), float(cost), need)
    rows = ui.commissioning_table(dataset, dataset.content_hash, sel, level, kind, assumptions)
    table = rows[0]
    if table.empty:
        st.info("None of those places has an area in the chosen place.")
        st.stop()
    ranked = commissioning.ranked_panel(rows, level, assumptions, kind, needs)
    ui.draw([ranked])

    st.header("Try a scenario")
    top = commissioning.default_scenario(ranked.disclosed.values)
    places = commissioning.scenario_places(table)
    categories = commissioning.categories(table)
    for key, offered, what, label, default in (
        ("commission_category", categories, "category", str, top[0]),
        ("commission_place", list(places), "place", places.get, top[1]),
        ("commission_added", Between(0, 200), "places added", str, commissioning.DEFAULT_ADDED),
    ):
        ui.linked(key, offered, what, label, default=default)
        st.session_state.setdefault(key, default)
    left, middle, right = st.columns(3)
    category = left.selectbox("Category", categories, key="commission_category")
    place = middle.selectbox("Place", list(places), format_func=places.get,
                             key="commission_place")  # fmt: skip
    added = right.slider("Places a month added", 0, 200, step=5, key="commission_added")
    scenario = commissioning.scenario_panel(
        rows, level, assumptions, metrics.Scenario(category, place, float(added))
    )
    ui.draw([scenario])
    ui.summary([Section("", [ranked, scenario])], found)
