"""Move a release bundle from one environment to the next through the gates, or back to the previous release.

Promotion builds the target's candidate manifest (the source's bundle + the target's own schedules and
deployments), runs every gate, and only when all pass writes the target manifest atomically, keeping the
manifest it replaces in the history. Rollback restores the newest history entry. A gate failure or an error
midway leaves every file as it was.

Canary: where the target sets `release.canary_percent` (or `--canary N` is given), a model whose version
changes starts with N percent of the endpoint's traffic while the version it replaces keeps the other
100 - N. The canary lasts until `finish_canary` (all traffic to the new version, the previous one dropped)
or `abort_canary` (back to the previous release: a rollback). A target in a canary takes no new promotion.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from contracts.errors import Problem, UserInputError
from infra.config.loader import load_environment, read_yaml
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release import gates
from infra.release.gates import GateResult
from infra.release.history import FileTransaction, History
from infra.release.manifest import (
    Approval,
    Deployment,
    ModelRelease,
    PipelineRelease,
    PreviousVersion,
    Provenance,
    ReleaseManifest,
    Schedule,
    TrafficSplit,
    artifact_source_problems,
    bundle_digest,
    check_against_environment,
    dump_manifest,
    load_manifest,
    manifest_path,
    parse_manifest,
)
from infra.release.records import ReleaseEvent, latest_record_of, next_record_path, render_record


@dataclass(frozen=True)
class PromotionRequest:
    """What `mlops promote` was asked to do."""

    source_env: str
    target_env: str
    promoted_by: str
    commit: str
    approve_by: str | None = None
    """Approver recorded in the target manifest; required where the target requires approval."""
    expected_release: str | None = None
    """Promote only if the source runs this release (guards against the source moving on meanwhile)."""
    canary_percent: int | None = None
    """Traffic the new model version starts with (the previous version keeps the rest until the canary is
    finished or aborted); default the target's `release.canary_percent`, 0 moves all traffic at once."""
    skip_policy_check: str | None = None
    """Reason for not running the policy gate (recorded in provenance); None runs it. Refused for a
    production-tier target: production never takes a release the policy pack has not checked."""
    dry_run: bool = False
    """Run every gate and compute the diff, but write nothing (status 'would-promote')."""
    now: datetime | None = None


@dataclass
class PromotionOutcome:
    status: str
    """'promoted', 'would-promote' (dry run, all gates passed), 'blocked' (a gate failed), or 'unchanged'
    (the target already runs this bundle)."""
    gates: list[GateResult]
    manifest_path: Path
    candidate: ReleaseManifest | None = None
    history_path: Path | None = None
    diff: str = ""
    record_path: Path | None = None
    """The release record written with the manifest (environments/releases/<env>/records/)."""

    @property
    def failed(self) -> list[GateResult]:
        """Gates that ran and failed (a gate not run because another failed is not listed)."""
        return [g for g in self.gates if not g.passed and not g.skipped]


@dataclass
class RollbackOutcome:
    env: str
    manifest_path: Path
    restored_release: str
    replaced_release: str
    archived_path: Path
    diff: str = ""
    record_path: Path | None = None


class RollbackRefused(RuntimeError):
    """There is nothing to roll back to (exit 1, nothing changed)."""


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


@dataclass
class _Context:
    project_dir: Path
    source_cfg: EnvironmentConfig
    target_cfg: EnvironmentConfig
    source: ReleaseManifest
    current: ReleaseManifest | None
    notes: list[str] = field(default_factory=list)


def promote(
    request: PromotionRequest,
    project_dir: Path | None = None,
    policy_check: gates.PolicyCheck | None = None,
) -> PromotionOutcome:
    """Run every gate for `request`; write the target manifest and history only when all pass."""
    root = project_dir or Project.find().root
    if request.source_env == request.target_env:
        raise UserInputError.single(
            "--to", "", f"source and target are both {request.source_env!r}; promote to another environment"
        )
    ctx = _load(request, root)
    target_path = manifest_path(request.target_env, root)
    if request.skip_policy_check is not None and ctx.target_cfg.tier == "production":
        raise UserInputError.single(
            "--skip-policy-check",
            "",
            f"{request.target_env!r} is a production-tier environment: the policy gate cannot be skipped there; "
            "fix what keeps the policy check from running (`mlops check --env "
            f"{request.target_env}` shows it) and promote without --skip-policy-check",
            summary="policy gate required in production",
        )
    if ctx.current is not None and bundle_digest(ctx.current) == bundle_digest(ctx.source):
        return PromotionOutcome("unchanged", [], target_path, ctx.current)
    _refuse_during_canary(request.target_env, ctx.current, target_path)

    candidate = build_candidate(request, ctx)
    problems = [
        p for p in check_against_environment(candidate, ctx.target_cfg, target_path) if p.key_path != "approval"
    ]  # the approval gate reports a missing approval
    problems += artifact_source_problems(candidate, ctx.target_cfg, target_path)
    if problems:
        raise UserInputError(
            problems, summary=f"release {candidate.release} does not fit environment {request.target_env!r}"
        )

    evaluation = gates.evaluation_gate(candidate, ctx.target_cfg, root)
    lineage = gates.lineage_gate(
        gates.Lineage(request.source_env, ctx.source, ctx.source_cfg, candidate, request.expected_release),
        ctx.target_cfg,
    )
    approval = gates.approval_gate(ctx.target_cfg, request.approve_by, request.promoted_by)
    if approval.passed:
        policy = gates.policy_gate(request.target_env, candidate, root, request.skip_policy_check, policy_check)
    else:  # the target's program would reject a candidate that lacks its required approval
        policy = gates.GateResult(gates.POLICY, False, ("not run: the approval gate failed",), skipped=True)
    results = [evaluation, policy, lineage, approval]
    if any(not r.passed for r in results):
        return PromotionOutcome("blocked", results, target_path, candidate)

    new_text = dump_manifest(candidate)
    old_text = target_path.read_text(encoding="utf-8") if target_path.is_file() else ""
    history = History.of(request.target_env, root)
    history_path = history.next_path(ctx.current.release) if ctx.current is not None else None
    diff = manifest_diff(old_text, new_text, target_path) + resource_diff(policy, request.target_env, root, ctx.current)
    if request.dry_run:
        return PromotionOutcome("would-promote", results, target_path, candidate, None, diff)
    event = ReleaseEvent(
        "promotion", request.target_env, candidate, request.promoted_by, candidate.provenance.promoted_at,
        ctx.current, results, source_record=latest_record_of(request.source_env, candidate.release, root),
    )
    record_path = next_record_path(event, root)
    with FileTransaction() as tx:
        if history_path is not None:
            tx.write(history_path, old_text)
        tx.write(target_path, new_text)
        tx.write(record_path, render_record(event, ctx.target_cfg, root))
    return PromotionOutcome("promoted", results, target_path, candidate, history_path, diff, record_path)


def resource_diff(policy: GateResult, env: str, root: Path, current: ReleaseManifest | None) -> str:
    """The target's resource diff (synth with the current manifest -> with the candidate), when synthesized."""
    if policy.snapshot is None:
        return "\n(resource diff not computed: the policy gate did not synthesize the target)\n"
    from infra.diff import diff_snapshots, render_text
    from infra.synth import synth_stack

    before = synth_stack(env, Project(root))
    running = current.release if current else "no release"
    return "\n" + render_text(diff_snapshots(before, policy.snapshot, f"{env} ({running})", f"{env} (candidate)"))


def _load(request: PromotionRequest, root: Path) -> _Context:
    source_cfg = load_environment(request.source_env, Project(root))
    target_cfg = load_environment(request.target_env, Project(root))
    source = load_manifest(request.source_env, source_cfg, root)
    target_path = manifest_path(request.target_env, root)
    current = parse_manifest(read_yaml(target_path), target_path, target_cfg) if target_path.is_file() else None
    return _Context(root, source_cfg, target_cfg, source, current)


def build_candidate(request: PromotionRequest, ctx: _Context) -> ReleaseManifest:
    """The source's bundle with the target's own schedules and deployments (or defaults where it has none)."""
    source, current = ctx.source, ctx.current
    now = request.now or datetime.now(UTC)
    canary = request.canary_percent if request.canary_percent is not None else ctx.target_cfg.release.canary_percent
    pipelines = {}
    for name, pipeline in source.pipelines.items():
        kept = current.pipelines.get(name) if current else None
        schedule = kept.schedule if kept else _schedule_for_new_environment(pipeline.schedule)
        pipelines[name] = PipelineRelease(
            package=pipeline.package, compiled=pipeline.compiled, digest=pipeline.digest, schedule=schedule
        )
    models = {}
    for name, model in source.models.items():
        running = current.models.get(name) if current else None
        models[name] = _model_for_target(model, running, current, canary)
    draft = ReleaseManifest(
        release=source.release,
        environment=request.target_env,
        pipelines=pipelines,
        models=models,
        evaluation=source.evaluation,
        provenance=Provenance(
            promoted_from=request.source_env,
            promoted_at=now,
            promoted_by=request.promoted_by,
            commit=request.commit,
            built_from=source.provenance.built_from,
            policy_check_skipped=request.skip_policy_check,
        ),
        approval=Approval(approved_by=request.approve_by, approved_at=now) if request.approve_by else None,
    )
    provenance = draft.provenance.model_copy(update={"bundle_digest": bundle_digest(draft)})
    return draft.model_copy(update={"provenance": provenance})


def _schedule_for_new_environment(schedule: Schedule | None) -> Schedule | None:
    """A schedule the target did not have yet: the source's, but running as the target's own account."""
    if schedule is None:
        return None
    return schedule.model_copy(update={"service_account": None})


def _model_for_target(
    model: ModelRelease, running: ModelRelease | None, current: ReleaseManifest | None, canary: int
) -> ModelRelease:
    deployment = running.deployment if running else Deployment()
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


def _refuse_during_canary(env: str, current: ReleaseManifest | None, path: Path) -> None:
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


def finish_canary(
    env: str, project_dir: Path | None = None, finished_by: str = "unknown", now: datetime | None = None
) -> CanaryOutcome:
    """End `env`'s canary: the release's versions take 100% of traffic and the previous versions are dropped.

    The canary manifest goes to the history byte for byte (a rollback returns to the canary); both files are
    written in one transaction. Refused (CanaryRefused) when `env` is not in a canary.
    """
    root = project_dir or Project.find().root
    cfg = load_environment(env, Project(root))
    target_path = manifest_path(env, root)
    current = load_manifest(env, cfg, root)
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
    problems = check_against_environment(finished, cfg, target_path)
    if problems:  # the config changed under the canary (e.g. replica limits): fix that first
        raise UserInputError(problems, summary=f"the finished canary of {env} does not fit its environment")
    old_text = target_path.read_text(encoding="utf-8")
    new_text = dump_manifest(finished)
    history_path = History.of(env, root).next_path(current.release)
    event = ReleaseEvent("canary-finish", env, finished, finished_by, now or datetime.now(UTC), current)
    record_path = next_record_path(event, root)
    with FileTransaction() as tx:
        tx.write(history_path, old_text)
        tx.write(target_path, new_text)
        tx.write(record_path, render_record(event, cfg, root))
    return CanaryOutcome(
        env,
        current.release,
        target_path,
        history_path,
        {name: model.previous.release if model.previous else "?" for name, model in running.items()},
        manifest_diff(old_text, new_text, target_path),
        record_path,
    )


def abort_canary(
    env: str, aborted_by: str, project_dir: Path | None = None, now: datetime | None = None
) -> RollbackOutcome:
    """End `env`'s canary by returning to the release it replaced (a rollback, checked to be that release)."""
    root = project_dir or Project.find().root
    cfg = load_environment(env, Project(root))
    current = load_manifest(env, cfg, root)
    running = canary_models(current)
    if not running:
        raise CanaryRefused(
            f"{env} is not in a canary (release {current.release} takes all traffic); "
            f"to return to an earlier release use `mlops rollback --env {env}`"
        )
    entry = History.of(env, root).latest()
    expected = {m.previous.release for m in running.values() if m.previous is not None}
    if entry is None or (expected and entry.release not in expected):
        found = f"the newest history entry is {entry.path.name}" if entry else "there is no history entry"
        raise CanaryRefused(
            f"{env}'s canary replaced release {', '.join(sorted(expected)) or '?'} but {found}; "
            "restore that manifest by hand (environments/releases/) or finish the canary"
        )
    return rollback(env, aborted_by, root, now, action="canary-abort")


def rollback(
    env: str, rolled_back_by: str, project_dir: Path | None = None, now: datetime | None = None,
    action: str = "rollback",
) -> RollbackOutcome:
    """Restore the release `env` ran before its current one; the current manifest is archived.

    `action` names the event in the release record (`rollback`, or `canary-abort` from abort_canary)."""
    root = project_dir or Project.find().root
    cfg = load_environment(env, Project(root))
    target_path = manifest_path(env, root)
    current = load_manifest(env, cfg, root)
    history = History.of(env, root)
    entry = history.latest()
    if entry is None:
        raise RollbackRefused(
            f"{env} has no earlier release recorded in {history.root}; nothing to roll back to "
            f"(it runs {current.release})"
        )
    restored_text = entry.path.read_text(encoding="utf-8")
    restored = parse_manifest(read_yaml(entry.path), entry.path, cfg)
    current_text = target_path.read_text(encoding="utf-8")
    when = now or datetime.now(UTC)
    stamp = when.isoformat()
    archived_path = history.next_rolled_back_path(current.release)
    archived_text = f"# Rolled back by {rolled_back_by} at {stamp}; {env} returned to {restored.release}.\n"
    event = ReleaseEvent(
        action, env, restored, rolled_back_by, when, current,
        notes=(f"release {current.release} archived at {archived_path.relative_to(root).as_posix()}",),
    )
    record_path = next_record_path(event, root)
    with FileTransaction() as tx:
        tx.write(archived_path, archived_text + current_text)
        tx.write(target_path, restored_text)
        tx.remove(entry.path)
        tx.write(record_path, render_record(event, cfg, root))
    return RollbackOutcome(
        env,
        target_path,
        restored.release,
        current.release,
        archived_path,
        manifest_diff(current_text, restored_text, target_path),
        record_path,
    )


def manifest_diff(old: str, new: str, path: Path) -> str:
    """Unified diff of the target manifest (what a reviewer reads in the pull request)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path.name}",
        tofile=f"b/{path.name}",
    )
    return "".join(lines)
