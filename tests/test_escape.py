import pandas as pd

from socialrx.escape import csv_bytes, html_link, html_text, spreadsheet_safe


def test_html_text_escapes_html_and_template_literal_breakouts():
    text = html_text('<b>"Tom\'s"</b> & `x` ${y} C:\\users')
    assert text == (
        "&lt;b&gt;&quot;Tom&#x27;s&quot;&lt;/b&gt; &amp; &#x60;x&#x60; &#x24;{y} C:&#x5C;users"
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
        r"\[x\](http\://evil) \!\[i\](http\://e/i.png) \*\*b\*\* \_i\_ \`c\` \$m\$ "
        r"\<b\>h\</b\> :red\[r\] \# \| \~s\~"
    )
    # bare addresses would be autolinked
    assert markdown_text("www.evil.com a@b.com") == r"www\.evil.com a\@b.com"
    # a sentence reads as written: colons, commas, parentheses, full stops, dashes
    plain = "Left out: 3 adult referrals (1-7 hidden), 12.5% of 40; 'quoted' - yes."
    assert markdown_text(plain) == plain
    assert markdown_text(r"C:\users") == r"C:\\users"
    assert markdown_text(None) == ""
