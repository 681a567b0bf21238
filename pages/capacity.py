"""Capacity: demand sent to each VCS asset and provider against the capacity it states, what
that work is worth against the funding that follows it, link-worker caseloads, what-ifs and
the demand forecast."""

import dataclasses
from types import SimpleNamespace

import streamlit as st

from socialrx import report, ui, vocab
from socialrx.escape import markdown_text
from socialrx.metrics import reach, social_value
from socialrx.metrics.selection import selected_assets
from socialrx.team import access
from socialrx.views import capacity, pages
from socialrx.views import forecast as forecast_view
from socialrx.views import funder as funder_view
from socialrx.views import provider as provider_view
from socialrx.views import what_if as what_if_view
from socialrx.views.links import Between
from socialrx.views.panels import Section

context = ui.current()
ui.page_header(
    "Capacity",
    context,
    "How many people were sent to each asset and provider, against what its "
    "provider says it can take, what that work is worth against the funding that follows it, "
    "and what the next months may bring.",
)
dataset, sel, level = context.dataset, context.selection, context.level


def _cost_input() -> float:
    return st.number_input(
        "Cost per person where an asset states none (£, an assumption)",
        min_value=0.0,
        max_value=10_000.0,
        step=10.0,
        key="default_cost",
    )


def _assumptions() -> social_value.Assumptions:
    """What the user states, if anything: no share attributed and no duration by default."""
    st.caption(
        "Social value: state a share of the change you attribute to the service and how long "
        "you assume it lasts only if you can justify them; left blank, none is assumed."
    )
    left, right = st.columns(2)
    share = left.number_input("Share attributed to the service (%, your assumption)",
                              min_value=0.0, max_value=100.0, value=None, step=5.0,
                              key="sv_attribution", placeholder="not stated")  # fmt: skip
    years = right.number_input("Years the change lasts (your assumption)", min_value=0.5,
                               max_value=50.0, value=None, step=0.5, key="sv_years",
                               placeholder="not stated")  # fmt: skip
    return social_value.Assumptions(None if share is None else share / 100, years)


def _demand_and_outcomes(provider: str) -> None:
    grain = st.radio(
        "Show by",
        ["automatic", "month", "quarter"],
        key="provider_by",
        horizontal=True,
        help="Automatic: by quarter where most monthly counts would be hidden (1-7 people).",
    )
    by = pages.provider_grain(dataset, sel, level, provider, grain)
    if grain == "automatic" and by == "quarter":
        st.caption("Shown by quarter: most of its monthly counts would be hidden (1-7).")
    panels = tab_panels(pages.MINE)  # from the choices as kept, as in the pack
    # its own counts exact to the provider itself, on screen only (access.own_records_level)
    own_level = access.own_records_level(context.person, provider, level)
    own = provider_view.own_counts_panel(dataset, sel, level, provider, own_level, by)
    if own_level != level:
        ui.identity.exact_own_records(provider)
    panels = [own, *panels] if own else panels
    ui.summary([Section("", panels)], found)
    ui.draw(panels)
    st.download_button(
        "Download this provider's summary to print or send (HTML, opens offline)",
        ui.audited(
            lambda: (
                report.provider_summary(
                    dataset,
                    sel,
                    level,
                    provider,
                    providers[provider],
                    by,
                    context.place,
                    made_by=context.person.described,
                ).html
            ),
            "provider report",
            provider,
        ),
        file_name=provider_view.summary_file_name(provider),
        mime="text/html",
        key="dl_provider_summary",
        on_click="ignore",
    )


def _funder_report(provider: str) -> None:
    """The year's report for its funders: every figure at the level shown here."""
    if not years:
        st.info("The data hold no dated records, so there is no financial year to report on.")
        return
    year = st.selectbox("Financial year (April to March)", list(years), key="funder_year",
                        format_func=years.get)  # fmt: skip
    cost = _cost_input()
    assumptions = _assumptions()
    st.caption(
        "One file to print or send: people sent, started, waiting and turned away; capacity "
        "and strain; who it reached against the place; outcomes and what they cannot show; "
        "funding against the work; social value; its directory records. A zip of the report "
        "(HTML, opens offline and prints to A4) and every table as CSV."
    )
    st.download_button(
        f"Download the {year} report for funders (zip)",
        ui.audited(
            lambda: report.funder_report(
                dataset, level, provider, year, assumptions, cost, made_by=context.person.described
            ).zip(),
            "funder report",
            f"{provider} {year}",
        ),
        file_name=funder_view.report_file_name(provider, year),
        mime="application/zip",
        key="dl_funder_report",
        on_click="ignore",
    )


ui.practice_choice_note(
    context, "Demand on a provider is everyone sent to it, whichever practice referred them"
)
ui.assets_by_area_note(context)
if selected_assets(dataset, sel).empty:
    st.info("No assets in the chosen areas." if sel.chosen_by_residence else "No assets loaded.")
elif ui.needs(context, "connections"):
    found = st.empty()  # what the open tab found, once its panels are built (below)
    if access.may(context.person, "every organisation"):  # the whole system's headline
        ui.draw(pages.capacity(dataset, sel, level, {}, ui.cached, (), {})[0].panels)
    # a provider is offered its own organisation only (picker, link and files alike)
    providers = access.organisations(context.person, capacity.provider_options(dataset, sel))
    if not providers:
        st.info("Your organisation has no assets in the chosen place.")
        st.stop()
    ids = list(providers)
    years = reach.financial_years(dataset)  # the funder report's, labelled
    # Lazy tabs run only the open one; Streamlit forgets a widget's value on a run that does
    # not draw it, so each choice is kept (and given its default) here, not by the widget.
    defaults = {
        **pages.capacity_defaults(ids),
        "mine_tab": "Demand and outcomes",
        "funder_year": reach.latest_whole_year(years),
    }
    tabs = list(pages.CAPACITY_TABS)
    # a provider's short link (?provider=ORG001) opens "My organisation" on it
    link = st.session_state.get(ui.LINK_KEY, {})
    opens_provider = "provider" in link and "capacity_tab" not in link
    # every choice of every tab, a link's or a kept one, checked against what it offers here
    # (a provider of another place or dataset falls back with a note)
    # a provider sees its own view only: no other organisation's, not even in the system view
    labels = tabs if access.may(context.person, "every organisation") else ["My organisation"]
    ui.linked("capacity_tab", labels, "tab", default=labels[0])
    for key, what in (("provider", "provider"), ("whatif_provider", "provider to add capacity at"),
                      ("whatif_from", "provider to move funding from"),
                      ("whatif_to", "provider to move funding to")):  # fmt: skip
        ui.linked(key, ids, what, providers.get, default=defaults[key])
    for key, offered, what in (
        ("provider_by", ["automatic", "month", "quarter"], "grain"),
        (
            "mine_tab",
            ["Demand and outcomes", "Funding and social value", "Report for funders"],
            "view of your organisation",
        ),
        ("whatif_target_kind", ["a provider", "a category"], "where capacity is added"),
        ("whatif_category", vocab.ASSET_CATEGORIES, "category to add capacity at"),
        ("default_cost", Between(0, 10_000), "cost per person"),
        ("salary", Between(0, 200_000), "link worker's cost"),
        ("whatif_growth", Between(-50, 100), "referral growth"),
        ("whatif_added", Between(0, 200), "people a month added"),
        ("whatif_move", Between(0, 100_000), "funding moved"),
        ("forecast_horizon", Between(6, 12), "months ahead"),
    ):
        ui.linked(key, offered, what, default=defaults[key])
    if opens_provider and st.session_state.get("provider") in providers:
        st.session_state["capacity_tab"] = "My organisation"
    for key, default in defaults.items():  # set every run, so a closed tab's choice is kept
        st.session_state[key] = st.session_state.get(key, default)
    # lazy tabs: only the open one runs, so a slider in one does not recompute the others
    made = dict(zip(labels, st.tabs(labels, key="capacity_tab", on_change="rerun"), strict=True))
    closed = SimpleNamespace(open=False)
    system, mine, money, workers, what_if, ahead = (made.get(tab, closed) for tab in tabs)
    provider = st.session_state["provider"]
    if ahead.open:  # its category, checked before the tab's panels are built
        categories = pages.forecast_categories(dataset, sel, level, ui.cached)
        ui.linked("forecast_category", categories, "category to forecast",
                  default=categories[0] if categories else None)  # fmt: skip
    # the open tab's panels, from the choices as kept (the pack builds every tab from them)
    opened = tuple(tab for tab in tabs if made.get(tab, closed).open)
    sections = pages.capacity(dataset, sel, level, ui.page_choices(dataset), ui.cached, opened,
                              providers)  # fmt: skip

    def tab_panels(tab: str) -> list:
        return [panel for section in pages.in_tab(sections, tab) for panel in section.panels]

    if system.open:
        with system:
            system_sections = pages.in_tab(sections, pages.SYSTEM)
            ui.summary(system_sections, found)
            ui.draw_sections(system_sections)
    if mine.open:
        with mine:
            provider = st.selectbox(
                "Provider",
                list(providers),
                key="provider",
                format_func=providers.get,
                help="A VCS organisation: all its assets in the chosen place.",
            )
            ui.allowed(access.check_organisation, provider)  # before its figures or its report
            views = ["Demand and outcomes", "Funding and social value", "Report for funders"]
            parts = dict(zip(views, st.tabs(views, key="mine_tab", on_change="rerun"),
                             strict=True))  # fmt: skip
            if parts["Demand and outcomes"].open:
                with parts["Demand and outcomes"]:
                    _demand_and_outcomes(provider)
            if parts["Funding and social value"].open:
                with parts["Funding and social value"]:
                    cost = _cost_input()
                    assumptions = _assumptions()
                    panels = [
                        *funder_view.provider_funding_panels(dataset, sel, level, provider, cost),
                        funder_view.social_value_panel(dataset, sel, level, provider,
                                                       assumptions, cost),
                    ]  # fmt: skip
                    ui.summary([Section("", panels)], found)
                    ui.draw(panels)
            if parts["Report for funders"].open:
                with parts["Report for funders"]:
                    _funder_report(provider)
    if money.open:
        with money:
            _cost_input()
            panels = tab_panels(pages.MONEY)
            ui.summary([Section("", panels)], found)
            ui.draw(panels)
    if workers.open:
        with workers:
            if ui.needs(context, "referrals", "link_workers"):
                st.number_input(
                    "A link worker's cost a year (£, salary and on-costs)",
                    min_value=0.0,
                    max_value=200_000.0,
                    step=500.0,
                    key="salary",
                )
                panels = tab_panels(pages.WORKERS)
                ui.summary([Section("", panels)], found)
                ui.draw(panels)
    if what_if.open:
        with what_if:
            st.caption("Try options live. " + what_if_view.REPLAY)
            left, middle, right = st.columns(3)
            left.slider("Referral growth (%)", -50, 100, step=5, key="whatif_growth")
            kind = middle.radio(
                "Add capacity at",
                ["a provider", "a category"],
                key="whatif_target_kind",
                horizontal=True,
            )
            if kind == "a provider":
                middle.selectbox(
                    "Provider to add capacity at",
                    list(providers),
                    format_func=providers.get,
                    key="whatif_provider",
                )
            else:
                middle.selectbox(
                    "Category to add capacity at", vocab.ASSET_CATEGORIES, key="whatif_category"
                )
            middle.slider("People a month added", 0, 200, step=5, key="whatif_added")
            right.selectbox(
                "Move funding from", list(providers), format_func=providers.get, key="whatif_from"
            )
            right.selectbox("to", list(providers), format_func=providers.get, key="whatif_to")
            right.slider("£ a year moved", 0, 100_000, step=1_000, key="whatif_move")
            panels = tab_panels(pages.WHAT_IF)
            ui.summary([Section("", panels)], found)
            ui.draw(panels)
    if ahead.open:
        with ahead:
            horizon = st.slider("Months ahead", 6, 12, key="forecast_horizon")
            anchor = dataclasses.replace(sel, start=sel.end)  # forecasts depend on the end only
            if categories:
                st.selectbox("Category", categories, key="forecast_category")
            panels = tab_panels(pages.AHEAD)
            ui.summary([Section("", panels)], found)
            ui.draw(panels)
            st.header("Forecast for the chosen provider")
            st.caption(
                f"For {markdown_text(providers.get(provider))} (chosen under My organisation): "
                "one model, fitted when you ask."
            )
            if st.button("Forecast this provider's demand", key="forecast_provider"):
                st.session_state["provider_forecast"] = (
                    (provider, anchor, level),
                    forecast_view.provider_forecast_data(dataset, anchor, level, provider),
                )
            held = st.session_state.get("provider_forecast")
            if held and held[0] == (provider, anchor, level):
                ui.draw(forecast_view.forecast_panels(*held[1], level, horizon, None, "provider_"))
