"""The tuning pipeline under kfp.local: every run, passed or not, leaves its experiment run record."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pipelines.local_run import run_local

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sample", ["good", "bad"])
def test_every_run_records_its_parameters_dataset_and_metrics(tmp_path: Path, sample: str) -> None:
    result = run_local("tuning", {"seed": 7}, sample=sample, out_dir=tmp_path)
    record = json.loads(Path(result.outputs["experiment run record"]).read_text(encoding="utf-8"))
    dataset = Path(result.parameters["dataset_uri"]).read_bytes()
    assert record["experiment"] == "local-tuning"
    assert record["params"]["dataset_digest"] == "sha256:" + hashlib.sha256(dataset).hexdigest()
    assert record["params"]["seed"] == 7
    assert record["params"]["min_groundedness"] == result.report["thresholds"]["min_groundedness"]
    assert record["metrics"] == {**result.report["metrics"], "gate_passed": int(result.passed)}
    assert result.passed is (sample == "good")
