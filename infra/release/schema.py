"""The release manifest's shape: `environments/release.<env>.yaml` as typed, immutable pydantic models.

A manifest names the pipeline templates (by `sha256:` digest of the compiled YAML) and their schedules, the
served models (artifact, serving image by digest, deployment and traffic split), the evaluation that
qualified the release, its provenance and, where required, its approval. Value formats are
`infra.release.validators`; rules that need the environment config are `infra.release.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from infra.config import rules
from infra.config.model import ServedModel
from infra.release.placeholders import placeholders_known
from infra.release.validators import (
    Commit,
    CompiledPath,
    Cron,
    Digest,
    Email,
    EnvName,
    GcsUri,
    ImageRef,
    Name,
    PackageName,
    ParameterValue,
    Percent,
    PipelineName,
    ReleaseId,
    ReportRef,
    Text,
    Timestamp,
    TimeZone,
)

PREVIOUS_ALIAS_SUFFIX = "-previous"


class ManifestPart(BaseModel):
    """Unknown keys are errors; types are strict (a quoted number is text); a loaded manifest is immutable
    (promotion builds a new one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Schedule(ManifestPart):
    """When the environment runs a pipeline on Vertex AI Pipelines."""

    cron: Cron
    """Five cron fields, evaluated in `time_zone`."""
    time_zone: TimeZone = "UTC"
    """IANA time zone of `cron`. Default UTC."""
    parameters: Annotated[dict[str, ParameterValue], AfterValidator(placeholders_known)] = Field(default_factory=dict)
    """Pipeline parameter values of every scheduled run; strings may use `${project}`, `${region}`, `${env}`,
    `${app}` and `${prefix}` (`<app>-<env>`), so a schedule moves between environments unchanged.
    Default none (the pipeline's own defaults)."""
    service_account: Email | None = None
    """Who the runs execute as. Default: the environment's pipelines service account."""
    paused: bool = False
    """Keep the schedule but start no runs. Default false."""


class PipelineRelease(ManifestPart):
    """A compiled pipeline template, pinned by the digest of its bytes."""

    package: PackageName
    """The compiled pipeline's name (`pipelineInfo.name`, e.g. `genai-tuning`): its package in the registry."""
    compiled: CompiledPath
    """The compiled YAML in the source tree (e.g. `build/pipelines/tuning.yaml`, written by
    `mlops pipelines compile`); uploaded on apply. Compiling at `provenance.built_from` reproduces it."""
    digest: Digest
    """`sha256:` of the compiled bytes; the registry version must carry exactly this digest."""
    schedule: Schedule | None = None
    """When to run it; null registers the template without a schedule (default)."""


class TunedModel(ManifestPart):
    """Lineage of a tuned model: the tuning run that produced `artifact_uri`."""

    pipeline: Name
    """A pipeline of this manifest (e.g. `tuning`)."""
    run: Text
    """The pipeline run (job) id that wrote the artifact."""


class TrafficSplit(ManifestPart):
    """Shares of endpoint traffic, in percent, summing to 100."""

    current: Percent = 100
    """This release's model version (a canary starts it at `release.canary_percent`, e.g. 10). Default 100."""
    previous: Percent = 0
    """The version it replaces, serving the rest during a canary (e.g. 90) until `mlops canary finish`
    (-> 0, previous dropped) or `mlops canary abort` (-> the previous release alone). Default 0."""

    @model_validator(mode="after")
    def _sums_to_100(self) -> TrafficSplit:
        if self.current + self.previous != 100:
            raise ValueError(
                f"traffic shares must sum to 100; found current {self.current} + previous {self.previous} "
                f"= {self.current + self.previous}"
            )
        if self.current == 0:
            raise ValueError("current is 0: the release's own version must receive traffic (at least 1)")
        return self


class ModelDeployment(ManifestPart):
    """How the model version is deployed onto the served model's own endpoint (`<app>-<env>-<model>`, created
    by the environment from `serving.models`)."""

    machine_type: Text | None = None
    """Default: the served model's `machine_type` in the environment config."""
    min_replicas: int | None = Field(default=None, ge=1, le=rules.VERTEX_MAX_REPLICAS)
    """Default: the environment config's; must stay within its min/max replicas."""
    max_replicas: int | None = Field(default=None, ge=1, le=rules.VERTEX_MAX_REPLICAS)
    """Default: the environment config's; must stay within its min/max replicas."""
    traffic_split: TrafficSplit = Field(default_factory=TrafficSplit)
    """Default: all traffic on this release's version."""


class PreviousVersion(ManifestPart):
    """The model version this release replaces, kept registered (and serving its share) during a canary."""

    release: ReleaseId
    artifact_uri: GcsUri
    serving_image: ImageRef
    description: Text


class ModelRelease(ManifestPart):
    """One served model's new version."""

    artifact_uri: GcsUri
    """Where the model artifacts are (`gs://...`)."""
    tuned_model: TunedModel | None = None
    """The tuning run that produced the artifacts, when the model was tuned here. Default none."""
    serving_image: ImageRef
    """Serving container pinned by digest (`...@sha256:...`); tags are rejected."""
    description: Text
    """Version description shown in Model Registry."""
    deployment: ModelDeployment = Field(default_factory=ModelDeployment)
    previous: PreviousVersion | None = None
    """The version replaced by this one; written by `mlops promote`. Needed when traffic_split.previous > 0."""

    @model_validator(mode="after")
    def _previous_for_canary(self) -> ModelRelease:
        share = self.deployment.traffic_split.previous
        if share and self.previous is None:
            raise ValueError(
                f"deployment.traffic_split.previous is {share} but no previous version is recorded; "
                "set traffic_split to {current: 100, previous: 0} or add `previous`"
            )
        return self

    def version_identity(self) -> dict[str, str]:
        """What makes two model versions the same version: artifacts and serving image."""
        return {"artifact_uri": self.artifact_uri, "serving_image": self.serving_image}


class GatewayRelease(ManifestPart):
    """The serving gateway's container for this release (`serving/Dockerfile`): part of the bundle, so the
    gateway that ran upstream is the one promoted."""

    image: ImageRef
    """Gateway image pinned by digest (`...@sha256:...`); tags are rejected."""


class Evaluation(ManifestPart):
    """The evaluation run that qualified this release."""

    report: ReportRef
    """Where the full report is: `gs://...`, `file:///...` or a path relative to the project. The report is the
    evaluation pipeline's summary JSON, whose `metrics` mapping these metrics must equal."""
    report_digest: Digest | None = None
    """`sha256:` of the report file's bytes. Part of the bundle, so it travels unchanged and the bundle digest
    covers it. The evaluation gate requires it for a local report (and checks the file and its metrics against
    it); a `gs://` report is not fetched offline, so there it is recorded but not verified. Default none."""
    metrics: dict[str, Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]] = Field(min_length=1)
    """Summary metric values in [0, 1] (groundedness, toxicity, relevance, fluency, ...)."""


class Provenance(ManifestPart):
    """Where this manifest came from."""

    promoted_from: EnvName | None = None
    """The environment the bundle was promoted from; null when the release was created here."""
    promoted_at: Timestamp
    """When (with a time zone, e.g. 2026-11-26T03:00:00Z)."""
    promoted_by: Text
    """Who ran the promotion (or created the release)."""
    commit: Commit
    """The repository commit the promotion (or release) was made from."""
    built_from: Commit
    """The commit whose sources compile to the bundle's template digests (KFP compilation is byte-
    deterministic); carried unchanged by promotion, so any environment can rebuild exactly these templates."""
    bundle_digest: Digest | None = None
    """`sha256:` of the bundle at promotion time; the staging -> prod gate checks nothing changed since."""
    policy_check_skipped: Text | None = None
    """The reason given with `mlops promote --skip-policy-check` when the policy gate was not run."""


class Approval(ManifestPart):
    """A recorded human approval, required where the environment's config asks for one."""

    approved_by: Text
    approved_at: Timestamp


class ReleaseManifest(ManifestPart):
    """What one environment runs: `environments/release.<env>.yaml`."""

    release: ReleaseId
    """Release id, shared by every environment the bundle reaches."""
    environment: EnvName
    """The environment this file belongs to (must match the file name)."""
    pipelines: dict[PipelineName, PipelineRelease] = Field(default_factory=dict)
    models: dict[Name, ModelRelease] = Field(default_factory=dict)
    gateway: GatewayRelease | None = None
    """The serving gateway's image. Default none: the environment's gateway service (`infra/components/
    gateway.py`) is created with the first release that pins one."""
    evaluation: Evaluation
    provenance: Provenance
    approval: Approval | None = None


# --- resolving defaults against the environment config ----------------------------------------------------


@dataclass(frozen=True)
class ResolvedDeployment:
    """A model's deployment with the environment config's defaults filled in."""

    machine_type: str
    min_replicas: int
    max_replicas: int
    current_percent: int
    previous_percent: int


def resolve_deployment(model: ModelRelease, served: ServedModel) -> ResolvedDeployment:
    d = model.deployment
    return ResolvedDeployment(
        machine_type=d.machine_type or served.machine_type,
        min_replicas=d.min_replicas if d.min_replicas is not None else served.min_replicas,
        max_replicas=d.max_replicas if d.max_replicas is not None else served.max_replicas,
        current_percent=d.traffic_split.current,
        previous_percent=d.traffic_split.previous,
    )


def previous_alias(env: str) -> str:
    """Model Registry alias of the version a canary keeps serving (`<env>-previous`)."""
    return env + PREVIOUS_ALIAS_SUFFIX
