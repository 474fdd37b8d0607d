"""Shared fixtures: one machine cache per session, local pipeline runs and stack synths shared by the tests that
only read them, and the release fixtures' evaluation reports (served by a loopback Cloud Storage server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.gcs_server import GcsServer
from tests.pipeline_runs import SharedRuns
from tests.synth_cache import SHARED, SharedSynths

REPORTS = Path(__file__).resolve().parent / "infra" / "release" / "fixtures" / "gcs"
"""`<bucket>/<object name>` of every report the release fixture manifests name."""


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The machine cache (`MLOPS_CACHE_DIR`, e.g. compiled templates) of this session alone: tests share what it
    holds (identical trees compile once) and never read or fill the user's own."""
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist every worker has its own basetemp below the run's: the workers share one cache (its
    # entries are written whole and renamed into place, so concurrent writers are safe).
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "mlops-cache"
    root.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLOPS_CACHE_DIR", str(root))
        yield root


@pytest.fixture(scope="session")
def shared_runs(tmp_path_factory: pytest.TempPathFactory) -> SharedRuns:
    return SharedRuns(tmp_path_factory.mktemp("shared-runs"))


@pytest.fixture(scope="session")
def shared_synths() -> SharedSynths:
    """The worker's stack synths, one per (stack, project tree), handed out as copies (`tests/synth_cache.py`)."""
    return SHARED


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[GcsServer]:
    server = GcsServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def release_reports(gcs_server: GcsServer, monkeypatch: pytest.MonkeyPatch) -> GcsServer:
    """The fixture manifests' `gs://` reports, readable through google-cloud-storage (STORAGE_EMULATOR_HOST)."""
    gcs_server.objects.clear()
    for path in sorted(p for p in REPORTS.rglob("*") if p.is_file()):
        bucket, name = path.relative_to(REPORTS).as_posix().split("/", 1)
        gcs_server.put(bucket, name, path.read_bytes())
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_server.base_url)
    return gcs_server
