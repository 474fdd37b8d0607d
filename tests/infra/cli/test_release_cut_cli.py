"""`mlops release cut`: exit 0 cut, 1 a gate failed (nothing written), 2 invalid record; from a real local run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.cli.app import main
from infra.layout import Project
from tests.infra.release.cut_project import IMAGE, SHARED_BUCKET, make_cut_project
from tests.infra.release.release_project import tree_bytes

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("release_reports")]


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mlops pipelines run tuning --local --out DIR` on the good sample: DIR holds candidate.json + report.json."""
    out = tmp_path_factory.mktemp("tuning-run")
    assert main(["pipelines", "run", "tuning", "--local", "--out", str(out)]) == 0
    return out


def cut(project: Path, record: Path, *extra: str) -> int:
    return main(["release", "cut", "--env", "dev", "--candidate", str(record), "--by", "dana@acme.example",
                 "--project-dir", str(project), *extra])


def test_the_local_runs_record_is_refused_until_its_artifacts_are_published(
    local_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_cut_project(tmp_path / "project")
    record = json.loads((local_run / "candidate.json").read_text())
    assert record["artifact_uri"].startswith("file://") and record["model"] == "assistant"
    record["serving_image"] = IMAGE
    unpublished = local_run / "unpublished.json"
    unpublished.write_text(json.dumps(record))
    snapshot = tree_bytes(project)
    capsys.readouterr()
    assert cut(project, unpublished) == 1
    out = capsys.readouterr().out
    assert "gate candidate: FAILED" in out and "outside the release artifacts bucket" in out
    assert "gate evaluation: passed" in out  # the local report matches its digest and metrics
    assert "blocked by gate(s): candidate; nothing was written" in out
    assert tree_bytes(project) == snapshot

    record["artifact_uri"] = f"gs://{SHARED_BUCKET}/assistant/{record['tuning_run']}"
    published = local_run / "published.json"
    published.write_text(json.dumps(record))
    assert cut(project, published, "--release", "r2026-12-01-7", "--dry-run") == 0
    assert "dry run: release r2026-12-01-7 passes every gate into dev; nothing was written" in capsys.readouterr().out
    assert tree_bytes(project) == snapshot
    assert cut(project, published, "--release", "r2026-12-01-7") == 0
    out = capsys.readouterr().out
    assert "+release: r2026-12-01-7" in out and "cut release r2026-12-01-7 into dev" in out
    dev = yaml.safe_load(Project(project).release_manifest("dev").read_text())
    assert dev["evaluation"]["report_digest"] == record["evaluation"]["report_digest"]
    assert dev["pipelines"]["tuning"]["digest"] == record["pipeline_digest"]


def test_a_malformed_record_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_cut_project(tmp_path / "project")
    record = tmp_path / "candidate.json"
    record.write_text(json.dumps({"version": 1, "model": "assistant"}))
    assert cut(project, record) == 2
    err = capsys.readouterr().err
    assert f"{record}: pipeline_digest: required key is missing" in err and "Traceback" not in err
