"""The asset map loads nothing from outside the app: its scripts and styles are the app's own
pinned copies (and exactly the npm releases folium names), a downloaded map carries them inline,
and tiles are off unless the deployment names OpenStreetMap or its own tile server."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from socialrx.views import map_assets
from socialrx.views.figures import asset_map
from socialrx.views.map_assets import MAP_FOLDER, SERVED_AT, Tiles, map_tiles

REPO = Path(__file__).resolve().parents[1]
LINKS = re.compile(r'<script src="([^"]*)"|<link rel="stylesheet" href="([^"]*)"')


def _map() -> folium.Map:
    """Two categories (so clusters and sub-groups), an area, a practice: every layer kind."""
    assets = pd.DataFrame(
        {
            "name": ["Walk", "Choir"],
            "category": ["physical activity", "arts and creativity"],
            "latitude": [53.43, 53.44],
            "longitude": [-1.35, -1.36],
        }
    )
    areas = gpd.GeoDataFrame(
        {"area_code": ["E1"], "area_name": ["North"]},
        geometry=[box(-1.4, 53.4, -1.3, 53.5)],
        crs="EPSG:4326",
    )
    practices = pd.DataFrame(
        {"name": ["Surgery"], "practice_code": ["C1"], "latitude": [53.45], "longitude": [-1.3]}
    )
    return asset_map(assets, areas, pd.Series({"E1": 3}), "IMD decile", practices=practices)


def test_the_map_asks_the_app_for_every_script_and_stylesheet(monkeypatch):
    monkeypatch.delenv("SOCIALRX_MAP_TILES", raising=False)
    html = _map().get_root().render()
    links = [script or sheet for script, sheet in LINKS.findall(html)]
    assert sorted(links) == sorted(
        SERVED_AT + path
        for path in (
            "leaflet-1.9.3/leaflet.js",
            "leaflet-1.9.3/leaflet.css",
            "leaflet.markercluster-1.1.0/leaflet.markercluster.js",
            "leaflet.markercluster-1.1.0/MarkerCluster.css",
            "leaflet.featuregroup.subgroup-1.0.2/leaflet.featuregroup.subgroup.js",
        )
    )
    assert all((MAP_FOLDER / link.removeprefix(SERVED_AT)).is_file() for link in links)
    # nothing else from outside: no CDN, no tiles (the only addresses left are in comments
    # of the inline SVG namespace and Leaflet's own link in its attribution)
    assert not re.search(r"cdn|unpkg|jquery|bootstrap|openstreetmap", html, re.IGNORECASE)
    # without tiles the map still has a highest zoom, which the cluster group needs
    assert '"maxZoom": 18' in html


def test_every_file_the_map_needs_is_in_the_static_folder_streamlit_serves():
    assert map_assets.missing_files() == []
    config = tomllib.loads((REPO / ".streamlit/config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True
    # Streamlit serves `static/` beside the main script, app.py
    assert map_assets.STATIC_FOLDER == REPO / "static"
    # every library comes with its licence
    for folder in MAP_FOLDER.iterdir():
        if folder.is_dir():
            assert any("LICEN" in f.name.upper() for f in folder.iterdir()), folder


def test_a_plugin_the_app_does_not_serve_is_refused():
    fmap = _map()
    folium.plugins.Fullscreen().add_to(fmap)  # asks jsDelivr for a script the app lacks
    with pytest.raises(ValueError, match="which the app does not serve"):
        map_assets.local_files(fmap)


def test_the_downloaded_map_carries_its_scripts_and_styles(monkeypatch):
    monkeypatch.delenv("SOCIALRX_MAP_TILES", raising=False)
    html = map_assets.standalone_html(_map())
    assert not LINKS.search(html)  # no file to fetch
    leaflet = (MAP_FOLDER / "leaflet-1.9.3/leaflet.js").read_text()
    plugin = MAP_FOLDER / "leaflet.featuregroup.subgroup-1.0.2/leaflet.featuregroup.subgroup.js"
    assert f"<script>{leaflet}</script>" in html
    assert f"<script>{plugin.read_text()}</script>" in html
    # the layer control's icon, from Leaflet's stylesheet, as a data URL
    assert "url(images/layers.png)" not in html
    assert re.search(r"\.leaflet-control-layers-toggle \{\s*background-image: url\(data:image/png;"
                     r"base64,", html)  # fmt: skip
    # a map whose scripts cannot run says so; the map's script removes the notice once drawn
    assert html.count('class="socialrx-not-drawn"') == 1
    assert 'querySelectorAll(".socialrx-not-drawn")' in html


def test_the_downloaded_map_says_where_it_came_from(demo):
    from socialrx.disclosure import Level
    from socialrx.metrics.selection import default_selection
    from socialrx.provenance import record

    made = record(demo, default_selection(demo), Level.ROUND, "Rother <PCN>")
    html = map_assets.standalone_html(_map(), made)
    box = html[html.index("<body>") :]
    assert box.startswith("<body><details class='socialrx-provenance'")
    assert "Where this map came from" in box and made.content_hash in box
    assert "Rother &lt;PCN&gt;" in box and "Rother <PCN>" not in html  # escaped
    assert "socialrx-provenance" not in map_assets.standalone_html(_map())


def test_tiles_are_off_unless_the_deployment_names_them(caplog):
    assert map_tiles({}) == Tiles()
    assert map_tiles({"SOCIALRX_MAP_TILES": " OFF "}) == Tiles()
    assert map_tiles({"SOCIALRX_MAP_TILES": "OpenStreetMap"}) == Tiles("openstreetmap")
    own = "https://tiles.example.nhs.uk/{z}/{x}/{y}.png"
    named = {"SOCIALRX_MAP_TILES": own, "SOCIALRX_MAP_TILES_ATTRIBUTION": "© Our ICB"}
    assert map_tiles(named) == Tiles(own, "© Our ICB")
    with caplog.at_level(logging.WARNING):
        assert map_tiles({"SOCIALRX_MAP_TILES": own}) == Tiles(
            own, "Map tiles: tiles.example.nhs.uk"
        )
        # anything else fails safe: no tiles, and the server's log says why
        for wrong in ("osm", "https://tiles.example.nhs.uk/tiles.png", "ftp://t/{z}/{x}/{y}"):
            assert map_tiles({"SOCIALRX_MAP_TILES": wrong}) == Tiles()
    assert "SOCIALRX_MAP_TILES_ATTRIBUTION is not set" in caplog.text
    assert caplog.text.count("the map is drawn without tiles") == 3


def test_the_map_draws_the_tiles_the_deployment_names(monkeypatch):
    monkeypatch.setenv("SOCIALRX_MAP_TILES", "openstreetmap")
    html = _map().get_root().render()
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "Street map off" not in html
    own = "https://tiles.example.nhs.uk/{z}/{x}/{y}.png"
    monkeypatch.setenv("SOCIALRX_MAP_TILES", own)
    monkeypatch.setenv("SOCIALRX_MAP_TILES_ATTRIBUTION", "© Our ICB <b>{{ 7 * 7 }}</b>")
    html = _map().get_root().render()
    assert f'L.tileLayer(\n                "{own}"' in html
    # the credit is text: escaped, its braces no template for folium's second Jinja pass
    (credit,) = re.findall(r'"attribution": ("[^"]*")', html)
    assert json.loads(credit) == "© Our ICB &lt;b&gt;&#x7B;&#x7B; 7 * 7 &#x7D;&#x7D;&lt;/b&gt;"
    monkeypatch.setenv("SOCIALRX_MAP_TILES", "off")
    html = _map().get_root().render()
    assert "L.tileLayer" not in html and "L.map(" in html  # drawn on a blank ground
    assert '"Street map off on this server"' in html  # said in the map's corner


def test_the_pinned_copies_are_the_npm_releases_folium_names():
    """Each file in static/map/<package>-<version>/ is byte for byte the same file in that
    release on npm (under dist/ or at the top), fetched with `npm pack`; skipped without npm."""
    from browser_assets import default_cache_dir, fetch_packages

    folders = {f.name: f for f in MAP_FOLDER.iterdir() if f.is_dir()}
    specs = {name: "@".join(name.rsplit("-", 1)) for name in folders}  # leaflet-1.9.3
    packages = fetch_packages(specs.values(), default_cache_dir())
    if len(packages) < len(specs):
        pytest.skip("npm or its registry is not available to compare the pinned copies")
    compared = 0
    for name, folder in folders.items():
        package = packages[specs[name]]
        for file in (f for f in folder.rglob("*") if f.is_file()):
            inside = file.relative_to(folder)
            release = next(
                (c for c in (package / "dist" / inside, package / inside) if c.is_file()), None
            )
            assert release is not None, f"{file} is not in {specs[name]}"
            assert file.read_bytes() == release.read_bytes(), f"{file} differs from npm's"
            compared += 1
    assert compared == 10
