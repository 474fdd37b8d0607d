"""Cutting a dev release from a candidate record: verified, written atomically, refused with nothing written."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.checks import artifact_source_problems
from infra.release.cut import CutRequest, cut_release
from infra.release.promote import PromotionRequest, promote
from infra.release.store import History, load_manifest
from infra.release.templates import compile_templates, sha256_of
from tests.fakes.gcs_server import GcsServer
from tests.infra.release.cut_project import IMAGE, SHARED_BUCKET, git, make_cut_project, write_record
from tests.infra.release.release_project import tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    project = make_cut_project(tmp_path_factory.mktemp("cut") / "project")
    return project, {name: sha256_of(data) for name, data in compile_templates(project).items()}


@pytest.fixture
def project(committed: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    return Path(shutil.copytree(committed[0], tmp_path / "project", symlinks=True))


@pytest.fixture
def digests(committed: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return committed[1]


def request(record: Path, **changes: object) -> CutRequest:
    values: dict[str, object] = {"env": "dev", "candidate_path": record, "cut_by": "dana@acme.example", "now": NOW}
    return CutRequest(**{**values, **changes})  # type: ignore[arg-type]


def test_cut_writes_dev_from_the_record_and_staging_takes_it(
    project: Path, digests: dict[str, str], tmp_path: Path
) -> None:
    record = write_record(tmp_path / "run", digests["tuning"])
    before = Project(project).release_manifest("dev").read_text()
    outcome = cut_release(request(record, release="r2026-12-01-1"), Project(project))
    assert outcome.status == "cut", [g.render() for g in outcome.gates]
    assert [g.gate for g in outcome.gates] == ["candidate", "evaluation", "policy"]
    assert "report file://" in outcome.gates[1].render()
    assert "verified: digest sha256:" in outcome.gates[1].render()

    cfg = load_environment("dev", Project(project))
    written = load_manifest("dev", cfg, Project(project))
    assert written.release == "r2026-12-01-1"
    assert {n: p.digest for n, p in written.pipelines.items()} == digests
    assert written.pipelines["tuning"].schedule is not None  # dev's schedules are kept
    model = written.models["assistant"]
    assert model.artifact_uri == f"gs://{SHARED_BUCKET}/assistant/run-20261201"
    assert model.serving_image == IMAGE
    assert model.tuned_model is not None
    assert model.tuned_model.run == "genai-tuning-20261201-0300"
    assert written.evaluation.report == (tmp_path / "run" / "report.json").as_uri()
    assert written.evaluation.metrics == {"fluency": 0.95, "groundedness": 0.93, "relevance": 0.81, "toxicity": 0.0}
    assert written.provenance.built_from == git(project, "rev-parse", "HEAD")
    assert written.provenance.promoted_by == "dana@acme.example"
    assert written.provenance.promoted_from is None
    assert written.provenance.bundle_digest == bundle_digest(written)
    assert artifact_source_problems(written, cfg, Project(project).release_manifest("dev")) == []
    [entry] = History.of("dev", Project(project)).entries()
    assert entry.release == "r2026-11-25-1"
    assert entry.path.read_text() == before
    assert "+release: r2026-12-01-1" in outcome.diff
    assert outcome.record_path == project / "environments/releases/dev/records/0001-cut-r2026-12-01-1.md"
    record_text = outcome.record_path.read_text()
    assert record_text.startswith("# Release r2026-12-01-1 cut into dev\n")
    assert "| tuning run | genai-tuning-20261201-0300 |" in record_text
    assert "| dataset | `gs://acme-genai-dev-datasets/tuning/train.jsonl` |" in record_text
    assert "| prompt template | context-question-v1 (`sha256:" in record_text
    assert "- **candidate**: passed" in record_text
    assert "| previous release | r2026-11-25-1 |" in record_text

    promoted = promote(
        PromotionRequest("dev", "staging", "sam@acme.example", "0" * 40, now=NOW), Project(project)
    )
    assert promoted.status == "promoted", [g.render() for g in promoted.gates]
    staging_cfg = load_environment("staging", Project(project))
    assert load_manifest("staging", staging_cfg, Project(project)).release == "r2026-12-01-1"
    assert promoted.record_path is not None
    link = "[0001-cut-r2026-12-01-1.md](../../dev/records/0001-cut-r2026-12-01-1.md)"
    assert link in promoted.record_path.read_text()


def test_a_report_that_does_not_match_its_digest_is_refused_with_nothing_written(
    project: Path, digests: dict[str, str], tmp_path: Path
) -> None:
    record = write_record(tmp_path / "run", digests["tuning"])
    report = tmp_path / "run" / "report.json"
    report.write_text(report.read_text().replace("0.93", "0.99"))
    snapshot = tree_bytes(project)
    outcome = cut_release(request(record), Project(project))
    assert outcome.status == "blocked"
    assert [g.gate for g in outcome.failed] == ["evaluation"]
    assert "does not match evaluation.report_digest" in outcome.gates[1].render()
    assert tree_bytes(project) == snapshot


def test_report_metrics_must_equal_the_records(project: Path, digests: dict[str, str], tmp_path: Path) -> None:
    record = write_record(tmp_path / "run", digests["tuning"])
    document = json.loads(record.read_text())
    document["evaluation"]["metrics"]["groundedness"] = 0.97
    record.write_text(json.dumps(document))
    snapshot = tree_bytes(project)
    outcome = cut_release(request(record), Project(project))
    assert outcome.status == "blocked"
    assert "groundedness: manifest 0.97, report 0.93" in outcome.gates[1].render()
    assert tree_bytes(project) == snapshot


def test_metrics_below_devs_gates_block_the_cut(project: Path, digests: dict[str, str], tmp_path: Path) -> None:
    metrics = {"fluency": 0.95, "groundedness": 0.61, "relevance": 0.81, "toxicity": 0.02}
    record = write_record(tmp_path / "run", digests["tuning"], metrics)
    snapshot = tree_bytes(project)
    outcome = cut_release(request(record), Project(project))
    assert outcome.status == "blocked"
    text = outcome.gates[1].render()
    assert "groundedness 0.6100 is below dev's minimum 0.8000" in text
    assert "toxicity 0.0200 is above dev's maximum 0.0000" in text
    assert outcome.gates[2].skipped  # no synth once the evaluation failed
    assert tree_bytes(project) == snapshot


def test_artifacts_outside_the_shared_location_block_the_cut(
    project: Path, digests: dict[str, str], tmp_path: Path
) -> None:
    record = write_record(
        tmp_path / "run", digests["tuning"],
        changes={
            "artifact_uri": "file:///tmp/registry/genai-assistant/versions/221e",
            "serving_image": "europe-docker.pkg.dev/someone-else/images/server@sha256:" + "a" * 64,
        },
    )
    snapshot = tree_bytes(project)
    outcome = cut_release(request(record), Project(project))
    assert outcome.status == "blocked"
    assert outcome.failed[0].gate == "candidate"
    text = outcome.gates[0].render()
    assert f"outside the release artifacts bucket gs://{SHARED_BUCKET}/" in text
    assert "outside the release images repository" in text
    assert tree_bytes(project) == snapshot


def test_a_pipeline_digest_no_template_matches_is_refused(
    project: Path, digests: dict[str, str], tmp_path: Path
) -> None:
    record = write_record(tmp_path / "run", "sha256:" + "0" * 64)
    outcome = cut_release(request(record), Project(project))
    assert outcome.status == "blocked"
    expected = f"matches no template compiled from this tree (evaluation {digests['evaluation']}"
    assert expected in outcome.gates[0].render()


def test_uncommitted_pipeline_sources_are_refused(project: Path, digests: dict[str, str], tmp_path: Path) -> None:
    library = project / "pipelines" / "lib" / "text.py"
    library.write_text(library.read_text() + "\n# not committed\n")
    record = write_record(tmp_path / "run", digests["tuning"])
    outcome = cut_release(request(record), Project(project))
    assert outcome.status == "blocked"
    assert "uncommitted changes (pipelines/lib/text.py)" in outcome.gates[0].render()


def test_dry_run_passes_every_gate_and_writes_nothing(project: Path, digests: dict[str, str], tmp_path: Path) -> None:
    record = write_record(tmp_path / "run", digests["tuning"])
    snapshot = tree_bytes(project)
    outcome = cut_release(request(record, dry_run=True), Project(project))
    assert outcome.status == "would-cut"
    assert outcome.candidate is not None
    assert outcome.candidate.release == "r2026-12-01-1"  # the first id of the day dev has not used
    assert tree_bytes(project) == snapshot


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"created": "2026-12-01T09:00:00"}, "created", "zone"),
        ({"pipeline_digest": "sha256:abc"}, "pipeline_digest", "is not a sha256 digest"),
        ({"model": "summariser"}, "model", "'summariser' is not a served model of environment 'dev'"),
        ({"version": 2}, "version", "Input should be 1"),
        ({"serving_image": ""}, "serving_image", "has no digest"),
        ({"dataset": {"uri": "gs://b/d.jsonl"}}, "dataset.digest", "required key is missing"),
        ({"extra": 1}, "extra", "unknown key 'extra'"),
    ],
)
def test_a_malformed_record_names_the_key(
    project: Path, digests: dict[str, str], tmp_path: Path, changes: dict[str, object], key: str, message: str
) -> None:
    record = write_record(tmp_path / "run", digests["tuning"], changes=changes)
    snapshot = tree_bytes(project)
    with pytest.raises(UserInputError) as caught:
        cut_release(request(record), Project(project))
    rendered = str(caught.value)
    assert f"{record}: {key}: " in rendered
    assert message in rendered
    assert tree_bytes(project) == snapshot


def test_staging_takes_releases_only_by_promotion(project: Path, digests: dict[str, str], tmp_path: Path) -> None:
    record = write_record(tmp_path / "run", digests["tuning"])
    with pytest.raises(UserInputError) as caught:
        cut_release(request(record, env="staging"), Project(project))
    assert "takes releases only by promotion from 'dev'" in str(caught.value)


def test_a_release_id_dev_already_ran_is_refused(project: Path, digests: dict[str, str], tmp_path: Path) -> None:
    record = write_record(tmp_path / "run", digests["tuning"])
    with pytest.raises(UserInputError) as caught:
        cut_release(request(record, release="r2026-11-25-1"), Project(project))
    assert "dev already ran release r2026-11-25-1" in str(caught.value)
    assert yaml.safe_load(Project(project).release_manifest("dev").read_text())["release"] == "r2026-11-25-1"


def test_a_cloud_storage_report_is_fetched_and_verified(
    project: Path, digests: dict[str, str], tmp_path: Path, release_reports: GcsServer
) -> None:
    record = write_record(tmp_path / "run", digests["tuning"])
    document = json.loads(record.read_text())
    uri = f"gs://{SHARED_BUCKET}/evaluation/run-20261201/report.json"
    data = (tmp_path / "run" / "report.json").read_bytes()
    release_reports.put(SHARED_BUCKET, "evaluation/run-20261201/report.json", data)
    document["evaluation"]["report"] = uri
    record.write_text(json.dumps(document))
    outcome = cut_release(request(record, dry_run=True), Project(project))
    assert outcome.status == "would-cut", [g.render() for g in outcome.gates]
    assert f"report {uri} verified: digest {document['evaluation']['report_digest']}" in outcome.gates[1].render()
    release_reports.put(SHARED_BUCKET, "evaluation/run-20261201/report.json", b'{"metrics": {}}')
    assert cut_release(request(record, dry_run=True), Project(project)).failed[0].gate == "evaluation"
