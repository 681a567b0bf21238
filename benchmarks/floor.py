"""The practical floor for three of the heaviest figures: DuckDB SQL over the saved Parquet copy.

Each query computes the same exact table as a package function, from the copy's files (read
each time, from the operating system's cache), and `check` compares the two before any time
is reported: counts equal, means and standard deviations within 1e-9 of each other. The
figures are those of the whole dataset over its whole period, the heaviest choice:

- Outcomes: `outcomes.paired_change` per measure (people with a baseline, with a follow-up,
  paired, improved, past the meaningful threshold either way, unpaired, with several
  baselines; mean scores, mean change, SD of the changes), after `selected_outcomes`.
- Referral flows: the pathway summary (`pathway.referral_steps` then `summarise_steps`): per
  month of referral and step, the referrals, those old enough to judge and those reaching the
  step in its window, and the people who waited each whole number of days.
- Capacity: `capacity.capacity_strain` per asset: people sent, those on a waiting list or
  turned away as full, and strain (%) as the overview and the Capacity page work it out.

Used by `bench_step.py floor`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from socialrx import vocab
from socialrx.metrics import capacity, outcomes, pathway


def copy_files(cache: str | Path, dataset) -> dict[str, str]:
    """Table name -> Parquet file of the saved copy of `dataset` under `cache` (the copy whose
    manifest has the dataset's row counts; the newest if several). A table whose text the copy
    holds as codes (`store._write_frame`) is written out once as plain Parquet, its text as
    text, in a folder removed when the process ends: the queries read text ids, as a
    warehouse's tables would hold them."""
    manifests = sorted(Path(cache).rglob("manifest.json"), key=lambda p: p.stat().st_mtime)
    for manifest in reversed(manifests):
        saved = json.loads(manifest.read_text(encoding="utf-8"))["tables"]
        rows = {name: len(dataset.table(name)) for name in dataset.tables}
        if all(saved.get(name, {}).get("rows") == n for name, n in rows.items()):
            return {name: _plain(manifest.parent, s) for name, s in saved.items()}
    raise RuntimeError(f"no saved copy of this dataset under {cache}")


def _plain(entry: Path, saved: dict) -> str:
    """The saved table's file, or, when it holds codes, a plain copy of it (same rows, order
    and columns; codes replaced by their text)."""
    import atexit
    import shutil
    import tempfile

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not saved.get("coded"):
        return str(entry / saved["file"])
    table = pq.read_table(entry / saved["file"])
    for column, values in saved["coded"].items():
        codes = table.column(column).to_numpy()
        text = pc.take(pq.read_table(entry / values).column(0), pa.array(codes, mask=codes < 0))
        table = table.set_column(table.schema.get_field_index(column), column, text)
    folder = tempfile.mkdtemp(prefix="socialrx-floor-")
    atexit.register(shutil.rmtree, folder, True)
    pq.write_table(table, Path(folder) / saved["file"])
    return str(Path(folder) / saved["file"])


def _at(day: pd.Timestamp) -> str:
    return f"TIMESTAMP '{day:%Y-%m-%d %H:%M:%S}'"


# --- Outcomes: change per measure -------------------------------------------------------------

OUTCOME_COLUMNS = ("with_baseline", "with_follow_up", "paired", "improved",
                   "better_by_threshold", "worse_by_threshold", "unpaired", "several_baselines",
                   "mean_baseline", "mean_follow_up", "mean_change", "sd_change")  # fmt: skip


def outcomes_sql(files: dict[str, str], start: pd.Timestamp, end: pd.Timestamp, rows: int) -> str:
    """`paired_change` for the referrals made in [start, end]: SWEMWBS raw scores converted,
    the earliest baseline (undated last, then file order) paired with the latest follow-up
    (undated first, then file order) that is not dated before it. The order is one whole
    number, seconds since 1970 times the outcomes' `rows` plus the row number (a key of
    three parts costs the query a third more)."""
    undated = 10**10  # seconds: the year 2286
    swemwbs = ", ".join(f"({raw}, {metric})" for raw, metric in vocab.SWEMWBS_METRIC.items())
    measures = ", ".join(
        f"('{name}', {order}, {1 if m.higher_is_better else -1}, {outcomes.threshold(name)})"
        for order, (name, m) in enumerate(vocab.MEASURES.items())
    )
    return f"""
    WITH chosen AS (  -- each referral's row number: a whole number to group people by
        SELECT referral_id, file_row_number AS who
        FROM read_parquet('{files["referrals"]}', file_row_number = true)
        WHERE referral_date BETWEEN {_at(start)} AND {_at(end)}),
    raw AS (SELECT o.*, c.who FROM read_parquet('{files["outcomes"]}', file_row_number = true) o
            JOIN chosen c USING (referral_id)),
    conversion(raw, metric) AS (VALUES {swemwbs}),
    scored AS (
        SELECT who, timepoint, assessed_date, file_row_number AS rn,
               CASE WHEN measure = 'swemwbs' THEN 'swemwbs_metric' ELSE measure END AS measure,
               CASE WHEN measure = 'swemwbs' THEN c.metric ELSE value END AS value
        FROM raw LEFT JOIN conversion c
          ON raw.measure = 'swemwbs' AND c.raw = round_even(raw.value, 0)),
    base AS (
        SELECT who, measure, count(*) AS rows_,
               arg_min(value, coalesce(epoch(assessed_date)::BIGINT, {undated}) * {rows} + rn)
                   AS baseline,
               min(assessed_date) AS baseline_date
        FROM scored WHERE timepoint = 'baseline' GROUP BY who, measure),
    follow AS (SELECT * FROM scored WHERE timepoint = 'follow_up'),
    latest AS (
        SELECT f.who, f.measure,
               arg_max(f.value,
                       coalesce(epoch(f.assessed_date)::BIGINT, -{undated}) * {rows} + f.rn)
                   AS follow_up
        FROM follow f LEFT JOIN base b ON f.who = b.who AND f.measure = b.measure
        WHERE NOT coalesce(f.assessed_date < b.baseline_date, false)
        GROUP BY f.who, f.measure),
    measures(measure, ord, sign, cut) AS (VALUES {measures}),
    pairs AS (
        SELECT b.measure, b.baseline, l.follow_up, l.follow_up - b.baseline AS change
        FROM base b JOIN latest l ON b.who = l.who AND b.measure = l.measure
        WHERE b.baseline IS NOT NULL AND l.follow_up IS NOT NULL),
    paired AS (
        SELECT p.measure, count(*) AS paired,
               count(*) FILTER (WHERE m.sign * change > 0) AS improved,
               count(*) FILTER (WHERE m.sign * change >= m.cut) AS better_by_threshold,
               count(*) FILTER (WHERE m.sign * change <= -m.cut) AS worse_by_threshold,
               avg(baseline) AS mean_baseline, avg(follow_up) AS mean_follow_up,
               avg(change) AS mean_change, stddev_samp(change) AS sd_change
        FROM pairs p JOIN measures m USING (measure) GROUP BY p.measure),
    people AS (
        SELECT measure, count(*) AS with_baseline,
               count(*) FILTER (WHERE rows_ > 1) AS several_baselines
        FROM base GROUP BY measure),
    followed AS (
        SELECT measure, count(DISTINCT who) AS with_follow_up FROM follow GROUP BY measure)
    SELECT m.measure, coalesce(b.with_baseline, 0) AS with_baseline,
           coalesce(f.with_follow_up, 0) AS with_follow_up, coalesce(p.paired, 0) AS paired,
           coalesce(p.improved, 0) AS improved,
           coalesce(p.better_by_threshold, 0) AS better_by_threshold,
           coalesce(p.worse_by_threshold, 0) AS worse_by_threshold,
           coalesce(f.with_follow_up, 0) - coalesce(p.paired, 0) AS unpaired,
           coalesce(b.several_baselines, 0) AS several_baselines,
           p.mean_baseline, p.mean_follow_up, p.mean_change, p.sd_change
    FROM measures m
    LEFT JOIN people b USING (measure) LEFT JOIN followed f USING (measure)
    LEFT JOIN paired p USING (measure)
    WHERE m.measure IN (SELECT DISTINCT measure FROM scored)
    ORDER BY m.ord
    """


def outcomes_package(dataset, selection) -> pd.DataFrame:
    from socialrx.metrics.selection import selected_outcomes

    return outcomes.paired_change(selected_outcomes(dataset, selection))


# --- Referral flows: the pathway by month of referral -----------------------------------------

STEPS = pathway.STEPS[1:]


def pathway_sql(files: dict[str, str], as_at: pd.Timestamp) -> str:
    """`referral_steps` summed by (month, step, days timed): each referral once per step (its
    date for the step picked by a CASE), so the referrals are read once."""
    started = ", ".join(f"'{o}'" for o in vocab.CONNECTION_STARTED)
    ranks = " ".join(f"WHEN '{s}' THEN {r}" for s, r in pathway._STATUS_RANK.items())
    steps = ", ".join(
        f"({i}, {pathway.STEP_WINDOW_DAYS[s]}, {pathway._RANK_OF_STEP.get(s, 99)})"
        for i, s in enumerate(STEPS)
    )
    return f"""
    WITH began AS (
        SELECT referral_id, min(coalesce(started_date, referred_date)) AS first_connected
        FROM read_parquet('{files["connections"]}')
        WHERE outcome IN ({started}) OR started_date IS NOT NULL
        GROUP BY referral_id),
    referrals AS (
        SELECT date_trunc('month', r.referral_date) AS month, r.referral_date,
               date_diff('day', r.referral_date, {_at(as_at.normalize())}) AS age,
               CASE r.status {ranks} ELSE -1 END AS rank,
               r.first_contact_date, r.first_appointment_date, b.first_connected,
               CASE WHEN r.status = 'completed' THEN r.closed_date END AS completed
        FROM read_parquet('{files["referrals"]}') r LEFT JOIN began b USING (referral_id)
        WHERE r.referral_date IS NOT NULL),
    steps(ord, allowed, rank_needed) AS (VALUES {steps}),
    judged AS (
        SELECT month, ord, allowed, rank >= rank_needed AS by_status,
               coalesce(age >= allowed, false) AS judged,
               date_diff('day', referral_date, CASE ord WHEN 0 THEN first_contact_date
                   WHEN 1 THEN first_appointment_date WHEN 2 THEN first_connected
                   ELSE completed END) AS days
        FROM referrals CROSS JOIN steps)
    SELECT month, ord, CASE WHEN judged AND days <= allowed THEN days END AS timed,
           count(*) AS referrals, count(*) FILTER (WHERE judged) AS judged,
           count(*) FILTER (WHERE judged AND (coalesce(days <= allowed, false)
                                              OR (days IS NULL AND by_status))) AS reached
    FROM judged GROUP BY ALL
    """


def pathway_floor(con, files: dict[str, str], as_at: pd.Timestamp) -> pathway.StepSummary:
    """The query's cells (a few thousand) added up into the package's two tables."""
    cells = con.sql(pathway_sql(files, as_at)).df()
    cells["step"] = np.asarray(STEPS, dtype=object)[cells["ord"].to_numpy()]
    counts = (cells.groupby(["ord", "month", "step"], as_index=False)[["referrals", "judged",
              "reached"]].sum())  # fmt: skip
    timed = cells[cells["timed"].notna()]
    waits = timed.groupby(["ord", "month", "step", "timed"], as_index=False)["referrals"].sum()
    waits = waits.rename(columns={"timed": "days", "referrals": "people"})
    return pathway.StepSummary(counts.drop(columns="ord"), waits.drop(columns="ord"))


def pathway_package(dataset, as_at: pd.Timestamp) -> pathway.StepSummary:
    steps = pathway.referral_steps(dataset.table("referrals"), dataset.table("connections"), as_at)
    return pathway.summarise_steps(steps)


# --- Capacity: strain per asset ---------------------------------------------------------------


def strain_sql(files: dict[str, str], start: pd.Timestamp, end: pd.Timestamp, months: float):
    """`capacity_strain` for the connections referred in [start, end], in the assets' order."""
    turned = ", ".join(f"'{o}'" for o in capacity.TURNED_AWAY)
    return f"""
    WITH sent AS (
        SELECT asset_id, count(*) AS connections,
               count(*) FILTER (WHERE outcome IN ({turned})) AS turned_away_or_waiting
        FROM read_parquet('{files["connections"]}')
        WHERE referred_date BETWEEN {_at(start)} AND {_at(end)}
        GROUP BY asset_id)
    SELECT a.asset_id, coalesce(s.connections, 0) AS connections,
           coalesce(s.turned_away_or_waiting, 0) AS turned_away_or_waiting,
           CASE WHEN a.capacity_per_month > 0 THEN 100 * (coalesce(s.connections, 0)
                / {max(float(months), 1.0)!r}) / a.capacity_per_month END AS strain_pct
    FROM read_parquet('{files["assets"]}', file_row_number = true) a
    LEFT JOIN sent s USING (asset_id)
    ORDER BY a.file_row_number
    """


def strain_package(dataset, selection) -> pd.DataFrame:
    from socialrx.disclosure import Level
    from socialrx.metrics.selection import selected_connections

    table = capacity.capacity_strain(
        dataset.table("assets"), selected_connections(dataset, selection), selection.months
    )
    # strain as the strain panel works it out from the counts (exactly, at level off)
    return capacity.strain_spec().disclose(table, Level.OFF).values


# --- checking ---------------------------------------------------------------------------------


def differences(ours: pd.DataFrame, floor: pd.DataFrame, keys: list[str], exact: list[str],
                close: list[str], decimals: dict[str, int] | None = None) -> list[str]:  # fmt: skip
    """Where the package's table and the query's differ: rows (by `keys`), counts (`exact`)
    and figures (`close`: within 1e-9, or equal once rounded as the package rounds them)."""
    left = ours.reset_index(drop=True)
    right = floor.reset_index(drop=True)
    if len(left) != len(right):
        return [f"{len(left)} rows against the query's {len(right)}"]
    found = []
    for key in keys:
        a, b = left[key].astype(str).to_numpy(), right[key].astype(str).to_numpy()
        if (a != b).any():
            found.append(f"{key} differs in {int((a != b).sum())} rows")
    for column in exact:
        a = left[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        b = right[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if not np.array_equal(a, b, equal_nan=True):
            found.append(f"{column} differs in {int((a != b).sum())} rows")
    for column in close:
        a = left[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        b = right[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if decimals and decimals.get(column) is not None:
            b = np.round(b, decimals[column])
        near = np.isclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)
        if not near.all():
            found.append(f"{column} differs in {int((~near).sum())} rows")
    return found


def _step_order(column: pd.Series) -> pd.Series:
    """Steps in the pathway's order (the query's); other columns as they are."""
    return column.map({s: i for i, s in enumerate(STEPS)}) if column.name == "step" else column


def _decimals(values) -> int | None:
    """The decimals the package rounded a column to (0-3), or None when it did not round."""
    shown = values.astype("Float64").dropna().to_numpy(dtype=float)
    return next((d for d in range(4) if np.array_equal(np.round(shown, d), shown)), None)


def check_outcomes(ours: pd.DataFrame, theirs: pd.DataFrame) -> list[str]:
    return differences(ours, theirs, ["measure"], list(OUTCOME_COLUMNS[:8]),
                       list(OUTCOME_COLUMNS[8:]))  # fmt: skip


def check_pathway(ours: pathway.StepSummary, theirs: pathway.StepSummary) -> list[str]:
    counts = ours.counts.sort_values(["step", "month"], key=_step_order)
    waits = ours.waits.sort_values(["step", "month", "days"], key=_step_order)
    return differences(counts, theirs.counts, ["month", "step"],
                       ["referrals", "judged", "reached"], []) + differences(
        waits, theirs.waits, ["month", "step"], ["days", "people"], [])  # fmt: skip


def check_strain(ours: pd.DataFrame, theirs: pd.DataFrame) -> list[str]:
    return differences(ours, theirs, ["asset_id"], ["connections", "turned_away_or_waiting"],
                       ["strain_pct"], {"strain_pct": _decimals(ours["strain_pct"])})  # fmt: skip


def figures(dataset, files: dict[str, str], con):
    """Name -> (the package's call, the query's call, the check of one against the other),
    for the whole dataset over its whole period; and that selection."""
    from socialrx.metrics.overview import as_at
    from socialrx.metrics.selection import Selection, data_period

    day = as_at(dataset)
    first, _ = data_period(dataset)
    whole = Selection(first.to_period("M").start_time, day)
    rows = len(dataset.table("outcomes"))
    return {
        "Outcomes: change per measure (paired_change)": (
            lambda: outcomes_package(dataset, whole),
            lambda: con.sql(outcomes_sql(files, whole.start, whole.end, rows)).df(),
            check_outcomes,
        ),
        "Referral flows: pathway by month and step (referral_steps, summarise_steps)": (
            lambda: pathway_package(dataset, day),
            lambda: pathway_floor(con, files, day),
            check_pathway,
        ),
        "Capacity: strain per asset (capacity_strain)": (
            lambda: strain_package(dataset, whole),
            lambda: con.sql(strain_sql(files, whole.start, whole.end, whole.months)).df(),
            check_strain,
        ),
    }, whole
