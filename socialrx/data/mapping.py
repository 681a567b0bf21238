"""`mapping.csv`: a system's extract put into the contract's words before any check.

No case-management system (Elemental, Joy, an EMIS or SystmOne search) exports our file
names, headers or status words. A mapping, kept with the dataset as a small CSV an analyst
edits in Excel, says how: one row per name to translate, with the columns

- `table`: the contract table the row is about (`referrals`);
- `kind`: `file` (a file name, `*` for any characters, is this table: `Referrals_Export_*.csv`),
  `column` (a header of the extract is this contract column: `Referral Source` -> `referrer_type`),
  `value` (within one contract column, a value of the extract is this allowed value:
  `Closed - goals met` -> `completed` in `status`) or `drop` (leave this header out);
- `column`: for `value` rows, the contract column the value is in (so one word can map
  differently in two columns); blank otherwise;
- `from`: the extract's name or value; `to`: the contract's (blank for `file` and `drop`);
- `note`: optional, for the analyst (where a row comes from); ignored.

Headers are matched as the contract matches them (any case, spaces, dashes and underscores
alike), values any case after trimming and collapsing spaces, file names any case. A mapping
file is recognised by its name (`mapping.csv`, any case) or by its header, so `elemental
mapping.csv` works too, and several are combined. Bad rows get a message naming the mapping's
row and are skipped; the rest of the mapping still applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

import pandas as pd

from socialrx.data import parsing
from socialrx.data.files import SourceFile, first_line, read_csv, what_it_is
from socialrx.data.problems import ROWS_LISTED, WARNING, Report
from socialrx.data.schema import CHOICE, CHOICES, TABLES, Column
from socialrx.data.tables import parse_column, rename_headers

FILE_NAME = "mapping.csv"
COLUMNS = ("table", "kind", "column", "from", "to", "note")
REQUIRED = ("table", "kind", "from", "to")
FILE, COLUMN, VALUE, DROP = "file", "column", "value", "drop"
KINDS = (FILE, COLUMN, VALUE, DROP)
STARTER_FOLDER = Path(__file__).resolve().parent / "mappings"
# Distinct values not allowed, listed per column before one line counts the rest.
VALUES_LISTED = 30
# "312 rows hold this value, which the referrals table does not allow in status: map it ..."
_UNMAPPED_COUNT = re.compile(r"^([\d,]+) rows? holds? this value, which the (\w+) table does not")


def value_key(text: str) -> str:
    """A value as mappings match it: any case, spaces trimmed and collapsed."""
    return " ".join(str(text).lower().split())


@dataclass
class Mapping:
    """A checked mapping: what each file, header and value of the extract stands for."""

    files: list[tuple[str, str]] = field(default_factory=list)  # (lower-case pattern, table)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> header -> column
    drops: dict[str, set[str]] = field(default_factory=dict)  # table -> headers
    values: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)  # the mapping files it was read from

    def table_of(self, name: str) -> str | None:
        """The table a file name is mapped to, if a `file` row matches it, or matches it
        without its extension (a database's table, read as `Export.csv`, is named `Export`)."""
        lower = PurePosixPath(name).name.lower()  # a file in a zip: `data.zip/Export.csv`
        names = (lower, PurePosixPath(lower).stem)
        matches = (t for p, t in self.files if any(fnmatchcase(n, p) for n in names))
        return next(matches, None)

    def take(self, files: list[SourceFile], report: Report) -> list[SourceFile]:
        """Read the mapping files among `files` into this mapping (checked, combined) and
        return the other files, so a mapping is never taken for a table of the contract."""
        mapping_files = [f for f in files if is_mapping(f)]
        if not mapping_files:
            return files
        rows = []
        for file in mapping_files:
            frame = read_csv(file, report, empty=WARNING)
            tidy = None if frame is None else _tidy(frame, file.name, report)
            if tidy is not None:
                rows.append(tidy)
        if rows:
            read = build(pd.concat(rows), report)
            self.files += read.files
            for table, renames in read.columns.items():
                self.columns.setdefault(table, {}).update(renames)
            for table, drops in read.drops.items():
                self.drops.setdefault(table, set()).update(drops)
            for key, lookup in read.values.items():
                self.values.setdefault(key, {}).update(lookup)
        self.labels += [f.name for f in mapping_files]
        return [f for f in files if not is_mapping(f)]

    def apply(self, table: str, frame: pd.DataFrame, label: str, report: Report) -> pd.DataFrame:
        """The raw text table with its headers and values in the contract's words; then the
        values still not allowed in each choice column reported once each, with their count."""
        frame = self._columns(table, frame, label, report)
        frame = self._values(table, frame)
        report_unmapped(table, frame, label, report, every=bool(self.labels))
        return frame

    def _columns(self, table: str, frame: pd.DataFrame, label: str, report: Report):
        renames, drops = self.columns.get(table, {}), self.drops.get(table, set())
        if not renames and not drops:
            return frame
        keys = [parsing.normalise_header(h) for h in frame.columns]
        targets = {renames[k] for k in keys if k in renames}
        keep, names, taken = [], [], {}
        for position, (header, key) in enumerate(zip(frame.columns, keys, strict=True)):
            if key in drops:
                continue
            name = renames.get(key)
            if name is None and key in targets:  # the contract's own header, but mapped over
                source = next(h for h, k in zip(frame.columns, keys, strict=True)
                              if renames.get(k) == key)  # fmt: skip
                report.add(label, f"column {str(header)!r} left out: the mapping puts "
                           f"{str(source)!r} in {key}", WARNING)  # fmt: skip
                continue
            if name is not None and name in taken:
                message = f"the mapping also puts {taken[name]!r} in {name}: the first is used"
                report.add(label, f"column {str(header)!r} left out: {message}", WARNING)
                continue
            if name is not None:
                taken[name] = str(header)
            keep.append(position)
            names.append(name or header)
        out = frame.iloc[:, keep].copy(deep=False)  # the cells are shared, not copied
        out.columns = names
        return out

    def _values(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        wanted = {col: lookup for (tab, col), lookup in self.values.items() if tab == table}
        if not wanted:
            return frame
        keys = [parsing.normalise_header(h) for h in frame.columns]
        frame = frame.copy(deep=False)  # columns replaced, never changed in place
        for name, lookup in wanted.items():
            if name not in keys:
                continue
            position = keys.index(name)
            values = frame.iloc[:, position]
            several = TABLES[table].column(name).kind == CHOICES

            def convert(text: str, lookup=lookup, several=several) -> str:
                if several:
                    items = [i for i in text.split(";") if i.strip()]
                    return ";".join(lookup.get(value_key(i), i.strip()) for i in items)
                return lookup.get(value_key(text), text)

            mapped = parsing.per_distinct(values, convert)
            frame.isetitem(position, mapped.where(mapped.notna(), values).astype(values.dtype))
        return frame


def is_mapping(file: SourceFile) -> bool:
    """True for a mapping file: named `mapping.csv` (any case), or a CSV whose header is a
    mapping's (table, kind, from, to ...) whatever it is called."""
    path = Path(file.name)
    if path.suffix.lower() not in (".csv", ".txt"):
        return False
    if parsing.normalise_header(path.stem) == "mapping":
        return True
    if what_it_is(file.data):
        return False
    header = {parsing.normalise_header(c) for c in first_line(file.data)}
    return set(REQUIRED) <= header and header <= set(COLUMNS) | {""}


def take(files: list[SourceFile], report: Report) -> tuple[list[SourceFile], Mapping]:
    """The files without the mapping files, and the mapping they hold (checked, combined)."""
    mapping = Mapping()
    return mapping.take(files, report), mapping


def _tidy(frame: pd.DataFrame, name: str, report: Report) -> pd.DataFrame | None:
    """The mapping's rows under the standard headers, trimmed, with their file and row."""
    frame = frame.rename(columns=lambda h: parsing.normalise_header(h))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        columns = ", ".join(COLUMNS)
        report.add(name, f"not a usable mapping: missing column(s) {', '.join(missing)} (a "
                   f"mapping has the columns {columns}); the mapping is not used")  # fmt: skip
        return None
    frame = frame.loc[:, ~frame.columns.duplicated()]
    for column in COLUMNS:
        frame[column] = frame[column].astype(str).str.strip() if column in frame else ""
    frame = frame[list(COLUMNS)]
    frame = frame[frame.ne("").any(axis=1)]  # blank lines are not rows
    return frame.assign(_file=name, _row=frame.index.to_numpy() + 2)


def build(rows: pd.DataFrame, report: Report) -> Mapping:
    """A `Mapping` from tidy rows; every bad row reported (file, row, what is wrong) and
    skipped, a `from` mapped twice differently reported and its first row used."""
    mapping = Mapping()
    seen: dict[tuple, tuple[str, str, int]] = {}
    for row in rows.to_dict("records"):
        checked = _check(row, report)
        if checked is None:
            continue
        kind, table, column, source, target = checked
        key = (kind, table, column, source if kind != FILE else source.lower())
        where = (row["_file"], row["_row"])
        if key in seen:
            first_target, first_file, first_row = seen[key]
            if first_target != target:
                report.add(row["_file"], f"{row['from']!r} is mapped twice, to {first_target!r} "
                           f"(row {first_row}) and {target!r}: the first is used; keep one",
                           row=row["_row"], column="from", value=row["from"])  # fmt: skip
            continue
        seen[key] = (target, *where)
        if kind == FILE:
            mapping.files.append((source.lower(), table))
        elif kind == COLUMN:
            mapping.columns.setdefault(table, {})[source] = target
        elif kind == DROP:
            mapping.drops.setdefault(table, set()).add(source)
        else:
            mapping.values.setdefault((table, column), {})[source] = target
    return mapping


def _bad(row: dict, report: Report, column: str, message: str) -> None:
    report.add(row["_file"], message + "; row not used", row=row["_row"], column=column,
               value=row[column])  # fmt: skip


def _check(row: dict, report: Report) -> tuple[str, str, str, str, str] | None:
    """(kind, table, column, from, to) in the contract's spelling, or None if the row is bad."""
    kind = row["kind"].lower()
    if kind not in KINDS:
        _bad(row, report, "kind", f"kind must be one of {', '.join(KINDS)}")
        return None
    table = parsing.normalise_header(row["table"])
    if not table:
        _bad(row, report, "table", "blank: every row names the contract table it is about")
        return None
    if table not in TABLES:
        _bad(row, report, "table", f"{row['table']!r} is not a table of the data contract: "
             f"the tables are {', '.join(TABLES)}")  # fmt: skip
        return None
    if not row["from"]:
        _bad(row, report, "from", "blank: say which name or value of your extract this row maps")
        return None
    spec = TABLES[table]
    known = [c.name for c in spec.columns]
    if kind == FILE:
        return kind, table, "", row["from"], ""
    if kind == DROP:
        return kind, table, "", parsing.normalise_header(row["from"]), ""
    if kind == COLUMN:
        target = parsing.normalise_header(row["to"])
        if not target:
            _bad(row, report, "to", "blank: say which column of the contract it is (or use kind "
                 "drop to leave the column out)")  # fmt: skip
            return None
        if target not in known:
            _bad(row, report, "to", f"{row['to']!r} is not a column of {spec.file}: the columns "
                 f"are {', '.join(known)}")  # fmt: skip
            return None
        return kind, table, "", parsing.normalise_header(row["from"]), target
    column = parsing.normalise_header(row["column"])
    if not column:
        _bad(row, report, "column", "blank: a value row names the contract column the value is "
             "in (e.g. status)")  # fmt: skip
        return None
    if column not in known:
        _bad(row, report, "column", f"{row['column']!r} is not a column of {spec.file}: the "
             f"columns are {', '.join(known)}")  # fmt: skip
        return None
    if not row["to"]:
        _bad(row, report, "to", "blank: say which allowed value it is")
        return None
    target = _allowed_value(spec.column(column), row["to"])
    if target is None:
        allowed = ", ".join(spec.column(column).allowed)
        _bad(row, report, "to", f"{row['to']!r} is not a {column}: allowed are {allowed}")
        return None
    return kind, table, column, value_key(row["from"]), target


def _allowed_value(column: Column, text: str) -> str | None:
    """`text` as the column will read it (the allowed value, or the text for a free column);
    None if a choice column would not accept it."""
    if column.kind not in (CHOICE, CHOICES):
        return text.strip()
    parsed, bad, _ = parse_column(pd.Series([text], dtype="string"), column)
    return None if bad.iloc[0] or pd.isna(parsed.iloc[0]) else str(parsed.iloc[0])


_CHOICE_MESSAGES: dict[str, list[tuple[str, str]]] = {}


def report_unmapped(
    table: str, frame: pd.DataFrame, label: str, report: Report, every: bool = True
) -> None:
    """Each value a choice column does not allow, once, with how many rows hold it (the rows
    themselves are reported by the checks, the first ROWS_LISTED one by one). Without a
    mapping in use (`every` false) only for a column whose row list is cut short: there the
    listed rows no longer show every value."""
    spec = TABLES.get(table)
    if spec is None or not len(frame):
        return
    named = rename_headers(frame, spec, label, Report())  # which column is which, quietly
    for column in spec.columns:
        if column.kind not in (CHOICE, CHOICES) or column.name not in named.columns:
            continue
        values = named[column.name]
        if isinstance(values, pd.DataFrame):
            values = values.iloc[:, 0]
        counts = _not_allowed(values, column)
        if not every and counts.sum() <= ROWS_LISTED:
            continue
        for value, count in list(counts.items())[:VALUES_LISTED]:
            rows = "row holds" if count == 1 else "rows hold"
            report.add(label, f"{count:,} {rows} this value, which the {table} table does not "
                       f"allow in {column.name}: map it in mapping.csv (allowed: "
                       f"{', '.join(column.allowed)})", WARNING, column=column.name,
                       value=value)  # fmt: skip
        if len(counts) > VALUES_LISTED:
            rest = counts.iloc[VALUES_LISTED:]
            report.add(label, f"and {len(rest):,} more values not allowed, in {int(rest.sum()):,} "
                       "rows: map them in mapping.csv", WARNING, column=column.name)  # fmt: skip


def _not_allowed(values: pd.Series, column: Column) -> pd.Series:
    """How many rows hold each value (each item, for a `;` list) the column does not allow,
    most first; the values as written, trimmed. Worked on the distinct cells, which an
    extract repeats a million times."""
    cells = values.value_counts(sort=False)  # per distinct cell as written
    spellings = pd.DataFrame({"shown": cells.index.astype(str), "rows": cells.to_numpy()})
    if column.kind == CHOICES:
        spellings["shown"] = spellings["shown"].str.split(";")
        spellings = spellings.explode("shown")
    spellings["shown"] = spellings["shown"].astype(str).str.strip()
    spellings = spellings[spellings["shown"] != ""]
    spellings = spellings.groupby("shown", sort=False, as_index=False)["rows"].sum()
    if spellings.empty:
        return pd.Series(dtype="int64")
    single = Column(column.name, CHOICE, allowed=column.allowed, codes=column.codes)
    bad = parse_column(spellings["shown"].astype("string"), single)[1].to_numpy()
    spellings = spellings[bad]
    if spellings.empty:
        return pd.Series(dtype="int64")
    # spellings alike but for case and spaces are one value, shown as most rows write it
    spellings["key"] = [value_key(v) for v in spellings["shown"]]
    spellings = spellings.sort_values("rows", ascending=False, kind="stable")
    grouped = spellings.groupby("key", sort=False).agg(shown=("shown", "first"),
                                                      rows=("rows", "sum"))  # fmt: skip
    grouped = grouped.sort_values("rows", ascending=False, kind="stable")
    return pd.Series(grouped["rows"].to_numpy(), index=grouped["shown"]).astype("int64")


def unmapped_values(report: Report) -> pd.DataFrame:
    """The values still not allowed after mapping, from the report: the file, its table, the
    column, the value and how many rows hold it (exact: disclose person-level counts). Where
    no summary was made (no mapping in use, and every bad row listed), the listed rows are
    counted instead, so the list is complete either way."""
    rows = [
        {"file": p.file, "table": match.group(2), "column": p.column, "value": p.value or "",
         "rows": int(match.group(1).replace(",", ""))}
        for p in report.problems
        if (match := _UNMAPPED_COUNT.match(p.message))
    ]  # fmt: skip
    summarised = {(r["file"], r["column"]) for r in rows}
    listed: dict[tuple[str, str, str, str], list] = {}
    for problem in report.problems:
        table = _choice_table(problem.message, problem.column)
        if table is None or problem.row is None or (problem.file, problem.column) in summarised:
            continue
        key = (problem.file, table, problem.column, value_key(problem.value or ""))
        listed.setdefault(key, [problem.value or "", 0])[1] += 1
    rows += [
        {"file": file, "table": table, "column": column, "value": shown, "rows": count}
        for (file, table, column, _), (shown, count) in listed.items()
    ]
    return pd.DataFrame(rows, columns=["file", "table", "column", "value", "rows"])


def _choice_messages() -> dict[str, list[tuple[str, str]]]:
    """Per column name, (the checks' message for a value it does not allow, table)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table in TABLES.values():
        for column in table.columns:
            if column.kind in (CHOICE, CHOICES):
                allowed = parse_column(pd.Series([], dtype="string"), column)[2]
                found.setdefault(column.name, []).append((f"not understood ({allowed});",
                                                          table.name))  # fmt: skip
    return found


def _choice_table(message: str, column: str | None) -> str | None:
    """The table whose choice column `column` a row-level problem says a value is not in."""
    candidates = _CHOICE_MESSAGES.get(column or "", [])
    return next((table for head, table in candidates if message.startswith(head)), None)


def blank() -> pd.DataFrame:
    """An empty mapping: the header only."""
    return pd.DataFrame({c: pd.Series([], dtype="string") for c in COLUMNS})


def frame_of(data: bytes, name: str = FILE_NAME) -> pd.DataFrame:
    """A mapping file's rows under the standard headers, as text (for the app's editor);
    a file that is not a readable mapping gives the empty mapping."""
    frame = read_csv(SourceFile(name, data), Report(), empty=WARNING)
    if frame is None:
        return blank()
    tidy = _tidy(frame, name, Report())
    return blank() if tidy is None else tidy[list(COLUMNS)].reset_index(drop=True).astype("string")


def in_files(files: list[SourceFile]) -> pd.DataFrame:
    """The rows of every mapping file among `files`, one table (not checked)."""
    frames = [frame_of(f.data, f.name) for f in files if is_mapping(f)]
    return pd.concat(frames, ignore_index=True) if frames else blank()


def in_folder(folder: Path) -> pd.DataFrame:
    """The rows of the mapping files in a data folder (only CSVs are opened)."""
    folder = Path(folder)
    if not folder.is_dir():
        return blank()
    files = [
        SourceFile(p.name, p.read_bytes())
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix.lower() in (".csv", ".txt") and _mapping_name_or_header(p)
    ]
    return in_files(files)


def _mapping_name_or_header(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096)
    return is_mapping(SourceFile(path.name, head.split(b"\n", 1)[0]))


def with_mapping(files, data: bytes) -> tuple[SourceFile, ...]:
    """The files with `data` as their only mapping (an edited mapping replaces theirs)."""
    return (*(f for f in files if not is_mapping(f)), SourceFile(FILE_NAME, data))


def to_csv(frame: pd.DataFrame) -> bytes:
    """A mapping as the bytes of mapping.csv (UTF-8 with BOM, so Excel reads it right)."""
    out = frame.reindex(columns=list(COLUMNS)).astype("string").fillna("")
    out = out[out.apply(lambda r: r.str.strip().ne("").any(), axis=1)] if len(out) else out
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


# The starter mappings' names on the Data page (others are named by their file).
STARTER_TITLES = {
    "snomed_social_prescribing": "Starter: NHS England SNOMED CT codes (EMIS, SystmOne searches)"
}


def starters() -> dict[str, str]:
    """The starter mappings shipped with socialrx (`mappings/*.csv`): file stem -> title."""
    return {
        path.stem: STARTER_TITLES.get(path.stem, f"Starter: {path.stem.replace('_', ' ')}")
        for path in sorted(STARTER_FOLDER.glob("*.csv"))
    }


def starter(name: str) -> bytes:
    """A starter mapping's bytes, by its file stem (from `starters`)."""
    if name not in starters():
        raise KeyError(name)
    return (STARTER_FOLDER / f"{name}.csv").read_bytes()


_CHOICE_MESSAGES.update(_choice_messages())
