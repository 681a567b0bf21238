"""The served folder's fingerprint and content hash (`socialrx.data.source`), and the hash a
fresh server begins before it imports the rest of the package (`hash_ahead`)."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from socialrx.data import source
from socialrx.data.files import SourceFile
from socialrx.data.loader import content_hash

ASSETS = "asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.4,-1.3\n"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A data folder served by this process, before any hash ahead has begun."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "assets.csv").write_text(ASSETS, encoding="utf-8")
    (data / "notes.pdf").write_bytes(b"%PDF not read")  # listed by name and size only
    monkeypatch.setenv(source.DATA_VARIABLE, str(data))
    monkeypatch.delenv(source.CACHE_VARIABLE, raising=False)
    monkeypatch.setattr(source, "_ahead", {"begun": False, "folder": None,
                                           "fingerprint": None, "future": None})  # fmt: skip
    return data


def loader_hash(folder) -> str:
    return content_hash([SourceFile("assets.csv", (folder / "assets.csv").read_bytes())])


def test_a_same_size_correction_with_its_time_kept_changes_the_fingerprint(folder, tmp_path):
    """Issue 22: the folder's cache key missed a correction of the same size copied in with
    its modification time kept (cp -p): its change time and inode tell it apart."""
    before = source.fingerprint(folder)
    assert source.fingerprint(folder) == before  # nothing changed: the same key
    corrected = tmp_path / "assets.csv"
    corrected.write_text(ASSETS.replace("Walk", "Wolk"), encoding="utf-8")  # the same size
    stamp = (folder / "assets.csv").stat()
    time.sleep(0.01)
    shutil.copyfile(corrected, folder / "assets.csv")
    os.utime(folder / "assets.csv", ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # time kept
    assert (folder / "assets.csv").stat().st_size == stamp.st_size
    assert (folder / "assets.csv").stat().st_mtime_ns == stamp.st_mtime_ns
    assert source.fingerprint(folder) != before


def test_the_content_hash_is_the_loaders_and_lists_the_files_it_does_not_read(folder):
    assert source.content(folder) == (loader_hash(folder), ["notes.pdf:13"])


def test_the_hash_begun_ahead_is_used_once_and_only_for_unchanged_files(folder):
    source.hash_ahead()
    ahead = source._ahead["future"]
    assert ahead is not None
    assert source.content(folder) == (loader_hash(folder), ["notes.pdf:13"])
    assert ahead.done() and source._ahead["future"] is None  # taken: not kept for later loads
    source.hash_ahead()  # once a process: a rerun begins nothing
    assert source._ahead["future"] is None


def test_files_changed_after_the_hash_began_are_hashed_again(folder):
    source.hash_ahead()
    source._ahead["future"].result()  # the early hash is done, of the old files
    (folder / "assets.csv").write_text(ASSETS.replace("Walk", "Swim"), encoding="utf-8")
    assert source.content(folder)[0] == loader_hash(folder)


def test_a_hidden_file_changed_after_the_hash_began_is_hashed_again(folder):
    """The loader reads hidden files too (`._assets.csv` from a Mac): the fingerprint that
    says the early hash still holds covers every file it hashed."""
    (folder / ".referrals.csv").write_text("referral_id\nR1\n", encoding="utf-8")
    source.hash_ahead()
    early = source._ahead["future"].result()[0]
    (folder / ".referrals.csv").write_text("referral_id\nR2\n", encoding="utf-8")
    hashed = source.content(folder)[0]
    assert hashed != early
    assert hashed == source._content(folder)[0]


def test_no_thread_to_hash_ahead_leaves_the_load_to_hash(folder, monkeypatch):
    def refused(self):
        raise RuntimeError("can't start new thread")

    with monkeypatch.context() as threads:
        threads.setattr(source.threading.Thread, "start", refused)
        source.hash_ahead()
    assert source._ahead["begun"] and source._ahead["future"] is None
    assert source.content(folder) == (loader_hash(folder), ["notes.pdf:13"])


def test_a_relative_folder_is_the_same_folder(folder, monkeypatch):
    monkeypatch.chdir(folder.parent)
    monkeypatch.setenv(source.DATA_VARIABLE, folder.name)
    source.hash_ahead()
    ahead = source._ahead["future"]
    assert source.content(folder) == (loader_hash(folder), ["notes.pdf:13"])
    assert ahead.done() and source._ahead["future"] is None  # the early hash was the one used


def test_another_folder_is_hashed_afresh(folder, tmp_path):
    source.hash_ahead()
    other = tmp_path / "other"
    other.mkdir()
    (other / "assets.csv").write_text(ASSETS.replace("Walk", "Swim"), encoding="utf-8")
    assert source.content(other) == (loader_hash(other), [])
    assert source.content(folder) == (loader_hash(folder), ["notes.pdf:13"])


@pytest.mark.parametrize("setting", ["off", "database"])
def test_nothing_is_hashed_ahead_with_copies_off_or_a_database(folder, monkeypatch, setting):
    if setting == "off":
        monkeypatch.setenv(source.CACHE_VARIABLE, "off")
    else:
        monkeypatch.setenv(source.DATA_VARIABLE, str(folder.parent / "team.duckdb"))
    source.hash_ahead()
    assert source._ahead["begun"] and source._ahead["future"] is None
