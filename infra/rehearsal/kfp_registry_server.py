"""Loopback KFP registry speaking what kfp's `RegistryClient` sends to a non-Artifact-Registry host.

With such a host the client builds every URL relative to it (kfp's `context/default_pkg_dev.json`):
`POST {host}` multipart upload (`content` file + `tags` comma list) answering `"<package>/<version>"`,
`GET {host}/<package>/<version|tag>` download, and `{host}/packages/...` for packages, versions and tags.
Like Artifact Registry, the package is the compiled pipeline's `pipelineInfo.name`, the version is
`sha256:<hex of the uploaded bytes>`, a tag points at one version, and a tagged version cannot be deleted.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import hashlib
from typing import Any

import yaml

from infra.rehearsal.http_server import ApiError, LoopbackServer, Request, Response, now_rfc3339

_PREFIX = r"/(?P<project>[^/]+)/(?P<repo>[^/]+)"
_PACKAGE = _PREFIX + r"/packages/(?P<package>[^/]+)"


class KfpRegistryServer(LoopbackServer):
    """In-memory KFP repository `/{project}/{repo}`; `host(project, repo)` is what RegistryClient takes."""

    STATE = ("packages",)

    def __init__(self) -> None:
        self.packages: dict[str, dict[str, Any]] = {}  # package -> {"versions": {v: {...}}, "tags": {t: v}}
        super().__init__()

    def host(self, project: str = "proj", repo: str = "pipelines") -> str:
        return f"{self.base_url}/{project}/{repo}"

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("POST", _PREFIX, self._upload),
            ("GET", _PREFIX + r"/packages", self._list_packages),
            ("GET", _PACKAGE, self._get_package),
            ("DELETE", _PACKAGE, self._delete_package),
            ("GET", _PACKAGE + r"/versions", self._list_versions),
            ("GET", _PACKAGE + r"/versions/(?P<version>[^/]+)", self._get_version),
            ("DELETE", _PACKAGE + r"/versions/(?P<version>[^/]+)", self._delete_version),
            ("GET", _PACKAGE + r"/tags", self._list_tags),
            ("POST", _PACKAGE + r"/tags", self._create_tag),
            ("GET", _PACKAGE + r"/tags/(?P<tag>[^/]+)", self._get_tag),
            ("PATCH", _PACKAGE + r"/tags/(?P<tag>[^/]+)", self._update_tag),
            ("DELETE", _PACKAGE + r"/tags/(?P<tag>[^/]+)", self._delete_tag),
            ("GET", _PREFIX + r"/(?P<package>[^/]+)/(?P<ref>[^/]+)", self._download),
        ]

    # -- inspection for tests ------------------------------------------------------------------------------
    def version_names(self, package: str) -> list[str]:
        with self._lock:
            return sorted(self.packages.get(package, {}).get("versions", {}))

    def tags(self, package: str) -> dict[str, str]:
        with self._lock:
            return dict(self.packages.get(package, {}).get("tags", {}))

    def content(self, package: str, version: str) -> bytes:
        with self._lock:
            return bytes(self.packages[package]["versions"][version]["content"])

    # -- helpers -------------------------------------------------------------------------------------------
    def _package(self, request: Request) -> tuple[str, dict[str, Any]]:
        name = request.match.group("package")
        if name not in self.packages:
            raise ApiError(404, f"package {name} not found")
        return name, self.packages[name]

    @staticmethod
    def _version_json(package: str, version: str, record: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
        return {
            "name": f"packages/{package}/versions/{version}",
            "createTime": record["createTime"],
            "updateTime": record["createTime"],
            "relatedTags": [_tag_json(package, t, v) for t, v in sorted(tags.items()) if v == version],
        }

    @staticmethod
    def _check_tag(tag: str) -> None:
        if not tag or tag.startswith("sha256:") or "/" in tag:
            raise ApiError(400, f"invalid tag {tag!r}", "INVALID_ARGUMENT")

    # -- upload / download ---------------------------------------------------------------------------------
    def _upload(self, request: Request) -> Response:
        fields = _multipart(request)
        content = fields.get("content")
        if content is None:
            raise ApiError(400, "multipart field 'content' is required", "INVALID_ARGUMENT")
        try:
            documents = [d for d in yaml.safe_load_all(content) if d]
            package = documents[0]["pipelineInfo"]["name"]
        except (yaml.YAMLError, KeyError, IndexError, TypeError) as exc:
            raise ApiError(400, f"not a compiled KFP pipeline: {exc}", "INVALID_ARGUMENT") from exc
        version = "sha256:" + hashlib.sha256(content).hexdigest()
        record = self.packages.setdefault(package, {"versions": {}, "tags": {}, "createTime": now_rfc3339()})
        if version in record["versions"]:
            raise ApiError(409, f"version {package}/{version} already exists")
        record["versions"][version] = {"content": content, "createTime": now_rfc3339()}
        raw_tags = fields.get("tags", b"").decode()
        for tag in filter(None, (t.strip() for t in raw_tags.split(","))):
            self._check_tag(tag)
            record["tags"][tag] = version
        return Response.of_text(f"{package}/{version}")

    def _download(self, request: Request) -> Response:
        name, record = self._package(request)
        ref = request.match.group("ref")
        version = ref if ref.startswith("sha256:") else record["tags"].get(ref)
        if version not in record["versions"]:
            raise ApiError(404, f"{name}/{ref} not found")
        return Response(200, record["versions"][version]["content"], "application/x-yaml")

    # -- packages and versions -----------------------------------------------------------------------------
    def _list_packages(self, request: Request) -> Response:
        return Response.of_json({"packages": [{"name": f"packages/{p}"} for p in sorted(self.packages)]})

    def _get_package(self, request: Request) -> Response:
        name, record = self._package(request)
        return Response.of_json({"name": f"packages/{name}", "createTime": record["createTime"]})

    def _delete_package(self, request: Request) -> Response:
        name, _ = self._package(request)
        del self.packages[name]
        return Response.of_json({"name": f"operations/delete-{name}", "done": True})

    def _list_versions(self, request: Request) -> Response:
        name, record = self._package(request)
        versions = [self._version_json(name, v, r, record["tags"]) for v, r in sorted(record["versions"].items())]
        return Response.of_json({"versions": versions})

    def _get_version(self, request: Request) -> Response:
        name, record = self._package(request)
        version = request.match.group("version")
        if version not in record["versions"]:
            raise ApiError(404, f"version {name}/{version} not found")
        return Response.of_json(self._version_json(name, version, record["versions"][version], record["tags"]))

    def _delete_version(self, request: Request) -> Response:
        name, record = self._package(request)
        version = request.match.group("version")
        if version not in record["versions"]:
            raise ApiError(404, f"version {name}/{version} not found")
        tagged = sorted(t for t, v in record["tags"].items() if v == version)
        if tagged:
            raise ApiError(400, f"version {name}/{version} is tagged {tagged}; delete the tags first")
        del record["versions"][version]
        return Response.of_json({"name": f"operations/delete-{name}-{version}", "done": True})

    # -- tags ----------------------------------------------------------------------------------------------
    def _list_tags(self, request: Request) -> Response:
        name, record = self._package(request)
        return Response.of_json({"tags": [_tag_json(name, t, v) for t, v in sorted(record["tags"].items())]})

    def _get_tag(self, request: Request) -> Response:
        name, record = self._package(request)
        tag = request.match.group("tag")
        if tag not in record["tags"]:
            raise ApiError(404, f"tag {name}/{tag} not found")
        return Response.of_json(_tag_json(name, tag, record["tags"][tag]))

    def _target_version(self, request: Request, name: str, record: dict[str, Any]) -> str:
        version = str(request.json().get("version", "")).rsplit("/versions/", 1)[-1]
        if version not in record["versions"]:
            raise ApiError(404, f"version {name}/{version} not found")
        return version

    def _create_tag(self, request: Request) -> Response:
        name, record = self._package(request)
        tag = request.param("tagId") or ""
        self._check_tag(tag)
        if tag in record["tags"]:
            raise ApiError(409, f"tag {name}/{tag} already exists")
        record["tags"][tag] = self._target_version(request, name, record)
        return Response.of_json(_tag_json(name, tag, record["tags"][tag]))

    def _update_tag(self, request: Request) -> Response:
        name, record = self._package(request)
        tag = request.match.group("tag")
        if tag not in record["tags"]:
            raise ApiError(404, f"tag {name}/{tag} not found")
        if request.param("updateMask") != "version":
            raise ApiError(400, "updateMask must be 'version'", "INVALID_ARGUMENT")
        record["tags"][tag] = self._target_version(request, name, record)
        return Response.of_json(_tag_json(name, tag, record["tags"][tag]))

    def _delete_tag(self, request: Request) -> Response:
        name, record = self._package(request)
        tag = request.match.group("tag")
        if tag not in record["tags"]:
            raise ApiError(404, f"tag {name}/{tag} not found")
        del record["tags"][tag]
        return Response.of_json({})


def _tag_json(package: str, tag: str, version: str) -> dict[str, str]:
    return {"name": f"packages/{package}/tags/{tag}", "version": f"packages/{package}/versions/{version}"}


def _multipart(request: Request) -> dict[str, bytes]:
    """Fields of a multipart/form-data body, by name."""
    content_type = request.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(400, f"expected multipart/form-data, got {content_type!r}", "INVALID_ARGUMENT")
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + request.body)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload
    return fields


def copy_state(server: KfpRegistryServer) -> dict[str, Any]:
    """A deep copy of the registry state (for before/after comparisons in tests)."""
    with server._lock:
        return copy.deepcopy(server.packages)
