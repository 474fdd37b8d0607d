"""Where evaluation results land: BigQuery tables on Vertex, JSONL files in a local directory offline.

One results location names a family of tables: `bq://p.d.evaluation` holds the scores and gets the siblings
`evaluation_review` (flagged examples) and `evaluation_summary` (one row per run); locally the directory gets
`scores.jsonl`, `review.jsonl` and `summary.jsonl`. Rows are appended, like streaming inserts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TABLES = {"scores": "", "review": "_review", "summary": "_summary"}


def destination(backend: str, results_uri: str, table: str) -> str:
    """The file path (local) or `project.dataset.table` (Vertex) a table's rows go to."""
    if table not in TABLES:
        raise ValueError(f"unknown results table {table!r}; expected one of {', '.join(TABLES)}")
    if backend == "local":
        return str(Path(results_uri) / f"{table}.jsonl")
    return results_uri.removeprefix("bq://") + TABLES[table]


def write_rows(backend: str, results_uri: str, table: str, rows: Sequence[dict[str, Any]]) -> str:
    """Append `rows`; returns where they went."""
    target = destination(backend, results_uri, table)
    if backend == "local":
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, sort_keys=True) + "\n" for row in rows)
        return target
    from pipelines.lib import vertex

    vertex.write_bigquery(target, rows)
    return f"bq://{target}"
