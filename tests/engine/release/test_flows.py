"""Release flows under the real engine: promote -> up -> canary finish -> up -> rollback -> up, and a release that
keeps its model. After each up the loopback Vertex AI holds what the manifest pins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.layout import Project
from infra.release.canary import finish_canary
from infra.release.promote import PromotionRequest, promote
from infra.release.rollback import rollback
from tests.engine.conftest import run
from tests.engine.release.world import MODEL, R2, R3, aliases, applied, head, schedules, traffic, vertex

pytestmark = pytest.mark.engine


@pytest.mark.usefixtures("reports")
def test_promote_canary_finish_and_rollback(project: Path, tmp_path: Path) -> None:
    state = tmp_path / "prod"
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R2: ["prod"]}
    assert traffic(vertex(state)) == {R2: 100}
    assert schedules(vertex(state)) == ["genai-prod-evaluation", "genai-prod-tuning"]

    request = PromotionRequest("staging", "prod", promoted_by="dana@acme.example", commit=head(),
                               approve_by="lee@acme.example")
    outcome = promote(request, Project(project))
    assert outcome.status == "promoted", [g.render() for g in outcome.gates]
    canary = applied(run(project, "prod", state))
    assert {s["op"] for s in canary.steps if "ModelVersion" in s["type"]} >= {"create", "update"}
    assert aliases(vertex(state)) == {R3: ["prod"], R2: ["prod-previous"]}
    assert traffic(vertex(state)) == {R3: 10, R2: 90}

    finish_canary("prod", Project(project), "unknown")
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R3: ["prod"]}, "the previous version is undeployed and deleted"
    assert traffic(vertex(state)) == {R3: 100}

    # A rollback undoes one manifest change (back to the canary), a second one returns to the release before.
    rollback("prod", Project(project), "sam@acme.example")
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R3: ["prod"], R2: ["prod-previous"]}
    assert traffic(vertex(state)) == {R3: 10, R2: 90}
    rollback("prod", Project(project), "sam@acme.example")
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R2: ["prod"]}
    assert traffic(vertex(state)) == {R2: 100}
    assert schedules(vertex(state)) == ["genai-prod-evaluation", "genai-prod-tuning"], "no duplicate schedules"


def test_a_release_that_keeps_its_model_keeps_exactly_one_version(project: Path, tmp_path: Path) -> None:
    """Only a pipeline changed (a new release id and schedule): the model version resource and the Vertex
    version stay; nothing is deleted (found in review: the old resource's delete hit the shared version)."""
    state = tmp_path / "prod"
    applied(run(project, "prod", state))
    path = Project(project).release_manifest("prod")
    text = path.read_text(encoding="utf-8").replace(f"release: {R2}", "release: r2026-11-30-1", 1)
    path.write_text(text.replace("cron: 0 3 * * 1", "cron: 0 4 * * 1"), encoding="utf-8")
    result = applied(run(project, "prod", state))
    ops: dict[str, Any] = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in result.steps}
    assert "delete" not in ops.values(), ops
    version = [s for s in result.steps if s["type"].endswith("ModelVersion")]
    assert [s["op"] for s in version] == ["update"], version  # its release label follows the manifest
    assert len(vertex(state).versions(MODEL)) == 1
    assert traffic(vertex(state)) == {"r2026-11-30-1": 100}
