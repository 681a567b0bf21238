"""Every page's "data as at" line, and a banner when the data is older than the deployment
allows (`SOCIALRX_STALE_DAYS`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from socialrx.data import freshness
from socialrx.ui import loading

if TYPE_CHECKING:
    from socialrx.ui.sidebar import Context


def data_as_at(context: Context) -> None:
    """The date the data is as at (and when the data folder was last refreshed); a warning
    when it is older than the deployment says it should be."""
    dataset = context.dataset
    when = freshness.dataset_as_at(dataset)
    refreshed = None
    if st.session_state.get("data_source", loading.FOLDER) == loading.FOLDER:
        refreshed = freshness.last_refresh(loading.data_source(), dataset.content_hash)
    words = [f"Data as at {when.date:%d %b %Y} ({when.basis})"] if when.date is not None else []
    if refreshed is not None:
        words.append(f"refreshed {refreshed:%d %b %Y %H:%M}")
    st.caption(" · ".join(words) if words else "No dates in the data say how recent it is.")
    days, wrong = freshness.stale_days()
    if wrong:
        st.warning(wrong, icon=":material/history:")
    date = when.date if when.date is not None else refreshed
    if days is None or date is None:
        return
    age = freshness.age_in_days(date)
    if age > days:
        st.warning(
            f"This data is {age:,} days old (as at {date:%d %b %Y}); this deployment expects "
            f"data no older than {days:,} days. Figures may have moved since: ask whoever keeps "
            "the data to refresh it.",
            icon=":material/history:",
        )
