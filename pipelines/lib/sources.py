"""Where raw examples come from: a local JSONL file offline; Cloud Storage or BigQuery on Vertex.

Also the deterministic sample of prediction logs the evaluation pipeline scores.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipelines.lib.records import QARecord, from_dict, schema_problems

LOCAL_BACKEND = "local"


def read_source_text(uri: str, backend: str, sample_size: int = 0, seed: int = 0, window_hours: int = 0) -> str:
    """JSONL text of the source: a local file (local backend), `gs://...` or `bq://project.dataset.table`
    (`window_hours` > 0: only rows logged in that many recent hours; local files carry no logging time)."""
    if backend == LOCAL_BACKEND:
        if uri.startswith(("gs://", "bq://")):
            raise ValueError(f"the local backend reads local files only, found {uri!r}")
        path = Path(uri)
        if not path.is_file():
            raise FileNotFoundError(f"source file not found: {path}")
        return path.read_text(encoding="utf-8")
    from pipelines.lib import vertex

    if uri.startswith("gs://"):
        return vertex.read_gcs_text(uri)
    if uri.startswith("bq://"):
        rows = vertex.read_bigquery_sample(uri.removeprefix("bq://"), sample_size or 100_000, seed, window_hours)
        return "".join(json.dumps(row, sort_keys=True, default=str) + "\n" for row in rows)
    raise ValueError(f"on Vertex the source must be gs://... or bq://..., found {uri!r}")


def parse_logs(raw_text: str) -> tuple[list[QARecord], list[str]]:
    """Records from prediction-log JSONL, plus one message per line that is not a valid record."""
    records: list[QARecord] = []
    skipped: list[str] = []
    for number, line in enumerate(raw_text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            skipped.append(f"line {number}: not valid JSON ({exc.msg})")
            continue
        problems = schema_problems(document)
        if problems:
            skipped.append(f"line {number}: {'; '.join(problems)}")
            continue
        records.append(from_dict(document))
    return records, skipped


def sample(records: list[QARecord], sample_size: int, seed: int) -> list[QARecord]:
    """Up to `sample_size` records chosen by sha256(seed:id), returned in their original order."""
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1, found {sample_size}")
    ranked = sorted(records, key=lambda r: hashlib.sha256(f"{seed}:{r.id}".encode()).hexdigest())
    chosen = {r.id for r in ranked[:sample_size]}
    return [r for r in records if r.id in chosen]
