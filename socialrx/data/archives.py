"""Zip files handed in: their files are read as if handed in one by one, within limits.

NHS Digital publishes its registration files zipped, and people zip a dataset folder to upload
it. A zipped shapefile stays whole (it is one set of boundaries); a zip of an Open Referral
directory is read by `openreferral` before this. Limits keep a hostile or mistaken zip from
exhausting the server: a zip inside a zip is read (NHS Digital's zips end up inside a zipped
downloads folder), but no deeper; and no file is unpacked past the size limit, nor past a
compression ratio no real table reaches (a "zip bomb"), the limit shared by every file unpacked
from one zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

from socialrx.data.files import MAX_FILE_BYTES, OTHER_FORMATS, READABLE_SUFFIXES, SourceFile
from socialrx.data.problems import WARNING, Report

# All the files in one zip, unpacked, may hold at most this much. The national NHS Digital
# LSOA file (all practices in England) is about 100 MB unpacked.
MAX_UNPACKED_BYTES = 2 * MAX_FILE_BYTES
# CSV tables compress about 5-20 times; a zip bomb thousands of times.
MAX_RATIO = 200
_CHUNK = 1 << 20


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files in the archive: folders, macOS extras and hidden files left out."""
    return [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and "__MACOSX" not in info.filename
        and not PurePosixPath(info.filename).name.startswith(".")
    ]


def is_shapefile(info_names: list[str]) -> bool:
    return any(name.lower().endswith(".shp") for name in info_names)


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes | None:
    """The member's bytes, or None once it passes `budget` bytes or the ratio limit (the
    sizes in a zip's directory can lie, so the bytes are counted as they are unpacked)."""
    limit = min(budget, max(info.compress_size, 1) * MAX_RATIO)
    out = io.BytesIO()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            if out.tell() + len(chunk) > limit:
                return None
            out.write(chunk)
    return out.getvalue()


def unpacked(files: list[SourceFile], report: Report) -> list[SourceFile]:
    """The files, with each zip replaced by the files inside it (named `zip/inner.csv`, so
    every message says where a row came from). Zipped shapefiles are kept whole."""
    out = []
    for file in files:
        if Path(file.name).suffix.lower() != ".zip":
            out.append(file)
            continue
        inner = _unpack(file, report, [MAX_UNPACKED_BYTES])
        if inner is not None:
            out.extend(inner)
    return out


def _unpack(file: SourceFile, report: Report, budget: list[int],
            nested: bool = False) -> list[SourceFile] | None:  # fmt: skip
    """The files in one zip; `budget` (bytes left to unpack) is shared with the zips inside."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        infos = _members(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        report.add(file.name, "could not be opened as a zip file: it may be damaged or only "
                   "partly downloaded")  # fmt: skip
        report.unreadable.append(file.name)
        return None
    names = [PurePosixPath(info.filename).name for info in infos]
    if is_shapefile(names):
        return [file]  # one set of boundaries, read whole by the boundary reader
    if not infos:
        report.add(file.name, "the zip holds no files", WARNING)
        return []
    out = []
    for info, name in zip(infos, names, strict=True):
        label = f"{file.name}/{name}"
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in OTHER_FORMATS:  # as in a folder: named, not read
            report.add(label, f"not read: {OTHER_FORMATS[suffix]}", WARNING)
            report.ignored[label] = OTHER_FORMATS[suffix]
            continue
        if suffix not in READABLE_SUFFIXES:
            continue  # a README or notes beside the data, as in a folder
        if suffix == ".zip" and nested:
            report.add(label, "a zip inside a zip inside a zip is not read: unzip the outer "
                       "ones and hand in the files, or the innermost zip, directly")  # fmt: skip
            report.unreadable.append(label)
            continue
        limit = min(budget[0], MAX_FILE_BYTES)
        try:
            data = _read_capped(archive, info, limit)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
            reason = "it is encrypted" if "encrypted" in str(exc) else "it is damaged"
            report.add(label, f"could not be unpacked: {reason}")
            report.unreadable.append(label)
            continue
        if data is None:
            report.add(label, f"not unpacked: it unpacks to more than "
                       f"{limit / 2**20:,.0f} MB or expands over "
                       f"{MAX_RATIO} times, which no table of ours does (a damaged or "
                       "malicious zip); unzip it yourself and hand in the files")  # fmt: skip
            report.unreadable.append(label)
            continue
        budget[0] -= len(data)
        if suffix == ".zip":  # e.g. NHS Digital's LSOA zip inside a zipped downloads folder
            out.extend(_unpack(SourceFile(label, data), report, budget, nested=True) or [])
        else:
            out.append(SourceFile(label, data))
    return out


def folder_zip(folder: Path) -> bytes:
    """A dataset folder's files in one zip (hidden entries such as the saved copy left out),
    to download and upload again, or to start one's own dataset from the demo."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                archive.write(path, path.name)
    return buffer.getvalue()
