"""The shipped example manifests verify rather than trust: each pins its gs:// evaluation report by digest, the
report's bytes are in the repository (`environments/reports/<bucket>/<object>`, what the releases bucket
holds), and the gate fetches and verifies them through google-cloud-storage (a loopback JSON API server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.config.loader import load_environment
from infra.release.bundle import bundle_digest
from infra.release.gates.evaluation import check_report
from infra.release.schema import ReleaseManifest
from infra.release.store import load_manifest
from tests.checkout import PROJECT
from tests.fakes.gcs_server import GcsServer

ENVS = ("dev", "staging", "prod")
REPORTS = PROJECT.environments_dir / "reports"


def shipped(env: str) -> ReleaseManifest:
    return load_manifest(env, load_environment(env, PROJECT), PROJECT)


@pytest.fixture
def releases_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[GcsServer]:
    """The releases bucket as the repository records it."""
    server = GcsServer()
    for path in sorted(p for p in REPORTS.rglob("*") if p.is_file() and p.name != "README.md"):
        bucket, _, name = path.relative_to(REPORTS).as_posix().partition("/")
        server.put(bucket, name, path.read_bytes())
    server.start()
    try:
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.base_url)
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("env", ENVS)
def test_each_shipped_report_is_pinned_and_verified(env: str, releases_bucket: GcsServer) -> None:
    evaluation = shipped(env).evaluation
    assert evaluation.report.startswith("gs://")
    assert evaluation.report_digest is not None, f"{env}: evaluation.report_digest"
    local = REPORTS / evaluation.report.removeprefix("gs://")
    assert local.is_file(), f"{env}: the report's bytes belong in {local}"
    failures, note = check_report(evaluation, PROJECT)
    assert failures == []
    digest = evaluation.report_digest
    assert note == f"report {evaluation.report} verified: digest {digest}, metrics equal the manifest's"
    assert releases_bucket.count(r"GET /download/storage/v1/b/acme-genai-releases/o/") == 1


def test_a_report_changed_in_the_bucket_fails_the_gate(releases_bucket: GcsServer) -> None:
    evaluation = shipped("staging").evaluation
    bucket, _, name = evaluation.report.removeprefix("gs://").partition("/")
    releases_bucket.put(bucket, name, releases_bucket.objects[(bucket, name)].replace(b"0.9134", b"0.9999"))
    (failure,), _ = check_report(evaluation, PROJECT)
    assert "does not match evaluation.report_digest" in failure
    assert "in Cloud Storage" in failure


def test_a_report_missing_from_the_bucket_fails_with_the_reason(releases_bucket: GcsServer) -> None:
    evaluation = shipped("prod").evaluation
    missing = evaluation.model_copy(update={"report": evaluation.report.replace("r2026-11-26-3", "r2026-11-26-9")})
    (failure,), _ = check_report(missing, PROJECT)
    assert failure.startswith(f"report {missing.report} could not be read (NotFound: ")
    assert releases_bucket.count(r"GET /download/", outcome=None) == 1  # asked once, answered 404


def test_the_promoted_manifests_record_the_bundle_they_run() -> None:
    digests = {env: bundle_digest(shipped(env)) for env in ENVS}
    assert len(set(digests.values())) == 1, "dev, staging and prod run one bundle"
    for env in ("staging", "prod"):
        assert shipped(env).provenance.bundle_digest == digests[env], env


def test_every_shipped_report_file_is_named_by_a_manifest() -> None:
    named = {Path(shipped(env).evaluation.report.removeprefix("gs://")) for env in ENVS}
    files = {p.relative_to(REPORTS) for p in REPORTS.rglob("*.json")}
    assert files == named
