"""ModelVersion: one version of a served model in Vertex AI Model Registry, carrying one alias of the environment.

All versions of a served model live under one parent model (`model_id`). The upload never takes an alias;
only once its operation is done does mergeVersionAliases move the alias (e.g. `staging`) onto the new
version, so the previous version keeps serving by alias until then. The registry's own `default` alias is
left where it is (the first version gets it) and moved only when its holder is deleted, which the service
refuses for the default version.

Re-runs are idempotent: each version is labelled with a content key (model, artifact, serving image), and
create looks for a version with that key before uploading. A run that died between the upload and the alias
move therefore finds its upload and only finishes the move; declaring an earlier artifact again (a rollback,
or the previous version kept for a canary) finds the earlier version instead of uploading a copy.

With `kms_key_name` the version is uploaded with `encryption_spec` (CMEK). The service cannot re-encrypt a
model, so a new key is a new version (force-new, like new content). `read` rebuilds the environment alias,
labels and description from the live version, so `pulumi refresh` sees an alias moved by hand.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from infra.release.providers.base import ReleaseProvider, changed, inputs_only
from infra.release.providers.clients import VertexTarget, is_not_found
from infra.release.providers.retry import InFlight, RetryPolicy, call_with_retry

if TYPE_CHECKING:
    from google.cloud.aiplatform_v1 import Model

CONTENT_KEY_LABEL = "mlops-content-key"
DEFAULT_ALIAS = "default"
ALIAS = re.compile(r"^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$")
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KMS_KEY = re.compile(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")


def content_key(props: Mapping[str, Any]) -> str:
    """What makes two uploads the same version (40 hex chars): every force-new input of the version.

    A replacement therefore always yields a different key; were it to find the version it replaces, deleting
    the replaced resource would delete the new one's version.
    """
    material = [props["model_id"], props["display_name"], props["artifact_uri"], props["serving_image_uri"]]
    if props.get("kms_key_name"):  # only when set: versions uploaded before CMEK keep their keys
        material.append(props["kms_key_name"])
    return hashlib.sha256(json.dumps(material, separators=(",", ":")).encode()).hexdigest()[:40]


class ModelVersionProvider(ReleaseProvider):
    """Upload a model version, move the environment alias, patch labels/description, delete the version."""

    INPUTS = (
        "project",
        "location",
        "model_id",
        "display_name",
        "artifact_uri",
        "serving_image_uri",
        "description",
        "env_alias",
        "labels",
        "kms_key_name",
        "api_endpoint",
    )
    REPLACE_ON = (
        "project",
        "location",
        "model_id",
        "display_name",
        "artifact_uri",
        "serving_image_uri",
        "kms_key_name",
    )

    def validate(self, props: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = []
        for key in ("project", "location", "display_name"):
            if not props.get(key):
                problems.append((key, "is required and must not be empty"))
        if not MODEL_ID.match(str(props.get("model_id") or "")):
            problems.append(
                ("model_id", f"expected lower-case letters, digits, '-' (<=63), got {props.get('model_id')!r}")
            )
        if not str(props.get("artifact_uri") or "").startswith("gs://"):
            problems.append(("artifact_uri", f"expected gs://bucket/path, got {props.get('artifact_uri')!r}"))
        image = str(props.get("serving_image_uri") or "")
        if "@sha256:" not in image:
            problems.append(
                ("serving_image_uri", f"pin the serving image by digest (<image>@sha256:...), got {image!r}")
            )
        alias = str(props.get("env_alias") or "")
        if not ALIAS.match(alias) or alias == DEFAULT_ALIAS:
            problems.append(("env_alias", f"expected an alias like 'staging' (not 'default'), got {alias!r}"))
        key_name = props.get("kms_key_name")
        if key_name is not None and not KMS_KEY.match(str(key_name)):
            problems.append(
                (
                    "kms_key_name",
                    "expected projects/P/locations/L/keyRings/R/cryptoKeys/K (unset for Google-managed "
                    f"encryption), got {key_name!r}",
                )
            )
        for key, value in (props.get("labels") or {}).items():
            if not LABEL_KEY.match(str(key)) or not LABEL_VALUE.match(str(value)) or key == CONTENT_KEY_LABEL:
                problems.append((f"labels.{key}", f"invalid label {key}={value!r} (or reserved key)"))
        return problems

    # -- engine entry points -------------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        news = self.require_valid(props)
        key = content_key(news)
        model_name, version_id = call_with_retry(
            functools.partial(self._find_or_upload, news, key, InFlight()),
            self.retry,
            f"upload model {news['model_id']} ({news['artifact_uri']})",
        )
        version_name = f"{model_name}@{version_id}"
        self._move_aliases(news, version_name, [news["env_alias"]])
        outs = {"model_resource_name": model_name, "version_id": version_id, "version_resource_name": version_name}
        return CreateResult(id_=version_name, outs={**news, **outs})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        props = self.require_valid(news)
        differences = set(changed(olds, props, self.INPUTS))
        paths = []
        if "labels" in differences:
            paths.append("labels")
        if "description" in differences:
            paths.append("version_description")
        if paths:
            self._patch(props, id_, paths)
        if "env_alias" in differences:
            held = self._aliases_of(props, id_)
            stale = [f"-{olds['env_alias']}"] if olds.get("env_alias") in held else []
            self._move_aliases(props, id_, [props["env_alias"], *stale])
        model_name, version_id = id_.split("@", 1)
        outs = {"model_resource_name": model_name, "version_id": version_id, "version_resource_name": id_}
        return UpdateResult(outs={**props, **outs})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live version's alias, labels and description (inputs rebuilt from them); none when gone."""
        try:
            model = call_with_retry(
                lambda: self._models(props).get_model(name=id_, timeout=self.retry.call_timeout, retry=None),
                self.retry,
                f"read {id_}",
            )
        except Exception as exc:
            if is_not_found(exc):
                return ReadResult(None, {})
            raise
        labels = {k: v for k, v in model.labels.items() if k != CONTENT_KEY_LABEL}
        # the environment alias while this version holds it; none once it was moved elsewhere (by hand)
        alias = props.get("env_alias") if props.get("env_alias") in model.version_aliases else None
        live = {"labels": labels, "description": model.version_description, "env_alias": alias}
        outs = {**props, **live}
        return ReadResult(id_, outs, inputs_only(outs, self.INPUTS))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the version; the parent model goes with its last version.

        The service refuses to delete the default version, so `default` first moves to the newest other
        version that carries an alias (else the newest other version). A version still deployed cannot be
        deleted: the error says to undeploy it first.
        """
        from google.api_core import exceptions as gexc

        model_name, _, version_id = id_.partition("@")
        in_flight = InFlight()

        def unit() -> None:
            client = self._models(props)
            if in_flight.operation is not None:  # a deletion that outlived the timeout: wait on it again
                in_flight.run(lambda: None, self.retry)
                return
            try:
                versions = list(
                    client.list_model_versions(name=model_name, timeout=self.retry.call_timeout, retry=None)
                )
                this = next((v for v in versions if v.version_id == version_id), None)
                if this is None:
                    return
                others = sorted((v for v in versions if v is not this), key=lambda v: int(v.version_id or 0))
                if not others:
                    start = functools.partial(
                        client.delete_model, name=model_name, timeout=self.retry.call_timeout, retry=None
                    )
                else:
                    if DEFAULT_ALIAS in this.version_aliases:
                        heir = ([v for v in others if v.version_aliases] or others)[-1]
                        self._merge_aliases(props, f"{model_name}@{heir.version_id}", [DEFAULT_ALIAS])
                    start = functools.partial(
                        client.delete_model_version, name=id_, timeout=self.retry.call_timeout, retry=None
                    )
                in_flight.run(start, self.retry)
            except gexc.NotFound:
                return
            except (gexc.FailedPrecondition, gexc.BadRequest) as exc:
                raise RuntimeError(
                    f"cannot delete {id_}: {exc.message}. Undeploy it first (remove it from the release's "
                    "EndpointDeployment)"
                ) from exc

        call_with_retry(unit, self.retry, f"delete {id_}")

    # -- steps ---------------------------------------------------------------------------------------------
    def _models(self, props: Mapping[str, Any]) -> Any:
        from infra.release.providers.clients import model_service

        return model_service(VertexTarget.of(props))

    def _find_or_upload(self, props: Mapping[str, Any], key: str, in_flight: InFlight) -> tuple[str, str]:
        """One idempotent unit: reuse a version with this content key, else upload one and wait for it (an
        upload still running after a timeout is waited on again, never started twice)."""
        from google.cloud import aiplatform_v1 as v1

        client = self._models(props)
        target = VertexTarget.of(props)
        model_name = f"{target.parent}/models/{props['model_id']}"
        if in_flight.operation is not None:
            response = in_flight.run(lambda: None, self.retry)
            return response.model, response.model_version_id
        try:
            versions = list(client.list_model_versions(name=model_name, timeout=self.retry.call_timeout, retry=None))
        except Exception as exc:
            if not is_not_found(exc):
                raise
            versions = None
        if versions:
            for version in versions:
                if version.labels.get(CONTENT_KEY_LABEL) == key:
                    return model_name, version.version_id
        model = self._model_spec(props, key)
        request = v1.UploadModelRequest(parent=target.parent, model=model)
        if versions is None:
            request.model_id = props["model_id"]
        else:
            request.parent_model = model_name
        response = in_flight.run(
            lambda: client.upload_model(request=request, timeout=self.retry.call_timeout, retry=None), self.retry
        )
        return response.model, response.model_version_id

    @staticmethod
    def _model_spec(props: Mapping[str, Any], key: str) -> Model:
        from google.cloud import aiplatform_v1 as v1

        key_name = props.get("kms_key_name")
        return v1.Model(
            display_name=props["display_name"],
            description=props.get("description") or "",
            version_description=props.get("description") or "",
            artifact_uri=props["artifact_uri"],
            container_spec=v1.ModelContainerSpec(image_uri=props["serving_image_uri"]),
            labels={**(props.get("labels") or {}), CONTENT_KEY_LABEL: key},
            version_aliases=[],  # aliases move only after the upload is done
            encryption_spec=v1.EncryptionSpec(kms_key_name=key_name) if key_name else None,
        )

    def _move_aliases(self, props: Mapping[str, Any], version_name: str, aliases: list[str]) -> None:
        """mergeVersionAliases: an alias belongs to one version, so adding it here takes it from the other."""
        call_with_retry(
            functools.partial(self._merge_aliases, props, version_name, aliases),
            self.retry,
            f"move aliases {aliases} to {version_name}",
        )

    def _merge_aliases(self, props: Mapping[str, Any], version_name: str, aliases: list[str]) -> None:
        """One call, no retry of its own: callers inside another retried unit use it so budgets never nest."""
        model = self._models(props).merge_version_aliases(
            name=version_name, version_aliases=aliases, timeout=self.retry.call_timeout, retry=None
        )
        missing = [a for a in aliases if not a.startswith("-") and a not in model.version_aliases]
        if missing:
            raise RuntimeError(f"{version_name} did not take aliases {missing}")

    def _aliases_of(self, props: Mapping[str, Any], version_name: str) -> list[str]:
        model = call_with_retry(
            lambda: self._models(props).get_model(name=version_name, timeout=self.retry.call_timeout, retry=None),
            self.retry,
            f"read {version_name}",
        )
        return list(model.version_aliases)

    def _patch(self, props: Mapping[str, Any], version_name: str, paths: list[str]) -> None:
        from google.cloud import aiplatform_v1 as v1

        key = content_key(props)
        model = v1.Model(
            name=version_name,
            labels={**(props.get("labels") or {}), CONTENT_KEY_LABEL: key},
            version_description=props.get("description") or "",
        )
        call_with_retry(
            lambda: self._models(props).update_model(
                model=model, update_mask={"paths": paths}, timeout=self.retry.call_timeout, retry=None
            ),
            self.retry,
            f"update {version_name} ({', '.join(paths)})",
        )


class ModelVersion(Resource, module="release", name="ModelVersion"):
    """A served model's version in Model Registry; the environment alias points at it once it is ready."""

    model_resource_name: pulumi.Output[str]
    """`projects/P/locations/L/models/MODEL_ID` (the parent model)."""
    version_id: pulumi.Output[str]
    """The registry's version number, e.g. `"3"`."""
    version_resource_name: pulumi.Output[str]
    """`projects/P/locations/L/models/MODEL_ID@VERSION`: what EndpointDeployment deploys."""

    def __init__(
        self,
        name: str,
        project: pulumi.Input[str],
        location: pulumi.Input[str],
        model_id: pulumi.Input[str],
        display_name: pulumi.Input[str],
        artifact_uri: pulumi.Input[str],
        serving_image_uri: pulumi.Input[str],
        description: pulumi.Input[str],
        env_alias: pulumi.Input[str],
        labels: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        api_endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        kms_key_name: pulumi.Input[str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """`kms_key_name`: Cloud KMS key the version is encrypted with (CMEK); unset, Google-managed
        encryption. A different key uploads a new version."""
        props = {
            "project": project,
            "location": location,
            "model_id": model_id,
            "display_name": display_name,
            "artifact_uri": artifact_uri,
            "serving_image_uri": serving_image_uri,
            "description": description,
            "env_alias": env_alias,
            "labels": labels,
            "kms_key_name": kms_key_name,
            "api_endpoint": api_endpoint,
            "model_resource_name": None,
            "version_id": None,
            "version_resource_name": None,
        }
        super().__init__(ModelVersionProvider(retry), name, props, opts)
