"""The Release component: declares what an environment's release manifest says it runs.

Per pipeline, a `PipelineTemplate` (the compiled YAML pinned by digest in the environment's KFP repository,
tagged with the release and the environment) and, when scheduled, a `PipelineSchedule` pinned to that
template version. Per served model, a `ModelVersion` (the environment's alias moves to it once uploaded) and
an `EndpointDeployment` with the manifest's traffic split.

During a canary the version being replaced stays declared under its own release's name with the alias
`<env>-previous`, so it keeps serving its share and is neither deleted nor re-uploaded; once the split gives
it nothing it is no longer declared, and Pulumi undeploys (through the deployment) and then deletes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from contracts.errors import UserInputError
from infra.components.naming import Naming, type_token
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release.placeholders import resolve_placeholders
from infra.release.providers.endpoint_deployment import EndpointDeployment
from infra.release.providers.model_version import ModelVersion
from infra.release.providers.pipeline_schedule import PipelineSchedule
from infra.release.providers.pipeline_template import PipelineTemplate, template_uri
from infra.release.providers.retry import RetryPolicy
from infra.release.schema import ModelRelease, PreviousVersion, ReleaseManifest, previous_alias, resolve_deployment


@dataclass(frozen=True)
class ReleaseArgs:
    """What the Release needs from the environment around it.

    cfg: the validated environment (names, labels, region, served models' limits).
    manifest: the environment's validated release manifest.
    project_id: the environment's project.
    kfp_host: the KFP repository, `https://<region>-kfp.pkg.dev/<project>/<repo>`.
    endpoint_ids: Vertex endpoint id per served model name; every model of the manifest needs one.
    pipelines_service_account: e-mail runs execute as when a schedule names no service account.
    pipeline_root: `gs://...` where scheduled runs write their artifacts.
    serving_service_account: e-mail the deployed models serve as (the environment's serving account, with its
        least-privilege grants); default None, and then they serve as Vertex AI's default identity.
    kms_key_name: the environment's Vertex AI CMEK key (`projects/.../cryptoKeys/...`); model versions are
        uploaded and scheduled pipeline runs created with it. Default None: Google-managed encryption (an
        environment without CMEK).
    api_endpoint: Vertex AI API endpoint; default the region's (set only to test against other servers).
    depends_on: resources the release must wait for (enabled APIs, the repository, the endpoints).
    retry: how hard the providers retry 429/5xx/timeouts; default `RetryPolicy()` (minutes in total).
    source_dir: the source tree holding the compiled templates (the manifest's `compiled` paths are relative
        to it); required, the caller's program tree.
    working_dir: the directory the engine starts the dynamic providers in, which template paths are relative
        to; default None, this process's working directory (a language host runs program and providers in the
        same directory; an inline program may run elsewhere).
    """

    cfg: EnvironmentConfig
    manifest: ReleaseManifest
    project_id: pulumi.Input[str]
    kfp_host: pulumi.Input[str]
    endpoint_ids: Mapping[str, pulumi.Input[str]]
    pipelines_service_account: pulumi.Input[str]
    pipeline_root: pulumi.Input[str]
    serving_service_account: pulumi.Input[str] | None = None
    kms_key_name: pulumi.Input[str] | None = None
    api_endpoint: str | None = None
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    retry: RetryPolicy | None = None
    source_dir: Path = field(kw_only=True)
    working_dir: Path | None = None


class Release(pulumi.ComponentResource):
    """Registers the environment's pipelines and models as its release manifest pins them."""

    release_id: str
    templates: dict[str, PipelineTemplate]
    schedules: dict[str, PipelineSchedule]
    model_versions: dict[str, ModelVersion]
    previous_versions: dict[str, ModelVersion]
    deployments: dict[str, EndpointDeployment]

    def __init__(self, name: str, args: ReleaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Release"), name, None, opts)
        manifest, cfg = args.manifest, args.cfg
        _require_endpoints(args)
        self.release_id = manifest.release
        naming = Naming(cfg)
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        tags = [manifest.release, cfg.name]

        self.templates, self.schedules = {}, {}
        for pipeline_name, pipeline in sorted(manifest.pipelines.items()):
            # Relative to the working directory: Pulumi runs the program and its dynamic providers in the
            # program directory, and a relative path keeps the state free of checkout locations.
            template_path = os.path.relpath(args.source_dir / pipeline.compiled, args.working_dir)
            template = PipelineTemplate(
                f"{name}-{pipeline_name}-template",
                host=args.kfp_host,
                package_name=pipeline.package,
                template_path=template_path,
                expected_digest=pipeline.digest,
                tags=tags,
                opts=child,
                retry=args.retry,
            )
            self.templates[pipeline_name] = template
            if pipeline.schedule is None:
                continue
            schedule = pipeline.schedule
            self.schedules[pipeline_name] = PipelineSchedule(
                f"{name}-{pipeline_name}-schedule",
                project=args.project_id,
                location=cfg.region,
                display_name=naming.name(pipeline_name),
                # Known from the template's inputs (the provider's own template_uri output is this same URI), so a
                # preview never sees it unknown after a mere tag update and plans a needless schedule replace.
                template_uri=pulumi.Output.all(args.kfp_host, pipeline.package, pipeline.digest).apply(
                    lambda parts: template_uri(*parts)
                ),
                template_path=template_path,
                cron=schedule.cron,
                time_zone=schedule.time_zone,
                parameter_values=resolve_placeholders(dict(schedule.parameters), cfg),
                service_account=schedule.service_account or args.pipelines_service_account,
                pipeline_root=args.pipeline_root,
                paused=schedule.paused,
                api_endpoint=args.api_endpoint,
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[template])),
                kms_key_name=args.kms_key_name,
                retry=args.retry,
            )

        self.model_versions, self.previous_versions, self.deployments = {}, {}, {}
        served = {m.name: m for m in cfg.serving.models}
        for model_name, model in sorted(manifest.models.items()):
            current = self._model_version(name, naming, args, model_name, manifest.release, model, cfg.name, child)
            self.model_versions[model_name] = current
            deployment = resolve_deployment(model, served[model_name])
            split: list[dict[str, Any]] = [
                {
                    "model_version": current.version_resource_name,
                    "machine_type": deployment.machine_type,
                    "min_replicas": deployment.min_replicas,
                    "max_replicas": deployment.max_replicas,
                    "traffic_percent": deployment.current_percent,
                }
            ]
            same_content = model.previous is not None and (
                model_version_name(name, model_name, model.previous) == model_version_name(name, model_name, model)
            )
            if model.previous is not None and deployment.previous_percent > 0 and not same_content:
                # Depends on the new version: the environment alias moves to the new version (once it is
                # uploaded) before this one's alias changes to `<env>-previous`.
                kept = ModelRelease(
                    artifact_uri=model.previous.artifact_uri,
                    serving_image=model.previous.serving_image,
                    description=model.previous.description,
                )
                previous = self._model_version(
                    name,
                    naming,
                    args,
                    model_name,
                    model.previous.release,
                    kept,
                    previous_alias(cfg.name),
                    pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[current])),
                )
                self.previous_versions[model_name] = previous
                split.append(
                    {
                        **split[0],
                        "model_version": previous.version_resource_name,
                        "traffic_percent": deployment.previous_percent,
                    }
                )
            self.deployments[model_name] = EndpointDeployment(
                f"{name}-{model_name}-deployment",
                project=args.project_id,
                location=cfg.region,
                endpoint_id=args.endpoint_ids[model_name],
                deployments=split,
                api_endpoint=args.api_endpoint,
                opts=child,
                service_account=args.serving_service_account,
                retry=args.retry,
            )

        self.register_outputs(self.outputs())

    @staticmethod
    def _model_version(
        name: str,
        naming: Naming,
        args: ReleaseArgs,
        model_name: str,
        release: str,
        model: ModelRelease,
        alias: str,
        opts: pulumi.ResourceOptions,
    ) -> ModelVersion:
        """One model version, named after its content (artifact and serving image), not the release.

        A release that keeps the model (only a pipeline changed) therefore keeps the same resource: naming it
        after the release made the engine create a second resource for the same Vertex version (found by
        content key) and then delete the first, and that delete hit the shared, deployed version. The
        release-named resource of earlier stacks is adopted through an alias.
        """
        return ModelVersion(
            model_version_name(name, model_name, model),
            project=args.project_id,
            location=args.cfg.region,
            model_id=naming.name(model_name),
            display_name=naming.name(model_name),
            artifact_uri=model.artifact_uri,
            serving_image_uri=model.serving_image,
            description=model.description,
            env_alias=alias,
            labels=naming.labels("release", {"release": release}),
            api_endpoint=args.api_endpoint,
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{name}-{model_name}-{release}")])
            ),
            kms_key_name=args.kms_key_name,
            retry=args.retry,
        )

    def outputs(self) -> dict[str, Any]:
        """What the environment exports about its release."""
        return {
            "release": self.release_id,
            "pipeline_templates": {k: t.template_uri for k, t in self.templates.items()},
            "pipeline_schedules": {k: s.schedule_name for k, s in self.schedules.items()},
            "model_versions": {k: v.version_resource_name for k, v in self.model_versions.items()},
            "traffic_splits": {k: d.traffic_split for k, d in self.deployments.items()},
        }


def model_version_name(release_name: str, model_name: str, model: ModelRelease | PreviousVersion) -> str:
    """`<release component>-<model>-<10 hex of sha256(artifact, serving image)>`: one name per content."""
    return content_name(release_name, model_name, model.artifact_uri, model.serving_image)


def content_name(release_name: str, model_name: str, artifact_uri: str, serving_image: str) -> str:
    """The name `model_version_name` gives a model version with this artifact and serving image."""
    material = json.dumps([artifact_uri, serving_image], separators=(",", ":"))
    return f"{release_name}-{model_name}-{hashlib.sha256(material.encode()).hexdigest()[:10]}"


def _require_endpoints(args: ReleaseArgs) -> None:
    missing = sorted(set(args.manifest.models) - set(args.endpoint_ids))
    if missing:
        raise UserInputError.single(
            str(Project(args.source_dir).release_manifest(args.cfg.name)),
            f"models.{missing[0]}",
            f"no endpoint for served model(s) {', '.join(missing)} in environment {args.cfg.name!r}; "
            "add them under serving.models in the stack file",
        )
