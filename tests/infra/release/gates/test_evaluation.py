"""The evaluation gate: the target's bounds, and the report (local, file:// or gs://) backing the metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.promote import promote
from infra.release.store import load_manifest
from infra.release.templates import sha256_of
from tests.fakes.gcs_server import GcsServer
from tests.infra.release.promotion_cases import (
    DEV_METRICS,
    DEV_REPORT,
    DEV_REPORT_DIGEST,
    SKIP,
    VERIFIED,
    edit_manifest,
    reasons,
    request,
    use_report,
    write_report,
)
from tests.infra.release.release_project import tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


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
    assert outcome.status == "blocked"
    assert [g.gate for g in outcome.failed] == ["evaluation"]
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
