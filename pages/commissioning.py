"""Commissioning: where more provision, of which kind, would meet the most unmet need."""

import streamlit as st

from socialrx import ui
from socialrx.metrics import commissioning as metrics
from socialrx.views import commissioning, pages

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
ui.practice_choice_note(context, "Commissioning compares places by the people living in them")
kinds, _ = pages.commissioning_kinds(dataset, ui.page_choices(dataset))
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
    # the page's choices are checked (a shared link's first) before its view is built, the
    # scenario's once the ranking it offers is known; the view is the pack's (`pages`)
    offers = pages.commissioning_offers(dataset, kinds)
    for key, (offered, what, label, default) in offers.items():
        ui.linked(key, offered, what, label, default=default)
        st.session_state.setdefault(key, default)
    ranking = pages.commissioning_ranking(dataset, sel, level, ui.page_choices(dataset), ui.cached)
    scenario_offers = pages.scenario_offers(*ranking[:2]) if ranking else {}
    for key, (offered, what, label, default) in scenario_offers.items():
        ui.linked(key, offered, what, label, default=default)
        st.session_state.setdefault(key, default)
    sections = pages.commissioning_sections(ranking, level, ui.page_choices(dataset))
    needs = offers["commission_need"][2]
    with st.expander("Assumptions", expanded=False):
        one, two, three = st.columns(3)
        one.selectbox(
            "Compare",
            kinds,
            key="commission_by",
            help="The places the chosen place is divided into, each taken whole.",
        )
        one.selectbox(
            "Need",
            offers["commission_need"][0],
            format_func=lambda n: needs(n) or n,
            key="commission_need",
        )
        two.slider(
            "Reach (metres, straight line)",
            *commissioning.RADIUS_RANGE,
            step=100,
            key="commission_radius",
            help="An asset within this distance of an area's centre serves it: for "
            "access (2SFCA) and for strain.",
        )
        two.slider("Months ahead", *metrics.HORIZONS, key="commission_horizon")
        three.number_input("Cost per person where an asset states none (£)", min_value=0.0,
                           max_value=10_000.0, step=10.0, key="commission_cost")  # fmt: skip
    if ranking is None:
        st.info("None of those places has an area in the chosen place.")
        st.stop()
    ranked, scenario = pages.panels_of(sections)
    ui.draw([ranked])

    st.header("Try a scenario")
    left, middle, right = st.columns(3)
    categories, places = (
        scenario_offers[k][0] for k in ("commission_category", "commission_place")
    )
    left.selectbox("Category", categories, key="commission_category")
    middle.selectbox("Place", places, format_func=scenario_offers["commission_place"][2],
                     key="commission_place")  # fmt: skip
    right.slider("Places a month added", 0, 200, step=5, key="commission_added")
    ui.draw([scenario])
    ui.summary(sections, found)
