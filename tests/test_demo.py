"""The synthetic demo dataset: deterministic, internally consistent, valid, and shaped like the
story each page should find."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest
from conftest import REALDATA, REPO

from socialrx import vocab
from socialrx.__main__ import main
from socialrx.data.demo import EXTRACT_DATE, IMD2019, START_DATE, build_demo, imd2019, write_demo
from socialrx.data.loader import load_folder
from socialrx.data.schema import TABLES
from socialrx.disclosure import Level
from socialrx.metrics.capacity import capacity_strain, strain_spec

N = 3000  # small, for speed
SEED = 2026
# A small build of the region: every South Yorkshire LSOA, few referrals.
SY = {"referrals": 2000, "assets": 300, "practices": 40, "place": "south-yorkshire"}
SY_AREAS = 853  # Barnsley 147, Doncaster 194, Rotherham 167, Sheffield 345
# Looked up by hand in IoD2019 File 1: code -> (LSOA name, IMD rank, IMD decile).
IMD_BY_HAND = {
    "E01007657": ("Rotherham 029A", 22_786, 7),
    "E01007721": ("Rotherham 010C", 1_013, 1),
    "E01007317": ("Barnsley 018A", 1_477, 1),
    "E01007580": ("Doncaster 030D", 10_703, 4),
    "E01007824": ("Sheffield 066A", 31_116, 10),
}
FILE_1 = REALDATA / "imd" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"


@pytest.fixture(scope="module")
def demo() -> dict:
    return build_demo(N, SEED)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The demo written as a dataset folder and read back through the loader."""
    folder = tmp_path_factory.mktemp("demo")
    counts = write_demo(folder, N, SEED)
    dataset, report = load_folder(folder)
    return counts, dataset, report


@pytest.fixture(scope="module")
def committed() -> dict:
    """The bundled data/demo folder as plain text tables (dates parsed)."""
    folder = REPO / "data" / "demo"
    dates = {
        "referrals": ["referral_date", "first_contact_date", "first_appointment_date",
                      "closed_date"],
        "connections": ["referred_date", "started_date", "ended_date"],
    }  # fmt: skip
    return {
        name: pd.read_csv(folder / f"{name}.csv", parse_dates=dates.get(name, False))
        for name in ("referrals", "connections", "practices", "area_stats", "assets")
    }


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A small South Yorkshire build written to a folder and loaded back."""
    folder = tmp_path_factory.mktemp("south_yorkshire")
    counts = write_demo(folder, SY["referrals"], SEED, **{k: v for k, v in SY.items()
                                                          if k != "referrals"})  # fmt: skip
    dataset, report = load_folder(folder)
    return folder, counts, dataset, report


def test_deterministic_for_a_seed(demo):
    again = build_demo(N, SEED)
    assert list(again) == list(demo)
    for name, frame in demo.items():
        if name == "areas":
            assert again[name]["area_code"].tolist() == frame["area_code"].tolist()
            assert again[name].geometry.equals(frame.geometry)
        else:
            pd.testing.assert_frame_equal(again[name], frame, check_exact=True)


def test_different_seeds_differ(demo):
    other = build_demo(N, SEED + 1)
    assert len(other["referrals"]) == N
    assert not other["referrals"].equals(demo["referrals"])
    assert not other["assets"]["name"].equals(demo["assets"]["name"])


def test_referential_integrity(demo):
    referrals, assets = demo["referrals"], demo["assets"]
    connections, outcomes = demo["connections"], demo["outcomes"]
    assert referrals["referral_id"].is_unique and assets["asset_id"].is_unique
    assert connections["referral_id"].isin(referrals["referral_id"]).all()
    assert connections["asset_id"].isin(assets["asset_id"]).all()
    assert outcomes["referral_id"].isin(referrals["referral_id"]).all()
    assert assets["organisation_id"].isin(demo["organisations"]["organisation_id"]).all()
    assert referrals["practice_code"].isin(demo["practices"]["practice_code"]).all()
    assert referrals["link_worker_id"].isin(demo["link_workers"]["link_worker_id"]).all()
    assert referrals["area_code"].isin(demo["area_stats"]["area_code"]).all()
    assert set(demo["area_stats"]["area_code"]) == set(demo["areas"]["area_code"])
    assert demo["funding"]["organisation_id"].isin(demo["organisations"]["organisation_id"]).all()


def test_dates_fall_inside_the_extract_window(demo):
    referrals = demo["referrals"]
    assert referrals["referral_date"].min() >= START_DATE
    for name in ("referrals", "connections", "outcomes"):
        frame = demo[name]
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                assert (frame[column].dropna() <= EXTRACT_DATE).all(), (name, column)
    # No date runs backwards.
    for column in ("first_contact_date", "first_appointment_date", "closed_date"):
        assert not (referrals[column] < referrals["referral_date"]).any(), column
    connections = demo["connections"]
    assert not (connections["started_date"] < connections["referred_date"]).any()


def test_committed_demo_data_validates(demo_loaded):
    dataset, report = demo_loaded
    assert report.errors == [], report.lines()[:10]
    assert report.unreadable == []
    assert dataset.is_demo and dataset.place_name == "Rotherham"
    assert dataset.extract_date == EXTRACT_DATE
    assert dataset.lsoa_vintage == "2011"
    assert dataset.areas is not None and len(dataset.areas) == 167
    assert len(dataset.table("assets")) == 150
    # the story: 9 stale records, the three busy providers over capacity in the last 12 months
    assert dataset.table("assets")["stale"].sum() == 9
    connections = dataset.table("connections")
    recent = connections[connections["referred_date"] > EXTRACT_DATE - pd.DateOffset(months=12)]
    strain = (
        strain_spec()
        .disclose(capacity_strain(dataset.table("assets"), recent, months=12), Level.OFF)
        .values
    )
    assert strain["over_capacity"].sum() == 3


def test_a_written_demo_loads_back_with_no_problems(loaded):
    counts, dataset, report = loaded
    assert report.lines() == []
    assert counts["referrals"] == N
    for name, count in counts.items():
        if name in TABLES and name not in ("areas", "dataset"):  # not the published files
            assert len(dataset.table(name)) == count, name
    assert dataset.label == "Rotherham (demo data)"


def test_assets_organisations_and_practices(demo):
    assets = demo["assets"]
    assert len(assets) == 150
    assert set(assets["category"]) == set(vocab.ASSET_CATEGORIES)  # all 15 used
    assert len(vocab.ASSET_CATEGORIES) == 15
    assert len(demo["organisations"]) == 60
    practices = demo["practices"]
    assert len(practices) == 10
    assert practices["pcn_code"].value_counts().to_dict() == {"XPCN01": 5, "XPCN02": 5}
    assert practices["practice_code"].is_unique


def test_referrals_peak_in_winter(demo):
    # The window holds exactly three of each month (October 2023 to September 2026).
    month = demo["referrals"]["referral_date"].dt.month
    winter, summer = month.isin([12, 1, 2]).sum(), month.isin([6, 7, 8]).sum()
    assert winter > 1.2 * summer


def test_referral_rate_higher_in_more_deprived_areas(demo):
    stats = demo["area_stats"].set_index("area_code")
    referrals = demo["referrals"]["area_code"].value_counts()
    stats = stats.assign(referrals=referrals.reindex(stats.index).fillna(0))

    def rate_per_1000(deciles) -> float:
        band = stats[stats["imd_decile"].isin(deciles)]
        return 1000 * band["referrals"].sum() / band["population_adult"].sum()

    assert rate_per_1000([1, 2, 3]) > 1.5 * rate_per_1000([8, 9, 10])


def test_two_practices_hardly_refer(demo):
    counts = demo["referrals"]["practice_code"].value_counts()
    assert set(counts.index[-2:]) == {"X90004", "X90009"}
    assert counts["X90004"] < counts.iloc[:-2].min() / 2


def test_some_assets_over_capacity_in_the_last_12_months(loaded):
    _, dataset, _ = loaded
    connections = dataset.table("connections")
    recent = connections[connections["referred_date"] > EXTRACT_DATE - pd.DateOffset(months=12)]
    strain = (
        strain_spec()
        .disclose(capacity_strain(dataset.table("assets"), recent, months=12), Level.OFF)
        .values
    )
    assert strain["over_capacity"].sum() == 3  # the three busy providers
    assert strain["strain_pct"].max() > 100


def test_fewer_follow_ups_than_baselines(demo):
    counts = demo["outcomes"].groupby("timepoint").size()
    assert 0 < counts["follow_up"] < counts["baseline"]
    outcomes = demo["outcomes"]
    for name, measure in vocab.MEASURES.items():
        values = outcomes.loc[outcomes["measure"] == name, "value"]
        assert values.between(measure.low, measure.high).all(), name


def test_a_few_stale_asset_records(loaded):
    _, dataset, _ = loaded
    assert dataset.table("assets")["stale"].sum() == 9


def test_progress_reaches_one(tmp_path):
    seen = []
    write_demo(tmp_path / "demo", 200, 1, lambda fraction, text: seen.append(fraction))
    assert seen[-1] == 1.0
    assert all(0 <= f <= 1 for f in seen)


# --- Figures a commissioner can defend -------------------------------------------------------


def lifecycle_problems(referrals: pd.DataFrame, connections: pd.DataFrame) -> list[str]:
    """Every way a referral's status can disagree with its dates and connections, as text.

    received: no contact; contacted: contact, no appointment; engaged: appointment, nothing
    started; connected: an activity started; completed: closed, goals met, an activity started;
    no open status has a closed date, every closed one has one; nothing sent after closing."""
    problems = []
    started = set(connections.loc[connections["started_date"].notna(), "referral_id"])
    sent = connections.groupby("referral_id")["referred_date"].max()
    r = referrals.set_index("referral_id")
    has_start = r.index.isin(started)
    contact, visit = r["first_contact_date"].notna(), r["first_appointment_date"].notna()
    closed = r["closed_date"].notna()
    status = r["status"]

    def check(mask, what):
        if mask.any():
            problems.append(f"{int(mask.sum())} referrals: {what}")

    check(status.isin(["connected", "completed"]) & ~has_start, "connected/completed, none started")
    check(status.isin(["received", "contacted"]) & has_start, "received/contacted, one started")
    check(status.eq("engaged") & has_start, "engaged, but an activity started")
    check(status.eq("received") & (contact | visit), "received, but contacted")
    check(status.eq("contacted") & (~contact | visit), "contacted: wrong dates")
    check(status.isin(["engaged", "connected", "completed"]) & ~visit, "no first appointment")
    check(status.isin(vocab.STATUS_NEEDS_CLOSED_DATE) & ~closed, "closed, no closed_date")
    check(~status.isin(vocab.STATUS_NEEDS_CLOSED_DATE) & closed, "open, with a closed_date")
    check(closed != r["closure_reason"].fillna("").ne(""), "closure_reason without closed_date")
    check(status.eq("completed") & r["closure_reason"].ne("goals met"), "completed, not goals met")
    check(r["closure_reason"].eq("goals met") & ~has_start, "goals met, none started")
    check(status.eq("did not engage") & visit, "did not engage, but seen")
    check(visit & (r["first_appointment_date"] < r["first_contact_date"]), "seen before contact")
    for column in ("first_contact_date", "first_appointment_date"):
        check(r["closed_date"] < r[column], f"closed before {column}")
    last_sent = sent.reindex(r.index)
    check(last_sent.notna() & ~visit, "sent on without an appointment")
    check(last_sent < r["first_appointment_date"], "sent on before the appointment")
    check(closed & (last_sent > r["closed_date"]), "sent on after closing")
    check(r.index.isin(sent.index) & status.isin(["received", "contacted"]), "sent on, not seen")
    joined = connections.join(r[["referral_date"]], on="referral_id")
    bad = (
        (joined["referred_date"] < joined["referral_date"])
        | (joined["started_date"] < joined["referred_date"])
        | (joined["ended_date"] < joined["started_date"])
    )
    check(bad, "connection dates out of order")
    is_started = connections["outcome"].isin(vocab.CONNECTION_STARTED)
    check(is_started != connections["started_date"].notna(), "outcome disagrees with started_date")
    ended = connections["outcome"].isin(["moved on", "stopped"])
    check(ended != connections["ended_date"].notna(), "outcome disagrees with ended_date")
    return problems


def test_lifecycle_agrees_with_connections(demo):
    assert lifecycle_problems(demo["referrals"], demo["connections"]) == []
    # every status the contract knows turns up, so the check above bites on each
    assert set(demo["referrals"]["status"]) == set(vocab.REFERRAL_STATUS)


def test_committed_demo_lifecycle_agrees(committed):
    assert lifecycle_problems(committed["referrals"], committed["connections"]) == []
    statuses = committed["referrals"]["status"].value_counts()
    assert statuses["completed"] > statuses["closed"] > statuses["connected"] > 0


def test_lifecycle_check_catches_a_connected_referral_with_nothing_started(demo):
    referrals = demo["referrals"].copy()
    alone = ~referrals["referral_id"].isin(demo["connections"]["referral_id"])
    first = referrals.index[alone & referrals["status"].eq("engaged")][0]
    referrals.loc[first, "status"] = "connected"
    assert lifecycle_problems(referrals, demo["connections"]) == [
        "1 referrals: connected/completed, none started"
    ]


def test_list_sizes_hold_the_resident_adults(demo, committed):
    for tables in (demo, committed):
        registered = tables["practices"]["list_size"].sum()
        residents = tables["area_stats"]["population_adult"].sum()
        assert abs(registered / residents - 1) < 0.10, (registered, residents)
    # the bundled demo: about 217,000 adults in Rotherham's 167 areas, 10 practices
    residents = committed["area_stats"]["population_adult"].sum()
    assert 190_000 < residents < 240_000
    assert committed["practices"]["list_size"].sum() == pytest.approx(residents, rel=0.001)


def test_rates_per_registered_and_per_resident_agree(committed):
    referrals = len(committed["referrals"])
    per_registered = referrals / committed["practices"]["list_size"].sum()
    per_resident = referrals / committed["area_stats"]["population_adult"].sum()
    assert per_registered == pytest.approx(per_resident, rel=0.10)


def test_link_workers_had_started_and_work_for_the_practices_pcn(demo):
    referrals = demo["referrals"]
    workers = demo["link_workers"].set_index("link_worker_id")
    started = pd.to_datetime(workers["start_date"]).reindex(referrals["link_worker_id"])
    assert (started.to_numpy() <= referrals["referral_date"].to_numpy()).all()
    pcn = demo["practices"].set_index("practice_code")["pcn_code"]
    employer = workers["employer"].reindex(referrals["link_worker_id"]).to_numpy()
    assert (employer == pcn.reindex(referrals["practice_code"]).to_numpy()).all()


def test_adults_only(demo, committed):
    for tables in (demo, committed):
        assert "0-17" not in set(tables["referrals"]["age_band"])
        assert set(tables["referrals"]["age_band"]) <= set(vocab.AGE_BANDS[1:])
    assert (demo["assets"]["min_age"] == 18).all()


# --- Real deprivation ------------------------------------------------------------------------


def test_bundled_imd_extract_has_the_official_headers_and_rows():
    path = resources.files("socialrx.data") / "bundled" / IMD2019
    raw = pd.read_csv(str(path), encoding="utf-8-sig", dtype=str)
    assert list(raw.columns) == [
        "LSOA code (2011)",
        "LSOA name (2011)",
        "Local Authority District code (2019)",
        "Local Authority District name (2019)",
        "Index of Multiple Deprivation (IMD) Rank",
        "Index of Multiple Deprivation (IMD) Decile",
    ]
    assert len(raw) == SY_AREAS and raw["LSOA code (2011)"].is_unique
    assert set(raw["Local Authority District name (2019)"]) == {
        "Barnsley", "Doncaster", "Rotherham", "Sheffield"
    }  # fmt: skip
    by_code = raw.set_index("LSOA code (2011)")
    for code, (name, rank, decile) in IMD_BY_HAND.items():
        row = by_code.loc[code]
        assert row["LSOA name (2011)"] == name
        assert row["Index of Multiple Deprivation (IMD) Rank"] == f"{rank:,}"  # as published
        assert row["Index of Multiple Deprivation (IMD) Decile"] == str(decile)


def test_demo_deciles_are_the_official_ones(demo, committed):
    for tables in (demo, committed):
        stats = tables["area_stats"].set_index("area_code")
        assert "imd_score" not in stats.columns  # File 1 has no scores: none invented
        for code, (name, rank, decile) in IMD_BY_HAND.items():
            if name.startswith("Rotherham"):
                assert stats.loc[code, "imd_decile"] == decile
                assert stats.loc[code, "imd_rank"] == rank
    # Rotherham's real spread: 36 areas in the most deprived tenth of England, none in the least
    deciles = committed["area_stats"]["imd_decile"].value_counts()
    assert deciles[1] == 36 and 10 not in deciles.index


@pytest.mark.skipif(not FILE_1.exists(), reason="../shared/realdata is not here")
def test_bundled_imd_extract_matches_file_1():
    official = pd.read_csv(FILE_1, encoding="utf-8-sig", dtype=str)
    bundled = imd2019().set_index("area_code")
    rows = official[official["LSOA code (2011)"].isin(bundled.index)].set_index("LSOA code (2011)")
    assert len(rows) == len(bundled) == SY_AREAS
    ranks = rows["Index of Multiple Deprivation (IMD) Rank"].str.replace(",", "").astype(int)
    pd.testing.assert_series_equal(
        ranks.sort_index(), bundled["imd_rank"].sort_index(), check_names=False
    )
    deciles = rows["Index of Multiple Deprivation (IMD) Decile"].astype(int)
    assert (deciles.sort_index() == bundled["imd_decile"].sort_index()).all()


def test_need_follows_the_real_deciles(demo):
    stats = demo["area_stats"].set_index("area_code")
    assets = demo["assets"].dropna(subset=["latitude"])
    import geopandas as gpd

    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(assets["longitude"], assets["latitude"]), crs=4326
    )
    areas = gpd.sjoin(points, demo["areas"], predicate="within")["area_code"]
    deciles = stats.loc[areas, "imd_decile"]
    per_area = stats["imd_decile"].value_counts()
    # assets per area are denser in the most deprived three deciles than in the least three
    dense = deciles.isin([1, 2, 3]).sum() / per_area[per_area.index <= 3].sum()
    sparse = deciles.isin([7, 8, 9, 10]).sum() / per_area[per_area.index >= 7].sum()
    assert dense > 1.5 * sparse


# --- A real place's size ----------------------------------------------------------------------


def test_a_south_yorkshire_build_has_what_was_asked(region):
    folder, counts, dataset, report = region
    assert report.errors == [], report.lines()[:10]
    assert counts["areas"] == SY_AREAS and dataset.areas is not None
    assert len(dataset.areas) == SY_AREAS
    assert counts["referrals"] == SY["referrals"]
    assert counts["assets"] == SY["assets"] and counts["practices"] == SY["practices"]
    assert dataset.place_name == "South Yorkshire"
    assets = dataset.table("assets")
    assert assets["name"].is_unique
    practices = dataset.table("practices")
    assert practices["practice_code"].is_unique and practices["name"].is_unique
    pcn_sizes = practices.groupby("pcn_code").size()
    assert pcn_sizes.max() <= 8 and pcn_sizes.mean() >= 5
    stats = dataset.table("area_stats")
    assert practices["list_size"].sum() == pytest.approx(stats["population_adult"].sum(), rel=0.1)
    # all four districts have areas, practices and referrals
    names = dataset.areas["area_name"].str.split().str[0]
    assert names.value_counts().to_dict() == {
        "Sheffield": 345, "Doncaster": 194, "Rotherham": 167, "Barnsley": 147
    }  # fmt: skip


def test_south_yorkshire_deciles_and_lifecycle(region):
    folder, _, _, _ = region
    stats = pd.read_csv(folder / "area_stats.csv").set_index("area_code")
    for code, (_, rank, decile) in IMD_BY_HAND.items():
        assert (stats.loc[code, "imd_decile"], stats.loc[code, "imd_rank"]) == (decile, rank)
    dates = ["referral_date", "first_contact_date", "first_appointment_date", "closed_date"]
    referrals = pd.read_csv(folder / "referrals.csv", parse_dates=dates)
    connections = pd.read_csv(
        folder / "connections.csv", parse_dates=["referred_date", "started_date", "ended_date"]
    )
    assert lifecycle_problems(referrals, connections) == []
    # Referral rates still rise with (real) deprivation across the region.
    counted = referrals["area_code"].value_counts().reindex(stats.index).fillna(0)
    deprived = stats["imd_decile"] <= 3
    rate = counted.groupby(deprived).sum() / stats["population_adult"].groupby(deprived).sum()
    assert rate[True] > 1.5 * rate[False]


def test_asset_names_stay_unique_at_5000():
    tables = build_demo(50, 1, assets=5000, practices=150, place="south-yorkshire")
    assert len(tables["assets"]) == 5000 and tables["assets"]["name"].is_unique
    assert tables["assets"]["asset_id"].is_unique
    assert tables["organisations"]["name"].is_unique
    assert len(tables["practices"]) == 150 and tables["practices"]["name"].is_unique


def test_sizes_default_to_the_place():
    small = build_demo(50, 1)
    assert (len(small["assets"]), len(small["practices"])) == (150, 10)
    region = build_demo(50, 1, place="south-yorkshire")
    adults = region["area_stats"]["population_adult"].sum()
    assert len(region["practices"]) == pytest.approx(adults / 7000, rel=0.1)
    assert len(region["assets"]) > 4 * 150
    with pytest.raises(ValueError, match="south-yorkshire"):
        build_demo(50, 1, place="atlantis")


def test_command_line_takes_sizes_and_place(tmp_path, capsys):
    out = tmp_path / "sy"
    args = ["demo", "--out", str(out), "--referrals", "300", "--assets", "40"]
    assert main([*args, "--practices", "12", "--place", "south-yorkshire"]) == 0
    assert "referrals 300" in capsys.readouterr().out
    assert len(pd.read_csv(out / "practices.csv")) == 12
    assert len(pd.read_csv(out / "assets.csv")) == 40
    assert pd.read_csv(out / "dataset.csv")["place_name"].tolist() == ["South Yorkshire"]
    for bad in (["--assets", "0"], ["--place", "atlantis"], ["--practices", "x"]):
        with pytest.raises(SystemExit):
            main([*args[:3], *bad])


def test_registrations_by_area_agree_with_list_sizes_and_catchments(demo, loaded):
    from socialrx.data.demo import ADULT_SHARE_OF_REGISTERED
    from socialrx.metrics.catchments import pcn_catchments

    registrations, practices = demo["registrations"], demo["practices"]
    assert list(registrations.columns) == ["practice_code", "area_code", "patients"]
    assert (registrations["patients"] > 0).all()
    assert set(registrations["practice_code"]) == set(practices["practice_code"])
    assert set(registrations["area_code"]) <= set(demo["areas"]["area_code"])
    # every practice's patients (all ages) times the adult share give its list size (adults),
    # within the rounding of its rows
    patients = registrations.groupby("practice_code")["patients"].sum()
    lists = practices.set_index("practice_code")["list_size"]
    rows = registrations.groupby("practice_code").size()
    gap = (patients * ADULT_SHARE_OF_REGISTERED - lists).abs()
    assert (gap <= 0.5 * rows * ADULT_SHARE_OF_REGISTERED + 1).all(), gap
    # loaded back, each PCN has a catchment: most of its patients, in fewer areas than all
    _, dataset, report = loaded
    assert not [line for line in report.lines() if "registrations" in line]
    catchments = pcn_catchments(dataset)
    assert set(catchments) == set(practices["pcn_code"])
    for areas in catchments.values():
        assert 0 < len(areas) < len(demo["areas"])


def test_registrations_draw_nothing_random(demo, monkeypatch):
    """Every other table is the same whether registrations are built or not: they take
    nothing from the random generator, so adding them changed no other demo file."""
    import socialrx.data.demo

    monkeypatch.setattr(socialrx.data.demo, "registrations", lambda *args: pd.DataFrame())
    without = build_demo(N, SEED)
    for name, table in demo.items():
        if name not in ("registrations", "areas"):
            pd.testing.assert_frame_equal(table, without[name], obj=name)


def test_registered_ages_add_up_to_list_sizes(demo, loaded):
    ages, practices = demo["registered_ages"], demo["practices"]
    assert list(ages.columns) == ["practice_code", "age_band", "sex", "patients"]
    assert len(ages) == len(practices) * 8 * 2  # every adult band by female and male
    assert set(ages["age_band"]) == set(vocab.AGE_BANDS[1:])
    assert (ages["patients"] >= 0).all()
    sums = ages.groupby("practice_code")["patients"].sum()
    assert sums.to_dict() == practices.set_index("practice_code")["list_size"].to_dict()
    # the more deprived areas' lists lean younger: the shares of 18-24 and 85+ differ
    share = ages[ages["age_band"] == "18-24"].groupby("practice_code")["patients"].sum() / sums
    assert share.max() > share.min()
    _, dataset, report = loaded
    assert dataset.table("registered_ages")["patients"].sum() == sums.sum()
    assert not [line for line in report.lines() if "registered_ages" in line]


def test_registered_ages_draw_nothing_random(demo, monkeypatch):
    """Every other table is the same whether registered ages are built or not."""
    import socialrx.data.demo

    monkeypatch.setattr(socialrx.data.demo, "registered_ages", lambda *args: pd.DataFrame())
    without = build_demo(N, SEED)
    for name, table in demo.items():
        if name not in ("registered_ages", "areas"):
            pd.testing.assert_frame_equal(table, without[name], obj=name)


def test_age_mix_tilts_younger_where_more_deprived():
    from socialrx.data.demo import ADULT_AGE_SHARES, _age_mix

    mix = _age_mix(np.array([1, 5.5, 10]))
    assert mix.sum(axis=1) == pytest.approx([1, 1, 1])
    assert mix[1] == pytest.approx(np.asarray(ADULT_AGE_SHARES) / sum(ADULT_AGE_SHARES))
    assert mix[0, 0] > mix[1, 0] > mix[2, 0]  # 18-24: most in decile 1
    assert mix[0, -1] < mix[1, -1] < mix[2, -1]  # 85+: most in decile 10


def test_published_files_are_made_for_the_demo_in_their_real_layouts(loaded, tmp_path):
    """Census TS021, NHS England's appointments files and a Fingertips export, labelled as made
    for the demo, load into the tables the Equity page's rates and benchmarks need."""
    import zipfile

    from socialrx.data import demo as demo_module

    folder = tmp_path / "demo"
    write_demo(folder, 200, SEED)
    names = {p.name for p in folder.iterdir()}
    published = {"census2021-ts021-lsoa.csv", "Practice_Level_Crosstab_demo.csv",
                 "Appointments_GP_Daily_CSV_demo.zip", "fingertips_export_demo.csv"}  # fmt: skip
    assert published <= names
    with zipfile.ZipFile(folder / "Appointments_GP_Daily_CSV_demo.zip") as archive:
        assert archive.namelist() == ["SubICB_NationalCategory_demo.csv",
                                      "APPOINTMENTS_GP_COVERAGE.csv"]  # fmt: skip
    ts021 = pd.read_csv(folder / "census2021-ts021-lsoa.csv")
    broad = [c for c in ts021.columns if c.startswith("Ethnic group: ") and c.count(":") == 1]
    assert len(broad) == 5
    # each broad group adds up to the total, and each finer group to its broad group
    assert (ts021[broad].sum(axis=1) == ts021["Ethnic group: Total: All usual residents"]).all()
    for column in broad:
        finer = [c for c in ts021.columns if c.startswith(column + ": ")]
        assert (ts021[finer].sum(axis=1) == ts021[column]).all(), column
    fingertips = pd.read_csv(folder / "fingertips_export_demo.csv")
    assert fingertips["Indicator Name"].str.endswith("[demo values]").all()
    _, dataset, report = loaded
    assert report.lines() == []
    ethnic = dataset.table("area_ethnicity")
    assert len(ethnic) == 167 * 5 and ethnic["area_code"].nunique() == 167
    practices = dataset.table("gp_appointments")
    assert practices["practice_code"].nunique() == 10 and practices["month"].nunique() == 6
    subs = dataset.table("sub_icb_appointments")
    assert subs["sub_icb_code"].nunique() == demo_module.demo_published.SUB_ICBS
    assert subs["registered"].notna().all()
    # the place's sub-ICB holds exactly its practices' appointments each month
    place = subs[subs["sub_icb_code"] == "D071"].set_index("month")["appointments"]
    assert place.to_dict() == practices.groupby("month")["appointments"].sum().to_dict()
    assert set(dataset.table("indicators")["indicator_id"]) == {"93553", "99901", "99903"}


def test_published_files_draw_nothing_random(demo, monkeypatch):
    """Every other table is the same whether the published files are built or not."""
    import socialrx.data.demo

    monkeypatch.setattr(socialrx.data.demo, "published_files", lambda *args: {})
    without = build_demo(N, SEED)
    for name, table in without.items():
        if name != "areas":
            pd.testing.assert_frame_equal(table, demo[name], obj=name)
