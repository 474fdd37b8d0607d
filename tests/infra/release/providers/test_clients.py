"""Client construction: loopback endpoints get anonymous credentials, the real ones ADC."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from infra.rehearsal.kfp_registry_server import KfpRegistryServer
from infra.rehearsal.vertex_server import VertexServer
from infra.release.providers.clients import (
    AnonymousAuth,
    MissingCredentials,
    VertexTarget,
    model_service,
    registry_client,
)


def test_regional_endpoint_by_default() -> None:
    target = VertexTarget("acme", "europe-west4")
    assert target.endpoint == "europe-west4-aiplatform.googleapis.com"
    assert not target.anonymous
    assert target.parent == "projects/acme/locations/europe-west4"


def test_plain_http_endpoint_is_anonymous_rest(vertex_server: VertexServer) -> None:
    client = model_service(VertexTarget("acme", "europe-west4", vertex_server.base_url))
    assert isinstance(client._transport._credentials, AnonymousCredentials)
    assert client._transport.kind == "rest"
    assert client._transport._host == vertex_server.base_url


def test_loopback_registry_client_ignores_user_config_and_sends_no_credentials(kfp_registry: KfpRegistryServer) -> None:
    client = registry_client(kfp_registry.host())
    assert isinstance(client._auth, AnonymousAuth)
    assert client._config["get_package_url"] == kfp_registry.host() + "/packages/{package_name}"
    assert client.list_packages() == []
    assert kfp_registry.count(r"^GET /proj/pipelines/packages$") == 1


@pytest.mark.parametrize(
    "build",
    [
        lambda: model_service(VertexTarget("acme", "europe-west4")),
        lambda: registry_client("https://europe-west4-kfp.pkg.dev/acme/pipelines"),
    ],
    ids=["vertex", "artifact-registry"],
)
def test_missing_application_default_credentials_say_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, build: Callable[[], object]
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    with pytest.raises(MissingCredentials, match=r"gcloud auth application-default login"):
        build()
