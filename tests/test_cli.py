"""`python -m socialrx validate DIR`: exit 0 valid, 1 errors, 2 unreadable; never a traceback."""

import os
import subprocess
import sys

import pytest
from conftest import GOOD_ASSETS, REPO

from socialrx.__main__ import INVALID, UNREADABLE, VALID, main

NHS_NUMBER = "9434765919"  # passes the modulus-11 check


def validate(folder, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def test_exit_codes_are_the_documented_ones():
    assert (VALID, INVALID, UNREADABLE) == (0, 1, 2)


def test_valid_dataset_exits_0(write_dataset, capsys):
    folder = write_dataset({"assets.csv": GOOD_ASSETS})
    code, out = validate(folder, capsys)
    assert code == 0
    assert out == f"{folder}: 0 errors, 0 warnings. Rows usable: assets 1\n"


def test_warnings_alone_still_exit_0(write_dataset, capsys):
    assets = (
        "asset_id,name,category,latitude,longitude,url\n"
        "A1,Walk,other,53.43,-1.35,ftp://x\nA2,Art,other,53.43,-1.35,https://x.org\n"
    )
    folder = write_dataset({"assets.csv": assets})
    code, out = validate(folder, capsys)
    assert code == 0
    assert out.splitlines() == [
        "assets.csv:2: url: 'ftp://x': only http:// or https:// links are kept; link dropped "
        "(warning)",
        f"{folder}: 0 errors, 1 warnings. Rows usable: assets 2",
    ]


def test_errors_exit_1_with_one_line_each_and_the_usable_rows(write_dataset, capsys):
    folder = write_dataset(
        {
            "assets.csv": GOOD_ASSETS
            + "A2,Knit,knitting,53.43,-1.35\nA3,Swapped,other,-1.35,53.43\n",
            "referrals.csv": "referral_id,referral_date\nR1,2024-01-10\nR2,31/01/24\n",
        }
    )
    code, out = validate(folder, capsys)
    assert code == 1
    printed = out.splitlines()
    assert printed[0].startswith("assets.csv:3: category: 'knitting': not understood (allowed: ")
    assert any(
        line.startswith(
            "referrals.csv:3: referral_date: '31/01/24': not understood (two-digit years"
        )
        for line in printed
    )
    assert any(
        line.startswith(
            "assets.csv:4: latitude, longitude: '-1.35, 53.43': latitude and longitude look swapped"
        )
        for line in printed
    )
    assert printed[-1].startswith(f"{folder}: 3 errors, 0 warnings. Rows usable: ")
    assert printed[-1].endswith("assets 2, referrals 1")


def test_missing_assets_exits_1(write_dataset, capsys):
    folder = write_dataset({"referrals.csv": "referral_id,referral_date\nR1,2024-01-10\n"})
    code, out = validate(folder, capsys)
    assert code == 1
    assert "assets.csv: missing: every dataset needs a table of community assets" in out


def test_a_folder_that_does_not_exist_exits_2(tmp_path, capsys):
    code, out = validate(tmp_path / "nowhere", capsys)
    assert code == 2
    assert f"{tmp_path / 'nowhere'}: no such folder" in out


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("referrals.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "this is a PDF document"),
        ("areas.geojson", b"{not json", "could not be read as boundaries"),
        ("book.xlsx", b"PK\x03\x04 damaged", "could not be opened as an Excel workbook"),
    ],
)
def test_an_unreadable_file_exits_2(write_dataset, capsys, name, content, says):
    folder = write_dataset({"assets.csv": GOOD_ASSETS, name: content})
    code, out = validate(folder, capsys)
    assert code == 2
    assert any(line.startswith(f"{name}: ") and says in line for line in out.splitlines())
    assert out.splitlines()[-1] == f"1 file(s) could not be read: {name}"


def test_a_file_over_the_upload_limit_exits_2(write_dataset, capsys, monkeypatch):
    import socialrx.data.files
    import socialrx.data.loader

    monkeypatch.setattr(socialrx.data.files, "MAX_FILE_BYTES", 60)
    monkeypatch.setattr(socialrx.data.loader, "MAX_FILE_BYTES", 60)
    big = "referral_id,referral_date\n" + "R1,2024-01-10\n" * 10
    folder = write_dataset(
        {"assets.csv": "asset_id,name,category\nA1,Phone,other\n", "referrals.csv": big}
    )
    code, out = validate(folder, capsys)
    assert code == 2
    assert "referrals.csv: the file is 0 MB, over the 0 MB limit" in out


def test_nhs_numbers_are_never_printed(write_dataset, capsys):
    referrals = (
        "referral_id,person_id,referral_date,age_band,area_code\n"
        f"R1,{NHS_NUMBER},2024-01-10,{NHS_NUMBER},{NHS_NUMBER}\n"
        f"R2,943 476 5919,2024-01-11,99,\n"
        f"R3,{NHS_NUMBER}.0,2024-01-12,,\n"
    )
    folder = write_dataset(
        {
            "assets.csv": GOOD_ASSETS,
            "area_stats.csv": "area_code,population_adult\nE01000001,1500\n",
            "referrals.csv": referrals,
        }
    )
    code, out = validate(folder, capsys)
    assert code == 1
    assert "value withheld" in out
    assert "person_id: 'value withheld': " in out
    assert NHS_NUMBER not in out
    assert "943 476 5919" not in out


def test_nasty_files_never_print_a_traceback(write_dataset, capsys):
    folder = write_dataset(
        {
            "assets.csv": bytes(range(1, 256)) * 20,  # binary without a NUL byte
            "referrals.csv": ",,,\n,,,\n",
            "connections.csv": '"unclosed quote\n',
            "outcomes.csv": "referral_id,measure,timepoint,value\nR1,swemwbs,baseline,1e400\n",
            "areas.geojson": '{"type": "FeatureCollection", "features": []}',
            "dataset.csv": "extract_date\nnot a date\n",
        }
    )
    code, out = validate(folder, capsys)
    assert code in (1, 2)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "socialrx", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_subprocess_exit_codes_and_no_traceback(write_dataset):
    good = write_dataset({"assets.csv": GOOD_ASSETS})
    bad = write_dataset({"assets.csv": GOOD_ASSETS + "A1,Again,other,53.43,-1.35\n"})
    unreadable = write_dataset({"assets.csv": b"%PDF-1.4\n"})
    results = {
        name: run_cli("validate", str(folder))
        for name, folder in (("good", good), ("bad", bad), ("unreadable", unreadable))
    }
    assert results["good"].returncode == 0
    assert results["bad"].returncode == 1
    assert "assets.csv:3: asset_id: 'A1': duplicate id" in results["bad"].stdout
    assert results["unreadable"].returncode == 2
    for result in results.values():
        assert "Traceback" not in result.stdout + result.stderr


def test_usage_errors_exit_2_from_argparse(capsys):
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        main(["validate"])
    capsys.readouterr()


def test_demo_command_writes_a_dataset_that_validates(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--referrals", "400", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"Wrote demo data to {out} in ")
    assert "referrals 400" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "Appointments_GP_Daily_CSV_demo.zip",  # the published files made for the demo
        "Practice_Level_Crosstab_demo.csv",
        "area_lookup.csv",
        "area_stats.csv",
        "areas.geojson",
        "assets.csv",
        "census2021-ts021-lsoa.csv",
        "connections.csv",
        "dataset.csv",
        "fingertips_export_demo.csv",
        "funding.csv",
        "link_workers.csv",
        "neighbourhoods.csv",
        "organisations.csv",
        "outcomes.csv",
        "practices.csv",
        "referrals.csv",
        "registered_ages.csv",
        "registrations.csv",
    ]
    code, text = validate(out, capsys)
    assert code == 0
    assert "0 errors, 0 warnings" in text


def test_importing_the_real_bristol_feed_exits_0_with_warnings(realdata, tmp_path, capsys):
    """Issue 22: its services without a location are in the directory, off the map (warnings,
    as for `validate`), and its one empty record is skipped and said: the directory written is
    usable, so the command exits 0."""
    source = realdata / "community" / "ORUK_Bristol_OpenPlaceDirectory_services_first7_Dec2024.json"
    code = main(["import-openreferral", str(source), "--out", str(tmp_path / "bristol")])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == VALID, out
    assert out.rstrip().endswith("0 errors, 6 warnings. Rows usable: assets 6, organisations 6")
    assert (tmp_path / "bristol" / "assets.csv").exists()
