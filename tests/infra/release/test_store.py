"""Manifest files: round trip, every problem at once, the shipped manifests, a missing manifest."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.schema import ReleaseManifest
from infra.release.store import dump_manifest, find_manifest, load_manifest, parse_manifest
from tests.checkout import PROJECT
from tests.infra.release.manifest_documents import (
    FILE,
    problems_of,
    valid_document,
    with_change,
)


def test_valid_manifest_round_trips_through_yaml(dev: EnvironmentConfig) -> None:
    manifest = parse_manifest(valid_document(), FILE, dev, PROJECT)
    again = parse_manifest(yaml.safe_load(dump_manifest(manifest)), FILE, dev, PROJECT)
    assert again == manifest
    assert manifest.pipelines["tuning"].schedule is not None
    assert manifest.pipelines["tuning"].schedule.service_account is None  # env default at apply time


def test_all_problems_are_reported_at_once(dev: EnvironmentConfig) -> None:
    document = with_change("pipelines.tuning.digest", "md5:1")
    document["models"]["assistant"]["serving_image"] = "assistant:latest"
    document["provenance"]["commit"] = "HEAD"
    assert len(problems_of(document, dev)) == 3


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_shipped_manifests_are_valid(env: str) -> None:
    cfg = load_environment(env, PROJECT)
    manifest = load_manifest(env, cfg, PROJECT)
    assert isinstance(manifest, ReleaseManifest)
    assert manifest.environment == env
    assert set(manifest.models) <= {m.name for m in cfg.serving.models}


def test_shipped_promoted_manifests_carry_their_bundle_digest() -> None:
    for env in ("staging", "prod"):
        manifest = load_manifest(env, load_environment(env, PROJECT), PROJECT)
        assert manifest.provenance.bundle_digest == bundle_digest(manifest), env


def test_missing_manifest_is_reported_or_absent(tmp_path: Path, dev: EnvironmentConfig) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nstackConfigDir: environments\n")
    (tmp_path / "environments").mkdir()
    assert find_manifest("dev", dev, Project(tmp_path)) is None
    with pytest.raises(UserInputError) as caught:
        load_manifest("dev", dev, Project(tmp_path))
    assert caught.value.problems[0].file == str(tmp_path / "environments" / "release.dev.yaml")
    assert "no release manifest for environment 'dev'" in caught.value.problems[0].message
