"""The workshop pack: the pages' panels in one offline report, numbers equal to the pages'."""

from pathlib import Path

import pandas as pd

from socialrx.__main__ import main
from socialrx.data.loader import load_folder
from socialrx.disclosure import Level
from socialrx.escape import html_text
from socialrx.metrics.selection import PCN, Selection, default_selection
from socialrx.provenance import FOOTER_LINES
from socialrx.report import NOTES_LIMIT, build_pack
from socialrx.views import pages, referral_flows

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
SECTION = {section[0]: section for section in pages.PAGES}
EVIL = "Tom's <script>alert(1)</script> `${x}`"


def test_the_pack_holds_every_section_and_fetches_nothing(year_pack):
    pack, _ = year_pack
    html = pack.html
    library = html.index("<script>"), html.index("</script>")
    page = html[: library[0]] + html[library[1] :]  # the page without plotly.js's own text
    for section in ("Overview", "Asset map", "Referral flows", "Equity",
                    "Capacity and funding", "Outcomes", "What we agreed"):  # fmt: skip
        assert f"<h2>{section}</h2>" in html
    assert html.count("* plotly.js v") == 1 and "<script src" not in html  # once, inline
    assert "data:image/png;base64," in html  # the map as a still image
    for outside in ('src="http', "src='http", 'href="http', "href='http", "@import", "url("):
        assert outside not in page
    assert {"overview_headlines", "referrals_by_practice", "outcome_change"} <= set(pack.tables)


def test_the_packs_numbers_equal_the_pages(demo):
    chosen = Selection(pd.Timestamp("2025-10-01"), pd.Timestamp("2026-09-30"), PCN, ("XPCN01",))
    pack = build_pack(demo, chosen, Level.ROUND, sections=[SECTION["Referral flows"]])
    refs = referral_flows.selected_referrals(demo, chosen)
    page = referral_flows.practice_panel(refs, demo, chosen, Level.ROUND).export()
    pd.testing.assert_frame_equal(pack.tables["referrals_by_practice"], page)
    counts = page["Adult referrals"]
    assert all(v == "*" or v % 5 == 0 for v in counts)


def test_text_from_files_and_the_room_is_escaped(tmp_path):
    (tmp_path / "assets.csv").write_text(
        f'asset_id,name,category,latitude,longitude\nA1,"{EVIL}",physical activity,53.43,-1.35\n',
        encoding="utf-8",
    )
    dataset, _ = load_folder(tmp_path)
    notes = "<img src=x onerror=alert(2)>\n" + "x" * (NOTES_LIMIT + 50)
    pack = build_pack(dataset, default_selection(dataset), Level.ROUND, notes=notes)
    assert "<script>alert(1)" not in pack.html and "&lt;script&gt;alert(1)" in pack.html
    assert "<img src=x" not in pack.html and "&lt;img src=x" in pack.html
    assert "x" * (NOTES_LIMIT + 1) not in pack.html  # notes are cut to the limit
    # an assets-only dataset: the sections it cannot fill say what is missing
    assert "Not in this dataset: referrals" in pack.html


def test_the_report_command_writes_the_pack_and_keeps_the_floor(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "round")
    # the command's place, period and floor, seen in a few pages (every page: `year_pack`)
    monkeypatch.setattr(pages, "PAGES", pages.PAGES[:3])
    out = tmp_path / "pack"
    code = main(["report", str(DEMO), "--out", str(out), "--place", "pcn:XPCN02",
                 "--from", "2026-01", "--to", "2026-03", "--disclosure", "off"])  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0 and "looser than this deployment allows" in said
    assert (out / "report.html").exists() and (out / "referrals_per_month.csv").exists()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "01 Jan 2026 to 31 Mar 2026" in html and "Round to 5" in html
    monthly = pd.read_csv(
        out / "referrals_per_month.csv", dtype=str, engine="python", skipfooter=FOOTER_LINES
    )  # where it came from, below the table
    assert len(monthly) == 3
    assert main(["report", str(DEMO), "--out", str(out), "--place", "pcn:NOPE"]) == 1
    assert "NOPE not found" in capsys.readouterr().out


def test_the_report_command_takes_the_pages_choices_from_a_link(tmp_path, capsys, monkeypatch):
    out = tmp_path / "pack"
    linked = ("Asset map", "Referral flows", "Outcomes")  # the pages the link makes choices on
    monkeypatch.setattr(pages, "PAGES", [s for s in pages.PAGES if s[0] in linked])
    link = "http://x/outcomes?outcome_group=sex&map_categories=physical%20activity&spc_by=1"
    assert main(["report", str(DEMO), "--out", str(out), "--link", link]) == 0
    assert "could not be read" not in capsys.readouterr().out
    assert (out / "outcome_by_sex.csv").exists()
    assert not (out / "outcome_by_reason.csv").exists()  # the page's default
    gaps = (out / "access_gaps.csv").read_text(encoding="utf-8")
    assert "Nearest physical activity (m)" in gaps.splitlines()[0]


def test_the_report_opens_offline_in_a_browser(year_pack, tmp_path):
    from browser_assets import offline_report

    year_pack[0].write(tmp_path)
    with offline_report(tmp_path / "report.html") as opened:
        outside, errors, drawn = opened.outside, opened.errors, opened.drawn
    assert not outside and not errors
    assert drawn >= 5  # every chart drew from the embedded plotly.js


def test_a_providers_summary_prints_on_its_own(demo):
    from socialrx.report import provider_summary

    year = default_selection(demo)
    pack = provider_summary(demo, year, Level.ROUND, "ORG007", "Brackenby <Friends>", "quarter")
    assert "<h1>What Brackenby &lt;Friends&gt; is asked to do" in pack.html
    assert "<h2>Overview</h2>" not in pack.html and pack.tables
    for table in pack.tables.values():  # counts of people as shown: rounded or hidden
        for column in {"People sent", "Waiting list", "Started"} & set(table.columns):
            assert all(v == "*" or float(v) % 5 == 0 for v in table[column].dropna())


def test_the_packs_map_is_of_the_chosen_ward(demo, year_pack, monkeypatch):
    """With a ward chosen, the pack's still map is drawn for it: its outline and name (the
    dashed blue line the interactive map draws), its areas to open on, the orange gap areas
    within it; with the whole dataset, none of these."""
    from socialrx.metrics import selection
    from socialrx.views import asset_map

    drawn = []
    real = asset_map.asset_map_png

    def spy(*args, **kwargs):
        drawn.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(asset_map, "asset_map_png", spy)
    year = default_selection(demo)
    ward = selection.resolve(demo, year.start, year.end, selection.WARD, ("E05013010",))
    pack = build_pack(demo, ward, Level.ROUND, place="Rotherham East",
                      sections=[SECTION["Asset map"]])  # fmt: skip
    (kwargs,) = drawn
    outline, label = kwargs["place"]
    assert label == "Rotherham East (ward, E05013010)" and len(outline) == 1
    assert set(kwargs["focus"]) == set(ward.area_codes)
    assert set(kwargs["highlight"]) <= set(ward.area_codes)
    assert "data:image/png;base64," in pack.html
    (kwargs,) = year_pack[1]  # the default period's pack
    assert kwargs["place"] is None and kwargs["focus"] == () and kwargs["title"] == ""


def test_the_pack_opens_each_section_with_what_it_found_and_keeps_every_panel(demo, year_pack):
    chosen = default_selection(demo)
    pack, _ = year_pack
    html = pack.html
    # every page's section opens with its summary, the page's answers in the same words
    assert html.count("<div class='found'><p><b>What this page found</b></p>") == 7
    flows = pages.panels_of(pages.referral_flows(demo, chosen, Level.ROUND))
    spc = next(p for p in flows if p.name == "spc_referrals")
    assert f"<li><b>Signal or noise:</b> {html_text(spc.lead_text)}" in html  # as on screen
    # what folds away on a page is printed in full: the method under each panel
    assert html.count("How this is worked out: ") >= 20
    assert html_text(spc.method) in html
    # and no panel is left out: every referral flows panel with a table has its CSV
    assert {p.name for p in flows if p.labels} <= set(pack.tables)
    # the commissioning page as it opens: its ranking, why, and the scenario on its top row
    assert {"commission_ranked", "commission_scenario"} <= set(pack.tables)
    assert "Most unmet need over the next 12 months" in html and "What if: 40 " in html
