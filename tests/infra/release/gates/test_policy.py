"""The policy gate: the target synthesized offline with the candidate and judged by the pack; fails closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.promote import promote
from infra.release.store import load_manifest
from tests.infra.release.promotion_cases import (
    SKIP,
    reasons,
    request,
)
from tests.infra.release.release_project import BROKEN_PROGRAM, add_stack_config, make_project, tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


def test_a_mandatory_policy_violation_in_the_target_blocks(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    add_stack_config(project, "prod", "scratch:force_destroy", True)
    snapshot = tree_bytes(project)

    outcome = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))

    assert outcome.status == "blocked"
    assert [g.gate for g in outcome.failed] == ["policy"]
    found = reasons(outcome, "policy")
    assert any(r.startswith("mandatory: storage-bucket-no-force-destroy on ") for r in found), found
    assert tree_bytes(project) == snapshot


def test_policy_gate_fails_closed_when_the_check_cannot_run(tmp_path: Path) -> None:
    project = make_project(tmp_path / "broken", program=BROKEN_PROGRAM)
    snapshot = tree_bytes(project)

    outcome = promote(request("dev", "staging"), Project(project))

    assert outcome.status == "blocked"
    assert reasons(outcome, "policy") == (
        "could not run the policy check of staging: the offline synth of staging failed: RuntimeError: "
        "the program is broken",
        "the gate fails closed; fix the cause, or pass --skip-policy-check REASON to promote without it "
        "(the reason is recorded in the manifest's provenance; refused for a production-tier target)",
    )
    assert tree_bytes(project) == snapshot


def test_skipping_the_policy_gate_needs_a_reason_that_is_recorded(tmp_path: Path) -> None:
    project = make_project(tmp_path / "broken", program=BROKEN_PROGRAM)
    outcome = promote(request("dev", "staging", skip_policy_check="synth down, INC-4711"), Project(project))
    assert outcome.status == "promoted"
    policy = next(g for g in outcome.gates if g.gate == "policy")
    assert policy.skipped
    assert policy.reasons == ("not run: --skip-policy-check given (synth down, INC-4711)",)
    staging = load_manifest("staging", load_environment("staging", Project(project)), Project(project))
    assert staging.provenance.policy_check_skipped == "synth down, INC-4711"
    assert "resource diff not computed" in outcome.diff


def test_policy_gate_refuses_a_snapshot_without_the_candidate(tmp_path: Path) -> None:
    # A program that ignores the manifest would be judged without the release: the gate must notice.
    project = make_project(tmp_path / "blind", program="import pulumi\npulumi.export('x', 1)\n")
    outcome = promote(request("dev", "staging"), Project(project))
    assert outcome.status == "blocked"
    assert "does not declare the candidate release" in reasons(outcome, "policy")[0]


def test_repeated_synths_leave_the_pickler_as_they_found_it() -> None:
    """pulumi's serialize_provider wraps the pickler on every call; every synth undoes it (no stack overflow)."""
    import pickle

    from pulumi.dynamic.dynamic import serialize_provider

    from infra.release.providers.model_version import ModelVersionProvider
    from infra.synth.runner import pulumi_pickler_restored

    before = pickle._Pickler._batch_setitems  # type: ignore[attr-defined]
    with pulumi_pickler_restored():
        serialize_provider(ModelVersionProvider())
        assert pickle._Pickler._batch_setitems is not before  # type: ignore[attr-defined]
    assert pickle._Pickler._batch_setitems is before  # type: ignore[attr-defined]


def test_the_policy_gate_cannot_be_skipped_into_production(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    snapshot = tree_bytes(project)
    with pytest.raises(UserInputError) as caught:
        promote(
            request("staging", "prod", approve_by="lee@acme.example", skip_policy_check="in a hurry"), Project(project)
        )
    assert caught.value.problems[0].file == "--skip-policy-check"
    assert "'prod' is a production-tier environment: the policy gate cannot be skipped" in str(caught.value)
    assert tree_bytes(project) == snapshot
