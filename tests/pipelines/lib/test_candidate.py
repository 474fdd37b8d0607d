"""The candidate record: digests of the exact report and dataset bytes, metrics from the report."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from pipelines.lib.candidate import candidate_record, write_candidate
from pipelines.lib.prompt import PROMPT_TEMPLATE, prompt_digest, render_prompt


def test_record_digests_the_bytes_it_names(tmp_path: Path) -> None:
    report = b'{"metrics": {"groundedness": 0.912345, "toxicity": 0.0}, "passed": true}\n'
    record = candidate_record(
        model="assistant", artifact_uri="gs://b/a", serving_image="r/i@sha256:" + "0" * 64, tuning_run="run-1",
        pipeline_digest="sha256:" + "1" * 64, dataset_uri="gs://b/d.jsonl", dataset_bytes=b"rows\n",
        report_bytes=report, created=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    assert record["evaluation"]["report_digest"] == "sha256:" + hashlib.sha256(report).hexdigest()
    assert record["evaluation"]["metrics"] == {"groundedness": 0.9123, "toxicity": 0.0}
    assert record["dataset"]["digest"] == "sha256:" + hashlib.sha256(b"rows\n").hexdigest()
    assert record["created"] == "2026-12-01T09:00:00Z"
    assert record["version"] == 1
    path = write_candidate(tmp_path, record, report)
    assert json.loads(path.read_text()) == record
    assert (tmp_path / "report.json").read_bytes() == report


def test_prompt_digest_follows_the_template_text() -> None:
    assert render_prompt("Why?", "Because.") == "Context:\nBecause.\n\nQuestion: Why?"
    assert prompt_digest() == prompt_digest(PROMPT_TEMPLATE) != prompt_digest(PROMPT_TEMPLATE + " ")
