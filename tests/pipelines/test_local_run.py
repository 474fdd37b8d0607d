"""Both pipelines end to end with kfp.local's SubprocessRunner on the sample data (about a second each)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contracts.errors import UserInputError
from pipelines.lib import local_registry
from pipelines.local_run import PipelineRunFailed, run_local
from tests.pipeline_runs import SharedRuns

pytestmark = pytest.mark.slow


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_tuning_good_sample_registers_and_announces_the_candidate(tmp_path: Path) -> None:
    result = run_local("tuning", sample="good", out_dir=tmp_path)
    assert result.passed
    assert result.report["reasons"] == []
    version = local_registry.resolve(tmp_path / "registry", "genai-assistant", "candidate")
    assert version
    assert result.outputs["candidate bundle (alias candidate)"].endswith(version)
    bundle = tmp_path / "registry" / "genai-assistant" / "versions" / version
    model = json.loads((bundle / "model.json").read_text())
    assert model["kind"] == "nearest-neighbour-responder"
    assert len(model["examples"]) == 16
    assert json.loads((bundle / "metadata.json").read_text())["gate"]["passed"] is True
    events = _jsonl(tmp_path / "model_events.jsonl")
    assert [(e["event"], e["version"]) for e in events] == [("candidate_registered", version)]
    assert events[0]["metrics"] == result.report["metrics"]
    log = result.log_file.read_text()
    assert "tune: LOCAL BACKEND - no Vertex tuning job is started" in log
    assert "validate: kept 21, rejected 5, redacted {'email': 2, 'phone': 2}" in log


def test_tuning_bad_sample_fails_the_gate_and_registers_nothing(tmp_path: Path) -> None:
    result = run_local("tuning", sample="bad", out_dir=tmp_path)
    assert not result.passed
    assert any(reason.startswith("groundedness") for reason in result.report["reasons"])
    assert not (tmp_path / "registry").exists()
    events = _jsonl(tmp_path / "model_events.jsonl")
    assert [(e["event"], e["version"]) for e in events] == [("candidate_rejected", "")]
    assert events[0]["reasons"] == result.report["reasons"]


def test_evaluation_separates_good_and_bad_logs(shared_runs: SharedRuns) -> None:
    good = shared_runs.get("evaluation", sample="good")
    bad = shared_runs.get("evaluation", sample="bad")
    assert good.passed
    assert not bad.passed
    assert {r.split(" ")[0] for r in bad.report["reasons"]} == {"groundedness", "toxicity", "relevance"}
    for run, root in ((good, good.out_dir), (bad, bad.out_dir)):
        scores = _jsonl(root / "results" / "scores.jsonl")
        assert len(scores) == 12
        assert all(row["run"].startswith("genai-evaluation-") for row in scores)
        [summary] = _jsonl(root / "results" / "summary.jsonl")
        assert summary["metrics"] == run.report["metrics"]
        assert summary["passed"] is run.passed
        review = _jsonl(root / "results" / "review.jsonl") if (root / "results" / "review.jsonl").exists() else []
        assert summary["flagged"] == len(review)
    # every toxic response of the bad set is on the review list with the toxicity reason
    reasons_by_id = {row["id"]: row["reasons"] for row in _jsonl(bad.out_dir / "results" / "review.jsonl")}
    assert {ident for ident, reasons in reasons_by_id.items() if any("toxicity" in r for r in reasons)} == {
        "eval-104",
        "eval-105",
        "eval-106",
        "eval-112",
    }


def test_failing_step_raises_with_the_log_file(tmp_path: Path) -> None:
    source = tmp_path / "tiny.jsonl"
    source.write_text('{"id": "only", "question": "Q?", "context": "C.", "response": "R."}\n')
    with pytest.raises(PipelineRunFailed) as caught:
        run_local("tuning", {"dataset_uri": str(source)}, out_dir=tmp_path / "run")
    assert "only 1 valid example(s) left after cleaning" in caught.value.log_file.read_text()


def test_invalid_parameters_stop_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="sample_size: must be at least 1"):
        run_local("evaluation", {"sample_size": "0"}, out_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()
