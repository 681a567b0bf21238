"""The Directory page's live feed: fetch an Open Referral feed this deployment lists
(`SOCIALRX_FEEDS`) and download it as assets.csv and organisations.csv. Only listed feeds: a
server that fetched any typed address could be turned on the network it sits in. The app
writes nothing into the data folder; the command line keeps a folder up to date."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from socialrx.data import feeds, openreferral
from socialrx.data.problems import Report
from socialrx.escape import csv_bytes, file_slug, markdown_text
from socialrx.ui.drawing import show_table
from socialrx.views.data import problems_table

FEED_KEY = "_socialrx_feed"  # this session's last fetch: what it read, and its files
# Kinder to a worker thread than the command line's: a page waits on these.
APP_LIMITS = feeds.Limits(timeout=20.0, retries=2, max_wait=30.0, max_pages=200)


def feed_fetcher(limits: feeds.Limits = APP_LIMITS) -> None:
    """The address of a listed feed, a button that fetches it, and what it held."""
    st.subheader("Fetch a live Open Referral feed")
    allowed = feeds.allowed_feeds()
    if not allowed:
        st.caption(
            "This deployment lists no feeds the app may fetch: whoever runs it names them in "
            f"{feeds.FEEDS_VARIABLE} (base addresses, comma-separated). From the command line, "
            "`python -m socialrx import-openreferral https://... --out DIR` reads any feed and "
            "keeps a folder up to date."
        )
        return
    address = st.text_input(
        "Feed address",
        value=allowed[0],
        key="feed_address",
        help="Feeds this deployment allows (and any address under them): " + ", ".join(allowed),
    )
    if st.button("Fetch the feed", key="feed_fetch"):
        _fetch(address.strip(), allowed, limits)
    fetched = st.session_state.get(FEED_KEY)
    if fetched is not None:
        _show(fetched)


def _fetch(address: str, allowed: list[str], limits: feeds.Limits) -> None:
    st.session_state.pop(FEED_KEY, None)
    if not feeds.permits(allowed, address):
        st.error(
            f"{_code(address)} is not on this deployment's list of feeds, so the app does not "
            f"fetch it. Listed: {', '.join(_code(feed) for feed in allowed)}.",
            icon=":material/block:",
        )
        return
    report = Report()
    fetcher = feeds.Fetcher(limits, permitted=lambda url: feeds.permits(allowed, url))
    bar = st.progress(0.0, text="Fetching the feed")
    try:
        read, imported = feeds.fetch_directory(
            address, fetcher, report, progress=lambda f, text: bar.progress(f, text=text)
        )
    except feeds.FeedError as exc:
        st.error(markdown_text(str(exc)), icon=":material/cloud_off:")
        return
    finally:
        bar.empty()
    files = {
        "assets.csv": csv_bytes(imported.assets),
        "organisations.csv": csv_bytes(imported.organisations),
    }
    st.session_state[FEED_KEY] = {
        "address": address,
        "summary": (
            f"Read {read.pages:,} page(s) of the feed: {len(read.modified):,} services "
            f"({read.details:,} full records fetched) became {len(imported.assets):,} assets "
            f"and {len(imported.organisations):,} organisations; {fetcher.requests:,} "
            "requests."
        ),
        "problems": problems_table(report),
        "zip": openreferral.export_zip(files),
    }


def _code(address: str) -> str:
    """An address as inline code: shown as typed, never a link."""
    return "`" + address.replace("`", "'") + "`"


def _show(fetched: dict) -> None:
    st.success(fetched["summary"], icon=":material/cloud_done:")
    if len(fetched["problems"]):
        st.caption("What the import noticed:")
        show_table(fetched["problems"].rename(columns=str.capitalize))
    host = urlsplit(fetched["address"]).hostname or "feed"
    st.download_button(
        "Download the feed as assets.csv and organisations.csv (zip)",
        fetched["zip"],
        file_name=f"openreferral_{file_slug(host, 'feed')}.zip",
        mime="application/zip",
        key="dl_feed",
        on_click="ignore",
    )
    st.caption(
        "Put the two files in the data folder (or upload the zip in the sidebar with your "
        "other files). To keep a folder up to date, with your corrections kept, run "
        "`python -m socialrx import-openreferral ADDRESS --out DIR` on a schedule."
    )
