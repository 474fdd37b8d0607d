"""Move a release bundle from one environment to the next through the gates.

Promotion builds the target's candidate manifest (the source's bundle + the target's own schedules and
deployments, a canary where the target asks for one), runs the promotion gates, and only when all pass writes
the target manifest atomically, keeping the manifest it replaces in the history and a release record beside it.
A gate failure or an error midway leaves every file as it was. Releases move forward (to a tier at least as
protected, never back up the `release.promote_from` chain) unless the request says otherwise explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contracts.errors import UserInputError
from contracts.tier import TIERS
from infra.config.loader import load_environment
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.canary import model_for_target, refuse_during_canary
from infra.release.checks import artifact_source_problems, check_against_environment
from infra.release.gates import POLICY, PROMOTION_GATES, GateContext, GateResult, Upstream, run_gates
from infra.release.records import ReleaseEvent, latest_record_of, write_release
from infra.release.report import manifest_diff, resource_diff
from infra.release.schema import Approval, PipelineRelease, Provenance, ReleaseManifest, Schedule
from infra.release.store import History, dump_manifest, load_manifest, read_manifest


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
    allow_backward: bool = False
    """Promote against the environments' order (e.g. prod -> dev, to reproduce a production release); default
    refused, so a slip of `--from`/`--to` never overwrites an environment with a release from further along."""
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


@dataclass(frozen=True)
class _Environments:
    """What a promotion reads before it decides anything."""

    project: Project
    source_cfg: EnvironmentConfig
    target_cfg: EnvironmentConfig
    source: ReleaseManifest
    current: ReleaseManifest | None
    target_path: Path


def promote(request: PromotionRequest, project: Project) -> PromotionOutcome:
    """Run every gate for `request`; write the target manifest and history only when all pass."""
    if request.source_env == request.target_env:
        raise UserInputError.single(
            "--to", "", f"source and target are both {request.source_env!r}; promote to another environment"
        )
    envs = _load(request, project)
    _refuse_unsafe(request, envs)
    if envs.current is not None and bundle_digest(envs.current) == bundle_digest(envs.source):
        return PromotionOutcome("unchanged", [], envs.target_path, envs.current)
    refuse_during_canary(request.target_env, envs.current, envs.target_path)

    candidate = build_candidate(request, envs.source, envs.current, envs.target_cfg)
    problems = [
        p for p in check_against_environment(candidate, envs.target_cfg, envs.target_path, project)
        if p.key_path != "approval"
    ]  # the approval gate reports a missing approval
    problems += artifact_source_problems(candidate, envs.target_cfg, envs.target_path)
    if problems:
        raise UserInputError(
            problems, summary=f"release {candidate.release} does not fit environment {request.target_env!r}"
        )
    context = GateContext(
        project=project,
        target=envs.target_cfg,
        evaluation=candidate.evaluation,
        candidate=candidate,
        upstream=Upstream(request.source_env, envs.source, envs.source_cfg, request.expected_release),
        acted_by=request.promoted_by,
        approve_by=request.approve_by,
        skip_policy_check=request.skip_policy_check,
    )
    results = run_gates(PROMOTION_GATES, context)
    if any(not r.passed for r in results):
        return PromotionOutcome("blocked", results, envs.target_path, candidate)
    return _write(request, envs, candidate, results)


def _load(request: PromotionRequest, project: Project) -> _Environments:
    source_cfg = load_environment(request.source_env, project)
    target_cfg = load_environment(request.target_env, project)
    source = load_manifest(request.source_env, source_cfg, project)
    target_path = project.release_manifest(request.target_env)
    current = read_manifest(target_path, target_cfg, project) if target_path.is_file() else None
    return _Environments(project, source_cfg, target_cfg, source, current, target_path)


def _refuse_unsafe(request: PromotionRequest, envs: _Environments) -> None:
    """Requests refused before any gate runs: skipping the policy gate into production, moving backwards."""
    if request.skip_policy_check is not None and envs.target_cfg.is_production:
        raise UserInputError.single(
            "--skip-policy-check",
            "",
            f"{request.target_env!r} is a production-tier environment: the policy gate cannot be skipped there; "
            "fix what keeps the policy check from running (`mlops check --env "
            f"{request.target_env}` shows it) and promote without --skip-policy-check",
            summary="policy gate required in production",
        )
    backward = backward_reason(envs.project, envs.source_cfg, envs.target_cfg)
    if backward is not None and not request.allow_backward:
        raise UserInputError.single(
            "--to",
            request.target_env,
            f"{request.source_env} -> {request.target_env} goes against the environments' order: {backward}; "
            "releases move forward (check --from and --to), or pass --allow-backward to do this on purpose",
            summary="promotion against the environments' order",
        )


def backward_reason(project: Project, source: EnvironmentConfig, target: EnvironmentConfig) -> str | None:
    """Why moving a release from `source` to `target` goes backwards, or None when it goes forward.

    Backwards is into a less protected tier (`contracts.tier.TIERS`), or into an environment `source` takes
    its releases from, directly or further up its `release.promote_from` chain."""
    rank = {tier: i for i, tier in enumerate(TIERS)}
    if rank.get(target.tier, 0) < rank.get(source.tier, 0):
        return f"{target.name} is tier {target.tier}, less protected than {source.name}'s {source.tier}"
    chain, upstream = [source.name], source.release.promote_from
    while upstream is not None and upstream not in chain:
        chain.append(upstream)
        if upstream == target.name:
            return f"{source.name} takes its releases from {target.name} ({' <- '.join(chain)}, release.promote_from)"
        upstream = load_environment(upstream, project).release.promote_from
    return None


def build_candidate(
    request: PromotionRequest, source: ReleaseManifest, current: ReleaseManifest | None, target: EnvironmentConfig
) -> ReleaseManifest:
    """The source's bundle with the target's own schedules and deployments (or defaults where it has none)."""
    now = request.now or datetime.now(UTC)
    canary = request.canary_percent if request.canary_percent is not None else target.release.canary_percent
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
        models[name] = model_for_target(model, running, current, canary)
    draft = ReleaseManifest(
        release=source.release,
        environment=request.target_env,
        pipelines=pipelines,
        models=models,
        gateway=source.gateway,
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


def _write(
    request: PromotionRequest, envs: _Environments, candidate: ReleaseManifest, results: list[GateResult]
) -> PromotionOutcome:
    """The diff, and (unless a dry run) the target manifest, its history entry and record in one transaction."""
    project, target_path, current = envs.project, envs.target_path, envs.current
    new_text = dump_manifest(candidate)
    old_text = target_path.read_text(encoding="utf-8") if target_path.is_file() else ""
    history_path = History.of(request.target_env, project).next_path(current.release) if current is not None else None
    policy = next(r for r in results if r.gate == POLICY)
    diff = manifest_diff(old_text, new_text, target_path) + resource_diff(
        policy, request.target_env, project, current
    )
    if request.dry_run:
        return PromotionOutcome("would-promote", results, target_path, candidate, None, diff)
    notes = (
        (f"promoted against the environments' order ({request.source_env} -> {request.target_env}) with "
         "--allow-backward",)
        if request.allow_backward and backward_reason(project, envs.source_cfg, envs.target_cfg)
        else ()
    )
    event = ReleaseEvent(
        "promotion", request.target_env, candidate, request.promoted_by, candidate.provenance.promoted_at,
        current, results, source_record=latest_record_of(request.source_env, candidate.release, project),
        notes=notes,
    )
    replaced = (history_path, old_text) if history_path is not None else None
    record_path = write_release(event, envs.target_cfg, project, new_text, replaced)
    return PromotionOutcome("promoted", results, target_path, candidate, history_path, diff, record_path)
