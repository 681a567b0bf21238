"""Open Referral UK in and out: each format (v1 JSON page, HSDS 3 JSON, HSDS 3 CSV folder, zip),
the round trip assets -> ORUK -> assets, the real Bristol page, and each bad input."""

import io
import json
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from socialrx.__main__ import main
from socialrx.data import openreferral
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files, load_folder
from socialrx.data.problems import Report
from socialrx.escape import html_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openreferral"
BRISTOL = "community/ORUK_Bristol_OpenPlaceDirectory_services_first7_Dec2024.json"
REALDATA = next(
    (p for p in (Path("/work/shared/realdata"), ROOT.parent / "shared" / "realdata") if p.is_dir()),
    None,
)
CONTRACT_COLUMNS = [
    "asset_id", "name", "organisation_id", "category", "delivery", "latitude", "longitude",
    "postcode", "status", "cost", "cost_per_person_gbp", "wheelchair_accessible", "schedule",
    "min_age", "max_age", "capacity_per_month", "last_verified", "url", "description",
]  # fmt: skip


def _fixture(name: str) -> SourceFile:
    return SourceFile(name, (FIXTURES / name).read_bytes())


def _load(*files: SourceFile):
    dataset, report = load_files(list(files))
    return dataset, report, report.lines()


def _asset(dataset, name: str) -> pd.Series:
    assets = dataset.table("assets")
    return assets[assets["name"] == name].iloc[0]


# --- each format ------------------------------------------------------------------------------


def test_oruk_v1_json_page_becomes_assets_and_organisations():
    dataset, _, lines = _load(_fixture("oruk_v1_services_page.json"))
    walk = _asset(dataset, "Walking for Health Rotherham")  # HTML stripped from the name
    assert walk["asset_id"] == "5a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a01"  # the service at location
    assert walk["category"] == "physical activity"  # 'Walking' through the default mapping
    assert walk["schedule"] == "Tue 10:00-12:00; Thu 18:00-20:00"  # weekday words, seconds
    assert walk["description"] == "Gentle walks & a chat.\nAll welcome\nno booking"
    assert walk["postcode"] == "S65 2AA"
    assert (walk["latitude"], walk["longitude"]) == (53.4301, -1.3375)
    assert walk["wheelchair_accessible"] == True  # noqa: E712 - pandas boolean
    assert walk["cost"] == "free" and pd.isna(walk["cost_per_person_gbp"])
    assert walk["min_age"] == 18
    assert walk["last_verified"] == pd.Timestamp("2025-06-01")
    debt = _asset(dataset, "Debt advice line")  # no location, attending by phone
    assert debt["delivery"] == "telephone" and pd.isna(debt["latitude"])
    assert debt["category"] == "money, debt and benefits advice"
    assert debt["cost"] == "paid" and debt["cost_per_person_gbp"] == 12.5
    assert debt["schedule"] == "Mon 09:00-17:00"
    organisations = dataset.table("organisations")
    assert set(organisations["name"]) == {"Rotherham Ramblers", "Money Matters CIC"}
    assert walk["organisation_id"] == "0f0e8a35-4c8e-4d0b-8a4e-6f3b7c1d2e01"
    # every text that reaches HTML goes through the escape helpers; none holds a tag any more
    assert all("<" not in html_text(v) for v in dataset.table("assets")["description"].dropna())


def test_hsds3_json_page_with_capacities_schedules_and_costs():
    dataset, _, lines = _load(_fixture("hsds3_services_page.json"))
    counselling = _asset(dataset, "Community Counselling")
    assert counselling["category"] == "mental health support"
    assert counselling["schedule"] == "Tue 10:00-12:00; Thu 10:00-12:00; 2nd Mon 18:00-20:00"
    assert counselling["capacity_per_month"] == 10  # people per month: maximum
    assert counselling["cost"] == "low cost"
    assert pd.isna(counselling["cost_per_person_gbp"])  # 'per session', not per person
    assert counselling["wheelchair_accessible"] == False  # noqa: E712 - "Not wheelchair ..."
    assert (counselling["min_age"], counselling["max_age"]) == (16, 99)
    shelter = _asset(dataset, "Night shelter")
    assert pd.isna(shelter["capacity_per_month"])  # beds are not people a month
    assert shelter["status"] == "temporarily closed"
    assert shelter["description"] == "Emergency beds"
    assert shelter["category"] == "housing advice"
    assert (
        "hsds3_services_page.json: service capacities not imported, their unit is not people "
        "or places per month: 'beds' x1 (warning)"
    ) in lines
    organisation = dataset.table("organisations").iloc[0]
    assert (organisation["type"], organisation["charity_number"]) == ("charity", "1123456")


def test_hsds3_csv_folder_in_the_dataset_folder():
    dataset, report = load_folder(FIXTURES / "hsds3_csv")
    assets = dataset.table("assets").set_index("name")
    assert list(assets.index) == ["Allotment Buddies", "Digital drop-in", "Online choir"]
    assert assets.loc["Allotment Buddies", "category"] == "nature and gardening"
    assert assets.loc["Allotment Buddies", "capacity_per_month"] == 6  # places per month
    assert assets.loc["Allotment Buddies", "cost"] == "free"  # amount 0
    assert assets.loc["Allotment Buddies", "postcode"] == "S60 2PR"
    assert assets.loc["Digital drop-in", "schedule"] == "Wed 14:00-16:00 fortnightly"
    assert assets.loc["Digital drop-in", "wheelchair_accessible"] == True  # noqa: E712
    assert assets.loc["Online choir", "delivery"] == "online"  # a virtual location only
    assert assets.loc["Online choir", "schedule"] == "Evenings in term time"  # kept as words
    assert bool(assets.loc["Digital drop-in", "stale"])  # verified 2023, data to 2025
    assert set(dataset.table("organisations")["type"]) == {
        "community group",
        "community interest company",
    }
    lines = report.lines()
    # an HSDS CSV with extra columns: named, nothing lost
    assert (
        "service.csv: column(s) 'internal_notes' are not service fields of HSDS that an asset "
        "uses: kept in the file, not imported (warning)"
    ) in lines
    # a schedule that is not days and times: kept as free text, counted in one warning
    assert (
        "service.csv: 1 schedule(s) could not be read as days and times (byday/weekday with "
        "opens_at and closes_at such as 10:00): kept as their own words in the schedule column "
        "(warning)"
    ) in lines
    assert not report.errors


def test_zip_of_the_csv_folder_and_zip_of_json_give_the_same_assets():
    folder, _ = load_folder(FIXTURES / "hsds3_csv")
    zipped, _, _ = _load(_fixture("hsds3_csv.zip"))
    pd.testing.assert_frame_equal(folder.table("assets"), zipped.table("assets"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(FIXTURES / "oruk_v1_services_page.json", "export/services.json")
    from_zip, _, _ = _load(SourceFile("directory.zip", buffer.getvalue()))
    from_json, _, _ = _load(_fixture("oruk_v1_services_page.json"))
    pd.testing.assert_frame_equal(from_zip.table("assets"), from_json.table("assets"))


def test_a_data_package_descriptor_beside_the_tables_is_read_past(tmp_path):
    for path in (FIXTURES / "hsds3_csv").iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    descriptor = {"name": "directory", "id": "pkg", "resources": [{"path": "service.csv"}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    dataset, report = load_folder(tmp_path)
    assert len(dataset.table("assets")) == 3
    assert not any("datapackage" in line for line in report.lines())


def test_v1_csv_names_plural_tables_and_service_taxonomies():
    files = {
        "services.csv": "id,organization_id,name,description,status\n"
        "s1,o1,Lunch club,Hot meals,active\n",
        "organizations.csv": "id,name,description\no1,Age Well,Older people's charity\n",
        "locations.csv": "id,name,latitude,longitude\nl1,Hall,53.40,-1.30\n",
        "service_at_locations.csv": "id,service_id,location_id\nsl1,s1,l1\n",
        "regular_schedules.csv": "id,service_id,weekday,opens_at,closes_at\n"
        "r1,s1,Friday,12:00,14:00\n",
        "taxonomies.csv": "id,name,vocabulary\nt1,Lunch clubs,esdServiceTypes\n",
        "service_taxonomies.csv": "id,service_id,taxonomy_id\nx1,s1,t1\n",
        "physical_addresses.csv": "id,location_id,address_1,city,postal_code\n"
        "a1,l1,Main St,Town,S60 1AA\n",
    }  # fmt: skip
    dataset, _, lines = _load(*(SourceFile(n, t.encode()) for n, t in files.items()))
    asset = _asset(dataset, "Lunch club")
    assert asset["asset_id"] == "sl1"
    assert asset["category"] == "social groups and befriending"
    assert asset["schedule"] == "Fri 12:00-14:00"
    assert asset["postcode"] == "S60 1AA"
    assert dataset.table("organisations")["name"].tolist() == ["Age Well"]
    assert not any("not a table of the data contract" in line for line in lines)


# --- the round trip and the export -------------------------------------------------------------


def _contract(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[CONTRACT_COLUMNS].sort_values("asset_id").reset_index(drop=True)


@pytest.mark.parametrize("form", ["csv", "json"])
def test_round_trip_assets_to_open_referral_and_back(demo, form):
    files = openreferral.export_files(demo.table("assets"), demo.table("organisations"))
    chosen = [SourceFile(n, d) for n, d in files.items() if n.endswith(f".{form}")]
    back, report, lines = _load(*chosen)
    assert lines == []
    pd.testing.assert_frame_equal(
        _contract(back.table("assets")), _contract(demo.table("assets")), check_dtype=False
    )
    if form == "csv":  # the JSON holds services, so only organisations that have one
        ours = demo.table("organisations").sort_values("organisation_id").reset_index(drop=True)
        theirs = back.table("organisations").sort_values("organisation_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(theirs, ours, check_dtype=False)


def test_the_export_zip_reads_back_as_a_directory(demo):
    files = openreferral.export_files(demo.table("assets"), demo.table("organisations"))
    back, _, lines = _load(SourceFile("openreferral_hsds3.zip", openreferral.export_zip(files)))
    # the zip holds the JSON and the CSV tables of the same services: each is imported once
    assert lines == [
        f"service.csv: {len(demo.table('assets'))} service(s) already given by another file "
        "(same id): imported once (warning)"
    ]
    pd.testing.assert_frame_equal(
        _contract(back.table("assets")), _contract(demo.table("assets")), check_dtype=False
    )


def test_export_ids_are_stable_uuids_and_required_fields_are_present(demo):
    assets, organisations = demo.table("assets").copy(), demo.table("organisations")
    assets.loc[0, "postcode"] = "S60 1AA"  # an address row too
    assets.loc[1, "organisation_id"] = None  # exported under a stand-in organization
    first = openreferral.export_files(assets, organisations)
    second = openreferral.export_files(assets.iloc[::-1], organisations)
    for name in first:  # the same ids (and rows) whatever the order or the day
        if name.endswith(".csv"):
            a = pd.read_csv(io.BytesIO(first[name]), dtype=str).sort_values("id")
            b = pd.read_csv(io.BytesIO(second[name]), dtype=str).sort_values("id")
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    service = pd.read_csv(io.BytesIO(first["service.csv"]), dtype=str)
    first_id = assets["asset_id"].iloc[0]
    expected = uuid.uuid5(openreferral.NAMESPACE, f"service:{first_id}")
    assert str(expected) in set(service["id"])
    # HSDS 3 required fields (schema/simple/schema.csv), and ids in the uuid format
    required = {
        "organization": ["id", "name", "description"],
        "service": ["id", "organization_id", "name", "status"],
        "location": ["id", "location_type"],
        "address": ["id", "address_1", "city", "state_province", "postal_code", "country",
                    "address_type"],
        "service_at_location": ["id", "service_id", "location_id"],
        "schedule": ["id"],
        "taxonomy": ["id", "name", "description"],
        "taxonomy_term": ["id", "name", "description"],
        "attribute": ["id", "link_id", "link_entity", "taxonomy_term_id"],
        "service_capacity": ["id", "service_id", "unit_id", "available", "updated"],
        "unit": ["id", "name"],
        "cost_option": ["id", "service_id"],
        "organization_identifier": ["id", "identifier_type", "identifier"],
    }  # fmt: skip
    for table, columns in required.items():
        frame = pd.read_csv(io.BytesIO(first[f"{table}.csv"]), dtype=str)
        assert len(frame), table
        for column in columns:
            assert frame[column].notna().all(), (table, column)
        for column in [c for c in frame.columns if c == "id" or c.endswith("_id")]:
            values = frame[column].dropna()
            assert values.map(lambda v: str(uuid.UUID(v)) == v).all(), (table, column)
    back, _, lines = _load(SourceFile("service.json", first["services.json"]))
    assert lines == []
    assert pd.isna(back.table("assets").set_index("asset_id").loc[assets["asset_id"][1],
                                                                  "organisation_id"])  # fmt: skip
    assert "Organisation not recorded" not in set(back.table("organisations")["name"])
    page = json.loads(first["services.json"])

    def values(node):  # HSDS 3 types allow no null, and attribute values are strings
        if isinstance(node, dict):
            assert None not in node.values()
            if "link_entity" in node and "value" in node:
                assert isinstance(node["value"], str)
            for child in node.values():
                values(child)
        elif isinstance(node, list):
            for child in node:
                values(child)

    values(page)
    assert page["total_items"] == len(assets) == len(page["contents"])
    assert {"id", "name", "status"} <= set(page["contents"][0])


def test_our_uuid_ids_are_kept():
    assert openreferral.stable_id("service", "5A1F0C3E-2B4D-4E6F-8A9B-0C1D2E3F4A01") == (
        "5a1f0c3e-2b4d-4e6f-8a9b-0c1d2e3f4a01"
    )
    assert openreferral.stable_id("service", "A0001") == openreferral.stable_id("service", "A0001")
    assert openreferral.stable_id("service", "A0001") != openreferral.stable_id("location", "A0001")


def test_cli_import_and_export(tmp_path, capsys):
    out = tmp_path / "imported"
    assert main(["import-openreferral", str(FIXTURES / "hsds3_csv"), "--out", str(out)]) == 0
    assert (out / "assets.csv").exists() and (out / "organisations.csv").exists()
    assert "Wrote 3 assets and 2 organisations" in capsys.readouterr().out
    exported = tmp_path / "hsds"
    assert main(["export-openreferral", str(out), "--out", str(exported)]) == 0
    assert {"service.csv", "location.csv", "services.json"} <= {p.name for p in exported.iterdir()}
    again = tmp_path / "again"
    assert main(["import-openreferral", str(exported / "services.json"), "--out", str(again)]) == 0
    before, after = load_folder(out)[0], load_folder(again)[0]
    pd.testing.assert_frame_equal(
        _contract(before.table("assets")), _contract(after.table("assets"))
    )
    assert (
        main(["import-openreferral", str(FIXTURES / "error_body.json"), "--out", str(again)]) == 2
    )


# --- the taxonomy mapping ----------------------------------------------------------------------


def test_unmapped_terms_go_to_other_with_one_warning_listing_them():
    dataset, _, lines = _load(_fixture("oruk_v1_services_page.json"))
    assert _asset(dataset, "Knit and natter")["category"] == "other"
    unmapped = [line for line in lines if "map to none of our categories" in line]
    assert unmapped == [
        "oruk_v1_services_page.json: taxonomy terms that map to none of our categories, so "
        "their services are filed under 'other': 'Knitting' (localTags) x1. Map them in "
        "taxonomy_mapping.csv (columns term, vocabulary, category; download it from the "
        "Directory page) and load again (warning)"
    ]


def test_a_mapping_file_beside_the_directory_maps_terms_and_names_bad_rows():
    mapping = (
        "term,vocabulary,category\n"
        "Knitting,localTags,arts and creativity\n"
        "Walking,esdServiceTypes,walking\n"  # not a category: reported, the default stands
    )
    dataset, _, lines = _load(
        _fixture("oruk_v1_services_page.json"), SourceFile("taxonomy_mapping.csv", mapping.encode())
    )
    assert _asset(dataset, "Knit and natter")["category"] == "arts and creativity"
    assert _asset(dataset, "Walking for Health Rotherham")["category"] == "physical activity"
    assert any(
        line.startswith("taxonomy_mapping.csv:3: category: 'walking': not one of the categories")
        for line in lines
    )
    assert not any("map to none of our categories" in line for line in lines)


def test_unmapped_terms_are_listed_for_the_mapping_download():
    imported, _ = openreferral.import_directory([_fixture("oruk_v1_services_page.json")], Report())
    table = openreferral.unmapped_table(imported)
    assert table.to_dict("records") == [
        {"term": "Knitting", "vocabulary": "localTags", "services": 1}
    ]
    data = openreferral.mapping_csv(imported.mapping, [("Knitting", "localTags")])
    assert data.decode("utf-8-sig").splitlines()[-1] == "Knitting,localTags,"


def test_the_mapping_downloads_and_reads_back():
    data = openreferral.mapping_csv(unmapped=[("Knitting", "localTags")])
    report = Report()
    read = openreferral.read_mapping(SourceFile("taxonomy_mapping.csv", data), report)
    assert report.problems == []  # the blank category of an unmapped term is not an error
    assert read.category(["Gardening"], "any") == "nature and gardening"
    assert read.category(["Knitting"], "localTags") is None
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == "term,vocabulary,category"


# --- pieces --------------------------------------------------------------------------------------


def test_schedule_text_from_v1_and_rrule_fields():
    text, bad = openreferral.schedule_text(
        [
            {"weekday": "Tuesday", "opens_at": "10:00:00", "closes_at": "12:00:00"},
            {"freq": "WEEKLY", "byday": "TH", "opens_at": "18:00+01:00", "closes_at": "20:00"},
            {"freq": "MONTHLY", "byday": "-1FR", "opens_at": "09:30", "closes_at": "11:00"},
            {"byday": "someday", "opens_at": "9ish"},
        ]
    )
    assert text == "Tue 10:00-12:00; Thu 18:00-20:00; last Fri 09:30-11:00; someday 9ish"
    assert bad == 1
    assert openreferral.schedule_records("Tue 10:00-12:00; 2nd Mon 18:00-20:00; ask us") == [
        {"freq": "WEEKLY", "interval": 1, "byday": "TU", "opens_at": "10:00", "closes_at": "12:00"},
        {"freq": "MONTHLY", "interval": 1, "byday": "2MO", "opens_at": "18:00",
         "closes_at": "20:00"},
        {"description": "ask us"},
    ]  # fmt: skip


def test_strip_html():
    assert openreferral.strip_html("<p><br></p>") == ""
    assert openreferral.strip_html("<p>Tea &amp; cake</p><script>alert(1)</script>") == (
        "Tea & cake"
    )
    assert openreferral.strip_html("5 < 6 and 7 > 3") == "5 < 6 and 7 > 3"


# --- bad input ---------------------------------------------------------------------------------


def test_an_error_body_instead_of_services_says_so_and_keeps_the_rest():
    good = SourceFile(
        "assets.csv",
        b"asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.4,-1.3\n",
    )
    dataset, report, lines = _load(_fixture("error_body.json"), good)
    assert lines == [
        "error_body.json: holds no services: it looks like an error or another kind of answer "
        "from the directory's API (status: 500; error: Internal Server Error; message: Database "
        "unavailable). Allowed: an Open Referral UK /services page, a list of services or an "
        "object whose 'content' (v1) or 'contents' (HSDS 3) holds them; download the page again"
    ]
    assert dataset.table("assets")["asset_id"].tolist() == ["A1"]  # nothing valid lost


def test_a_service_with_no_location_is_one_asset_with_no_place_and_a_warning():
    dataset, _, lines = _load(_fixture("oruk_v1_services_page.json"))
    knit = _asset(dataset, "Knit and natter")
    assert knit["delivery"] == "in person" and pd.isna(knit["latitude"])
    assert any(
        line.startswith("oruk_v1_services_page.json:3: service_at_locations: 'Knit and natter': "
                        "service with no location")
        for line in lines
    )  # fmt: skip


def test_a_later_page_says_the_rest_is_missing_and_broken_json_is_named():
    page = {"totalElements": 120, "totalPages": 3, "number": 1, "last": False,
            "content": [{"id": "s1", "name": "Walk", "attending_type": "online"}]}  # fmt: skip
    dataset, _, lines = _load(SourceFile("page1.json", json.dumps(page).encode()))
    assert _asset(dataset, "Walk")["delivery"] == "online"
    assert (
        "page1.json: page 1 of 3 of the directory: only its 1 services were imported (the "
        "directory lists 120); download every page (e.g. ?page=2) and add each file (warning)"
    ) in lines
    _, report, lines = _load(SourceFile("broken.json", b'{"content": [ {"id": '))
    assert report.unreadable == ["broken.json"]
    assert not any("Traceback" in line for line in lines)


def test_geojson_boundaries_are_not_taken_for_a_directory():
    geojson = {"type": "FeatureCollection", "features": []}
    files = [SourceFile("areas.geojson", json.dumps(geojson).encode())]
    directory, rest = openreferral.gather(files, Report())
    assert directory.sources == [] and rest == files


@pytest.mark.skipif(REALDATA is None, reason="the shared real data folder is not here")
def test_the_real_bristol_directory_page():
    data = (REALDATA / BRISTOL).read_bytes()
    dataset, report, lines = _load(SourceFile("bristol.json", data))
    assets = dataset.table("assets")
    # 7 services, one an empty record (no name, no description): not imported, said why
    assert len(assets) == 6
    assert any(
        "service def5ccd4-f121-df4d-60d2-4dc0d69ff555 has no name and no description: an empty "
        "record, not imported (warning)" in line
        for line in lines
    )
    assert not report.errors  # the rest is usable: import-openreferral exits 0
    assert not any("<" in d for d in assets["description"].dropna())  # HTML stripped
    assert len(dataset.table("organisations")) == 6
    assert (assets["category"] == "other").all()  # the list view carries no taxonomy
    assert sum("service with no location" in line for line in lines) == 6
    assert assets["last_verified"].notna().all()


def test_a_venue_that_is_also_online_is_hybrid_and_a_nameless_organisation_is_not_invented():
    service = {
        "id": "s1",
        "name": "Chair yoga",
        "attending_type": "Venue, Online",
        "organization_id": "o-unknown",
        "service_at_locations": [{"id": "sl1", "location": {"latitude": 53.4, "longitude": -1.3}}],
        "service_taxonomys": [{"taxonomy": {"name": "Yoga"}}],
    }
    dataset, _, lines = _load(SourceFile("one.json", json.dumps([service]).encode()))
    asset = _asset(dataset, "Chair yoga")
    assert (asset["delivery"], asset["category"]) == ("hybrid", "physical activity")
    assert asset["organisation_id"] == "o-unknown"
    assert not dataset.has("organisations")  # no name to give it: not made up
    assert not any("organisations" in line for line in lines)


def test_blank_lines_and_descriptor_tables_in_an_hsds_folder(tmp_path):
    (tmp_path / "services.csv").write_text(
        "id,name,status\n\ns1,Walking club,active\n\n", encoding="utf-8"
    )
    (tmp_path / "meta_table_descriptions.csv").write_text("id,name\nm1,x\n", encoding="utf-8")
    dataset, report = load_folder(tmp_path)
    assert dataset.table("assets")["name"].tolist() == ["Walking club"]
    assert not any("required" in line or "meta_table" in line for line in report.lines())
