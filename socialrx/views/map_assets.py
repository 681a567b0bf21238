"""What the asset map loads, and from where: its scripts, its stylesheets and its tiles.

folium names Leaflet and its plugins by public CDN addresses (jsDelivr, cdnjs, unpkg), which
networks that block public CDNs (many NHS networks, every secure data environment) never
load: the map is then a blank space. Pinned copies of the few files the map uses are in the
app's `static/map/` folder, with their licences (its README says where each came from); Streamlit
serves that folder (`server.enableStaticServing` in `.streamlit/config.toml`), the live map asks
the app for them, and a downloaded map carries them inline, so it opens offline. Map tiles are
off unless the deployment names OpenStreetMap or its own tile server.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from socialrx.provenance import Provenance, html_block

if TYPE_CHECKING:
    import folium

log = logging.getLogger(__name__)

# Where Streamlit serves files from: `static/` beside the app's main script (app.py).
STATIC_FOLDER = Path(__file__).resolve().parents[2] / "static"
MAP_FOLDER = STATIC_FOLDER / "map"
# The live map runs in streamlit-folium's component frame, at <app>/component/<name>/index.html;
# from there `../../app/static/` is the app's static route, under any server.baseUrlPath.
SERVED_AT = "../../app/static/map/"

# Every address folium (0.20) or a plugin the map uses asks for: the pinned copy that stands for
# it under `static/map/`, or None where the map has no use for it (folium's defaults for
# Bootstrap popups and Font Awesome marker icons: the map draws circle markers and its own
# cluster icons, and builds its popups without jQuery). An address not listed here is refused,
# so a new plugin or an upgraded folium cannot quietly send the map back to a CDN.
LOCAL_COPIES: dict[str, str | None] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js":
        "leaflet.markercluster-1.1.0/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css":
        "leaflet.markercluster-1.1.0/MarkerCluster.css",
    "https://unpkg.com/leaflet.featuregroup.subgroup@1.0.2/dist/leaflet.featuregroup.subgroup.js":
        "leaflet.featuregroup.subgroup-1.0.2/leaflet.featuregroup.subgroup.js",
    # the default cluster icons' colours; ours are drawn by figures.CLUSTER_ICON_JS
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css":
        None,
    "https://code.jquery.com/jquery-3.7.1.min.js": None,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": None,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": None,
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        None,
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css":
        None,
}  # fmt: skip


def local_files(fmap: folium.Map) -> folium.Map:
    """Point every script and stylesheet `fmap` and its layers ask for at the app's own copy
    (dropping those the map does not use), in place; call it once the map is complete."""
    for element in _elements(fmap):
        for kind in ("default_js", "default_css"):
            links = getattr(element, kind, None)
            if links is None:
                continue
            setattr(element, kind, [(name, SERVED_AT + path) for name, url in links
                                    if (path := _local_copy(url)) is not None])  # fmt: skip
    return fmap


def _local_copy(url: str) -> str | None:
    if url.startswith(SERVED_AT):  # already pointed here
        return url[len(SERVED_AT) :]
    if url not in LOCAL_COPIES:
        raise ValueError(
            f"The map asks for {url}, which the app does not serve: add a pinned copy to "
            f"{MAP_FOLDER} (see its README) and list it in socialrx.views.map_assets."
        )
    return LOCAL_COPIES[url]


def _elements(element):
    yield element
    for child in element._children.values():
        yield from _elements(child)


def missing_files() -> list[str]:
    """The map's files (under `static/map/`) that are not on disk: the live map cannot draw
    without them."""
    wanted = sorted({path for path in LOCAL_COPIES.values() if path is not None})
    return [path for path in wanted if not (MAP_FOLDER / path).is_file()]


# <script src="..."> and <link rel="stylesheet" href="..."> as branca writes them
_SCRIPT = re.compile(r'<script src="([^"]*)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]*)"/>')
_CSS_URL = re.compile(r"url\((images/[\w.-]+\.png)\)")


def standalone_html(fmap: folium.Map, made: Provenance | None = None) -> str:
    """The whole map as one HTML file that opens offline: its scripts and stylesheets written
    into the page from the app's copies (and the images a stylesheet names as data URLs), and
    where it came from (`made`), as every output says: a box that opens at the top left, beside
    the zoom buttons (the bottom left is the scale bar's)."""
    html = fmap.get_root().render()
    if made is not None:
        about = ("<details class='socialrx-provenance' style='position:fixed;left:56px;top:10px;"
                 "z-index:1001;background:#fff;border:1px solid #999;padding:4px 8px;"
                 "font:12px Arial,sans-serif;max-width:60%'><summary>Where this map came from"
                 f"</summary>{html_block(made)}</details>")  # fmt: skip
        html = html.replace("<body>", "<body>" + about, 1)

    def script(match: re.Match) -> str:
        text = _read(match.group(1))
        return "<script>" + text.replace("</script", "<\\/script") + "</script>"

    def stylesheet(match: re.Match) -> str:
        path = _path(match.group(1))
        text = _read(match.group(1))

        def inline(image: re.Match) -> str:
            file = path.parent / image.group(1)
            if not file.is_file():  # the default marker's icon: the map draws none
                return image.group(0)
            return f"url(data:image/png;base64,{base64.b64encode(file.read_bytes()).decode()})"

        return "<style>" + _CSS_URL.sub(inline, text).replace("</style", "<\\/style") + "</style>"

    return _STYLESHEET.sub(stylesheet, _SCRIPT.sub(script, html))


def _path(url: str) -> Path:
    if not url.startswith(SERVED_AT):
        raise ValueError(f"The map links to {url}, not to one of the app's own copies")
    return MAP_FOLDER / url[len(SERVED_AT) :]


def _read(url: str) -> str:
    return _path(url).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Tiles

TILES_VARIABLE = "SOCIALRX_MAP_TILES"
ATTRIBUTION_VARIABLE = "SOCIALRX_MAP_TILES_ATTRIBUTION"
OPENSTREETMAP = "openstreetmap"
NO_TILES_ATTRIBUTION = "Street map off on this server"


@dataclass(frozen=True)
class Tiles:
    """The map's background: `url`, OpenStreetMap or a tile address template (None: no
    tiles), and what credits the tiles (plain text, escaped where it is drawn)."""

    url: str | None = None
    attribution: str = ""


def map_tiles(environ: dict | None = None) -> Tiles:
    """The tiles this deployment names in SOCIALRX_MAP_TILES: unset or `off`, none (nothing
    leaves the browser for the map, and no tile server learns which part of the country is
    being looked at); `openstreetmap`, OpenStreetMap's; or an http(s) address with {z}, {x}
    and {y} (e.g. an organisation's own tile server), credited with
    SOCIALRX_MAP_TILES_ATTRIBUTION (plain text; the server's name if unset). Anything else is
    treated as off, and said so in the server's log."""
    env = environ if environ is not None else os.environ
    setting = (env.get(TILES_VARIABLE) or "off").strip()
    if setting.lower() in ("off", ""):
        return Tiles()
    if setting.lower() == OPENSTREETMAP:
        return Tiles(OPENSTREETMAP)
    parts = urlsplit(setting)
    if (
        parts.scheme in ("http", "https")
        and parts.netloc
        and all(f"{{{k}}}" in setting for k in "zxy")
    ):
        credit = (env.get(ATTRIBUTION_VARIABLE) or "").strip()
        if not credit:
            log.warning("%s is not set: the map credits its tiles to %s",
                        ATTRIBUTION_VARIABLE, parts.hostname)  # fmt: skip
            credit = f"Map tiles: {parts.hostname}"
        return Tiles(setting, credit)
    log.warning(
        "%s=%r is neither off, openstreetmap nor an http(s) tile address with {z}, {x} and "
        "{y}: the map is drawn without tiles",
        TILES_VARIABLE,
        setting,
    )
    return Tiles()
