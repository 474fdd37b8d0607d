"""Where evaluation results land: BigQuery tables or local JSONL files, rows checked against the contract."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.lib.quality_gate import Thresholds
from pipelines.lib.results_sink import destination, read_recent_rows, write_rows
from pipelines.lib.summary import quality_summary


def test_results_tables(tmp_path: Path) -> None:
    assert destination("vertex", "bq://p-123456.evaluation.quality", "review") == "p-123456.evaluation.quality_review"
    assert destination("vertex", "bq://p-123456.evaluation.results", "summary") == "p-123456.evaluation.results_summary"
    scores = [{"groundedness": 1.0, "toxicity": 0.0, "relevance": 1.0, "fluency": 1.0}]
    where = write_rows("local", str(tmp_path), "summary", [quality_summary(scores, 0, Thresholds(), "r1")])
    write_rows("local", str(tmp_path), "summary", [quality_summary(scores, 0, Thresholds(), "r2")])
    assert where == str(tmp_path / "summary.jsonl")
    rows = [json.loads(x) for x in (tmp_path / "summary.jsonl").read_text().splitlines()]
    assert [row["run"] for row in rows] == ["r1", "r2"]
    assert all(datetime.fromisoformat(row["evaluated_at"]).tzinfo is not None for row in rows)


def test_rows_that_do_not_fit_the_table_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"results_summary.*row 0: examples: required column missing"):
        write_rows("local", str(tmp_path), "summary", [{"run": "r1"}])
    with pytest.raises(ValueError, match=r"row 0: toxicity: expected FLOAT64, found str"):
        write_rows(
            "local",
            str(tmp_path),
            "scores",
            [
                {
                    "id": "a",
                    "question": "q",
                    "context": "c",
                    "response": "r",
                    "groundedness": 1.0,
                    "toxicity": "low",
                    "relevance": 1.0,
                    "fluency": 1.0,
                    "run": "r1",
                }
            ],
        )
    assert not list(tmp_path.iterdir())


def test_drift_rows_go_to_their_sibling_table_and_recent_rows_come_back_oldest_first(tmp_path: Path) -> None:
    assert destination("vertex", "bq://p-123456.evaluation.results", "drift") == "p-123456.evaluation.results_drift"
    assert read_recent_rows("local", str(tmp_path), "drift", 10) == []
    for run in ("r1", "r2", "r3"):
        write_rows(
            "local",
            str(tmp_path),
            "drift",
            [{"run": run, "checked": False, "window_size": 3, "drifted": False, "reasons": []}],
        )
    assert [row["run"] for row in read_recent_rows("local", str(tmp_path), "drift", 2)] == ["r2", "r3"]
    with pytest.raises(ValueError, match="unknown results table 'drifts'"):
        destination("local", str(tmp_path), "drifts")
