"""Fixtures of the release tests: the platform with prod still on r2026-11-26-2, and the releases bucket holding
r2026-11-26-3's evaluation report."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.store import load_manifest
from tests.engine.conftest import copy_project
from tests.engine.release.world import R3, REPORT
from tests.fakes.gcs_server import GcsServer


@pytest.fixture
def project(pulumi_cli: str, pinned_templates: None, tmp_path: Path) -> Path:  # noqa: ARG001 - for their effect
    """The platform with prod still on r2026-11-26-2 (its manifest history up to then)."""
    root = copy_project(tmp_path / "project")
    history = root / "environments" / "releases" / "prod"
    shutil.copy2(history / "0003-r2026-11-26-2.yaml", Project(root).release_manifest("prod"))
    for later in ("0003-r2026-11-26-2.yaml", "0004-r2026-11-26-3.yaml"):
        (history / later).unlink()
    return root


@pytest.fixture
def reports(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GcsServer]:
    """The releases bucket holding r2026-11-26-3's evaluation report, read by the promotion's gate; staging's
    manifest pins it by digest."""
    data = json.dumps(REPORT).encode()
    staging = Project(project).release_manifest("staging")
    document = yaml.safe_load(staging.read_text(encoding="utf-8"))
    document["evaluation"]["report_digest"] = "sha256:" + hashlib.sha256(data).hexdigest()
    staging.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    pinned = load_manifest("staging", load_environment("staging", Project(project)), Project(project))
    document["provenance"]["bundle_digest"] = bundle_digest(pinned)  # as its promotion would have recorded
    staging.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with GcsServer() as server:
        server.put("acme-genai-releases", f"evaluation/{R3}/report.json", data)  # type: ignore[attr-defined]
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.base_url)
        yield server  # type: ignore[misc]
