"""Cutting national files to the dataset's place: a practice or area file downloaded for all of
England (epraccur's 6,750 practices, IoD's 32,844 areas) would swamp the place picker and maps.

The place is the local authorities and PCNs that `dataset.csv` names (`local_authorities`,
`pcn_codes`), else the local authorities where the referrals and assets are (an area's local
authority comes from the IoD file or the postcode directory; a practice's from its postcode, or
the area its coordinates fall in). A sub-ICB or ICB code alone does not say which practices
are in the place, so it is not used. What is cut, and why, is said in one warning per file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from socialrx.data import geography
from socialrx.data.problems import WARNING, Report

# Files this large cover more than any one place: rows whose local authority cannot be told
# are left out of them. Smaller files keep such rows (a local practice file without postcodes).
NATIONAL_PRACTICES = 1_000
NATIONAL_AREAS = 5_000
# When dataset.csv names no place, it is the local authorities holding the referrals (or assets)
# but for a tail holding at most this share: a few people living over the border do not count.
SHARE_OF_PLACE = 0.02
_LA_CODE = re.compile(r"^[EWSN]\d{8}$")


@dataclass(frozen=True)
class Place:
    """The local authorities (codes) and PCNs of the dataset's place, and whether dataset.csv
    named them (else they were worked out from where the referrals and assets are)."""

    local_authorities: frozenset[str] = frozenset()
    pcn_codes: frozenset[str] = frozenset()
    named: bool = False
    names: dict[str, str] = field(default_factory=dict)  # local authority code -> name

    @property
    def known(self) -> bool:
        return bool(self.local_authorities or self.pcn_codes)

    def describe(self, place_name: str = "") -> str:
        """`Solihull`, `Rotherham and Sheffield`, or codes when no names are known."""
        codes = sorted(self.local_authorities)
        names = [self.names.get(c, c) for c in codes]
        if place_name and (len(codes) == 1 and codes[0] not in self.names):
            names = [place_name]
        parts = []
        if names:
            shown = names if len(names) <= 4 else [*names[:3], f"{len(names) - 3:,} more"]
            parts.append(
                shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" and {shown[-1]}"
            )
        if self.pcn_codes:
            pcns = sorted(self.pcn_codes)
            parts.append("PCN" + ("s " if len(pcns) > 1 else " ") + ", ".join(pcns[:5])
                         + (f" and {len(pcns) - 5:,} more" if len(pcns) > 5 else ""))  # fmt: skip
        return " or ".join(parts)


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def listed(value) -> list[str]:
    """The items of a `;`- or `,`-separated cell of dataset.csv."""
    if _blank(value):
        return []
    return [item.strip() for item in re.split(r"[;,]", str(value)) if item.strip()]


def area_authorities(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Each area's local authority code (indexed by area_code): from the IoD file's own column,
    else the one most of the area's postcodes lie in."""
    pieces = []
    stats = tables.get("area_stats")
    if stats is not None and "local_authority" in stats:
        known = stats[["area_code", "local_authority"]].dropna()
        pieces.append(known.drop_duplicates("area_code").set_index("area_code")["local_authority"])
    postcodes = tables.get("postcodes")
    if postcodes is not None and {"area_code", "local_authority"} <= set(postcodes.columns):
        pairs = postcodes[["area_code", "local_authority"]].dropna()
        if len(pairs):
            counts = pairs.value_counts().reset_index().drop_duplicates("area_code")
            pieces.append(counts.set_index("area_code")["local_authority"])
    if not pieces:
        return pd.Series(dtype="string")
    joined = pd.concat(pieces)
    return joined[~joined.index.duplicated(keep="first")].astype("string")


def authority_names(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Local authority names by code, where a file gives them (the IoD files do)."""
    stats = tables.get("area_stats")
    if stats is None or not {"local_authority", "local_authority_name"} <= set(stats.columns):
        return {}
    pairs = stats[["local_authority", "local_authority_name"]].dropna().drop_duplicates()
    return dict(zip(pairs["local_authority"].astype(str), pairs["local_authority_name"].astype(str),
                    strict=True))  # fmt: skip


def _postcode_authorities(tables: dict[str, pd.DataFrame]) -> pd.Series | None:
    postcodes = tables.get("postcodes")
    if postcodes is None or "local_authority" not in postcodes:
        return None
    known = postcodes[["postcode", "local_authority"]].dropna().drop_duplicates("postcode")
    return known.set_index("postcode")["local_authority"]


def authorities_of(frame: pd.DataFrame, tables: dict, areas, by_area: pd.Series) -> pd.Series:
    """Each row's local authority (NA where it cannot be told): from its postcode through the
    postcode directory, else from the area it is in (its `area_code`, or the area its
    coordinates fall in)."""
    result = pd.Series(pd.NA, index=frame.index, dtype="string")
    by_postcode = _postcode_authorities(tables)
    if by_postcode is not None and "postcode" in frame:
        result = frame["postcode"].map(by_postcode).astype("string")
    if len(by_area) and result.isna().any():
        if "area_code" in frame:
            area = frame["area_code"]
        elif {"latitude", "longitude"} <= set(frame.columns) and areas is not None:
            area = geography.area_of_points(frame["latitude"], frame["longitude"], areas)
        else:
            area = pd.Series(pd.NA, index=frame.index)
        result = result.fillna(area.map(by_area).astype("string"))
    return result


def place_of(tables: dict, areas, about: dict, by_area: pd.Series) -> Place:
    """The dataset's place: what dataset.csv names, else where referrals and assets are."""
    names = authority_names(tables)
    by_name = {name.lower(): code for code, name in names.items()}
    named_las = set()
    for item in listed(about.get("local_authorities")):
        code = item.upper() if _LA_CODE.match(item.upper()) else by_name.get(item.lower())
        named_las.add(code or item)
    pcns = {item.upper() for item in listed(about.get("pcn_codes"))}
    if named_las or pcns:
        return Place(frozenset(named_las), frozenset(pcns), True, names)
    found: set[str] = set()
    for name in ("referrals", "assets"):
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        las = authorities_of(frame, tables, areas, by_area).dropna()
        if len(las):  # left out: the smallest, together holding at most SHARE_OF_PLACE
            shares = las.value_counts(normalize=True).sort_values()
            # the share held by each and every one no larger (ties count together)
            tail = shares.cumsum().groupby(shares.to_numpy()).transform("max")
            found |= set(shares[tail > SHARE_OF_PLACE].index)
    return Place(frozenset(found), frozenset(), False, names)


def referring_practices(tables: dict) -> set[str]:
    """Practices that referred anyone (as registered practice or as referrer)."""
    referrals = tables.get("referrals")
    if referrals is None:
        return set()
    codes = set()
    for column in ("practice_code", "referrer_org_code"):
        codes |= {str(code) for code in referrals[column].dropna().unique()}
    return codes


def scope_practices(tables: dict, areas, place: Place, by_area: pd.Series, file: str,
                    place_name: str, report: Report) -> None:  # fmt: skip
    """Practices cut to the place: those that referred anyone, or whose postcode (or point)
    lies in the place's local authorities, or in a PCN it names."""
    practices = tables.get("practices")
    if practices is None or practices.empty:
        return
    referring = set(referring_practices(tables))
    national = len(practices) > NATIONAL_PRACTICES
    if not (place.known or referring):
        if national:
            report.add(file, f"{len(practices):,} practices, more than any one place has: name "
                       "the place's local authorities (local_authorities) or PCNs (pcn_codes) "
                       "in dataset.csv, or load referrals, to keep only the place's",
                       WARNING)  # fmt: skip
        return
    las = authorities_of(practices, tables, areas, by_area)
    keep = practices["practice_code"].isin(referring) | las.isin(place.local_authorities)
    if "pcn_code" in practices and place.pcn_codes:
        keep |= practices["pcn_code"].isin(place.pcn_codes)
    if not national:  # a local file: only practices known to be elsewhere are cut
        keep |= las.isna()
    if keep.all():
        return
    where = place.describe(place_name)
    why = " or ".join(([f"in {where}"] if where else []) + (["referring"] if referring else []))
    report.add(file, f"kept {int(keep.sum()):,} of {len(practices):,} practices: those {why}",
               WARNING)  # fmt: skip
    tables["practices"] = practices[keep].reset_index(drop=True)


def scope_areas(tables: dict, areas, place: Place, by_area: pd.Series, files: dict[str, str],
                place_name: str, report: Report):  # fmt: skip
    """Areas (boundaries and area statistics) cut to the place when a file covers more than
    any one place: those holding referrals or assets, or in the place's local authorities.
    Returns the boundaries, cut; `area_stats` is cut in `tables`."""
    held = set()
    for name in ("referrals", "assets"):
        frame = tables.get(name)
        if frame is not None and "area_code" in frame:
            held |= {str(code) for code in frame["area_code"].dropna().unique()}
    for name, frame in (("areas", areas), ("area_stats", tables.get("area_stats"))):
        if frame is None or len(frame) <= NATIONAL_AREAS:
            continue
        if not (place.known or held):
            report.add(files.get(name, f"{name}.csv"), f"{len(frame):,} areas, more than any "
                       "one place has: name the place's local authorities (local_authorities) in "
                       "dataset.csv, or load referrals or boundaries that place the assets, to "
                       "keep only the place's", WARNING)  # fmt: skip
            continue
        codes = frame["area_code"].astype("string")
        keep = codes.isin(held) | codes.map(by_area).isin(place.local_authorities)
        if keep.all():
            continue
        where = place.describe(place_name)
        why = f"those in {where} or holding referrals or assets" if where else (
            "those holding referrals or assets")  # fmt: skip
        report.add(files.get(name, f"{name}.csv"), f"kept {int(keep.sum()):,} of {len(frame):,} "
                   f"areas: {why}", WARNING)  # fmt: skip
        kept = frame[keep.to_numpy()].reset_index(drop=True)
        if name == "areas":
            areas = kept
        else:
            tables["area_stats"] = kept
    return areas


def _place(tables: dict, areas, about) -> tuple[dict, pd.Series, Place]:
    about = {k: v for k, v in dict(about).items() if not _blank(v)} if len(about) else {}
    by_area = area_authorities(tables)
    return about, by_area, place_of(tables, areas, about, by_area)


def scope_practices_to_place(tables: dict, areas, about, origin: dict[str, str],
                             report: Report) -> None:  # fmt: skip
    """A national practice file cut to the dataset's place (see the module's docstring),
    before the practices are placed, so practices elsewhere raise no problems."""
    about, by_area, place = _place(tables, areas, about)
    scope_practices(tables, areas, place, by_area, origin.get("practices", "practices.csv"),
                    str(about.get("place_name", "")), report)  # fmt: skip


def scope_areas_to_place(tables: dict, areas, about, origin: dict[str, str], report: Report):
    """National boundary and IoD files cut to the dataset's place (see the module's
    docstring), once assets know their areas; the boundaries returned."""
    about, by_area, place = _place(tables, areas, about)
    return scope_areas(tables, areas, place, by_area, origin,
                       str(about.get("place_name", "")), report)  # fmt: skip
