"""Escaping text from data files before it reaches HTML, a script, markdown, a spreadsheet or
a file name: the one home for every escaper.

folium escapes nothing and pastes popup/tooltip text into a JavaScript template literal, so
HTML escaping alone is not enough: a backtick, `${` or a backslash would still break out or
blank the map; and it compiles each rendered script as a Jinja template once more (branca's
MacroElement.render), so `{{ ... }}` in a name would run on the server. `html_text` escapes
all of them (as entities, which still read as the characters) for every string that reaches a
map, a chart label or HTML; `script_text` quotes one for a script.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

_HTML = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "$": "&#x24;",
    "\\": "&#x5C;",
    "{": "&#x7B;",
    "}": "&#x7D;",
}
_HTML_RE = re.compile("[" + re.escape("".join(_HTML)) + "]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?[\d,]*\.?\d+%?$")  # "-0.80", "2,040": numbers written as text
# The marks that start markup in Streamlit's markdown: emphasis, code, links and images (both
# need brackets), raw HTML and autolinks, headings, tables, strikethrough, maths, Streamlit's
# coloured text and directives (`:red[...]`, brackets again) and the backslash itself. Other
# punctuation (a colon, a comma, parentheses without brackets) cannot make markup on its own
# line, so it stays as written and a sentence reads the same in a test as on screen.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~$!{}])")
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])://|(?<=www)\.|@")
WORD_JOINER = "\u2060"  # zero width, no break: shown as nothing


def html_text(value: object) -> str:
    """Any value as text safe inside HTML and inside a JavaScript template literal."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _HTML_RE.sub(lambda m: _HTML[m.group()], str(value))


def script_text(value: object) -> str:
    """A string literal for a script: escaped as `html_text` (so `<`, quotes, backtick, `$`,
    backslash and braces cannot break out), then quoted as JSON."""
    return json.dumps(html_text(value))


def file_slug(value: object, fallback: str) -> str:
    """Text from a file as part of a download's file name: letters, digits, `-` and `_` only
    (an id could hold a path, quotes or a newline), at most 40 characters, `fallback` if none."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", "" if value is None else str(value)).strip("_")
    return slug[:40] or fallback


def markdown_text(value: object) -> str:
    """Text from a file made literal inside Streamlit markdown (captions, labels): no links,
    images, emphasis or maths from a place name."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = _MARKDOWN.sub(r"\\\1", str(value))  # CommonMark: a backslashed mark is literal
    # bare web and e-mail addresses would become links (GitHub-flavoured autolinks): a
    # backslash does not stop them (Streamlit's markdown finds them in the text after escapes
    # are read), an invisible word joiner inside "://", "www." and "@" does
    return _AUTOLINK.sub(lambda m: WORD_JOINER + m.group(0), text)


def html_link(url: object, text: object) -> str:
    """A link only for http(s) URLs; anything else is shown as plain escaped text."""
    label = html_text(text)
    if isinstance(url, str) and re.match(r"(?i)^https?://", url.strip()):
        return f'<a href="{html_text(url.strip())}" target="_blank" rel="noopener">{label}</a>'
    return label


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """TEXT cells starting with = + - @ tab or CR get a leading apostrophe so a spreadsheet
    does not run them as formulas; numbers stay numbers (a negative change is not a formula)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_datetime64_any_dtype(
            out[column]
        ):
            continue
        text = out[column]
        risky = np.array(
            [isinstance(v, str) and v.startswith(_FORMULA_START) and not _NUMBER.match(v)
             for v in text],
            dtype=bool,
        )  # fmt: skip
        if risky.any():
            out[column] = text.astype(object).where(~risky, "'" + text.astype(str))
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as a UTF-8 CSV (with BOM, so Excel reads it right), formula-safe."""
    return spreadsheet_safe(frame).to_csv(index=False).encode("utf-8-sig")
