"""The Streamlit edge: the only part of `socialrx` that imports streamlit.

- `caches`: every `st.cache_resource` / `st.cache_data` wrapper of the app (the loaded dataset,
  the sidebar's lists, each page's panels), keyed on the dataset's content hash;
- `loading`: the data folder or uploaded files, and the mapping edited on the Data page;
- `links`: the page address (a shared link's choices, applied by `linked`), the notes a link
  leaves for the page header, and the detour through app.py for a deep link (`current`);
- `drawing`: the page header, what a page found (its panels' answers), panels (cards, charts,
  maps, tables) in sections or tabs, and downloads;
- `sidebar`: place, period, disclosure level, neighbourhoods, presentation mode, sharing;
- `identity`: who is looking (sign-in, the access list's role, guest links) and the audit trail;
- `warming`: once a fresh server's first page is drawn, it readies the others' libraries and tables.

Pages call `ui.X`: the names they use are gathered here. `ui.sidebar` is the function that draws
the sidebar (it hides the submodule of the same name: reach that as `socialrx.ui.sidebar` through
`sys.modules`, or import from it, `from socialrx.ui.sidebar import ...`)."""

from socialrx.data.source import DATA_VARIABLE, DEMO_FOLDER
from socialrx.ui import caches, drawing, identity, links, loading
from socialrx.ui.caches import cached, directory_choices, directory_organisations
from socialrx.ui.drawing import (
    assets_by_area_note,
    counted,
    download,
    draw,
    draw_sections,
    needs,
    page_header,
    practice_choice_note,
    show_table,
    summary,
)
from socialrx.ui.identity import allowed, audited, current, identify, record, viewed
from socialrx.ui.links import (
    LINK_KEY,
    LINK_NOTES,
    choices,
    linked,
    read_link,
    remember,
    return_to_wanted_page,
    write_link,
)
from socialrx.ui.loading import (
    apply_mapping,
    data_source,
    mapping_in_use,
    session_mapping_applied,
)
from socialrx.ui.sidebar import (
    Context,
    neighbourhood_editor,
    neighbourhoods,
    page_choices,
    place_key,
    presentation_mode,
    presenting,
    share_view,
    sidebar,
)
from socialrx.ui.warming import warm_up

__all__ = [
    "DATA_VARIABLE",
    "DEMO_FOLDER",
    "LINK_KEY",
    "LINK_NOTES",
    "Context",
    "allowed",
    "apply_mapping",
    "assets_by_area_note",
    "audited",
    "cached",
    "caches",
    "choices",
    "counted",
    "current",
    "data_source",
    "directory_choices",
    "directory_organisations",
    "download",
    "draw",
    "draw_sections",
    "drawing",
    "identify",
    "identity",
    "linked",
    "links",
    "loading",
    "mapping_in_use",
    "needs",
    "neighbourhood_editor",
    "neighbourhoods",
    "page_choices",
    "page_header",
    "practice_choice_note",
    "place_key",
    "presentation_mode",
    "presenting",
    "read_link",
    "record",
    "remember",
    "return_to_wanted_page",
    "session_mapping_applied",
    "share_view",
    "show_table",
    "sidebar",
    "viewed",
    "summary",
    "warm_up",
    "write_link",
]
