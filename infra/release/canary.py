"""Canary releases: a new model version starts with a small share of traffic, then finishes or aborts.

Where the target sets `release.canary_percent` (or `--canary N` is given), a model whose version changes
starts with N percent of the endpoint's traffic while the version it replaces keeps the other 100 - N. The
canary lasts until `finish_canary` (all traffic to the new version, the previous one dropped) or
`abort_canary` (back to the previous release: a rollback). A target in a canary takes no new release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contracts.errors import Problem, UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.checks import check_against_environment
from infra.release.records import ReleaseEvent, write_release
from infra.release.report import manifest_diff
from infra.release.rollback import RollbackOutcome, rollback
from infra.release.schema import ModelDeployment, ModelRelease, PreviousVersion, ReleaseManifest, TrafficSplit
from infra.release.store import History, dump_manifest, load_manifest


class CanaryRefused(RuntimeError):
    """The environment is not in a canary, or its history does not lead back to it (exit 1, nothing changed)."""


@dataclass
class CanaryOutcome:
    """A finished canary: every model version now takes all traffic; the canary manifest is in the history."""

    env: str
    release: str
    manifest_path: Path
    history_path: Path
    finished: dict[str, str]
    """model name -> the previous release it no longer serves."""
    diff: str = ""
    record_path: Path | None = None


def model_for_target(
    model: ModelRelease, running: ModelRelease | None, current: ReleaseManifest | None, canary: int
) -> ModelRelease:
    """`model` as the target deploys it: the target's own deployment, and a canary split (with the version it
    replaces as `previous`) when the version changes and `canary` > 0."""
    deployment = running.deployment if running else ModelDeployment()
    previous = None
    same_version = running is not None and running.version_identity() == model.version_identity()
    if running is not None and current is not None and not same_version and canary > 0:
        previous = PreviousVersion(
            release=current.release,
            artifact_uri=running.artifact_uri,
            serving_image=running.serving_image,
            description=running.description,
        )
    split = TrafficSplit(current=canary, previous=100 - canary) if previous else TrafficSplit()
    return ModelRelease(
        artifact_uri=model.artifact_uri,
        tuned_model=model.tuned_model,
        serving_image=model.serving_image,
        description=model.description,
        deployment=deployment.model_copy(update={"traffic_split": split}),
        previous=previous,
    )


def canary_models(manifest: ReleaseManifest) -> dict[str, ModelRelease]:
    """Models still in a canary: a previous version is recorded or still has a traffic share."""
    return {
        name: model
        for name, model in sorted(manifest.models.items())
        if model.previous is not None or model.deployment.traffic_split.previous > 0
    }


def refuse_during_canary(env: str, current: ReleaseManifest | None, path: Path) -> None:
    """A new release on top of a running canary would make the 10% canary the 'previous' version."""
    running = canary_models(current) if current is not None else {}
    if not running:
        return
    raise UserInputError(
        [
            Problem(
                str(path),
                f"models.{name}.deployment.traffic_split",
                f"{env} is in a canary of release {current.release if current else '?'} "
                f"({model.deployment.traffic_split.current}% new / {model.deployment.traffic_split.previous}% "
                "previous); end it first: `mlops canary finish --env "
                f"{env}` (all traffic to the new version) or `mlops canary abort --env {env}` (back to the "
                "previous release)",
            )
            for name, model in running.items()
        ],
        summary=f"{env} is in a canary",
    )


def finish_canary(env: str, project: Project, by: str, now: datetime | None = None) -> CanaryOutcome:
    """End `env`'s canary: the release's versions take 100% of traffic and the previous versions are dropped.

    The canary manifest goes to the history byte for byte (a rollback returns to the canary); both files are
    written in one transaction. Refused (CanaryRefused) when `env` is not in a canary.
    """
    cfg = load_environment(env, project)
    target_path = project.release_manifest(env)
    current = load_manifest(env, cfg, project)
    running = canary_models(current)
    if not running:
        raise CanaryRefused(
            f"{env} is not in a canary: every model of release {current.release} already takes all traffic "
            f"({target_path})"
        )
    models = {
        name: model.model_copy(
            update={
                "deployment": model.deployment.model_copy(update={"traffic_split": TrafficSplit()}),
                "previous": None,
            }
        )
        if name in running
        else model
        for name, model in current.models.items()
    }
    finished = current.model_copy(update={"models": models})
    problems = check_against_environment(finished, cfg, target_path, project)
    if problems:  # the config changed under the canary (e.g. replica limits): fix that first
        raise UserInputError(problems, summary=f"the finished canary of {env} does not fit its environment")
    old_text = target_path.read_text(encoding="utf-8")
    new_text = dump_manifest(finished)
    history_path = History.of(env, project).next_path(current.release)
    event = ReleaseEvent("canary-finish", env, finished, by, now or datetime.now(UTC), current)
    record_path = write_release(event, cfg, project, new_text, (history_path, old_text))
    return CanaryOutcome(
        env,
        current.release,
        target_path,
        history_path,
        {name: model.previous.release if model.previous else "?" for name, model in running.items()},
        manifest_diff(old_text, new_text, target_path),
        record_path,
    )


def abort_canary(env: str, project: Project, by: str, now: datetime | None = None) -> RollbackOutcome:
    """End `env`'s canary by returning to the release it replaced (a rollback, checked to be that release)."""
    cfg = load_environment(env, project)
    current = load_manifest(env, cfg, project)
    running = canary_models(current)
    if not running:
        raise CanaryRefused(
            f"{env} is not in a canary (release {current.release} takes all traffic); "
            f"to return to an earlier release use `mlops rollback --env {env}`"
        )
    entry = History.of(env, project).latest()
    expected = {m.previous.release for m in running.values() if m.previous is not None}
    if entry is None or (expected and entry.release not in expected):
        found = f"the newest history entry is {entry.path.name}" if entry else "there is no history entry"
        raise CanaryRefused(
            f"{env}'s canary replaced release {', '.join(sorted(expected)) or '?'} but {found}; "
            "restore that manifest by hand (environments/releases/) or finish the canary"
        )
    return rollback(env, project, by, now, action="canary-abort")
