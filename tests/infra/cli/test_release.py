"""`mlops promote`, `rollback`, `canary finish|abort` and `release cut`: exit 0 on success, 1 when a gate blocks or
nothing can be rolled back (nothing changed), 2 on bad input; the cut from a real local tuning run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.cli.app import main
from infra.layout import Project
from tests.infra.release.cut_project import IMAGE, SHARED_BUCKET, make_cut_project
from tests.infra.release.release_project import make_project, tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server

COMMIT = "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def promote(project: Path, *extra: str) -> int:
    return main(["promote", "--project-dir", str(project), "--commit", COMMIT, "--by", "dana@acme.example", *extra])


def test_promote_prints_gates_and_diff_and_writes_the_target(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert promote(project, "--from", "dev", "--to", "staging") == 0
    out = capsys.readouterr().out
    for gate in ("evaluation", "policy", "lineage", "approval"):
        assert f"gate {gate}: passed" in out
    assert "-release: r2026-11-18-1\n+release: r2026-11-25-1" in out
    assert "Previewing update (genai-mlops/staging)" in out
    assert "promoted release r2026-11-25-1 dev -> staging" in out
    assert yaml.safe_load(Project(project).release_manifest("staging").read_text())["release"] == "r2026-11-25-1"


def test_a_blocked_promotion_exits_1_and_names_the_gate(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert promote(project, "--from", "dev", "--to", "staging") == 0
    capsys.readouterr()
    snapshot = tree_bytes(project)
    assert promote(project, "--from", "staging", "--to", "prod") == 1
    out = capsys.readouterr().out
    assert "gate approval: FAILED" in out
    assert "pass --approve-by NAME of the approver" in out
    assert "blocked by gate(s): approval; nothing was changed" in out
    assert tree_bytes(project) == snapshot


@pytest.mark.usefixtures("capsys")
def test_approved_promotion_to_prod(project: Path) -> None:
    assert promote(project, "--from", "dev", "--to", "staging") == 0
    assert (
        promote(project, "--from", "staging", "--to", "prod", "--approve-by", "lee@acme.example", "--canary", "20") == 0
    )
    prod = yaml.safe_load(Project(project).release_manifest("prod").read_text())
    assert prod["approval"]["approved_by"] == "lee@acme.example"
    assert prod["models"]["assistant"]["deployment"]["traffic_split"] == {"current": 20, "previous": 80}


def test_dry_run_runs_the_gates_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = tree_bytes(project)
    assert promote(project, "--from", "dev", "--to", "staging", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "gate policy: passed" in out
    assert "+release: r2026-11-25-1" in out
    assert "dry run: release r2026-11-25-1 passes every gate into staging; nothing was written" in out
    assert tree_bytes(project) == snapshot
    assert promote(project, "--from", "dev", "--to", "prod", "--dry-run") == 1
    assert "blocked by gate(s): lineage, approval" in capsys.readouterr().out
    assert tree_bytes(project) == snapshot


def test_nothing_to_promote_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert promote(project, "--from", "staging", "--to", "prod", "--approve-by", "lee@acme.example") == 0
    assert "prod already runs release r2026-11-18-1; nothing to promote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "dev", "--to", "qa"], "no stack file for environment 'qa'"),
        (["--from", "dev", "--to", "dev"], "source and target are both 'dev'"),
        (["--from", "dev", "--to", "staging", "--skip-policy-check", " "], "give the reason for skipping"),
        (["--from", "dev", "--to", "staging", "--canary", "60"], "--canary"),
    ],
)
def test_invalid_input_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    snapshot = tree_bytes(project)
    assert promote(project, *args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert tree_bytes(project) == snapshot


def test_an_invalid_source_manifest_exits_2_with_the_key_path(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Project(project).release_manifest("dev")
    document = yaml.safe_load(path.read_text())
    document["models"]["assistant"]["serving_image"] = "europe-docker.pkg.dev/acme/images/server:latest"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    assert promote(project, "--from", "dev", "--to", "staging") == 2
    err = capsys.readouterr().err
    assert f"{path}: models.assistant.serving_image: serving image" in err
    assert "uses the tag ':latest'" in err


def test_rollback_restores_the_previous_release(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = Project(project).release_manifest("staging").read_text()
    assert promote(project, "--from", "dev", "--to", "staging") == 0
    capsys.readouterr()
    assert main(["rollback", "--env", "staging", "--by", "sam@acme.example", "--project-dir", str(project)]) == 0
    out = capsys.readouterr().out
    assert "rolled back staging: r2026-11-25-1 -> r2026-11-18-1" in out
    assert Project(project).release_manifest("staging").read_text() == before


def test_rollback_without_history_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rollback", "--env", "prod", "--project-dir", str(project)]) == 1
    assert "rollback refused: prod has no earlier release recorded" in capsys.readouterr().out


def test_canary_finish_prints_the_diff_and_ends_the_split(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert promote(project, "--from", "dev", "--to", "staging") == 0
    assert promote(project, "--from", "staging", "--to", "prod", "--approve-by", "lee@acme.example") == 0
    capsys.readouterr()
    assert main(["canary", "finish", "--env", "prod", "--project-dir", str(project)]) == 0
    out = capsys.readouterr().out
    assert "+        current: 100\n+        previous: 0" in out
    assert "finished the canary of release r2026-11-25-1 in prod: 100% to the new version of assistant " in out
    prod = yaml.safe_load(Project(project).release_manifest("prod").read_text())
    assert prod["models"]["assistant"]["deployment"]["traffic_split"] == {"current": 100, "previous": 0}
    assert "previous" not in prod["models"]["assistant"]
    snapshot = tree_bytes(project)
    assert main(["canary", "finish", "--env", "prod", "--project-dir", str(project)]) == 1
    assert "canary finish refused: prod is not in a canary" in capsys.readouterr().out
    assert tree_bytes(project) == snapshot


def test_canary_abort_returns_to_the_previous_release(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = Project(project).release_manifest("prod").read_text()
    assert main(["canary", "abort", "--env", "prod", "--project-dir", str(project)]) == 1
    assert "canary abort refused: prod is not in a canary" in capsys.readouterr().out
    assert promote(project, "--from", "dev", "--to", "staging") == 0
    assert promote(project, "--from", "staging", "--to", "prod", "--approve-by", "lee@acme.example") == 0
    capsys.readouterr()
    assert main(["canary", "abort", "--env", "prod", "--by", "sam@acme.example", "--project-dir", str(project)]) == 0
    out = capsys.readouterr().out
    assert "aborted the canary in prod: r2026-11-25-1 -> r2026-11-18-1 (100%)" in out
    assert Project(project).release_manifest("prod").read_text() == before


def test_skipping_the_policy_gate_into_prod_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert promote(project, "--from", "dev", "--to", "staging") == 0
    capsys.readouterr()
    snapshot = tree_bytes(project)
    args = ("--from", "staging", "--to", "prod", "--approve-by", "lee@acme.example", "--skip-policy-check", "hurry")
    assert promote(project, *args) == 2
    err = capsys.readouterr().err
    assert "policy gate required in production" in err
    assert "cannot be skipped" in err
    assert "Traceback" not in err
    assert tree_bytes(project) == snapshot


def test_a_promotion_against_the_order_exits_2_unless_allowed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_bytes(project)
    assert promote(project, "--from", "prod", "--to", "dev", "--skip-policy-check", "covered elsewhere") == 2
    assert "prod -> dev goes against the environments' order" in capsys.readouterr().err
    assert tree_bytes(project) == before
    allowed = ("--from", "prod", "--to", "dev", "--skip-policy-check", "covered elsewhere", "--allow-backward")
    assert promote(project, *allowed) == 0
    assert "promoted release r2026-11-18-1 prod -> dev" in capsys.readouterr().out


def test_rollback_warns_about_artifacts_outside_the_shared_location_and_strict_refuses(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert promote(project, "--from", "dev", "--to", "staging", "--skip-policy-check", "covered elsewhere") == 0
    [entry] = sorted((project / "environments/releases/staging").glob("0*.yaml"))
    document = yaml.safe_load(entry.read_text())
    document["models"]["assistant"]["artifact_uri"] = "gs://acme-genai-scratch/assistant"
    entry.write_text(yaml.safe_dump(document, sort_keys=False))
    capsys.readouterr()
    rollback = ["rollback", "--env", "staging", "--by", "sam@acme.example", "--project-dir", str(project)]

    assert main([*rollback, "--strict"]) == 1
    assert "rollback refused: release r2026-11-18-1 (0001-r2026-11-18-1.yaml) serves artifacts outside" in (
        capsys.readouterr().out
    )
    assert main(rollback) == 0
    out = capsys.readouterr().out
    assert "warning: release r2026-11-18-1: models.assistant.artifact_uri: 'gs://acme-genai-scratch/assistant'" in out
    assert "rolled back staging: r2026-11-25-1 -> r2026-11-18-1" in out


# --- release cut ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mlops pipelines run tuning --local --out DIR` on the good sample: DIR holds candidate.json + report.json."""
    out = tmp_path_factory.mktemp("tuning-run")
    assert main(["pipelines", "run", "tuning", "--local", "--out", str(out)]) == 0
    return out


def cut(project: Path, record: Path, *extra: str) -> int:
    return main(["release", "cut", "--env", "dev", "--candidate", str(record), "--by", "dana@acme.example",
                 "--project-dir", str(project), *extra])


@pytest.mark.slow
def test_the_local_runs_record_is_refused_until_its_artifacts_are_published(
    local_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_cut_project(tmp_path / "project")
    record = json.loads((local_run / "candidate.json").read_text())
    assert record["artifact_uri"].startswith("file://")
    assert record["model"] == "assistant"
    record["serving_image"] = IMAGE
    unpublished = local_run / "unpublished.json"
    unpublished.write_text(json.dumps(record))
    snapshot = tree_bytes(project)
    capsys.readouterr()
    assert cut(project, unpublished) == 1
    out = capsys.readouterr().out
    assert "gate candidate: FAILED" in out
    assert "outside the release artifacts bucket" in out
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
    assert "+release: r2026-12-01-7" in out
    assert "cut release r2026-12-01-7 into dev" in out
    dev = yaml.safe_load(Project(project).release_manifest("dev").read_text())
    assert dev["evaluation"]["report_digest"] == record["evaluation"]["report_digest"]
    assert dev["pipelines"]["tuning"]["digest"] == record["pipeline_digest"]


@pytest.mark.slow
def test_a_malformed_record_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_cut_project(tmp_path / "project")
    record = tmp_path / "candidate.json"
    record.write_text(json.dumps({"version": 1, "model": "assistant"}))
    assert cut(project, record) == 2
    err = capsys.readouterr().err
    assert f"{record}: pipeline_digest: required key is missing" in err
    assert "Traceback" not in err


def test_run_inside_a_project_it_is_found_upward_and_paths_are_shown_relative(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "environments")
    by = ("--commit", COMMIT, "--by", "dana@acme.example")
    assert main(["promote", "--from", "dev", "--to", "staging", "--skip-policy-check", "covered elsewhere", *by]) == 0
    out = capsys.readouterr().out
    assert (
        "promoted release r2026-11-25-1 dev -> staging: wrote release.staging.yaml; previous manifest kept at "
        "releases/staging/0001-r2026-11-18-1.yaml; release record "
        "releases/staging/records/0001-promotion-r2026-11-25-1.md"
    ) in out
    assert main(["rollback", "--env", "staging", "--by", "sam@acme.example"]) == 0
    assert "replaced manifest archived at releases/staging/rolled-back/0001-r2026-11-25-1.yaml" in (
        capsys.readouterr().out
    )
