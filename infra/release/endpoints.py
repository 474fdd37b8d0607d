"""Where a release's Google API calls go when not to Google: the loopback servers of a rehearsal or a test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceEndpoints:
    """vertex_api: Vertex AI API base (`http://127.0.0.1:PORT`); default None, the region's Google endpoint.
    kfp_registry: base replacing `https://<region>-kfp.pkg.dev` for pipeline templates; the repository path
        `/<project>/<repository>` is appended. Default None, Artifact Registry.
    """

    vertex_api: str | None = None
    kfp_registry: str | None = None
