"""pytest fixtures starting the loopback servers; load with `pytest_plugins = ["tests.fakes.fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.rehearsal.kfp_registry_server import KfpRegistryServer
from infra.rehearsal.vertex_server import VertexServer


@pytest.fixture
def vertex_server() -> Iterator[VertexServer]:
    """A fresh Vertex AI loopback server on 127.0.0.1 (base_url is the `api_endpoint` to pass)."""
    with VertexServer() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def kfp_registry() -> Iterator[KfpRegistryServer]:
    """A fresh KFP registry loopback server; `kfp_registry.host()` is the RegistryClient host."""
    with KfpRegistryServer() as server:
        yield server  # type: ignore[misc]
