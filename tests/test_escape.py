import re

import pandas as pd

from socialrx.escape import (
    csv_bytes,
    file_slug,
    html_link,
    html_text,
    script_text,
    spreadsheet_safe,
)


def test_html_text_escapes_html_and_template_literal_breakouts():
    text = html_text('<b>"Tom\'s"</b> & `x` ${y} C:\\users')
    assert text == (
        "&lt;b&gt;&quot;Tom&#x27;s&quot;&lt;/b&gt; &amp; &#x60;x&#x60; "
        "&#x24;&#x7B;y&#x7D; C:&#x5C;users"
    )
    for dangerous in "<>\"'`$\\":
        assert dangerous not in text


def test_html_text_of_missing_values_is_empty():
    assert html_text(None) == "" and html_text(pd.NA) == "" and html_text(float("nan")) == ""


def test_only_http_links_become_links():
    assert html_link("javascript:alert(1)", "x") == "x"
    assert html_link("https://a.org/?q=1&r=`", "<n>") == (
        '<a href="https://a.org/?q=1&amp;r=&#x60;" target="_blank" rel="noopener">&lt;n&gt;</a>'
    )


def test_spreadsheet_safe_neutralises_text_formulas_but_not_numbers():
    frame = pd.DataFrame(
        {
            "name": ["=HYPERLINK(1)", "+1+2", "-x", "@SUM", "\tx", "ok"],
            "change": [-1.5, 2, -3, 0, 1, 2],
        }
    )
    out = spreadsheet_safe(frame)
    assert out["name"].tolist() == ["'=HYPERLINK(1)", "'+1+2", "'-x", "'@SUM", "'\tx", "ok"]
    assert out["change"].tolist() == [-1.5, 2, -3, 0, 1, 2]
    assert csv_bytes(frame).startswith(b"\xef\xbb\xbfname,change")


def test_numbers_written_as_text_are_not_treated_as_formulas():
    frame = pd.DataFrame({"shown": ["-0.80", "2,040", "*", "-3%", "-1+1"]})
    assert spreadsheet_safe(frame)["shown"].tolist() == ["-0.80", "2,040", "*", "-3%", "'-1+1"]


def test_markdown_text_neutralises_markup_and_leaves_plain_punctuation():
    from socialrx.escape import markdown_text

    name = "[x](http://evil) ![i](http://e/i.png) **b** _i_ `c` $m$ <b>h</b> :red[r] # | ~s~"
    assert markdown_text(name) == (
        "\\[x\\](http\u2060://evil) \\!\\[i\\](http\u2060://e/i.png) "
        r"\*\*b\*\* \_i\_ \`c\` \$m\$ "
        r"\<b\>h\</b\> :red\[r\] \# \| \~s\~"
    )
    # bare addresses would be autolinked
    assert markdown_text("www.evil.com a@b.com") == "www\u2060.evil.com a\u2060@b.com"
    # a sentence reads as written: colons, commas, parentheses, full stops, dashes
    plain = "Left out: 3 adult referrals (1-7 hidden), 12.5% of 40; 'quoted' - yes."
    assert markdown_text(plain) == plain
    assert markdown_text(r"C:\users") == r"C:\\users"
    assert markdown_text(None) == ""


# how Streamlit's markdown (remark-gfm: mdast-util-gfm-autolink-literal) finds bare addresses,
# in the text as read, after CommonMark's backslash escapes
GFM_ADDRESS = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")


def test_no_address_in_markdown_text_becomes_a_link():
    from socialrx.escape import markdown_text

    for text in ("http://127.0.0.1:9/x", "see HTTPS://evil.com/a now", "www.evil.com",
                 "a@b.com", "[x](http://evil)", "<http://e.org>"):  # fmt: skip
        read = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown_text(text))
        assert not GFM_ADDRESS.search(read) and not GFM_EMAIL.search(read), text
        assert read.replace("\u2060", "") == text  # the joiner is invisible: it reads the same
    # a backslash alone did not stop it: Streamlit linked "http://127.0.0.1" of this
    assert GFM_ADDRESS.search(re.sub(r"\\(.)", r"\1", r"http\://127.0.0.1:9/x"))


def test_one_escaper_for_html_scripts_and_jinja():
    # braces become entities: folium compiles rendered scripts as Jinja templates once more,
    # and the report and charts share the same escaper (they still read as braces)
    name = "{{ config }}{% if 1 %}</script>`${x}`"
    assert html_text(name) == (
        "&#x7B;&#x7B; config &#x7D;&#x7D;&#x7B;% if 1 %&#x7D;&lt;/script&gt;"
        "&#x60;&#x24;&#x7B;x&#x7D;&#x60;"
    )
    assert script_text(name) == '"' + html_text(name) + '"'
    assert "<" not in script_text("</script>") and "{" not in script_text("{{x}}")


def test_file_names_from_data_are_slugged():
    assert file_slug("../../etc/passwd", "x") == "etc_passwd"
    assert file_slug('ORG"1\n; rm', "x") == "ORG_1_rm"
    assert file_slug("", "provider") == "provider" and file_slug(None, "data") == "data"
    assert file_slug("a" * 60, "x") == "a" * 40
    assert file_slug("Café Ünïon", "x") == "Caf_n_on"
