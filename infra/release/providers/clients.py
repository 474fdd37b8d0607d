"""Builds the Vertex AI and KFP registry clients a provider call needs, fresh for every call.

Production uses Application Default Credentials and the regional endpoint. A plain-http `api_endpoint`
(the loopback servers of the tests) gets anonymous credentials. Clients are built per call and never
cached: a dynamic provider runs several resources at once, and the aiplatform SDK's `aiplatform.init` is
process-global state, so the providers use the generated (GAPIC) clients with explicit options instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import requests

if TYPE_CHECKING:
    from google.cloud.aiplatform_v1 import EndpointServiceClient, ModelServiceClient, ScheduleServiceClient
    from kfp.registry import RegistryClient

T = TypeVar("T")


@dataclass(frozen=True)
class VertexTarget:
    """Where Vertex AI calls go: a project and region, optionally through an explicit API endpoint."""

    project: str
    location: str
    api_endpoint: str | None = None

    @classmethod
    def of(cls, props: Mapping[str, Any]) -> VertexTarget:
        """The target a release resource's inputs name (`project`, `location`, optional `api_endpoint`)."""
        return cls(props["project"], props["location"], props.get("api_endpoint") or None)

    @property
    def parent(self) -> str:
        return f"projects/{self.project}/locations/{self.location}"

    @property
    def endpoint(self) -> str:
        return self.api_endpoint or f"{self.location}-aiplatform.googleapis.com"

    @property
    def anonymous(self) -> bool:
        return self.endpoint.startswith("http://")


def is_not_found(exc: Exception) -> bool:
    """A Vertex AI call answered 404: the object is gone (deleting it again is done, reading it finds nothing)."""
    from google.api_core import exceptions as gexc

    return isinstance(exc, gexc.NotFound)


ARTIFACT_REGISTRY_KFP_HOST = re.compile(r"^https://(?P<location>[\w-]+)-kfp\.pkg\.dev/(?P<project>[^/]+)/(?P<repo>[^/]+)")
"""An Artifact Registry KFP repository URL, the hosts kfp's RegistryClient authenticates with Google credentials
(the same pattern as its own host table, matched here so no private kfp name is read)."""


def _client_kwargs(target: VertexTarget) -> dict[str, Any]:
    from google.api_core.client_options import ClientOptions

    kwargs: dict[str, Any] = {
        "client_options": ClientOptions(api_endpoint=target.endpoint),
        "transport": "rest",
    }
    if target.anonymous:
        from google.auth.credentials import AnonymousCredentials

        kwargs["credentials"] = AnonymousCredentials()
    return kwargs


class MissingCredentials(RuntimeError):
    """No Application Default Credentials where a real Google endpoint needs them."""


def _with_credentials(build: Callable[[], T], what: str) -> T:
    """Build a client, turning google.auth's lookup failure into what to do about it."""
    from google.auth.exceptions import DefaultCredentialsError

    try:
        return build()
    except DefaultCredentialsError as exc:
        raise MissingCredentials(
            f"{what} needs Google credentials and none were found ({exc}). Run "
            "`gcloud auth application-default login`, or run where a service account is attached "
            "(GOOGLE_APPLICATION_CREDENTIALS, workload identity)."
        ) from exc


def model_service(target: VertexTarget) -> ModelServiceClient:
    from google.cloud.aiplatform_v1 import ModelServiceClient

    return _with_credentials(lambda: ModelServiceClient(**_client_kwargs(target)), f"Vertex AI ({target.endpoint})")


def endpoint_service(target: VertexTarget) -> EndpointServiceClient:
    from google.cloud.aiplatform_v1 import EndpointServiceClient

    return _with_credentials(lambda: EndpointServiceClient(**_client_kwargs(target)), f"Vertex AI ({target.endpoint})")


def schedule_service(target: VertexTarget) -> ScheduleServiceClient:
    from google.cloud.aiplatform_v1 import ScheduleServiceClient

    return _with_credentials(lambda: ScheduleServiceClient(**_client_kwargs(target)), f"Vertex AI ({target.endpoint})")


class AnonymousAuth(requests.auth.AuthBase):
    """`requests` auth hook that sends no credentials (plain-http loopback registry only)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def registry_client(host: str) -> RegistryClient:
    """A KFP `RegistryClient` for `host` that ignores the user's ~/.config/kfp files.

    `https://<region>-kfp.pkg.dev/...` hosts authenticate with Application Default Credentials (the client's
    own behaviour). Any other host is addressed relative to itself with kfp's default context; a plain-http
    host gets no credentials at all.
    """
    import kfp.registry.registry_client as rc

    if ARTIFACT_REGISTRY_KFP_HOST.match(host):
        return _with_credentials(lambda: rc.RegistryClient(host=host), f"the KFP registry {host}")
    auth = AnonymousAuth() if host.startswith("http://") else None
    return rc.RegistryClient(host=host, auth=auth, config_file=rc.DEFAULT_REGISTRY_CONTEXT)
