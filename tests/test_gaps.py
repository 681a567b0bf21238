"""A view that is empty says which piece of data is missing."""

import pandas as pd

from socialrx.data.dataset import Dataset, empty_table
from socialrx.metrics import gaps


def _assets(rows):
    frame = empty_table("assets")
    return pd.concat([frame, pd.DataFrame(rows)], ignore_index=True).astype(frame.dtypes)


ASSETS = _assets(
    [
        {"asset_id": "A1", "delivery": "in person", "latitude": 53.4, "postcode": "S60 1AA"},
        {"asset_id": "A2", "delivery": "in person", "postcode": "S60 1AA"},
        {"asset_id": "A3", "delivery": None, "postcode": "S60 2BB"},
        {"asset_id": "A4", "delivery": "hybrid"},
        {"asset_id": "A5", "delivery": "online"},  # needs no place
    ]
)


def test_assets_with_a_postcode_and_no_postcode_file():
    notes = gaps.unplaced_assets(Dataset(tables={"assets": ASSETS}), ASSETS)
    assert notes == [
        "2 in-person assets have a postcode but no postcode file was loaded, so they are off "
        "the map: add postcodes.csv or the ONS postcode directory (NSPD, NSPL or ONSPD) as "
        "downloaded.",
        "1 in-person asset has neither coordinates nor a postcode: add latitude and "
        "longitude, or a postcode, in assets.csv.",
    ]


def test_assets_whose_postcode_the_loaded_file_lacks():
    dataset = Dataset(tables={"assets": ASSETS, "postcodes": empty_table("postcodes")})
    first = gaps.unplaced_assets(dataset, ASSETS)[0]
    assert first.startswith("2 in-person assets have a postcode that is not in the loaded")


def test_every_asset_placed_says_nothing():
    assert gaps.unplaced_assets(Dataset(), ASSETS.iloc[[0, 4]]) == []


def _stats(**columns):
    frame = empty_table("area_stats")
    rows = pd.DataFrame({"area_code": ["E01", "E02"], **columns})
    return pd.concat([frame, rows], ignore_index=True).astype(frame.dtypes)


REFS = pd.DataFrame({"area_code": pd.array(["E01", None], dtype="string")})


def test_each_missing_piece_of_the_deprivation_chart_is_named():
    full = _stats(imd_decile=[1, 5], population_adult=[1000.0, 1200.0])
    assert gaps.deprivation_gap(REFS, full, by_residence=True) is None
    assert "No area statistics" in gaps.deprivation_gap(REFS, empty_table("area_stats"), True)
    assert "no imd_decile" in gaps.deprivation_gap(REFS, _stats(), True)
    assert (
        gaps.deprivation_gap(REFS.iloc[:0], full, True) == "No referrals in this place and period."
    )
    no_area = REFS.iloc[[1]]
    assert "No referral has an area_code" in gaps.deprivation_gap(no_area, full, True)
    elsewhere = pd.DataFrame({"area_code": pd.array(["E09"], dtype="string")})
    assert "same LSOA vintage" in gaps.deprivation_gap(elsewhere, full, True)


def test_imd_file_1_gives_shares_but_no_rates():
    file_1 = _stats(imd_decile=[1, 5])  # deciles, no populations
    assert "IoD File 1 has no populations" in gaps.deprivation_gap(REFS, file_1, True)
    assert gaps.deprivation_gap(REFS, file_1, by_residence=False) is None  # shares need none
