"""Promotion through the four gates, atomic writes with history, and rollback, on a scratch project copy.

The policy gate runs for real: the target is synthesized offline with the candidate manifest and the policy
pack evaluates the snapshot.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.canary import CanaryRefused, abort_canary, finish_canary
from infra.release.component import content_name
from infra.release.promote import PromotionRequest, promote
from infra.release.rollback import RollbackRefused, rollback
from infra.release.store import History, dump_manifest, load_manifest
from infra.release.templates import sha256_of
from tests.fakes.gcs_server import GcsServer
from tests.infra.release.release_project import BROKEN_PROGRAM, add_stack_config, make_project, tree_bytes

COMMIT = "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
SKIP = "policy gate covered by its own tests"
DEV_REPORT = "gs://acme-genai-dev-pipeline-root/evaluation/r2026-11-25-1/report.json"
DEV_REPORT_DIGEST = "sha256:3fdbaacd835ad98f3236aa01e27616ddde6bc921afd085cb5e75e1c997069145"
VERIFIED = f"report {DEV_REPORT} verified: digest {DEV_REPORT_DIGEST}, metrics equal the manifest's"
pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


def request(source: str, target: str, **extra: object) -> PromotionRequest:
    fields: dict[str, object] = {"promoted_by": "dana@acme.example", "commit": COMMIT, "now": NOW}
    fields.update(extra)
    return PromotionRequest(source_env=source, target_env=target, **fields)  # type: ignore[arg-type]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def edit_manifest(project: Path, env: str, change) -> None:
    path = Project(project).release_manifest(env)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def reasons(outcome, gate: str) -> tuple[str, ...]:
    return next(g for g in outcome.gates if g.gate == gate).reasons


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
    assert "ModelVersion: (create)" in outcome.diff and created in outcome.diff
    assert "ModelVersion: (delete)" in outcome.diff and deleted in outcome.diff


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
    assert dev.pipelines["evaluation"].schedule is not None and new is not None
    assert new.service_account is None
    assert new.model_copy(update={"service_account": dev_runner}) == dev.pipelines["evaluation"].schedule


def test_promoting_the_bundle_a_target_already_runs_changes_nothing(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    snapshot = tree_bytes(project)
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "unchanged"
    assert tree_bytes(project) == snapshot


# --- gate 1: evaluation ---------------------------------------------------------------------------------------


def test_evaluation_below_the_targets_bounds_blocks_and_changes_nothing(project: Path) -> None:
    edit_manifest(project, "dev", lambda d: d["evaluation"]["metrics"].update(groundedness=0.61, toxicity=0.02))
    snapshot = tree_bytes(project)

    outcome = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))

    assert outcome.status == "blocked"
    assert [g.gate for g in outcome.failed] == ["evaluation"]
    assert reasons(outcome, "evaluation") == (
        "groundedness 0.6100 is below staging's minimum 0.8000",
        "toxicity 0.0200 is above staging's maximum 0.0000",
        f"evaluation.metrics differ from the report {DEV_REPORT}: groundedness: manifest 0.61, report 0.9134; "
        "toxicity: manifest 0.02, report 0.0",
    )
    assert tree_bytes(project) == snapshot


def test_evaluation_without_a_bounded_metric_blocks(project: Path) -> None:
    edit_manifest(project, "dev", lambda d: d["evaluation"]["metrics"].pop("fluency"))
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert outcome.status == "blocked"
    assert reasons(outcome, "evaluation") == (
        "metric 'fluency' is required by staging's gates but missing from the evaluation "
        "(gs://acme-genai-dev-pipeline-root/evaluation/r2026-11-25-1/report.json); metrics present: "
        "groundedness, relevance, toxicity",
        f"evaluation.metrics differ from the report {DEV_REPORT}: fluency: manifest missing, report 0.8862",
    )


def test_prod_bounds_are_stricter_than_stagings(project: Path, release_reports: GcsServer) -> None:
    # 0.82 passes staging's 0.80 but not prod's 0.85 (Pulumi.prod.yaml release.evaluation_gates).
    data = json.dumps({"metrics": {**DEV_METRICS, "groundedness": 0.82}, "passed": True}).encode()
    release_reports.put("acme-genai-releases", "evaluation/r2026-11-25-1/report.json", data)
    report, digest = "gs://acme-genai-releases/evaluation/r2026-11-25-1/report.json", sha256_of(data)
    edit_manifest(project, "dev", lambda d: d["evaluation"].update(report=report, report_digest=digest))
    edit_manifest(project, "dev", lambda d: d["evaluation"]["metrics"].update(groundedness=0.82))
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    outcome = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))
    assert outcome.status == "blocked"
    assert reasons(outcome, "evaluation") == (
        "groundedness 0.8200 is below prod's minimum 0.8500",
        f"report {report} verified: digest {digest}, metrics equal the manifest's",
    )


DEV_METRICS = {"groundedness": 0.9134, "toxicity": 0.0, "relevance": 0.8431, "fluency": 0.8862}


def write_report(path: Path, metrics: dict[str, float]) -> str:
    """An evaluation summary as the evaluation pipeline writes it; returns its sha256 digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metrics": metrics, "flagged_share": 0.01, "passed": True}), encoding="utf-8")
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def use_report(project: Path, report: str, digest: str | None) -> None:
    def change(document: dict[str, Any]) -> None:
        document["evaluation"]["report"] = report
        if digest is not None:
            document["evaluation"]["report_digest"] = digest

    edit_manifest(project, "dev", change)


def test_a_local_report_is_verified_and_its_digest_travels_with_the_bundle(project: Path) -> None:
    digest = write_report(project / "reports" / "r2026-11-25-1.json", {**DEV_METRICS, "groundedness": 0.91341})
    use_report(project, "reports/r2026-11-25-1.json", digest)

    outcome = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))

    assert outcome.status == "promoted", [g.render() for g in outcome.gates]
    assert reasons(outcome, "evaluation")[1] == (
        f"report reports/r2026-11-25-1.json verified: digest {digest}, metrics equal the manifest's"
    )
    staging = load_manifest("staging", load_environment("staging", Project(project)), Project(project))
    dev = load_manifest("dev", load_environment("dev", Project(project)), Project(project))
    assert staging.evaluation.report_digest == digest
    assert staging.provenance.bundle_digest == bundle_digest(dev)
    assert bundle_digest(dev) != bundle_digest(
        dev.model_copy(update={"evaluation": dev.evaluation.model_copy(update={"report_digest": None})})
    )


def test_a_file_uri_report_is_read_from_its_absolute_path(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "elsewhere" / "report.json"
    digest = write_report(report, DEV_METRICS)
    use_report(project, report.as_uri(), digest)
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP, dry_run=True), Project(project))
    assert outcome.status == "would-promote"
    assert reasons(outcome, "evaluation")[1].startswith(f"report {report.as_uri()} verified")


def test_metrics_typed_into_the_manifest_must_equal_the_reports(project: Path) -> None:
    digest = write_report(project / "reports" / "eval.json", {**DEV_METRICS, "groundedness": 0.71})
    use_report(project, "reports/eval.json", digest)  # the manifest still says groundedness 0.9134
    snapshot = tree_bytes(project)
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert outcome.status == "blocked" and [g.gate for g in outcome.failed] == ["evaluation"]
    assert reasons(outcome, "evaluation") == (
        "evaluation.metrics differ from the report reports/eval.json: groundedness: manifest 0.9134, report 0.71",
    )
    assert tree_bytes(project) == snapshot


def test_a_report_changed_after_the_release_was_cut_blocks(project: Path) -> None:
    report = project / "reports" / "eval.json"
    digest = write_report(report, DEV_METRICS)
    use_report(project, "reports/eval.json", digest)
    report.write_text(report.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same metrics, other bytes
    actual = "sha256:" + hashlib.sha256(report.read_bytes()).hexdigest()
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert reasons(outcome, "evaluation") == (
        f"report reports/eval.json does not match evaluation.report_digest ({digest} recorded, {actual} on disk): "
        "the report changed after the release was cut",
    )


def test_a_local_report_must_exist_and_be_pinned(project: Path) -> None:
    use_report(project, "reports/missing.json", "sha256:" + "0" * 64)
    missing = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert reasons(missing, "evaluation") == (
        f"report reports/missing.json not found ({project / 'reports' / 'missing.json'}); the evaluation cannot "
        "be verified",
    )
    digest = write_report(project / "reports" / "unpinned.json", DEV_METRICS)
    edit_manifest(project, "dev", lambda d: d["evaluation"].pop("report_digest"))
    use_report(project, "reports/unpinned.json", None)
    unpinned = promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert reasons(unpinned, "evaluation") == (
        "report reports/unpinned.json has no evaluation.report_digest; pin the report with "
        f"report_digest: {digest} (after checking it is the evaluation run's report)",
    )


def test_a_cloud_storage_report_is_read_and_verified(project: Path) -> None:
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP, dry_run=True), Project(project))
    assert outcome.status == "would-promote"
    assert reasons(outcome, "evaluation")[1] == VERIFIED


def test_a_cloud_storage_report_that_differs_from_its_digest_blocks(project: Path) -> None:
    edit_manifest(project, "dev", lambda d: d["evaluation"].update(report_digest="sha256:" + "a" * 64))
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP, dry_run=True), Project(project))
    assert outcome.status == "blocked"
    assert reasons(outcome, "evaluation") == (
        f"report {DEV_REPORT} does not match evaluation.report_digest (sha256:{'a' * 64} recorded, "
        f"{DEV_REPORT_DIGEST} in Cloud Storage): the report changed after the release was cut",
    )


def test_a_cloud_storage_report_that_cannot_be_read_blocks_with_the_reason(
    project: Path, release_reports: GcsServer
) -> None:
    release_reports.objects.clear()
    outcome = promote(request("dev", "staging", skip_policy_check=SKIP, dry_run=True), Project(project))
    assert outcome.status == "blocked"
    [reason] = reasons(outcome, "evaluation")
    assert reason.startswith(f"report {DEV_REPORT} could not be read (NotFound: 404 GET ")
    assert reason.endswith("the evaluation cannot be verified")
    release_reports.faults.fail(403, match="report.json")
    forbidden = promote(request("dev", "staging", skip_policy_check=SKIP, dry_run=True), Project(project))
    assert "could not be read (Forbidden: 403 GET " in reasons(forbidden, "evaluation")[0]


# --- gate 2: policy -----------------------------------------------------------------------------------------------


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
    assert policy.skipped and policy.reasons == ("not run: --skip-policy-check given (synth down, INC-4711)",)
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


# --- gate 3: lineage ------------------------------------------------------------------------------------------------


def test_prod_accepts_releases_only_from_staging(project: Path) -> None:
    outcome = promote(request("dev", "prod", approve_by="lee@acme.example"), Project(project))
    assert outcome.status == "blocked"
    assert [g.gate for g in outcome.failed] == ["lineage"]
    assert reasons(outcome, "lineage") == (
        "prod accepts releases only from 'staging' (release.promote_from), not from 'dev'",
    )


def test_staging_edited_after_promotion_cannot_go_to_prod(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    edit_manifest(project, "staging", lambda d: d["pipelines"]["tuning"].update(digest="sha256:" + "f" * 64))
    snapshot = tree_bytes(project)

    outcome = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))

    assert outcome.status == "blocked"
    found = reasons(outcome, "lineage")
    assert len(found) == 1 and found[0].startswith(
        "staging's manifest was edited after release r2026-11-25-1 was promoted into it (bundle sha256:"
    ), found
    assert tree_bytes(project) == snapshot


def test_only_a_bundle_that_reached_staging_by_promotion_moves_on(project: Path) -> None:
    def handmade(document: dict) -> None:
        document["provenance"].pop("promoted_from")
        document["provenance"].pop("bundle_digest")

    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    edit_manifest(project, "staging", handmade)
    outcome = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))
    assert outcome.status == "blocked"
    assert reasons(outcome, "lineage") == (
        "release r2026-11-25-1 did not reach staging through promotion from 'dev' (provenance.promoted_from is "
        "None); only a promoted bundle moves on",
    )


def test_expected_release_must_be_what_the_source_runs(project: Path) -> None:
    edit_manifest(project, "dev", lambda d: d.update(release="r2026-11-26-1"))
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    outcome = promote(
        request("staging", "prod", approve_by="lee@acme.example", expected_release="r2026-11-25-1"),
        Project(project),
    )
    assert outcome.status == "blocked"
    assert reasons(outcome, "lineage") == ("staging runs release r2026-11-26-1, not r2026-11-25-1 (--release)",)


def test_lineage_gate_compares_digests_and_model_versions_with_the_source(project: Path) -> None:
    from infra.release.gates import GateContext, Upstream, lineage

    staging_cfg, prod_cfg = load_environment("staging", Project(project)), load_environment("prod", Project(project))
    staging = load_manifest("staging", staging_cfg, Project(project))
    tampered_model = staging.models["assistant"].model_copy(update={"artifact_uri": "gs://elsewhere/model"})
    tampered = staging.model_copy(
        update={
            "environment": "prod",
            "models": {"assistant": tampered_model},
            "pipelines": {
                **staging.pipelines,
                "tuning": staging.pipelines["tuning"].model_copy(update={"digest": "sha256:" + "0" * 64}),
            },
        }
    )
    context = GateContext(
        Project(project), prod_cfg, tampered.evaluation, tampered, Upstream("staging", staging, staging_cfg)
    )
    result = lineage.check(context)
    assert not result.passed
    assert result.reasons == (
        f"pipelines.tuning.digest: sha256:{'0' * 64} differs from what staging runs "
        f"({staging.pipelines['tuning'].digest})",
        "models.assistant.artifact_uri: gs://elsewhere/model differs from what staging runs "
        "(gs://acme-genai-releases/assistant/r2026-11-18-1)",
    )


# --- gate 4: approval ---------------------------------------------------------------------------------------------


def test_prod_needs_an_approver_other_than_the_promoter(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"

    missing = promote(request("staging", "prod"), Project(project))
    assert missing.status == "blocked" and [g.gate for g in missing.failed] == ["approval"]
    assert reasons(missing, "approval") == (
        "prod requires an approval (release.require_approval / tier production); pass --approve-by NAME of "
        "the approver",
    )
    self_approved = promote(request("staging", "prod", approve_by="Dana@acme.example"), Project(project))
    assert reasons(self_approved, "approval") == (
        "the approver (Dana@acme.example) is the person promoting; a second person must approve",
    )

    approved = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))
    assert approved.status == "promoted", [g.render() for g in approved.gates]
    prod = load_manifest("prod", load_environment("prod", Project(project)), Project(project))
    assert prod.approval is not None and prod.approval.approved_by == "lee@acme.example"
    assert prod.approval.approved_at == NOW


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
    assert prod.release == canary.release and bundle_digest(prod) == bundle_digest(canary)
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


# --- atomicity ------------------------------------------------------------------------------------------------------


def test_a_history_directory_that_cannot_be_created_leaves_everything_untouched(project: Path) -> None:
    (project / "environments" / "releases").write_text("not a directory\n")  # blocks the history entry
    snapshot = tree_bytes(project)
    with pytest.raises(OSError):
        promote(request("dev", "staging", skip_policy_check=SKIP), Project(project))
    assert tree_bytes(project) == snapshot


def test_a_failed_manifest_write_after_the_history_entry_undoes_the_entry(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Project(project).release_manifest("staging")
    snapshot = tree_bytes(project)
    real_replace = os.replace

    def disk_full_for_the_target(src, dst, *args, **kwargs):
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

    def fail_for_the_target(src, dst, *args, **kwargs):
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
