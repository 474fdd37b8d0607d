"""Cut a release into an environment from a tuning run's candidate record (`mlops release cut`).

The record (`candidate.json`, read by infra.release.candidate_record) names the model artifacts, the serving
image, the template digest the run executed and the evaluation report with its digest and metrics. The cut
writes the environment's manifest from it: the template digests compiled from the tree (which must include the
record's `pipeline_digest`), the environment's own schedules and deployments, provenance (commit, who, when)
and the bundle digest the next promotion checks. Nothing is trusted that can be verified: the cut gates
(infra.release.gates.CUT_GATES) check the record's run and artifacts, the report and metrics against the
environment's bounds, and the target against the policy pack. Any failure blocks the cut with nothing written;
a malformed record is a UserInputError (exit 2).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release import checkout, gates
from infra.release.bundle import bundle_digest
from infra.release.canary import model_for_target, refuse_during_canary
from infra.release.candidate_record import CandidateRecord, load_candidate, record_summary
from infra.release.checks import check_against_environment
from infra.release.gates import CUT_GATES, CutEvidence, GateContext, GateResult, run_gates
from infra.release.records import ReleaseEvent, write_release
from infra.release.report import manifest_diff, resource_diff
from infra.release.schema import Evaluation, ModelRelease, PipelineRelease, Provenance, ReleaseManifest, TunedModel
from infra.release.store import History, dump_manifest, find_manifest
from infra.release.templates import compile_templates, sha256_of
from infra.release.validators import RELEASE_ID, release_id_rule

TUNING_PIPELINE = "tuning"
METRIC_DECIMALS = 4


@dataclass(frozen=True)
class CutRequest:
    """What `mlops release cut` was asked to do."""

    env: str
    candidate_path: Path
    cut_by: str
    release: str | None = None
    """Release id; default `r<YYYY-MM-DD>-<n>`, the first n the environment has not used."""
    commit: str | None = None
    """Commit recorded in provenance; default the checkout's HEAD (which is also `built_from`)."""
    dry_run: bool = False
    now: datetime | None = None


@dataclass
class CutOutcome:
    status: str
    """'cut', 'would-cut' (dry run, every gate passed) or 'blocked' (a gate failed; nothing written)."""
    gates: list[GateResult]
    manifest_path: Path
    candidate: ReleaseManifest | None = None
    history_path: Path | None = None
    diff: str = ""
    previous: ReleaseManifest | None = None
    record_path: Path | None = None
    """The release record written with the manifest (environments/releases/<env>/records/)."""

    @property
    def failed(self) -> list[GateResult]:
        return [g for g in self.gates if not g.passed and not g.skipped]


@dataclass(frozen=True)
class _Cut:
    """What a cut has read and derived before it builds the manifest."""

    request: CutRequest
    project: Project
    cfg: EnvironmentConfig
    record: CandidateRecord
    current: ReleaseManifest | None
    release: str
    built_from: str
    commit: str
    compiled: dict[str, bytes]
    evaluation: Evaluation
    target_path: Path


def cut_release(request: CutRequest, project: Project) -> CutOutcome:
    """Build the environment's manifest from the candidate record; write it only when every gate passes."""
    cut = _read(request, project)
    context = GateContext(
        project=project,
        target=cut.cfg,
        evaluation=cut.evaluation,
        cut=CutEvidence(
            cut.record,
            {name: sha256_of(data) for name, data in cut.compiled.items()},
            checkout.uncommitted(project, "pipelines"),
            cut.target_path,
        ),
        acted_by=request.cut_by,
    )
    accepted = gates.candidate.check(context)
    manifest = _manifest(cut) if accepted.passed else None
    if manifest is not None:
        problems = check_against_environment(manifest, cut.cfg, cut.target_path, project)
        if problems:
            summary = f"release {manifest.release} does not fit environment {request.env!r}"
            raise UserInputError(problems, summary=summary)
    context = dataclasses.replace(context, candidate=manifest)
    results = run_gates(CUT_GATES, context, done={gates.CANDIDATE: accepted})
    if manifest is None or any(not r.passed for r in results):
        return CutOutcome("blocked", results, cut.target_path, manifest, previous=cut.current)
    return _write(cut, manifest, results)


def _read(request: CutRequest, project: Project) -> _Cut:
    cfg = load_environment(request.env, project)
    target_path = project.release_manifest(request.env)
    if cfg.release.promote_from is not None:
        raise UserInputError.single(
            "--env", request.env,
            f"{request.env!r} takes releases only by promotion from {cfg.release.promote_from!r} "
            f"(release.promote_from); cut into {cfg.release.promote_from} and run `mlops promote --from "
            f"{cfg.release.promote_from} --to {request.env}`",
            summary="releases enter this environment by promotion",
        )
    record = load_candidate(request.candidate_path)
    _require_served(record, cfg, request.candidate_path)
    current = find_manifest(request.env, cfg, project)
    refuse_during_canary(request.env, current, target_path)
    release = _release_id(request, current, project)
    built_from = _head(project)
    compiled = compile_templates(project.root)
    evaluation = _evaluation_of(record, request.candidate_path, project.root)
    return _Cut(
        request, project, cfg, record, current, release, built_from, request.commit or built_from, compiled,
        evaluation, target_path,
    )


def _write(cut: _Cut, manifest: ReleaseManifest, results: list[GateResult]) -> CutOutcome:
    """The diff, and (unless a dry run) the manifest, its history entry and record in one transaction."""
    request, project, current, target_path = cut.request, cut.project, cut.current, cut.target_path
    new_text = dump_manifest(manifest)
    old_text = target_path.read_text(encoding="utf-8") if target_path.is_file() else ""
    history_path = History.of(request.env, project).next_path(current.release) if current is not None else None
    policy = next(r for r in results if r.gate == gates.POLICY)
    diff = manifest_diff(old_text, new_text, target_path) + resource_diff(policy, request.env, project, current)
    if request.dry_run:
        return CutOutcome("would-cut", results, target_path, manifest, None, diff, current)
    event = ReleaseEvent(
        "cut", request.env, manifest, request.cut_by, manifest.provenance.promoted_at, current, results,
        candidate=record_summary(cut.record),
    )
    replaced = (history_path, old_text) if history_path is not None else None
    record_path = write_release(event, cut.cfg, project, new_text, replaced)
    return CutOutcome("cut", results, target_path, manifest, history_path, diff, current, record_path)


# --- checks -------------------------------------------------------------------------------------------------


def _require_served(record: CandidateRecord, cfg: EnvironmentConfig, path: Path) -> None:
    served = sorted(m.name for m in cfg.serving.models)
    if record.model not in served:
        raise UserInputError.single(
            str(path), "model",
            f"{record.model!r} is not a served model of environment {cfg.name!r} (served: "
            f"{', '.join(served) or 'none'}); run the tuning pipeline with served_model set to one of them",
            summary="invalid candidate record",
        )


def _evaluation_of(record: CandidateRecord, candidate_path: Path, root: Path) -> Evaluation:
    """The manifest's evaluation: the record's report (a relative path is the record's directory's), its digest
    and metrics to the manifest's 4 decimals."""
    report = record.evaluation.report
    if "://" not in report:
        path = Path(report) if Path(report).is_absolute() else candidate_path.resolve().parent / report
        report = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_uri()
    try:
        return Evaluation(
            report=report,
            report_digest=record.evaluation.report_digest,
            metrics={name: round(value, METRIC_DECIMALS) for name, value in sorted(record.evaluation.metrics.items())},
        )
    except ValidationError as exc:
        raise UserInputError.single(
            str(candidate_path), "evaluation.report",
            "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors(include_url=False)),
            summary="invalid candidate record",
        ) from None


def _head(project: Project) -> str:
    commit = checkout.head(project)
    if commit is None:
        raise UserInputError.single(
            str(project.root), "",
            "not a git checkout with a commit: a cut records the commit its templates are built from "
            "(provenance.built_from); run it in the repository",
            summary="no commit to build from",
        )
    return commit


# --- the manifest -------------------------------------------------------------------------------------------


def _release_id(request: CutRequest, current: ReleaseManifest | None, project: Project) -> str:
    history = History.of(request.env, project)
    used = {e.release for e in history.entries()} | {e.release for e in history.rolled_back()}
    if current is not None:
        used.add(current.release)
    if request.release is not None:
        problem = release_id_rule(request.release)
        if problem:
            raise UserInputError.single("--release", request.release, problem, summary="invalid release id")
        if request.release in used:
            raise UserInputError.single(
                "--release", request.release,
                f"{request.env} already ran release {request.release}; a release id names one bundle, pick a new one",
                summary="release id in use",
            )
        return request.release
    day = (request.now or datetime.now(UTC)).strftime("%Y-%m-%d")
    n = 1
    while f"r{day}-{n}" in used:
        n += 1
    release = f"r{day}-{n}"
    if not RELEASE_ID.fullmatch(release):  # a date and a counter always make a valid id
        raise ValueError(f"generated release id {release!r} is invalid")
    return release


def _package(data: bytes) -> str:
    info = yaml.safe_load(data).get("pipelineInfo", {})
    return str(info.get("name", ""))


def _manifest(cut: _Cut) -> ReleaseManifest:
    """The environment's manifest with the candidate: its schedules and deployments kept, digests from the tree."""
    request, record, current = cut.request, cut.record, cut.current
    pipelines = {}
    for name, data in sorted(cut.compiled.items()):
        kept = current.pipelines.get(name) if current else None
        pipelines[name] = PipelineRelease(
            package=kept.package if kept else _package(data),
            compiled=kept.compiled if kept else f"build/pipelines/{name}.yaml",
            digest=sha256_of(data),
            schedule=kept.schedule if kept else None,
        )
    tuned = ModelRelease(
        artifact_uri=record.artifact_uri,
        tuned_model=TunedModel(pipeline=TUNING_PIPELINE, run=record.tuning_run),
        serving_image=record.serving_image,
        description=(
            f"{record.model} tuned by {record.tuning_run} on {record.dataset.uri} "
            f"({record.dataset.digest[:19]}), prompt {record.prompt.template}"
        ),
    )
    running = current.models.get(record.model) if current else None
    models = dict(current.models) if current else {}
    models[record.model] = model_for_target(tuned, running, current, cut.cfg.release.canary_percent)
    draft = ReleaseManifest(
        release=cut.release,
        environment=request.env,
        pipelines=pipelines,
        models=dict(sorted(models.items())),
        gateway=current.gateway if current else None,  # a candidate is a model; the gateway image stays
        evaluation=cut.evaluation,
        provenance=Provenance(
            promoted_at=request.now or datetime.now(UTC),
            promoted_by=request.cut_by,
            commit=cut.commit,
            built_from=cut.built_from,
        ),
    )
    provenance = draft.provenance.model_copy(update={"bundle_digest": bundle_digest(draft)})
    return draft.model_copy(update={"provenance": provenance})


