"""The gateway image travels in the release bundle: promotion carries it, a cut keeps it, the gates see it,
and the Environment runs exactly the pinned image."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.config.loader import load_environment
from infra.release.bundle import bundle_digest, bundle_of
from infra.release.checks import artifact_source_problems
from infra.release.gates import lineage
from infra.release.gates.base import GateContext, Upstream
from infra.release.promote import PromotionRequest, build_candidate
from infra.release.schema import GatewayRelease, ReleaseManifest
from infra.release.store import load_manifest
from tests.checkout import PROJECT
from tests.synth_cache import shared_document

IMAGE = "europe-west4-docker.pkg.dev/acme-genai-artifacts/releases/gateway@sha256:" + "5a" * 32


def manifest(env: str) -> ReleaseManifest:
    return load_manifest(env, load_environment(env, PROJECT), PROJECT)


def lineage_failures(source_env: str, source: ReleaseManifest, candidate: ReleaseManifest) -> list[str]:
    """What the lineage gate says of promoting `candidate` (built from `source`) into prod."""
    context = GateContext(
        project=PROJECT,
        target=load_environment("prod", PROJECT),
        evaluation=candidate.evaluation,
        candidate=candidate,
        upstream=Upstream(source_env, source, load_environment(source_env, PROJECT)),
    )
    result = lineage.check(context)
    return [] if result.passed else list(result.reasons)


def with_gateway(m: ReleaseManifest, image: str | None) -> ReleaseManifest:
    return m.model_copy(update={"gateway": GatewayRelease(image=image) if image else None})


def test_every_environment_pins_one_gateway_image_by_digest_and_the_recorded_bundles_hold() -> None:
    images = {env: manifest(env).gateway for env in ("dev", "staging", "prod")}
    assert len({g.image for g in images.values() if g}) == 1
    for env in ("staging", "prod"):
        m = manifest(env)
        assert m.provenance.bundle_digest == bundle_digest(m), f"{env}: recorded bundle digest is stale"


@pytest.mark.parametrize("image", ["europe-west4-docker.pkg.dev/a/releases/gateway:latest", "gateway"])
def test_a_tagged_or_bare_gateway_image_is_refused(image: str) -> None:
    with pytest.raises(ValidationError, match="digest"):
        GatewayRelease(image=image)


def test_the_image_is_part_of_the_bundle_and_absent_leaves_old_digests_alone() -> None:
    dev = manifest("dev")
    without = with_gateway(dev, None)
    assert "gateway" not in bundle_of(without)
    assert bundle_of(with_gateway(dev, IMAGE))["gateway"] == {"image": IMAGE}
    assert bundle_digest(with_gateway(dev, IMAGE)) != bundle_digest(without)


def test_promotion_carries_the_source_s_gateway_image() -> None:
    source, current = with_gateway(manifest("dev"), IMAGE), manifest("staging")
    request = PromotionRequest("dev", "staging", "release-bot@acme.example", "a" * 40, now=datetime.now(UTC))
    candidate = build_candidate(request, source, current, load_environment("staging", PROJECT))
    assert candidate.gateway == GatewayRelease(image=IMAGE)
    assert candidate.provenance.bundle_digest == bundle_digest(candidate)
    assert bundle_of(candidate) == bundle_of(source)


def test_the_lineage_gate_names_a_gateway_image_that_differs_from_the_source() -> None:
    source = manifest("staging")
    assert lineage_failures("staging", source, source) == []
    found = lineage_failures("staging", source, with_gateway(source, IMAGE))
    assert [f.split(":", 1)[0] for f in found] == ["gateway"]


def test_a_gateway_image_outside_the_release_repository_is_named() -> None:
    cfg = load_environment("prod", PROJECT)
    outside = IMAGE.replace("acme-genai-artifacts/releases", "someone-else/images")
    (problem,) = artifact_source_problems(with_gateway(manifest("prod"), outside), cfg, Path("release.prod.yaml"))
    assert problem.key_path == "gateway.image"
    assert "release.artifacts.images_repository" in problem.message
    assert artifact_source_problems(with_gateway(manifest("prod"), IMAGE), cfg, Path("release.prod.yaml")) == []


def test_the_environment_runs_exactly_the_pinned_image() -> None:
    snapshot = shared_document("prod", PROJECT)
    (service,) = [r for r in snapshot["resources"] if r["type"] == "gcp:cloudrunv2/service:Service"]
    gateway = manifest("prod").gateway
    assert gateway is not None
    assert [c["image"] for c in service["inputs"]["template"]["containers"]] == [gateway.image]
    assert service["protect"] is True
    assert json.dumps(snapshot["outputs"]["gateway"]) != "null"


@pytest.mark.usefixtures("release_reports")
def test_a_cut_keeps_dev_s_gateway_image_and_promotion_moves_it_on(tmp_path: Path) -> None:
    from infra.layout import Project
    from infra.release.cut import CutRequest, cut_release
    from infra.release.promote import promote
    from infra.release.templates import compile_templates, sha256_of
    from tests.infra.release.cut_project import git, make_cut_project, write_record

    root = make_cut_project(tmp_path / "project")
    dev_file = Project(root).release_manifest("dev")
    text = dev_file.read_text(encoding="utf-8")
    dev_file.write_text(text.replace("\nevaluation:\n", f"\ngateway:\n  image: {IMAGE}\nevaluation:\n", 1))
    git(root, "commit", "-qam", "dev runs a gateway")
    tuning = sha256_of(compile_templates(root)["tuning"])
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    request = CutRequest(
        env="dev", candidate_path=write_record(tmp_path / "run", tuning), cut_by="dana@acme.example", now=now
    )
    outcome = cut_release(request, Project(root))
    assert outcome.status == "cut", [g.render() for g in outcome.gates]
    cut = load_manifest("dev", load_environment("dev", Project(root)), Project(root))
    assert cut.gateway == GatewayRelease(image=IMAGE)
    promoted = promote(PromotionRequest("dev", "staging", "sam@acme.example", "0" * 40, now=now), Project(root))
    assert promoted.status == "promoted", [g.render() for g in promoted.gates]
    staging = load_manifest("staging", load_environment("staging", Project(root)), Project(root))
    assert staging.gateway == GatewayRelease(image=IMAGE)
