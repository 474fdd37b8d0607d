"""The evaluation pipeline checks its window for input drift (kfp.local, sample windows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.catalog import DATA_DIR
from pipelines.local_run import run_local

pytestmark = pytest.mark.slow


def drift_of(overrides: dict[str, object], out: Path) -> dict:
    result = run_local("evaluation", overrides, out_dir=out)
    report = json.loads(Path(result.outputs["input drift report"]).read_text())
    assert '{"input_drift": {' in result.log_file.read_text()  # the structured log line
    return report


def test_a_window_on_the_releases_topics_does_not_drift(tmp_path: Path) -> None:
    report = drift_of({}, tmp_path)
    assert report["checked"]
    assert not report["drifted"]
    assert report["reference_size"] == 25


def test_a_drifting_window_raises_every_drift_metric_above_its_bound(tmp_path: Path) -> None:
    report = drift_of({"logs_uri": str(DATA_DIR / "drift" / "drifting.jsonl")}, tmp_path)
    assert report["drifted"]
    assert len(report["reasons"]) == 5
    loose = {"max_length_psi": 5, "max_token_js": 1, "max_script_js": 1, "max_empty_share": 1, "max_oversized_share": 1}
    relaxed = drift_of({"logs_uri": str(DATA_DIR / "drift" / "drifting.jsonl"), "drift_bounds": loose}, tmp_path / "b")
    assert not relaxed["drifted"]
    assert relaxed["metrics"] == report["metrics"]


def test_without_a_reference_drift_is_not_checked(tmp_path: Path) -> None:
    report = drift_of({"reference_uri": ""}, tmp_path)
    assert report == {"checked": False, "drifted": False, "reasons": [], "window_size": 12}
