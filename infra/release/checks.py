"""Rules a manifest must meet against its environment: what the schema alone cannot know.

The file belongs to this environment, its models are served here within the replica limits, gate placeholders
name bounds the environment sets, `promoted_from` is another environment of the project, a required approval
is recorded, and references inside the manifest hold. Every rule returns `Problem`s (file, key path, message)
so a caller reports them all at once.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from contracts.errors import Problem
from infra.config.model import EnvironmentConfig, ServedModel
from infra.layout import Project
from infra.release.placeholders import gate_bound, gate_reference
from infra.release.schema import ModelRelease, ReleaseManifest, resolve_deployment


def check_against_environment(
    manifest: ReleaseManifest, cfg: EnvironmentConfig, path: Path, project: Project
) -> list[Problem]:
    """Rules that need the environment config: the file's env, served model names, replica limits, approval."""
    file = str(path)
    problems = cross_references(manifest, file)
    if manifest.environment != cfg.name:
        problems.append(
            Problem(
                file,
                "environment",
                f"found {manifest.environment!r} but this is the manifest of {cfg.name!r}; set environment: {cfg.name}",
            )
        )
    problems += known_source(manifest, cfg, file, project)
    problems += served_models(manifest, cfg, file)
    problems += gate_placeholders(manifest, cfg, file)
    if cfg.approval_required and manifest.approval is None:
        problems.append(
            Problem(
                file,
                "approval",
                f"environment {cfg.name!r} requires a recorded approval; promote with `--approve-by NAME`",
            )
        )
    return problems


def served_models(manifest: ReleaseManifest, cfg: EnvironmentConfig, file: str) -> list[Problem]:
    """Every model is one the environment serves, deployed within its replica limits."""
    served = {m.name: m for m in cfg.serving.models}
    problems = []
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
        problems += _replica_limits(name, model, served[name], file)
    return problems


def _replica_limits(name: str, model: ModelRelease, limits: ServedModel, file: str) -> list[Problem]:
    d = resolve_deployment(model, limits)
    problems = [
        Problem(
            file,
            f"models.{name}.deployment.{key}",
            f"{value} is outside the environment's limits for {name!r}: "
            f"{limits.min_replicas}-{limits.max_replicas} (serving.models in the stack file)",
        )
        for key, value in (("min_replicas", d.min_replicas), ("max_replicas", d.max_replicas))
        if not limits.min_replicas <= value <= limits.max_replicas
    ]
    if d.min_replicas > d.max_replicas:
        problems.append(
            Problem(
                file,
                f"models.{name}.deployment",
                f"min_replicas ({d.min_replicas}) must be <= max_replicas ({d.max_replicas})",
            )
        )
    return problems


def gate_placeholders(manifest: ReleaseManifest, cfg: EnvironmentConfig, file: str) -> list[Problem]:
    """A `${gate.<metric>.<min|max>}` parameter names a bound the environment sets."""
    problems = []
    for pipeline_name, pipeline in manifest.pipelines.items():
        for key, parameter in (pipeline.schedule.parameters if pipeline.schedule else {}).items():
            gate = gate_reference(parameter)
            if gate is not None and gate_bound(gate, cfg) is None:
                problems.append(
                    Problem(
                        file,
                        f"pipelines.{pipeline_name}.schedule.parameters.{key}",
                        f"{parameter} names a bound environment {cfg.name!r} does not set "
                        f"(release.evaluation_gates: {', '.join(sorted(cfg.release.evaluation_gates)) or 'none'})",
                    )
                )
    return problems


def known_source(manifest: ReleaseManifest, cfg: EnvironmentConfig, file: str, project: Project) -> list[Problem]:
    """`provenance.promoted_from` names another environment of the project."""
    source = manifest.provenance.promoted_from
    if source is None:
        return []
    known = [e for e in project.environments() if e != cfg.name]
    if source in known:
        return []  # whether the target accepts releases from `source` is the promotion's lineage gate
    hint = difflib.get_close_matches(source, known, n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    itself = " (the environment itself)" if source == cfg.name else ""
    return [
        Problem(
            file,
            "provenance.promoted_from",
            f"found {source!r}{itself}, which is not another environment of this project{suggestion} "
            f"(environments: {', '.join(known) or 'none'})",
        )
    ]


def artifact_source_problems(manifest: ReleaseManifest, cfg: EnvironmentConfig, path: Path) -> list[Problem]:
    """A release promoted into `cfg`'s environment must bring its models from the shared artifacts location
    the environment reads (`release.artifacts`).

    Checked on what is promoted, not on every load: a release already uploaded (a canary's `previous`, one
    restored by rollback) keeps serving from the environment's own registry whatever its source URIs were.
    """
    problems = [p for name, model in manifest.models.items() for p in _artifact_sources(name, model, cfg, str(path))]
    artifacts = cfg.release.artifacts
    gateway = manifest.gateway
    if gateway is not None and artifacts is not None and not gateway.image.startswith(artifacts.images_prefix):
        problems.append(Problem(
            str(path), "gateway.image",
            f"{gateway.image!r} is outside the release images repository {artifacts.images_prefix} "
            f"that {cfg.name!r} can pull from (release.artifacts.images_repository); push the image there",
        ))
    return problems


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


def cross_references(manifest: ReleaseManifest, file: str) -> list[Problem]:
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
