"""The candidate record a tuning run's register step emits: what `mlops release cut` turns into a release.

The record names everything a release pins (artifacts, serving image, template digest, dataset and prompt
digests) and the evaluation report that qualified it, with the report's digest and metrics, so the cut can
verify the report instead of trusting the numbers. It is written beside the report as `candidate.json` and
`report.json`; the record refers to the report by its file name, relative to the record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contracts.fsutil import atomic_write_bytes, atomic_write_text
from pipelines.lib.prompt import PROMPT_NAME, prompt_digest

RECORD_VERSION = 1
CANDIDATE_FILE = "candidate.json"
REPORT_FILE = "report.json"
METRIC_DECIMALS = 4
"""Release manifests record metrics to 4 decimals; the record does the same."""


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def candidate_record(
    *,
    model: str,
    artifact_uri: str,
    serving_image: str,
    tuning_run: str,
    pipeline_digest: str,
    dataset_uri: str,
    dataset_bytes: bytes,
    report_bytes: bytes,
    report: str = REPORT_FILE,
    created: datetime | None = None,
) -> dict[str, Any]:
    """The record (pinned shape, version 1); metrics are read from the report's `metrics` mapping."""
    metrics = json.loads(report_bytes)["metrics"]
    return {
        "version": RECORD_VERSION,
        "model": model,
        "artifact_uri": artifact_uri,
        "serving_image": serving_image,
        "tuning_run": tuning_run,
        "pipeline_digest": pipeline_digest,
        "dataset": {"uri": dataset_uri, "digest": sha256_of(dataset_bytes)},
        "evaluation": {
            "report": report,
            "report_digest": sha256_of(report_bytes),
            "metrics": {name: round(float(value), METRIC_DECIMALS) for name, value in sorted(metrics.items())},
        },
        "prompt": {"template": PROMPT_NAME, "digest": prompt_digest()},
        "created": (created or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
    }


def write_candidate(directory: str | Path, record: Mapping[str, Any], report_bytes: bytes) -> Path:
    """Write `report.json` (the exact bytes the digest covers) and `candidate.json`; returns the record's path."""
    target = Path(directory)
    atomic_write_bytes(target / REPORT_FILE, report_bytes)
    return atomic_write_text(target / CANDIDATE_FILE, json.dumps(record, indent=2, sort_keys=True) + "\n")
