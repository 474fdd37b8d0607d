"""Rollback's safety: a restored release serving artifacts outside `release.artifacts` warns, `strict` refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from infra.layout import Project
from infra.release.promote import PromotionRequest, promote
from infra.release.records import record_paths
from infra.release.rollback import RollbackRefused, rollback
from infra.release.store import History
from tests.infra.release.release_project import make_project, tree_bytes

NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
COMMIT = "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"
ELSEWHERE = "gs://acme-genai-scratch/assistant/r2026-11-18-1"

pytestmark = pytest.mark.usefixtures("release_reports")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Staging promoted from dev, its previous release (r2026-11-18-1) in the history."""
    project = Project(make_project(tmp_path / "project"))
    request = PromotionRequest("dev", "staging", "dana@acme.example", COMMIT, skip_policy_check="not this test's")
    assert promote(request, project).status == "promoted"
    return project


def move_history_artifacts(project: Project, env: str, artifact_uri: str) -> None:
    """The newest history entry's model as if it had been published outside the shared release bucket."""
    entry = History.of(env, project).latest()
    assert entry is not None
    document = yaml.safe_load(entry.path.read_text(encoding="utf-8"))
    document["models"]["assistant"]["artifact_uri"] = artifact_uri
    entry.path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_a_release_from_the_shared_artifacts_rolls_back_without_warnings(project: Project) -> None:
    outcome = rollback("staging", project, "sam@acme.example", NOW)
    assert outcome.restored_release == "r2026-11-18-1"
    assert outcome.warnings == []


def test_artifacts_outside_the_shared_location_are_named_in_a_warning_and_the_record(project: Project) -> None:
    move_history_artifacts(project, "staging", ELSEWHERE)

    outcome = rollback("staging", project, "sam@acme.example", NOW)

    assert outcome.restored_release == "r2026-11-18-1"
    assert outcome.warnings == [
        f"release r2026-11-18-1: models.assistant.artifact_uri: {ELSEWHERE!r} is outside the release artifacts "
        "bucket gs://acme-genai-releases/ that 'staging' can read (release.artifacts.bucket); publish the "
        "artifacts there"
    ]
    record = record_paths("staging", project)[-1].read_text(encoding="utf-8")
    assert f"- warning: {outcome.warnings[0]}" in record


def test_strict_refuses_such_a_release_and_changes_nothing(project: Project) -> None:
    move_history_artifacts(project, "staging", ELSEWHERE)
    before = tree_bytes(project.root)

    with pytest.raises(RollbackRefused) as refused:
        rollback("staging", project, "sam@acme.example", NOW, strict=True)

    assert str(refused.value).startswith(
        "release r2026-11-18-1 (0001-r2026-11-18-1.yaml) serves artifacts outside staging's release.artifacts "
        "(--strict): release r2026-11-18-1: models.assistant.artifact_uri: "
    )
    assert tree_bytes(project.root) == before


def test_strict_rolls_back_a_release_from_the_shared_artifacts(project: Project) -> None:
    assert rollback("staging", project, "sam@acme.example", NOW, strict=True).restored_release == "r2026-11-18-1"
