"""The data page: what was loaded, every problem found in the files, and the tables."""

from __future__ import annotations

import re

import pandas as pd

from socialrx.data import checks
from socialrx.data.dataset import Dataset
from socialrx.data.problems import Report
from socialrx.data.schema import PERSON_LEVEL, TABLES
from socialrx.disclosure import Level, Spec
from socialrx.views.panels import Panel, disclosure_caption


def loaded_panel(dataset: Dataset, level: Level) -> Panel:
    """Each table: loaded or not, how many rows (person-level rows disclosed), what for."""
    rows = []
    for name, table in TABLES.items():
        if name == "dataset":
            continue
        loaded = dataset.has(name)
        # counted without reading a table the saved copy has not read yet
        count = (len(dataset.areas) if name == "areas" else dataset.rows(name)) if loaded else None
        person = name in PERSON_LEVEL
        rows.append(
            {
                "table": table.file,
                "loaded": "yes" if loaded else "no",
                # not person-level: exact, as text so an absent count reads "–", not "None"
                "rows": "–" if person or count is None else f"{count:,}",
                "person_rows": count if person else None,
                "about": table.about,
            }
        )
    frame = pd.DataFrame(rows).astype({"person_rows": "Float64"})
    extract = (
        f"Extract date: {dataset.extract_date:%d %b %Y}. "
        if dataset.extract_date is not None
        else ""
    )
    return Panel(
        name="tables_loaded",
        title="Tables",
        caption=extract + "Rows of person-level tables (referrals, connections, outcomes) "
        "count people and are disclosed; the others are exact. " + disclosure_caption(level),
        level=level,
        table=frame,
        spec=Spec(counts=("person_rows",)),
        labels={
            "table": "Table",
            "loaded": "Loaded",
            "rows": "Rows",
            "person_rows": "Rows (person-level)",
            "about": "What it holds",
        },
    )


def problems_table(report: Report, level: Level = Level.OFF) -> pd.DataFrame:
    """Every problem, errors first, then by file and row, as a user works through a file.

    Below disclosure "off", the problems of person-level files are grouped (file, column,
    what is wrong) with the number of rows as a disclosed count and no row numbers: a list of
    rows beside a hidden count would give the count away (three rows of sex 'Q' beside a
    `*`). The data's owner sees every row with `python -m socialrx validate`."""
    rows = [
        {
            "severity": p.severity,
            "file": p.file,
            "row": p.row,
            "column": p.column or "",
            "value": p.value or "",
            "problem": p.message,
        }
        for p in report.errors + report.warnings
    ]
    columns = ["severity", "file", "row", "column", "value", "problem"]
    problems = pd.DataFrame(rows, columns=columns).astype({"row": "Int64"})
    if level != Level.OFF and len(problems):
        people = problems["file"].isin(report.person_files)
        problems = pd.concat([problems[~people], _grouped(problems[people], level)])
    return problems.sort_values(["severity", "file", "row"], na_position="first", kind="stable")


MORE = re.compile(r"^and ([\d,]+) more rows like this: (.*)$")


def _grouped(problems: pd.DataFrame, level: Level) -> pd.DataFrame:
    """Person-level problems as one line per file, column and message: how many rows (a
    disclosed count) and up to five of the values (one where the count is hidden), never
    which rows. Each message's counts of rows and the group's rows are counts of people
    (`_grouped_panel`), worded where the panel discloses them."""
    if problems.empty:
        return problems
    panel = _grouped_panel(problems, level)
    return panel.disclosed.values[list(problems.columns)].astype({"row": "Int64"})


ROWS = re.compile(r"\b([\d,]+) rows?\b")  # "312 rows hold this value": a count of people


def _grouped_panel(problems: pd.DataFrame, level: Level) -> Panel:
    """The grouped problems, exact: the message cut at its counts of rows (`pieces`), those
    counts (`said_0`, ...) and the group's rows (`rows`: listed and counted past the listed
    ones, 0 for a problem of the whole file); `problem` is worded from them as disclosed."""
    more = problems["problem"].str.extract(MORE)
    extra = more[0].str.replace(",", "").astype("Float64").fillna(0)
    listed = problems["row"].notna()
    message = more[1].fillna(problems["problem"])
    frame = problems.assign(problem=message, n=listed.astype(int) + extra)
    out = []
    for (severity, file, column, text), group in frame.groupby(
        ["severity", "file", "column", "problem"], sort=False
    ):
        said = [int(c.replace(",", "")) for c in ROWS.findall(text)]
        written = group["value"].str.replace(checks.ROW_OF, "", regex=True)  # not which rows
        out.append(
            {
                "severity": severity,
                "file": file,
                "row": pd.NA,
                "column": column,
                "examples": [v for v in dict.fromkeys(written) if v][:5],
                "pieces": ROWS.split(text)[::2],
                "rows": float(group["n"].sum()),
                **{f"said_{i}": float(count) for i, count in enumerate(said)},
            }
        )
    table = pd.DataFrame(out)
    said = tuple(c for c in table.columns if c.startswith("said_"))
    return Panel(name="problems_grouped", title="", caption="", level=level, table=table,
                 spec=Spec(counts=(*said, "rows")),
                 annotate=lambda values: {"problem": _worded(values, said),
                                          "value": _examples(values)})  # fmt: skip


def _worded(values: pd.DataFrame, said: tuple[str, ...]) -> list[str]:
    """Each grouped problem's message with its counts of rows as disclosed, and how many rows
    it is about where it is about rows (a hidden count is someone)."""
    out = []
    for _, row in values.iterrows():
        pieces = row["pieces"]
        text = pieces[0] + "".join(
            _rows(row[column]) + piece for column, piece in zip(said, pieces[1:], strict=False)
        )
        if pd.isna(row["rows"]) or row["rows"] > 0:  # problems of rows, not of the whole file
            text += (
                f" ({_rows(row['rows'])}; which rows is not shown while disclosure control is "
                "on: `python -m socialrx validate` lists them)"
            )
        out.append(text)
    return out


def _examples(values: pd.DataFrame) -> list[str]:
    """Up to five of each problem's values; one where its number of rows is hidden: distinct
    values (ids, usually one a row) beside a hidden count would give the count away."""
    return [", ".join(examples[:1] if pd.isna(rows) else examples)
            for examples, rows in zip(values["examples"], values["rows"], strict=True)]  # fmt: skip


def _rows(shown) -> str:
    """A disclosed count of rows in words: "1-7 rows" where it is hidden."""
    return "1-7 rows" if pd.isna(shown) else f"{shown:,.0f} row{'' if shown == 1 else 's'}"


def problem_lines(problems: pd.DataFrame) -> list[str]:
    """The problems of `problems_table`, one line each, as the CLI writes them."""
    lines = []
    for p in problems.itertuples():
        where = p.file if pd.isna(p.row) else f"{p.file}:{p.row}"
        parts = [where, *([p.column] if p.column else []), *([repr(p.value)] if p.value else []),
                 p.problem]  # fmt: skip
        text = ": ".join(parts)
        lines.append(text if p.severity == "error" else f"{text} (warning)")
    return lines
