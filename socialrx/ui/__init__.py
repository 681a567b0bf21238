"""The Streamlit edge: the only part of `socialrx` that imports streamlit.

- `caches`: every `st.cache_resource` / `st.cache_data` wrapper of the app (the loaded dataset,
  the sidebar's lists, each page's panels), keyed on the dataset's content hash;
- `loading`: the data folder or uploaded files, and the mapping edited on the Data page;
- `links`: the page address (a shared link's choices, applied by `linked`), the notes a link
  leaves for the page header, and the detour through app.py for a deep link (`current`);
- `drawing`: the page header, what a page found (its panels' answers), panels (cards, charts,
  maps, tables) in sections or tabs, and downloads;
- `sidebar`: place, period, disclosure level, neighbourhoods, presentation mode, sharing;
- `identity`: who is looking (sign-in, the access list's role, guest links) and the audit trail.

Pages call `ui.X`: the names they use are gathered here. `ui.sidebar` is the function that draws
the sidebar (it hides the submodule of the same name: reach that as `socialrx.ui.sidebar` through
`sys.modules`, or import from it, `from socialrx.ui.sidebar import ...`)."""

from socialrx.ui import caches, drawing, identity, links, loading
from socialrx.ui.caches import (
    benchmark_panels,
    capacity_forecasts,
    capacity_panels,
    capacity_scenario_base,
    directory_choices,
    directory_organisations,
    equity_panels,
    ethnicity_panels,
    headline_panel,
    indicator_choices,
    indicator_panels,
    outcome_for_whom,
    outcome_panels,
    referral_flow_panels,
    referral_pathway_view,
    referral_place_summary,
    referral_spc_view,
)
from socialrx.ui.drawing import (
    assets_by_area_note,
    counted,
    download,
    draw,
    draw_sections,
    needs,
    page_header,
    show_table,
    summary,
)
from socialrx.ui.identity import allowed, audited, current, identify, record, viewed
from socialrx.ui.links import (
    LINK_KEY,
    LINK_NOTES,
    linked,
    read_link,
    remember,
    return_to_wanted_page,
    write_link,
)
from socialrx.ui.loading import (
    DATA_VARIABLE,
    DEMO_FOLDER,
    apply_mapping,
    data_source,
    mapping_in_use,
    session_mapping_applied,
)
from socialrx.ui.sidebar import (
    Context,
    asset_map_panels,
    commissioning_table,
    neighbourhood_editor,
    neighbourhoods,
    place_key,
    presentation_mode,
    presenting,
    share_view,
    sidebar,
)

__all__ = [
    "DATA_VARIABLE",
    "DEMO_FOLDER",
    "LINK_KEY",
    "LINK_NOTES",
    "Context",
    "allowed",
    "apply_mapping",
    "asset_map_panels",
    "assets_by_area_note",
    "audited",
    "benchmark_panels",
    "caches",
    "capacity_forecasts",
    "capacity_panels",
    "capacity_scenario_base",
    "commissioning_table",
    "counted",
    "current",
    "data_source",
    "directory_choices",
    "directory_organisations",
    "download",
    "draw",
    "draw_sections",
    "drawing",
    "equity_panels",
    "ethnicity_panels",
    "headline_panel",
    "identify",
    "identity",
    "indicator_choices",
    "indicator_panels",
    "linked",
    "links",
    "loading",
    "mapping_in_use",
    "needs",
    "neighbourhood_editor",
    "neighbourhoods",
    "outcome_for_whom",
    "outcome_panels",
    "page_header",
    "place_key",
    "presentation_mode",
    "presenting",
    "read_link",
    "record",
    "referral_flow_panels",
    "referral_pathway_view",
    "referral_place_summary",
    "referral_spc_view",
    "remember",
    "return_to_wanted_page",
    "session_mapping_applied",
    "share_view",
    "show_table",
    "sidebar",
    "viewed",
    "summary",
    "write_link",
]
