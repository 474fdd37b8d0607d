"""Rollback: one release back at a time, atomically, the replaced manifest archived; a restored release whose
artifacts lie outside `release.artifacts` warns, and `strict` refuses it."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.promote import promote
from infra.release.records import record_paths
from infra.release.rollback import RollbackRefused, rollback
from infra.release.store import History, read_manifest
from tests.infra.release.promotion_cases import (
    NOW,
    SKIP,
    edit_manifest,
    request,
)
from tests.infra.release.release_project import tree_bytes

ELSEWHERE = "gs://acme-genai-scratch/assistant/r2026-11-18-1"
pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


# --- rollback -----------------------------------------------------------------------------------------------------


def test_rollback_returns_to_the_previous_release_and_archives_the_current(project: Path) -> None:
    original = Project(project).release_manifest("staging").read_text(encoding="utf-8")
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    promoted = Project(project).release_manifest("staging").read_text(encoding="utf-8")

    outcome = rollback("staging", Project(project), "sam@acme.example", now=NOW)

    assert (outcome.replaced_release, outcome.restored_release) == ("r2026-11-25-1", "r2026-11-18-1")
    assert Project(project).release_manifest("staging").read_text(encoding="utf-8") == original
    assert History.of("staging", Project(project)).entries() == []
    assert outcome.archived_path == project / "environments/releases/staging/rolled-back/0001-r2026-11-25-1.yaml"
    archived = outcome.archived_path.read_text(encoding="utf-8")
    assert archived.startswith(
        "# Rolled back by sam@acme.example at 2026-11-26T04:00:00+00:00; staging returned to r2026-11-18-1.\n"
    )
    assert archived.endswith(promoted)
    assert "+release: r2026-11-18-1" in outcome.diff

    with pytest.raises(RollbackRefused, match="no earlier release recorded"):
        rollback("staging", Project(project), "sam@acme.example")


def test_rollback_goes_back_one_release_at_a_time(project: Path) -> None:
    first = Project(project).release_manifest("staging").read_text(encoding="utf-8")
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    second = Project(project).release_manifest("staging").read_text(encoding="utf-8")
    edit_manifest(project, "dev", lambda d: d.update(release="r2026-11-26-1"))
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    assert [e.release for e in History.of("staging", Project(project)).entries()] == ["r2026-11-18-1", "r2026-11-25-1"]

    assert rollback("staging", Project(project), "sam").restored_release == "r2026-11-25-1"
    assert Project(project).release_manifest("staging").read_text(encoding="utf-8") == second
    assert rollback("staging", Project(project), "sam").restored_release == "r2026-11-18-1"
    assert Project(project).release_manifest("staging").read_text(encoding="utf-8") == first


def test_a_failed_rollback_leaves_everything_untouched(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    snapshot = tree_bytes(project)
    target = Project(project).release_manifest("staging")
    real_replace = os.replace

    def fail_for_the_target(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if Path(dst) == target:
            raise OSError(errno.EIO, "Input/output error", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", fail_for_the_target)
    with pytest.raises(OSError, match="Input/output error"):
        rollback("staging", Project(project), "sam")
    monkeypatch.undo()
    assert tree_bytes(project) == snapshot


def test_rollback_to_a_release_the_config_no_longer_accepts_is_invalid_input(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    entry = History.of("staging", Project(project)).entries()[0].path
    document = yaml.safe_load(entry.read_text(encoding="utf-8"))
    document["models"]["assistant"]["deployment"]["max_replicas"] = 9
    entry.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    snapshot = tree_bytes(project)
    with pytest.raises(UserInputError) as caught:
        rollback("staging", Project(project), "sam")
    assert caught.value.problems[0].file == str(entry)
    assert caught.value.problems[0].key_path == "models.assistant.deployment.max_replicas"
    assert tree_bytes(project) == snapshot


# --- artifacts outside the shared location ---------------------------------------------------------------


@pytest.fixture
def promoted(project: Path) -> Path:
    """Staging promoted from dev, its previous release (r2026-11-18-1) in the history."""
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    return project


def move_history_artifacts(project: Path, env: str, artifact_uri: str) -> None:
    """The newest history entry's model as if it had been published outside the shared release bucket."""
    entry = History.of(env, Project(project)).latest()
    assert entry is not None
    document = yaml.safe_load(entry.path.read_text(encoding="utf-8"))
    document["models"]["assistant"]["artifact_uri"] = artifact_uri
    entry.path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_a_release_from_the_shared_artifacts_rolls_back_without_warnings(promoted: Path) -> None:
    outcome = rollback("staging", Project(promoted), "sam@acme.example", NOW)
    assert outcome.restored_release == "r2026-11-18-1"
    assert outcome.warnings == []


def test_artifacts_outside_the_shared_location_are_named_in_a_warning_and_the_record(promoted: Path) -> None:
    move_history_artifacts(promoted, "staging", ELSEWHERE)

    outcome = rollback("staging", Project(promoted), "sam@acme.example", NOW)

    assert outcome.restored_release == "r2026-11-18-1"
    assert outcome.warnings == [
        f"release r2026-11-18-1: models.assistant.artifact_uri: {ELSEWHERE!r} is outside the release artifacts "
        "bucket gs://acme-genai-releases/ that 'staging' can read (release.artifacts.bucket); publish the "
        "artifacts there"
    ]
    record = record_paths("staging", Project(promoted))[-1].read_text(encoding="utf-8")
    assert f"- warning: {outcome.warnings[0]}" in record


def test_strict_refuses_such_a_release_and_changes_nothing(promoted: Path) -> None:
    move_history_artifacts(promoted, "staging", ELSEWHERE)
    before = tree_bytes(promoted)

    with pytest.raises(RollbackRefused) as refused:
        rollback("staging", Project(promoted), "sam@acme.example", NOW, strict=True)

    assert str(refused.value).startswith(
        "release r2026-11-18-1 (0001-r2026-11-18-1.yaml) serves artifacts outside staging's release.artifacts "
        "(--strict): release r2026-11-18-1: models.assistant.artifact_uri: "
    )
    assert tree_bytes(promoted) == before


def test_strict_rolls_back_a_release_from_the_shared_artifacts(promoted: Path) -> None:
    outcome = rollback("staging", Project(promoted), "sam@acme.example", NOW, strict=True)
    assert outcome.restored_release == "r2026-11-18-1"


GATEWAY = "europe-west4-docker.pkg.dev/acme-genai-artifacts/releases/gateway@sha256:" + "c" * 64


def test_a_release_from_before_the_gateway_keeps_the_current_gateway(project: Path) -> None:
    edit_manifest(project, "dev", lambda d: d.update(gateway={"image": GATEWAY}))
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"

    outcome = rollback("staging", Project(project), "sam@acme.example", now=NOW)

    restored = yaml.safe_load(Project(project).release_manifest("staging").read_text(encoding="utf-8"))
    assert restored["release"] == "r2026-11-18-1"
    assert restored["gateway"] == {"image": GATEWAY}, "the serving gateway is not rolled back to nothing"
    assert outcome.warnings == [f"release r2026-11-18-1 pins no gateway image: the gateway keeps {GATEWAY}"]
    assert "-gateway:" not in outcome.diff
    manifest = read_manifest(outcome.manifest_path, load_environment("staging", Project(project)), Project(project))
    if manifest.provenance.bundle_digest is not None:  # a recorded digest still proves the bundle it names
        assert manifest.provenance.bundle_digest == bundle_digest(manifest)
