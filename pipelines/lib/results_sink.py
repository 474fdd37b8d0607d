"""Where evaluation results land: BigQuery tables on Vertex, JSONL files in a local directory offline.

One results location names a family of tables: `bq://p.d.results` holds the scores and gets the siblings
`results_review` (flagged examples), `results_summary` (one row per run) and `results_drift` (the run's input
drift); locally the directory gets `scores.jsonl`, `review.jsonl`, `summary.jsonl` and `drift.jsonl`. Rows are
appended, like streaming inserts, stamped with
`evaluated_at` and checked against the table's schema (`contracts.bigquery_schema`) first, on both
backends, so a local run proves its rows fit the tables the infrastructure creates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contracts.bigquery_schema import EVALUATED_AT, EVALUATION_TABLES, row_problems, table_suffix

TABLES = tuple(EVALUATION_TABLES)


def destination(backend: str, results_uri: str, table: str) -> str:
    """The file path (local) or `project.dataset.table` (Vertex) a table's rows go to."""
    if table not in EVALUATION_TABLES:
        raise ValueError(f"unknown results table {table!r}; expected one of {', '.join(TABLES)}")
    if backend == "local":
        return str(Path(results_uri) / f"{table}.jsonl")
    return results_uri.removeprefix("bq://") + table_suffix(table)


def stamped(table: str, rows: Sequence[dict[str, Any]], now: datetime | None = None) -> list[dict[str, Any]]:
    """`rows` with `evaluated_at` set; raises ValueError naming the first rows that do not fit the schema."""
    when = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
    spec = EVALUATION_TABLES[table]
    out = [{**row, EVALUATED_AT: when} for row in rows]
    problems = [f"row {i}: {p}" for i, row in enumerate(out) for p in row_problems(spec, row)]
    if problems:
        raise ValueError(f"rows for results table {spec.table_id!r} do not fit its schema: {'; '.join(problems[:5])}")
    return out


def write_rows(backend: str, results_uri: str, table: str, rows: Sequence[dict[str, Any]]) -> str:
    """Append `rows` (stamped and schema-checked); returns where they went."""
    target = destination(backend, results_uri, table)
    checked = stamped(table, rows)
    if backend == "local":
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, sort_keys=True) + "\n" for row in checked)
        return target
    from pipelines.lib import vertex

    vertex.write_bigquery(target, checked)
    return f"bq://{target}"


def read_recent_rows(backend: str, results_uri: str, table: str, limit: int) -> list[dict[str, Any]]:
    """The `limit` most recently written rows of a table, oldest first (none when nothing was written yet)."""
    target = destination(backend, results_uri, table)
    if backend == "local":
        path = Path(target)
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return sorted(rows, key=lambda row: str(row[EVALUATED_AT]))[-limit:]
    from pipelines.lib import vertex

    return vertex.read_recent_bigquery_rows(target, EVALUATED_AT, limit)
