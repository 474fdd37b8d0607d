"""The three services the subscriber calls: the KFP registry (template), Vertex AI (pipeline job), Pub/Sub (event).

Google endpoints authenticate with the function's service account (Application Default Credentials); a
plain-http endpoint is a loopback test server and gets no credentials. Every call takes its timeout from the
delivery's deadline (`budget.py`).

The release providers have their own client helpers; the subscriber does not import them because its
deployed source carries `infra/retraining/` alone (no Pulumi, no kfp), so the template is fetched with a
plain GET of the registry's download URL, `{host}/{package}/{version}`, the URL kfp's RegistryClient uses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests
    from google.cloud.aiplatform_v1 import PipelineServiceClient

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


class TemplateMismatch(ValueError):
    """The registry's template is not the one the manifest pins: running it would run unreviewed code."""


def _is_loopback(url: str) -> bool:
    return url.startswith("http://")


def _session(url: str) -> requests.Session:
    import requests

    if _is_loopback(url):
        return requests.Session()
    import google.auth
    from google.auth.transport.requests import AuthorizedSession

    credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM])
    return AuthorizedSession(credentials)  # type: ignore[no-untyped-call]  # google-auth leaves it untyped


def split_template_uri(uri: str) -> tuple[str, str, str]:
    """(host, package, version) of `{host}/{package}/sha256:<64 hex>`."""
    host, _, rest = uri.rpartition("/")
    host, _, package = host.rpartition("/")
    if not host or not package or not DIGEST.match(rest):
        raise TemplateMismatch(f"template_uri {uri!r} must end with /<package>/sha256:<64 hex>")
    return host, package, rest


def fetch_template(uri: str, timeout: float) -> dict[str, Any]:
    """The compiled pipeline spec at `uri`, refused unless its bytes hash to the digest the URI pins."""
    import yaml

    host, package, version = split_template_uri(uri)
    response = _session(host).get(f"{host}/{package}/{version}", timeout=timeout)
    response.raise_for_status()
    digest = "sha256:" + hashlib.sha256(response.content).hexdigest()
    if digest != version:
        raise TemplateMismatch(f"{uri} has digest {digest}, but the manifest pins {version}")
    document = next((d for d in yaml.safe_load_all(response.content) if d), None)
    if not isinstance(document, dict) or "pipelineInfo" not in document:
        raise TemplateMismatch(f"{uri} is not a compiled KFP pipeline (no pipelineInfo)")
    return document


def pipeline_service(location: str, endpoint: str | None) -> PipelineServiceClient:
    """Vertex AI's PipelineService over REST, regional by default."""
    from google.api_core.client_options import ClientOptions
    from google.cloud.aiplatform_v1 import PipelineServiceClient

    api = endpoint or f"{location}-aiplatform.googleapis.com"
    kwargs: dict[str, Any] = {"client_options": ClientOptions(api_endpoint=api), "transport": "rest"}
    if _is_loopback(api):
        from google.auth.credentials import AnonymousCredentials

        kwargs["credentials"] = AnonymousCredentials()
    return PipelineServiceClient(**kwargs)


def publish(endpoint: str, topic: str, event: Mapping[str, Any], timeout: float) -> str:
    """Publish `event` (JSON) on `topic` (`projects/P/topics/T`) through the Pub/Sub REST API; the message id."""
    url = f"{endpoint.rstrip('/')}/v1/{topic}:publish"
    body = {
        "messages": [
            {
                "data": base64.b64encode(json.dumps(event, sort_keys=True).encode()).decode(),
                "attributes": {"event": str(event["event"])},
            }
        ]
    }
    response = _session(endpoint).post(url, json=body, timeout=timeout)
    response.raise_for_status()
    return str(response.json()["messageIds"][0])
