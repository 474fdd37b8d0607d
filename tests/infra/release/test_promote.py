"""Promotion: the candidate manifest, the gates in order, atomic writes with history, and the direction a
release may move (forward; against the environments' order only when asked explicitly)."""

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
from infra.release.component import content_name
from infra.release.promote import backward_reason, promote
from infra.release.store import History, dump_manifest, load_manifest
from tests.infra.release.promotion_cases import (
    COMMIT,
    SKIP,
    edit_manifest,
    request,
)
from tests.infra.release.release_project import tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


# --- a passing promotion ------------------------------------------------------------------------------------


def test_dev_to_staging_passes_every_gate_and_keeps_history(project: Path) -> None:
    before = Project(project).release_manifest("staging").read_text(encoding="utf-8")
    dev = load_manifest("dev", load_environment("dev", Project(project)), Project(project))

    outcome = promote(request("dev", "staging"), Project(project))

    assert outcome.status == "promoted", [g.render() for g in outcome.gates]
    assert [(g.gate, g.passed, g.skipped) for g in outcome.gates] == [
        ("evaluation", True, False),
        ("policy", True, False),
        ("lineage", True, False),
        ("approval", True, False),
    ]
    staging = load_manifest("staging", load_environment("staging", Project(project)), Project(project))
    assert staging.release == dev.release
    assert {n: p.digest for n, p in staging.pipelines.items()} == {n: p.digest for n, p in dev.pipelines.items()}
    assert staging.models["assistant"].serving_image == dev.models["assistant"].serving_image
    assert staging.provenance.promoted_from == "dev"
    assert staging.provenance.promoted_by == "dana@acme.example"
    assert staging.provenance.commit == COMMIT
    assert staging.provenance.built_from == dev.provenance.built_from
    assert staging.provenance.bundle_digest == bundle_digest(staging) == bundle_digest(dev)
    # The previous manifest is kept byte for byte; the diff names the change and the resources it moves.
    assert outcome.history_path == project / "environments/releases/staging/0001-r2026-11-18-1.yaml"
    assert outcome.history_path.read_text(encoding="utf-8") == before
    assert "-release: r2026-11-18-1\n+release: r2026-11-25-1" in outcome.diff
    old, new = yaml.safe_load(before)["models"]["assistant"], staging.models["assistant"]
    created = content_name("genai-staging-release", "assistant", new.artifact_uri, new.serving_image)
    deleted = content_name("genai-staging-release", "assistant", old["artifact_uri"], old["serving_image"])
    assert "ModelVersion: (create)" in outcome.diff
    assert created in outcome.diff
    assert "ModelVersion: (delete)" in outcome.diff
    assert deleted in outcome.diff


def test_schedules_and_deployments_stay_the_targets_own(project: Path) -> None:
    def staging_own(document: dict[str, Any]) -> None:
        document["pipelines"]["tuning"]["schedule"].update(paused=True, service_account="tuner@example.com")
        document["models"]["assistant"]["deployment"].update(machine_type="n1-highmem-8")

    edit_manifest(project, "staging", staging_own)
    edit_manifest(project, "staging", lambda d: d["pipelines"].pop("evaluation"))
    dev_runner = "dev-runner@acme-genai-dev.iam.gserviceaccount.com"
    edit_manifest(project, "dev", lambda d: d["pipelines"]["evaluation"]["schedule"].update(service_account=dev_runner))
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert outcome.status == "promoted"
    assert outcome.candidate is not None
    schedule = outcome.candidate.pipelines["tuning"].schedule
    assert schedule is not None
    assert (schedule.paused, schedule.service_account) == (True, "tuner@example.com")
    assert outcome.candidate.models["assistant"].deployment.machine_type == "n1-highmem-8"
    # A schedule the target did not have yet comes from the source, but runs as the target's own account.
    dev = load_manifest("dev", load_environment("dev", Project(project)), Project(project))
    new = outcome.candidate.pipelines["evaluation"].schedule
    assert dev.pipelines["evaluation"].schedule is not None
    assert new is not None
    assert new.service_account is None
    assert new.model_copy(update={"service_account": dev_runner}) == dev.pipelines["evaluation"].schedule


def test_promoting_the_bundle_a_target_already_runs_changes_nothing(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    snapshot = tree_bytes(project)
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "unchanged"
    assert tree_bytes(project) == snapshot


# --- atomicity ------------------------------------------------------------------------------------------------------


def test_a_history_directory_that_cannot_be_created_leaves_everything_untouched(project: Path) -> None:
    (project / "environments" / "releases").write_text("not a directory\n")  # blocks the history entry
    snapshot = tree_bytes(project)
    with pytest.raises(OSError, match="releases"):
        promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert tree_bytes(project) == snapshot


def test_a_failed_manifest_write_after_the_history_entry_undoes_the_entry(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Project(project).release_manifest("staging")
    snapshot = tree_bytes(project)
    real_replace = os.replace

    def disk_full_for_the_target(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if Path(dst) == target:
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", disk_full_for_the_target)
    with pytest.raises(OSError, match="No space left"):
        promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    monkeypatch.undo()
    assert tree_bytes(project) == snapshot
    assert History.of("staging", Project(project)).entries() == []
    assert not list(target.parent.glob(".release.staging.yaml.*.tmp"))


def test_promotion_into_itself_is_invalid_input(project: Path) -> None:
    with pytest.raises(UserInputError, match="source and target are both 'dev'"):
        promote(request("dev", "dev"), Project(project))


def test_dumped_candidate_is_what_the_target_file_holds(project: Path) -> None:
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert outcome.candidate is not None
    assert Project(project).release_manifest("staging").read_text(encoding="utf-8") == dump_manifest(outcome.candidate)


def test_a_bundle_from_outside_the_shared_artifacts_is_refused(project: Path) -> None:
    dev = project / "environments" / "release.dev.yaml"
    document = yaml.safe_load(dev.read_text(encoding="utf-8"))
    document["models"]["assistant"]["serving_image"] = (
        "europe-west4-docker.pkg.dev/acme-genai-dev/genai-dev-images/assistant-server@sha256:" + "d" * 64
    )
    dev.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    snapshot = tree_bytes(project)
    with pytest.raises(UserInputError) as caught:
        promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    (problem,) = caught.value.problems
    assert problem.key_path == "models.assistant.serving_image"
    assert "outside the release images repository europe-west4-docker.pkg.dev/acme-genai-artifacts/releases/" in (
        problem.message
    )
    assert tree_bytes(project) == snapshot


# --- direction -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        ("staging", "dev", "dev is tier development, less protected than staging's staging"),
        ("prod", "dev", "dev is tier development, less protected than prod's production"),
        ("prod", "staging", "staging is tier staging, less protected than prod's production"),
    ],
)
def test_a_move_against_the_order_is_refused_naming_it(
    project: Path, source: str, target: str, reason: str
) -> None:
    before = tree_bytes(project)
    with pytest.raises(UserInputError) as refused:
        promote(request(source, target, skip_policy_check=SKIP), Project(project))
    (problem,) = refused.value.problems
    assert (problem.file, problem.key_path) == ("--to", target)
    assert problem.message == (
        f"{source} -> {target} goes against the environments' order: {reason}; releases move forward (check "
        "--from and --to), or pass --allow-backward to do this on purpose"
    )
    assert tree_bytes(project) == before


def test_forward_moves_have_no_backward_reason(project: Path) -> None:
    dev, staging, prod = (load_environment(env, Project(project)) for env in ("dev", "staging", "prod"))
    assert backward_reason(Project(project), dev, staging) is None
    assert backward_reason(Project(project), staging, prod) is None
    assert backward_reason(Project(project), dev, prod) is None  # forward; the lineage gate refuses skipping staging


def test_up_the_promote_from_chain_is_backward_within_one_tier(project: Path) -> None:
    prod = load_environment("prod", Project(project))
    same_tier = prod.model_copy(update={"name": "prod-eu", "tier": "staging"})  # a staging-tier stack named prod-eu
    staging = load_environment("staging", Project(project))
    twin = staging.model_copy(
        update={"release": staging.release.model_copy(update={"promote_from": "prod-eu"}), "name": "staging"}
    )
    assert backward_reason(Project(project), twin, same_tier) == (
        "staging takes its releases from prod-eu (staging <- prod-eu, release.promote_from)"
    )


def test_allow_backward_promotes_and_the_record_says_so(project: Path) -> None:
    outcome = promote(request("staging", "dev", skip_policy_check=SKIP, allow_backward=True), Project(project))
    assert outcome.status == "promoted", [g.render() for g in outcome.gates]
    assert outcome.record_path is not None
    assert (
        "- promoted against the environments' order (staging -> dev) with --allow-backward"
        in outcome.record_path.read_text(encoding="utf-8")
    )
