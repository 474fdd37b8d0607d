"""Canaries: the new version starts small, then finishes (all traffic) or aborts (back to the previous release)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.canary import CanaryRefused, abort_canary, finish_canary
from infra.release.promote import promote
from infra.release.rollback import rollback
from infra.release.store import History, load_manifest
from tests.infra.release.promotion_cases import (
    NOW,
    SKIP,
    edit_manifest,
    request,
)
from tests.infra.release.release_project import tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


def promote_into_prod_canary(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    outcome = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))
    assert outcome.status == "promoted", [g.render() for g in outcome.gates]


def test_prod_gets_a_canary_the_new_version_starts_small(project: Path) -> None:
    old_prod = load_manifest("prod", load_environment("prod", Project(project)), Project(project))
    assert load_environment("prod", Project(project)).release.canary_percent == 10
    promote_into_prod_canary(project)
    prod = load_manifest("prod", load_environment("prod", Project(project)), Project(project))
    model = prod.models["assistant"]
    # The new release starts at prod's canary_percent; the release it replaces keeps serving the rest.
    assert (model.deployment.traffic_split.current, model.deployment.traffic_split.previous) == (10, 90)
    assert model.previous is not None
    assert model.previous.release == old_prod.release
    assert model.previous.serving_image == old_prod.models["assistant"].serving_image
    # The target's own deployment sizing is kept.
    assert (model.deployment.min_replicas, model.deployment.max_replicas) == (2, 6)


def test_finishing_a_canary_moves_all_traffic_and_keeps_the_canary_in_history(project: Path) -> None:
    promote_into_prod_canary(project)
    path = Project(project).release_manifest("prod")
    canary_text = path.read_text(encoding="utf-8")
    canary = load_manifest("prod", load_environment("prod", Project(project)), Project(project))

    outcome = finish_canary("prod", Project(project), "unknown")

    prod = load_manifest("prod", load_environment("prod", Project(project)), Project(project))
    model = prod.models["assistant"]
    assert (model.deployment.traffic_split.current, model.deployment.traffic_split.previous) == (100, 0)
    assert model.previous is None
    assert (model.deployment.min_replicas, model.deployment.max_replicas) == (2, 6)
    assert outcome.finished == {"assistant": "r2026-11-18-1"}
    # Only the split and the previous version change: same release, same bundle, same provenance and approval.
    assert prod.release == canary.release
    assert bundle_digest(prod) == bundle_digest(canary)
    assert (prod.provenance, prod.approval) == (canary.provenance, canary.approval)
    assert outcome.history_path == project / "environments/releases/prod/0002-r2026-11-25-1.yaml"
    assert outcome.history_path.read_text(encoding="utf-8") == canary_text
    assert (
        "-        current: 10\n-        previous: 90\n-    previous:\n-      release: r2026-11-18-1\n" in outcome.diff
    )
    assert "+        current: 100\n+        previous: 0\n" in outcome.diff

    # Finished means no canary left: a second finish and an abort are refused and change nothing.
    snapshot = tree_bytes(project)
    with pytest.raises(CanaryRefused, match="prod is not in a canary"):
        finish_canary("prod", Project(project), "unknown")
    with pytest.raises(CanaryRefused, match="use `mlops rollback --env prod`"):
        abort_canary("prod", Project(project), "sam")
    assert tree_bytes(project) == snapshot
    # A rollback steps back to the canary, a second one to the release before it.
    assert rollback("prod", Project(project), "sam").restored_release == "r2026-11-25-1"
    assert path.read_text(encoding="utf-8") == canary_text


def test_aborting_a_canary_returns_to_the_previous_release(project: Path) -> None:
    before = Project(project).release_manifest("prod").read_text(encoding="utf-8")
    promote_into_prod_canary(project)

    outcome = abort_canary("prod", Project(project), "sam@acme.example", now=NOW)

    assert (outcome.replaced_release, outcome.restored_release) == ("r2026-11-25-1", "r2026-11-18-1")
    assert Project(project).release_manifest("prod").read_text(encoding="utf-8") == before
    prod = load_manifest("prod", load_environment("prod", Project(project)), Project(project))
    assert prod.models["assistant"].deployment.traffic_split.current == 100
    assert outcome.archived_path.read_text(encoding="utf-8").startswith("# Rolled back by sam@acme.example")


def test_abort_refuses_when_the_history_does_not_lead_back_to_the_replaced_release(project: Path) -> None:
    promote_into_prod_canary(project)
    History.of("prod", Project(project)).entries()[0].path.unlink()
    snapshot = tree_bytes(project)
    with pytest.raises(CanaryRefused, match="replaced release r2026-11-18-1 but there is no history entry"):
        abort_canary("prod", Project(project), "sam")
    assert tree_bytes(project) == snapshot


def test_a_target_in_a_canary_takes_no_new_release(project: Path) -> None:
    promote_into_prod_canary(project)
    edit_manifest(project, "dev", lambda d: d.update(release="r2026-11-26-1"))
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    snapshot = tree_bytes(project)
    with pytest.raises(UserInputError) as caught:
        promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))
    problem = caught.value.problems[0]
    assert problem.key_path == "models.assistant.deployment.traffic_split"
    assert "prod is in a canary of release r2026-11-25-1 (10% new / 90% previous)" in problem.message
    assert "`mlops canary finish --env prod`" in problem.message
    assert tree_bytes(project) == snapshot
    finish_canary("prod", Project(project), "unknown")
    assert promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project)).status == "promoted"
