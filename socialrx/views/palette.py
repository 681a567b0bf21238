"""The app's colours, apart from the map builders (`figures`) so a chart does not import
folium: Okabe-Ito for series, ColorBrewer blues for choropleths, one colour per asset
category."""

from __future__ import annotations

from socialrx import vocab

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
# Sequential blues (ColorBrewer, colour-blind safe) for choropleths, light to dark.
BLUES = (
    "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
    "#4292c6", "#2171b5", "#08519c", "#08306b", "#041c40",
)  # fmt: skip
# One colour per asset category: Paul Tol's colour-blind-safe "muted" and "light" sets. Fifteen
# colours cannot all stay distinct for every reader, so the map also names the category in each
# tooltip and has a layer per category to show one at a time.
CATEGORY_COLOURS = dict(
    zip(
        vocab.ASSET_CATEGORIES,
        (
            "#CC6677", "#332288", "#117733", "#DDCC77", "#88CCEE", "#882255", "#44AA99",
            "#999933", "#AA4499", "#77AADD", "#EE8866", "#FFAABB", "#BBCC33", "#000000", "#DDDDDD",
        ),
        strict=True,
    )
)  # fmt: skip
