"""`mlops check`: exit codes, text and JSON reports, exemptions, and bad snapshots rejected without a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_gcp as gcp
import pytest

from infra.cli.app import main
from infra.synth.snapshot import resource_entry
from policies.discovery import discover_rules
from policies.testing import engine_inputs

KEY = "projects/acme-prod/locations/europe-west4/keyRings/platform/cryptoKeys/data"
LABELS = {"env": "prod", "app": "genai", "component": "data", "managed-by": "pulumi"}
BUCKET_URN = "urn:pulumi:prod::genai-mlops::gcp:storage/bucket:Bucket::models"


def _bucket(**overrides: Any) -> dict[str, Any]:
    arguments = {
        "location": "EU",
        "uniform_bucket_level_access": True,
        "public_access_prevention": "enforced",
        "versioning": {"enabled": True},
        "encryption": {"default_kms_key_name": KEY},
        "labels": LABELS,
        **overrides,
    }
    inputs = engine_inputs(gcp.storage.BucketArgs, **arguments)
    return resource_entry(BUCKET_URN, "gcp:storage/bucket:Bucket", "models", inputs, protect=True)


def _audit() -> dict[str, Any]:
    inputs = engine_inputs(
        gcp.projects.IAMAuditConfigArgs,
        project="acme-prod",
        service="allServices",
        audit_log_configs=[{"log_type": t} for t in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")],
    )
    return resource_entry(
        "urn:pulumi:prod::genai-mlops::gcp:projects/iAMAuditConfig:IAMAuditConfig::audit",
        "gcp:projects/iAMAuditConfig:IAMAuditConfig",
        "audit",
        inputs,
    )


def _project() -> dict[str, Any]:
    """The project the other resources live in, created by the stack (an adopted one is reported as not
    verifiable: `project-adopted-not-verifiable`)."""
    inputs = engine_inputs(
        gcp.organizations.ProjectArgs,
        project_id="acme-prod",
        name="acme-prod",
        auto_create_network=False,
        labels=LABELS,
    )
    return resource_entry(
        "urn:pulumi:prod::genai-mlops::gcp:organizations/project:Project::project",
        "gcp:organizations/project:Project",
        "project",
        inputs,
        protect=True,
    )


def _snapshot(tmp_path: Path, *resources: dict[str, Any]) -> Path:
    path = tmp_path / "prod.json"
    document = {
        "version": 1,
        "project": "genai-mlops",
        "stack": "prod",
        "resources": [_project(), *resources],
        "outputs": {},
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_clean_snapshot_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--env", "prod", "--snapshot", str(_snapshot(tmp_path, _bucket(), _audit())))
    assert code == 0
    assert "ok: 0 mandatory, 0 advisory (0 not verifiable offline)" in out


def test_mandatory_violation_exits_1_with_json_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = _snapshot(tmp_path, _bucket(uniform_bucket_level_access=False), _audit())
    code, out, _ = _run(capsys, "--env", "prod", "--snapshot", str(snapshot), "--format", "json")
    assert code == 1
    report = json.loads(out)
    [violation] = report["violations"]
    assert violation == {
        "rule_id": "storage-bucket-uniform-access",
        "source_id": "CKV_GCP_29",
        "severity": "medium",
        "category": "security",
        "level": "mandatory",
        "urn": BUCKET_URN,
        "undetermined": False,
        "message": "uniformBucketLevelAccess is False; set uniform_bucket_level_access=True on the bucket",
    }
    assert report["summary"] == {"mandatory": 1, "advisory": 0, "exempted": 0}


def test_same_violation_is_advisory_in_dev(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = _snapshot(tmp_path, _bucket(uniform_bucket_level_access=False), _audit())
    code, out, _ = _run(capsys, "--env", "dev", "--snapshot", str(snapshot))
    assert code == 0
    assert "[storage-bucket-uniform-access]" in out
    assert "MANDATORY" not in out


def test_exemption_waives_the_finding_and_appears_in_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    levels = tmp_path / "levels.yaml"
    levels.write_text(
        "exemptions:\n  - rule: storage-bucket-uniform-access\n    resource: models\n"
        "    reason: Legacy object ACLs are needed until the model importer is migrated.\n",
        encoding="utf-8",
    )
    snapshot = _snapshot(tmp_path, _bucket(uniform_bucket_level_access=False), _audit())
    code, out, _ = _run(
        capsys, "--env", "prod", "--snapshot", str(snapshot), "--levels", str(levels), "--format", "json"
    )
    report = json.loads(out)
    assert code == 0
    assert report["violations"] == []
    [exemption] = report["exemptions"]
    assert exemption["reason"].startswith("Legacy object ACLs")
    assert [v["rule_id"] for v in exemption["suppressed"]] == ["storage-bucket-uniform-access"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"version": 1, "resources": [{"urn": "u", "ty', "looks truncated"),
        ("[]", "expected a JSON object"),
        ('{"version": 1, "resources": [{"urn": "u", "type": 3, "name": "n", "inputs": {}}]}', "resources[0].type"),
        ('{"version": 2, "resources": []}', "version"),
        ('{"version": 1, "resources": [{"urn": "u", "type": "t", "name": "n"}]}', "resources[0].inputs: missing"),
    ],
)
def test_invalid_snapshot_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = _run(capsys, "--env", "prod", "--snapshot", str(path))
    assert code == 2
    assert expected in err
    assert str(path) in err
    assert "Traceback" not in out + err


def test_missing_snapshot_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--env", "prod", "--snapshot", str(tmp_path / "absent.json"))
    assert code == 2
    assert "file not found" in err


def test_list_rules_prints_ids_and_levels(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--env", "prod", "--list-rules")
    lines = dict(line.split("\t")[:2] for line in out.splitlines())
    assert code == 0
    assert set(lines) == {rule.id for rule in discover_rules()}
    assert lines["kms-key-rotation"] == "mandatory"
    assert lines["labels-required"] == "advisory"


def test_without_snapshot_the_environment_is_synthesised_first(capsys: pytest.CaptureFixture[str]) -> None:
    project = Path(__file__).resolve().parents[1] / "synth" / "fixtures" / "platform"
    code, out, _ = _run(capsys, "--env", "prod", "--project-dir", str(project), "--format", "json")
    report = json.loads(out)
    assert report["snapshot"] == "synth of prod"
    assert report["resources_evaluated"] > 0
    assert code == (1 if report["summary"]["mandatory"] else 0)


def test_unknown_values_are_grouped_as_not_verifiable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bucket = _bucket()
    bucket["inputs"]["encryption"] = {"defaultKmsKeyName": "[unknown]"}
    code, out, _ = _run(capsys, "--env", "prod", "--snapshot", str(_snapshot(tmp_path, bucket, _audit())))
    assert code == 0
    assert "not verifiable offline, checked again by the pack at apply (1):" in out
    assert "[storage-bucket-cmek] 1 finding(s): models" in out


def test_list_rules_without_env_shows_every_environments_level(capsys: pytest.CaptureFixture[str]) -> None:
    """The levels file's messages suggest `mlops check --list-rules`; it works without --env."""
    code, out, _ = _run(capsys, "--list-rules")
    lines = dict(line.split("\t")[:2] for line in out.splitlines())
    assert code == 0
    assert lines["kms-key-rotation"] == "dev=advisory staging=advisory prod=mandatory"


def test_check_without_env_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys)
    assert code == 2
    assert "--env: missing: name the environment" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "exemptions:\n  - rule: []\n    resource: x\n    reason: Rebuilt by every pipeline run.\n",
            "exemptions[0].rule",
        ),
        ("levels:\n  prod:\n    labels-required: off\n", "levels.prod.labels-required"),
        ("levels:\n  prod: {}\n  prod: {}\n", "levels.prod"),
    ],
)
def test_a_malformed_levels_file_exits_2_naming_file_and_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str
) -> None:
    levels = tmp_path / "levels.yaml"
    levels.write_text(text, encoding="utf-8")
    snapshot = _snapshot(tmp_path, _bucket(), _audit())
    code, out, err = _run(capsys, "--env", "prod", "--snapshot", str(snapshot), "--levels", str(levels))
    assert code == 2
    assert f"{levels}: {where}" in err
    assert "Traceback" not in out + err
