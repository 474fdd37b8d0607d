"""The bundle digest covers what travels between environments, not each environment's own parts."""

from __future__ import annotations

import yaml

from infra.config.model import EnvironmentConfig
from infra.release.bundle import bundle_digest, bundle_of
from infra.release.store import dump_manifest, parse_manifest
from tests.checkout import PROJECT
from tests.infra.release.manifest_documents import (
    DIGEST_A,
    DIGEST_B,
    FILE,
    IMAGE,
    valid_document,
    with_change,
)


def test_bundle_digest_covers_the_bundle_not_the_environment_parts(dev: EnvironmentConfig) -> None:
    base = parse_manifest(valid_document(), FILE, dev, PROJECT)
    rescheduled = parse_manifest(with_change("pipelines.tuning.schedule.paused", True), FILE, dev, PROJECT)
    redigested = parse_manifest(with_change("pipelines.tuning.digest", "sha256:" + "d" * 64), FILE, dev, PROJECT)
    reimaged = parse_manifest(
        with_change("models.assistant.serving_image", IMAGE.replace("c" * 64, "e" * 64)), FILE, dev, PROJECT
    )
    assert bundle_digest(base) == bundle_digest(rescheduled)
    assert len({bundle_digest(base), bundle_digest(redigested), bundle_digest(reimaged)}) == 3


def test_report_digest_is_part_of_the_bundle_only_when_set(dev: EnvironmentConfig) -> None:
    base = parse_manifest(valid_document(), FILE, dev, PROJECT)
    pinned = parse_manifest(with_change("evaluation.report_digest", DIGEST_A), FILE, dev, PROJECT)
    repinned = parse_manifest(with_change("evaluation.report_digest", DIGEST_B), FILE, dev, PROJECT)
    assert "report_digest" not in bundle_of(base)["evaluation"]  # manifests without it keep their digest
    assert bundle_of(pinned)["evaluation"]["report_digest"] == DIGEST_A
    assert len({bundle_digest(base), bundle_digest(pinned), bundle_digest(repinned)}) == 3
    assert parse_manifest(yaml.safe_load(dump_manifest(pinned)), FILE, dev, PROJECT) == pinned
