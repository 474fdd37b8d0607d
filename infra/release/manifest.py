"""The release manifest of one environment: what it runs, pinned by digest, and where that came from.

`environments/release.<env>.yaml` names the pipeline templates (by `sha256:` digest of the compiled YAML)
and their schedules, the served models (artifact, serving image by digest, deployment and traffic split),
the evaluation that qualified the release, its provenance and, where required, its approval.

The *bundle* is the part that travels unchanged from one environment to the next (digests, artifacts,
images, evaluation with its report digest); schedules, deployments and traffic splits are the target
environment's own (a canary starts the new version at `release.canary_percent`, see promotion.py). Errors
are reported like the environment config's: file, key path, what was found, what is expected, all at once.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from contracts.errors import Problem, UserInputError
from contracts.fsutil import canonical_json
from infra.config import rules
from infra.config.loader import (
    _message,
    _render_path,
    collapse_unions,
    read_yaml,
)
from infra.config.model import EnvironmentConfig, ServedModel, rule_validator
from infra.layout import Project

MANIFEST_PREFIX = "release."
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
RELEASE_ID = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
GCS_URI = re.compile(r"^gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[^\s]*)?$")
# <registry host[:port]>/<path>@sha256:<hex>, lowercase path components as the OCI distribution spec allows.
IMAGE_NAME = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$")
PACKAGE = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,?-]+$")
PREVIOUS_ALIAS_SUFFIX = "-previous"
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
PLACEHOLDER_NAMES = ("project", "region", "env", "app", "prefix")
GATE_PLACEHOLDER = re.compile(r"gate\.([a-z_]+)\.(min|max)")
"""`${gate.<metric>.<min|max>}`: the environment's evaluation gate bound, as a number (a whole parameter value
only), so scheduled evaluations judge by the same thresholds as promotion does."""


def digest_rule(value: str) -> str | None:
    if DIGEST.fullmatch(value):
        return None
    return f"{value!r} is not a sha256 digest: expected 'sha256:' followed by 64 lowercase hex characters"


def release_id_rule(value: str) -> str | None:
    if RELEASE_ID.fullmatch(value):
        return None
    return (
        f"release id {value!r} is invalid: use 3-40 characters of lowercase letters, digits and hyphens, "
        "starting with a letter (e.g. 'r2026-11-26-1'); it becomes a label value and part of resource names"
    )


def image_rule(value: str) -> str | None:
    """A serving image must be pinned by digest: `<registry>/<path>@sha256:<hex>`, no tag."""
    name, at, digest = value.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        tag = last.split(":", 1)[1]
        return (
            f"serving image {value!r} uses the tag ':{tag}'; tags move, so pin the image by digest: "
            f"'{name.rsplit(':', 1)[0]}@sha256:<64 hex>' (find it with `gcloud artifacts docker images describe`)"
        )
    if not at:
        return f"serving image {value!r} has no digest; pin it as '{name}@sha256:<64 hex>'"
    if not IMAGE_NAME.fullmatch(name) or not DIGEST.fullmatch(digest):
        return (
            f"serving image {value!r} is not '<registry>/<path>@sha256:<64 hex>' "
            "(e.g. 'europe-docker.pkg.dev/acme/serving/assistant@sha256:...')"
        )
    return None


def gcs_uri_rule(value: str) -> str | None:
    if GCS_URI.fullmatch(value):
        return None
    return f"{value!r} is not a Cloud Storage URI: expected 'gs://<bucket>/<path>'"


def compiled_path_rule(value: str) -> str | None:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value or path.suffix not in (".yaml", ".yml"):
        return (
            f"{value!r} is not a compiled pipeline path: expected a relative path to the compiled YAML inside "
            "the project, e.g. 'build/pipelines/tuning.yaml'"
        )
    return None


def report_rule(value: str) -> str | None:
    if value.startswith("gs://"):
        return gcs_uri_rule(value)
    expected = (
        f"{value!r} is not a report reference: expected 'gs://<bucket>/<path>', 'file:///<absolute path>' or a "
        "path relative to the project"
    )
    if value.startswith("file://"):
        return None if value.startswith("file:///") and ".." not in PurePosixPath(value[7:]).parts else expected
    path = PurePosixPath(value)
    if not value or "://" in value or path.is_absolute() or ".." in path.parts:
        return expected
    return None


def package_rule(value: str) -> str | None:
    if PACKAGE.fullmatch(value):
        return None
    return (
        f"package {value!r} is invalid: use the compiled pipeline's name (pipelineInfo.name), lowercase "
        "letters, digits and hyphens, e.g. 'genai-tuning'"
    )


def cron_rule(value: str) -> str | None:
    if value.strip().upper().startswith(("TZ=", "CRON_TZ=")):
        return f"cron {value!r} carries a time zone; move it to `time_zone` and keep the 5 cron fields here"
    fields = value.split()
    if len(fields) != 5 or not all(CRON_FIELD.fullmatch(f) for f in fields):
        return (
            f"cron {value!r} is invalid: expected 5 fields 'minute hour day-of-month month day-of-week', "
            "e.g. '0 3 * * 1' (03:00 every Monday)"
        )
    return None


@functools.cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())  # walks the tz database on every call: read it once


def time_zone_rule(value: str) -> str | None:
    if value in _time_zones():
        return None
    hint = difflib.get_close_matches(value, sorted(_time_zones()), n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"time zone {value!r} is not an IANA time zone name (e.g. 'UTC', 'Europe/Amsterdam'){suggestion}"


PIPELINE_NAMES = ("tuning", "evaluation")
"""The pipelines the project ships (`pipelines.catalog.PIPELINES`, pinned equal by a test; importing the
catalog here would load kfp into every synth)."""


def pipeline_name_rule(value: str) -> str | None:
    if value in PIPELINE_NAMES:
        return None
    hint = difflib.get_close_matches(value, PIPELINE_NAMES, n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"{value!r} is not a pipeline of this project{suggestion} (pipelines: {', '.join(PIPELINE_NAMES)})"


def _timestamp_text(value: Any) -> Any:
    """Timestamps are written as text (`'2026-11-26T03:00:00Z'`); a number is not read as epoch seconds."""
    if isinstance(value, str | datetime.datetime):
        return value
    raise ValueError(
        f"expected an ISO 8601 timestamp with a time zone, e.g. '2026-11-26T03:00:00Z'; found {value!r}"
    )


def _non_blank(value: str) -> str | None:
    return None if value.strip() else "must not be empty or blank"


Digest = Annotated[str, rule_validator(digest_rule)]
ReleaseId = Annotated[str, rule_validator(release_id_rule)]
ImageRef = Annotated[str, rule_validator(image_rule)]
GcsUri = Annotated[str, rule_validator(gcs_uri_rule)]
CompiledPath = Annotated[str, rule_validator(compiled_path_rule)]
ReportRef = Annotated[str, rule_validator(report_rule)]
Cron = Annotated[str, rule_validator(cron_rule)]
TimeZone = Annotated[str, rule_validator(time_zone_rule)]
Name = Annotated[str, rule_validator(lambda v: rules.resource_segment(v, "name"))]
PipelineName = Annotated[str, rule_validator(pipeline_name_rule)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), Field(strict=False)]
PackageName = Annotated[str, rule_validator(package_rule)]
EnvName = Annotated[str, Field(pattern=rules.ENV_NAME.pattern)]
Email = Annotated[str, rule_validator(rules.email)]
Text = Annotated[str, rule_validator(_non_blank)]
Commit = Annotated[str, Field(pattern=COMMIT.pattern)]
Percent = Annotated[int, Field(ge=0, le=100)]
ParameterValue = str | bool | int | float | list[Any] | dict[str, Any]


class Strict(BaseModel):
    """Unknown keys are errors; types are strict (a quoted number is text); a loaded manifest is immutable
    (promotion builds a new one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _placeholders_known(parameters: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(
        {
            f"${{{name}}} in {key}"
            for key, value in parameters.items()
            for text in _strings(value)
            for name in PLACEHOLDER.findall(text)
            if name not in PLACEHOLDER_NAMES and not (GATE_PLACEHOLDER.fullmatch(name) and text == f"${{{name}}}")
        }
    )
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {', '.join(unknown)}; use "
            + ", ".join(f"${{{n}}}" for n in PLACEHOLDER_NAMES)
            + " or, as a whole value, ${gate.<metric>.min|max}"
        )
    return parameters


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


def gate_bound(name: str, cfg: EnvironmentConfig) -> float | None:
    """The value of `gate.<metric>.<min|max>` in the environment's evaluation gates, or None when unset."""
    match = GATE_PLACEHOLDER.fullmatch(name)
    bound = cfg.release.evaluation_gates.get(match.group(1)) if match else None
    return getattr(bound, match.group(2)) if bound is not None and match else None


def resolve_placeholders(value: Any, cfg: EnvironmentConfig) -> Any:
    """Replace `${project}`, `${region}`, `${env}`, `${app}`, `${prefix}` with the environment's values, and a
    whole `${gate.<metric>.<min|max>}` value with that gate bound (a number)."""
    values = {"project": cfg.project.id, "region": cfg.region, "env": cfg.name, "app": cfg.app, "prefix": cfg.prefix}
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole and GATE_PLACEHOLDER.fullmatch(whole.group(1)):
            return gate_bound(whole.group(1), cfg)
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [resolve_placeholders(v, cfg) for v in value]
    if isinstance(value, dict):
        return {k: resolve_placeholders(v, cfg) for k, v in value.items()}
    return value


class Schedule(Strict):
    """When the environment runs a pipeline on Vertex AI Pipelines."""

    cron: Cron
    """Five cron fields, evaluated in `time_zone`."""
    time_zone: TimeZone = "UTC"
    """IANA time zone of `cron`. Default UTC."""
    parameters: Annotated[dict[str, ParameterValue], AfterValidator(_placeholders_known)] = Field(default_factory=dict)
    """Pipeline parameter values of every scheduled run; strings may use `${project}`, `${region}`, `${env}`,
    `${app}` and `${prefix}` (`<app>-<env>`), so a schedule moves between environments unchanged.
    Default none (the pipeline's own defaults)."""
    service_account: Email | None = None
    """Who the runs execute as. Default: the environment's pipelines service account."""
    paused: bool = False
    """Keep the schedule but start no runs. Default false."""


class PipelineRelease(Strict):
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


class TunedModel(Strict):
    """Lineage of a tuned model: the tuning run that produced `artifact_uri`."""

    pipeline: Name
    """A pipeline of this manifest (e.g. `tuning`)."""
    run: Text
    """The pipeline run (job) id that wrote the artifact."""


class TrafficSplit(Strict):
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


class Deployment(Strict):
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


class PreviousVersion(Strict):
    """The model version this release replaces, kept registered (and serving its share) during a canary."""

    release: ReleaseId
    artifact_uri: GcsUri
    serving_image: ImageRef
    description: Text


class ModelRelease(Strict):
    """One served model's new version."""

    artifact_uri: GcsUri
    """Where the model artifacts are (`gs://...`)."""
    tuned_model: TunedModel | None = None
    """The tuning run that produced the artifacts, when the model was tuned here. Default none."""
    serving_image: ImageRef
    """Serving container pinned by digest (`...@sha256:...`); tags are rejected."""
    description: Text
    """Version description shown in Model Registry."""
    deployment: Deployment = Field(default_factory=Deployment)
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


class Evaluation(Strict):
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


class Provenance(Strict):
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


class Approval(Strict):
    """A recorded human approval, required where the environment's config asks for one."""

    approved_by: Text
    approved_at: Timestamp


class ReleaseManifest(Strict):
    """What one environment runs: `environments/release.<env>.yaml`."""

    release: ReleaseId
    """Release id, shared by every environment the bundle reaches."""
    environment: EnvName
    """The environment this file belongs to (must match the file name)."""
    pipelines: dict[PipelineName, PipelineRelease] = Field(default_factory=dict)
    models: dict[Name, ModelRelease] = Field(default_factory=dict)
    evaluation: Evaluation
    provenance: Provenance
    approval: Approval | None = None


# --- the bundle: what travels between environments ------------------------------------------------------


def bundle_of(manifest: ReleaseManifest) -> dict[str, Any]:
    """The parts promotion carries unchanged: release id, template digests, model versions, evaluation."""
    return {
        "release": manifest.release,
        "pipelines": {
            n: {"package": p.package, "compiled": p.compiled, "digest": p.digest}
            for n, p in sorted(manifest.pipelines.items())
        },
        "models": {
            n: {
                **m.version_identity(),
                "description": m.description,
                "tuned_model": m.tuned_model.model_dump() if m.tuned_model else None,
            }
            for n, m in sorted(manifest.models.items())
        },
        # exclude_none: a manifest without the optional report_digest keeps the digest it had before the field
        "evaluation": manifest.evaluation.model_dump(mode="json", exclude_none=True),
        "built_from": manifest.provenance.built_from,
    }


def bundle_digest(manifest: ReleaseManifest) -> str:
    """`sha256:` of the canonical JSON of the bundle (stable across runs and key order)."""
    return "sha256:" + hashlib.sha256(canonical_json(bundle_of(manifest)).encode("utf-8")).hexdigest()


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


# --- files ------------------------------------------------------------------------------------------------


def manifest_path(env: str, project_dir: Path | None = None) -> Path:
    return (Project(project_dir) if project_dir is not None else Project.find()).release_manifest(env)


def load_manifest(env: str, cfg: EnvironmentConfig, project_dir: Path | None = None) -> ReleaseManifest:
    """Read and validate `environments/release.<env>.yaml` against the environment's config."""
    path = manifest_path(env, project_dir)
    if not path.is_file():
        raise UserInputError.single(
            str(path),
            "",
            f"no release manifest for environment {env!r}; promote a release into it "
            f"(`mlops promote --from <env> --to {env}`) or write one",
            summary="missing release manifest",
        )
    return parse_manifest(read_yaml(path), path, cfg)


def find_manifest(env: str, cfg: EnvironmentConfig, project_dir: Path | None = None) -> ReleaseManifest | None:
    """The environment's manifest, or None when it has none yet (an environment with nothing released)."""
    if not manifest_path(env, project_dir).is_file():
        return None
    return load_manifest(env, cfg, project_dir)


def parse_manifest(data: Mapping[str, Any], path: Path, cfg: EnvironmentConfig) -> ReleaseManifest:
    """Validate a manifest document; every problem is reported at once with its key path."""
    try:
        manifest = ReleaseManifest.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(error, path) for error in collapse_unions(exc.errors(include_url=False), data)]
        raise UserInputError(problems, summary=f"invalid release manifest for environment {cfg.name!r}") from None
    problems = check_against_environment(manifest, cfg, path)
    if problems:
        raise UserInputError(problems, summary=f"invalid release manifest for environment {cfg.name!r}")
    return manifest


def check_against_environment(manifest: ReleaseManifest, cfg: EnvironmentConfig, path: Path) -> list[Problem]:
    """Rules that need the environment config: the file's env, served model names, replica limits, approval."""
    file = str(path)
    problems = _cross_references(manifest, file)
    if manifest.environment != cfg.name:
        problems.append(
            Problem(
                file,
                "environment",
                f"found {manifest.environment!r} but this is the manifest of {cfg.name!r}; set environment: {cfg.name}",
            )
        )
    problems += _known_source(manifest, cfg, path)
    served = {m.name: m for m in cfg.serving.models}
    for name, model in manifest.models.items():
        if name not in served:
            hint = difflib.get_close_matches(name, list(served), n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(
                Problem(
                    file,
                    f"models.{name}",
                    f"{name!r} is not a served model of environment {cfg.name!r}{suggestion} "
                    f"(served: {', '.join(sorted(served)) or 'none'}; add it under serving.models in the stack file)",
                )
            )
            continue
        limits = served[name]
        d = resolve_deployment(model, limits)
        for key, value in (("min_replicas", d.min_replicas), ("max_replicas", d.max_replicas)):
            if not limits.min_replicas <= value <= limits.max_replicas:
                problems.append(
                    Problem(
                        file,
                        f"models.{name}.deployment.{key}",
                        f"{value} is outside the environment's limits for {name!r}: "
                        f"{limits.min_replicas}-{limits.max_replicas} (serving.models in the stack file)",
                    )
                )
        if d.min_replicas > d.max_replicas:
            problems.append(
                Problem(
                    file,
                    f"models.{name}.deployment",
                    f"min_replicas ({d.min_replicas}) must be <= max_replicas ({d.max_replicas})",
                )
            )
    for pipeline_name, pipeline in manifest.pipelines.items():
        for key, parameter in (pipeline.schedule.parameters if pipeline.schedule else {}).items():
            whole = PLACEHOLDER.fullmatch(parameter) if isinstance(parameter, str) else None
            if whole and GATE_PLACEHOLDER.fullmatch(whole.group(1)) and gate_bound(whole.group(1), cfg) is None:
                problems.append(
                    Problem(
                        file,
                        f"pipelines.{pipeline_name}.schedule.parameters.{key}",
                        f"{parameter} names a bound environment {cfg.name!r} does not set "
                        f"(release.evaluation_gates: {', '.join(sorted(cfg.release.evaluation_gates)) or 'none'})",
                    )
                )
    if cfg.approval_required and manifest.approval is None:
        problems.append(
            Problem(
                file,
                "approval",
                f"environment {cfg.name!r} requires a recorded approval; promote with `--approve-by NAME`",
            )
        )
    return problems


def _known_source(manifest: ReleaseManifest, cfg: EnvironmentConfig, path: Path) -> list[Problem]:
    """`provenance.promoted_from` names another environment of the project."""
    source = manifest.provenance.promoted_from
    if source is None:
        return []
    project = next((d for d in path.resolve().parents if (d / "Pulumi.yaml").is_file()), None)
    if project is None:
        return []  # a manifest outside any project (nothing to check the name against)
    known = [e for e in Project(project).environments() if e != cfg.name]
    where = "provenance.promoted_from"
    if source not in known:
        hint = difflib.get_close_matches(source, known, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        itself = " (the environment itself)" if source == cfg.name else ""
        return [Problem(str(path), where, f"found {source!r}{itself}, which is not another environment of this "
                                          f"project{suggestion} (environments: {', '.join(known) or 'none'})")]
    return []  # whether the target accepts releases from `source` is the promotion's lineage gate


def artifact_source_problems(manifest: ReleaseManifest, cfg: EnvironmentConfig, path: Path) -> list[Problem]:
    """A release promoted into `cfg`'s environment must bring its models from the shared artifacts location
    the environment reads (`release.artifacts`).

    Checked on what is promoted, not on every load: a release already uploaded (a canary's `previous`, one
    restored by rollback) keeps serving from the environment's own registry whatever its source URIs were.
    """
    return [p for name, model in manifest.models.items() for p in _artifact_sources(name, model, cfg, str(path))]


def _artifact_sources(name: str, model: ModelRelease, cfg: EnvironmentConfig, file: str) -> list[Problem]:
    artifacts = cfg.release.artifacts
    if artifacts is None:
        return []
    problems = []
    if not model.artifact_uri.startswith(f"gs://{artifacts.bucket}/"):
        problems.append(Problem(
            file, f"models.{name}.artifact_uri",
            f"{model.artifact_uri!r} is outside the release artifacts bucket gs://{artifacts.bucket}/ that "
            f"{cfg.name!r} can read (release.artifacts.bucket); publish the artifacts there",
        ))
    if not model.serving_image.startswith(artifacts.images_prefix):
        problems.append(Problem(
            file, f"models.{name}.serving_image",
            f"{model.serving_image!r} is outside the release images repository {artifacts.images_prefix} that "
            f"{cfg.name!r} can pull from (release.artifacts.images_repository); push the image there",
        ))
    return problems


def _cross_references(manifest: ReleaseManifest, file: str) -> list[Problem]:
    """References inside the manifest: tuning lineage names one of its pipelines, previous is an earlier one."""
    problems = []
    for name, model in manifest.models.items():
        if model.tuned_model and model.tuned_model.pipeline not in manifest.pipelines:
            problems.append(
                Problem(
                    file,
                    f"models.{name}.tuned_model.pipeline",
                    f"{model.tuned_model.pipeline!r} is not a pipeline of this manifest "
                    f"(pipelines: {', '.join(sorted(manifest.pipelines)) or 'none'})",
                )
            )
        if model.previous and model.previous.release == manifest.release:
            problems.append(
                Problem(
                    file,
                    f"models.{name}.previous.release",
                    f"{manifest.release!r} is this release; the previous version must come from an earlier release",
                )
            )
    return problems


def _problem(error: Any, path: Path) -> Problem:
    loc = tuple(part for part in error["loc"] if part != "[key]")
    return Problem(str(path), _render_path(loc), _message(error, loc, ReleaseManifest))


def dump_manifest(manifest: ReleaseManifest) -> str:
    """The manifest as YAML, in the model's field order, without unset optional keys."""
    header = (
        f"# Release manifest of environment {manifest.environment!r}: what it runs, pinned by digest.\n"
        "# Written by `mlops promote` / `mlops rollback`; see docs in infra/release/manifest.py.\n"
    )
    body = yaml.safe_dump(
        manifest.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True, width=110
    )
    return header + body
