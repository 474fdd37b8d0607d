"""PipelineTemplate: a compiled KFP pipeline stored in a KFP registry (Artifact Registry) by its sha256 digest.

The registry names the version after the digest of the uploaded bytes, so the version is the content: the
provider refuses a file whose digest differs from the manifest's (before any upload), never uploads a version
that is already stored, and moves the release/environment tags to it. Deleting the resource removes its tags
and deletes the version once no tag points at it anymore.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from contracts.digests import DIGEST
from infra.release.providers.base import ReleaseInputError, ReleaseProvider
from infra.release.providers.retry import RetryPolicy, call_with_retry

TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def file_digest(path: str) -> str:
    """`sha256:<hex>` of a file's bytes: the version the registry gives the upload."""
    with open(path, "rb") as handle:
        return "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()


def pipeline_name(path: str) -> str:
    """The compiled pipeline's `pipelineInfo.name`: the registry files the upload under this package."""
    import yaml

    with open(path, encoding="utf-8") as handle:
        document = next((d for d in yaml.safe_load_all(handle) if d), None)
    try:
        return str(document["pipelineInfo"]["name"])  # type: ignore[index]
    except (KeyError, TypeError) as exc:
        raise ReleaseInputError(f"{path}: not a compiled KFP pipeline (no pipelineInfo.name)") from exc


def template_uri(host: str, package_name: str, version: str) -> str:
    return f"{host.rstrip('/')}/{package_name}/{version}"


def split_template_uri(uri: str) -> tuple[str, str, str]:
    """(host, package, version) of `{host}/{package}/sha256:...`."""
    host, package, version = uri.rsplit("/", 2)
    if not DIGEST.match(version):
        raise ReleaseInputError(f"template_uri {uri!r} must end with /<package>/sha256:<64 hex>")
    return host, package, version


def _status(exc: Exception) -> int | None:
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return int(exc.response.status_code)
    return None


class PipelineTemplateProvider(ReleaseProvider):
    """Upload, tag, untag and delete one template version through kfp's RegistryClient."""

    INPUTS = ("host", "package_name", "template_path", "expected_digest", "tags")
    REPLACE_ON = ("host", "package_name", "expected_digest")
    NOT_DIFFED = ("template_path",)

    def validate(self, props: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = []
        host = props.get("host") or ""
        if not re.match(r"^https?://[^/]+/\S+$", host):
            problems.append(("host", f"expected https://<region>-kfp.pkg.dev/<project>/<repo>, got {host!r}"))
        if not props.get("package_name"):
            problems.append(("package_name", "must be the compiled pipeline's name, got nothing"))
        if not props.get("template_path"):
            problems.append(("template_path", "path of the compiled pipeline YAML is required"))
        if not DIGEST.match(props.get("expected_digest") or ""):
            problems.append(("expected_digest", f"expected sha256:<64 hex>, got {props.get('expected_digest')!r}"))
        for tag in props.get("tags") or []:
            if not TAG.match(str(tag)) or str(tag).startswith("sha256:"):
                problems.append(("tags", f"invalid tag {tag!r}: letters, digits, '.', '_', '-'; not sha256:"))
        return problems

    # -- engine entry points -------------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        news = self.require_valid(props)
        outs = self._converge(news, previous_tags=())
        return CreateResult(id_=outs["template_uri"], outs={**news, **outs})

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        props = self.require_valid(news)
        outs = self._converge(props, previous_tags=olds.get("tags") or ())
        return UpdateResult(outs={**props, **outs})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        host, package, version = split_template_uri(id_)
        client_host = props.get("host") or host
        if not self._version_exists(client_host, package, version):
            return ReadResult(None, {})
        return ReadResult(id_, {**props, "version": version, "template_uri": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        host, package, version = split_template_uri(id_)
        host = props.get("host") or host
        for tag in props.get("tags") or []:
            self._delete_tag_if_on(host, package, str(tag), version)
        self._delete_version_if_untagged(host, package, version)

    # -- steps ---------------------------------------------------------------------------------------------
    def _converge(self, props: Mapping[str, Any], previous_tags: Sequence[str]) -> dict[str, str]:
        host, package, path = props["host"], props["package_name"], props["template_path"]
        expected, tags = props["expected_digest"], [str(t) for t in props.get("tags") or []]
        try:
            actual = file_digest(path)
        except OSError as exc:
            raise ReleaseInputError(f"template_path {path!r} cannot be read: {exc.strerror}") from exc
        if actual != expected:
            raise ReleaseInputError(
                f"{path} has digest {actual}, the release expects {expected}: recompile the pipeline with the "
                "pinned kfp version or update the release manifest's digest"
            )
        found_package = pipeline_name(path)
        if found_package != package:
            raise ReleaseInputError(
                f"{path} is pipeline {found_package!r} but package_name is {package!r}: the registry files "
                "an upload under the pipeline's own name"
            )
        call_with_retry(
            functools.partial(self._find_or_upload, host, package, path, expected, tags),
            self.retry,
            f"upload pipeline template {package}@{expected}",
        )
        for tag in tags:
            call_with_retry(
                functools.partial(self._move_tag, host, package, tag, expected),
                self.retry,
                f"tag {package}@{expected} as {tag!r}",
            )
        for tag in set(map(str, previous_tags)) - set(tags):
            self._delete_tag_if_on(host, package, tag, expected)
        return {"version": expected, "template_uri": template_uri(host, package, expected)}

    def _version_exists(self, host: str, package: str, version: str) -> bool:
        from infra.release.providers.clients import registry_client

        def probe() -> bool:
            try:
                registry_client(host).get_version(package, version)
            except Exception as exc:
                if _status(exc) == 404:
                    return False
                raise
            return True

        return call_with_retry(probe, self.retry, f"look up {package}@{version}")

    def _find_or_upload(self, host: str, package: str, path: str, version: str, tags: list[str]) -> None:
        """One idempotent unit: a retry after a lost response finds the version instead of uploading twice."""
        from infra.release.providers.clients import registry_client

        if self._version_exists(host, package, version):
            return
        try:
            stored_package, stored_version = registry_client(host).upload_pipeline(path, tags=tags or None)
        except Exception as exc:
            if _status(exc) == 409 and self._version_exists(host, package, version):
                return
            raise
        if (stored_package, stored_version) != (package, version):
            raise RuntimeError(
                f"the registry stored {stored_package}@{stored_version}, the release expects {package}@{version}"
            )

    def _move_tag(self, host: str, package: str, tag: str, version: str) -> None:
        from infra.release.providers.clients import registry_client

        client = registry_client(host)
        try:
            current = client.get_tag(package, tag)
        except Exception as exc:
            if _status(exc) != 404:
                raise
            client.create_tag(package, version, tag)
            return
        if str(current.get("version", "")).rsplit("/", 1)[-1] != version:
            client.update_tag(package, version, tag)

    def _delete_tag_if_on(self, host: str, package: str, tag: str, version: str) -> None:
        """Delete `tag` only while it still points at `version` (a newer release may own it by now)."""
        from infra.release.providers.clients import registry_client

        def unit() -> None:
            client = registry_client(host)
            try:
                current = client.get_tag(package, tag)
                if str(current.get("version", "")).rsplit("/", 1)[-1] == version:
                    client.delete_tag(package, tag)
            except Exception as exc:
                if _status(exc) != 404:
                    raise

        call_with_retry(unit, self.retry, f"untag {package}@{version} ({tag!r})")

    def _delete_version_if_untagged(self, host: str, package: str, version: str) -> None:
        from infra.release.providers.clients import registry_client

        def unit() -> None:
            client = registry_client(host)
            try:
                tags = client.list_tags(package)
                if any(str(t.get("version", "")).rsplit("/", 1)[-1] == version for t in tags):
                    return  # another release or environment still points here
                client.delete_version(package, version)
            except Exception as exc:
                if _status(exc) != 404:
                    raise

        call_with_retry(unit, self.retry, f"delete {package}@{version}")


class PipelineTemplate(Resource, module="release", name="PipelineTemplate"):
    """A compiled pipeline pinned by digest in the environment's KFP repository, tagged with release and env."""

    version: pulumi.Output[str]
    """`sha256:<hex>` of the template bytes (the registry version)."""
    template_uri: pulumi.Output[str]
    """`{host}/{package_name}/{version}`: what a pipeline job or schedule runs."""

    def __init__(
        self,
        name: str,
        host: pulumi.Input[str],
        package_name: pulumi.Input[str],
        template_path: pulumi.Input[str],
        expected_digest: pulumi.Input[str],
        tags: pulumi.Input[Sequence[pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        props = {
            "host": host,
            "package_name": package_name,
            "template_path": template_path,
            "expected_digest": expected_digest,
            "tags": tags,
            "version": None,
            "template_uri": None,
        }
        super().__init__(PipelineTemplateProvider(retry), name, props, opts)
