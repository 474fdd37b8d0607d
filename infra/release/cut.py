"""Cut a release into an environment from a tuning run's candidate record (`mlops release cut`).

The record (`candidate.json`, written by the tuning pipeline's register step; see pipelines.lib.candidate)
names the model artifacts, the serving image, the template digest the run executed and the evaluation report
with its digest and metrics. The cut writes the environment's manifest from it: the template digests compiled
from the tree (which must include the record's `pipeline_digest`), the environment's own schedules and
deployments, provenance (commit, who, when) and the bundle digest the next promotion checks. Nothing is
trusted that can be verified: the artifacts must be in the shared release location, a local report must
match its digest and metrics, the metrics must pass the environment's gates and the target must pass the
policy pack. Any failure blocks the cut with nothing written; a malformed record is a UserInputError (exit 2).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from contracts.errors import Problem, UserInputError
from infra.config.loader import _message, _render_path, load_environment
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release import gates
from infra.release.gates import GateResult
from infra.release.history import FileTransaction, History
from infra.release.manifest import (
    RELEASE_ID,
    Digest,
    Evaluation,
    ImageRef,
    ModelRelease,
    Name,
    PipelineRelease,
    Provenance,
    ReleaseManifest,
    Text,
    TunedModel,
    artifact_source_problems,
    bundle_digest,
    check_against_environment,
    dump_manifest,
    find_manifest,
    manifest_path,
    release_id_rule,
)
from infra.release.promotion import _model_for_target, _refuse_during_canary, manifest_diff, resource_diff
from infra.release.records import ReleaseEvent, next_record_path, render_record
from infra.release.templates import _compile_tree, sha256_of

CANDIDATE = "candidate"
TUNING_PIPELINE = "tuning"
METRIC_DECIMALS = 4
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class RecordPart(BaseModel):
    """Unknown keys are errors; JSON types as JSON has them (a timestamp is text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetRef(RecordPart):
    uri: Text
    digest: Digest


class CandidateEvaluation(RecordPart):
    report: Text
    """`gs://...`, `file:///...`, or a path relative to the record's directory."""
    report_digest: Digest
    metrics: dict[str, Fraction] = Field(min_length=1)


class PromptRef(RecordPart):
    template: Text
    digest: Digest


class CandidateRecord(RecordPart):
    """The candidate record (pinned shape, version 1)."""

    version: Literal[1]
    model: Name
    artifact_uri: Text
    serving_image: ImageRef
    tuning_run: Text
    pipeline_digest: Digest
    dataset: DatasetRef
    evaluation: CandidateEvaluation
    prompt: PromptRef
    created: AwareDatetime


def load_candidate(path: Path) -> CandidateRecord:
    """Read and validate a candidate record; every problem is reported at once with its key path."""
    if not path.is_file():
        raise UserInputError.single(str(path), "", "candidate record not found", summary="missing candidate record")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserInputError.single(
            str(path), "", f"not JSON ({exc}); expected the candidate.json a tuning run writes",
            summary="invalid candidate record",
        ) from None
    if not isinstance(document, dict):
        raise UserInputError.single(
            str(path), "", f"expected a JSON object, found {type(document).__name__}",
            summary="invalid candidate record",
        )
    try:
        return CandidateRecord.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(part for part in error["loc"] if part != "[key]")
            problems.append(Problem(str(path), _render_path(loc), _message(error, loc, CandidateRecord)))
        raise UserInputError(problems, summary="invalid candidate record") from None


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


def cut_release(
    request: CutRequest, project_dir: Path | None = None, policy_check: gates.PolicyCheck | None = None
) -> CutOutcome:
    """Build the environment's manifest from the candidate record; write it only when every gate passes."""
    root = (project_dir or Project.find().root).resolve()
    cfg = load_environment(request.env, Project(root))
    target_path = manifest_path(request.env, root)
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
    current = find_manifest(request.env, cfg, root)
    _refuse_during_canary(request.env, current, target_path)
    release = _release_id(request, current, root)
    built_from = _head(root)
    commit = request.commit or built_from
    compiled = compile_templates(root)

    candidate_gate = _candidate_gate(record, cfg, compiled, root, target_path)
    evaluation = _evaluation_of(record, request.candidate_path, root)
    evaluation_result = gates.evaluation_gate_of(evaluation, cfg, root)
    if not candidate_gate.passed:
        not_run = GateResult(gates.POLICY, False, ("not run: the candidate gate failed",), skipped=True)
        return CutOutcome("blocked", [candidate_gate, evaluation_result, not_run], target_path, previous=current)

    manifest = _manifest(request, record, cfg, current, compiled, evaluation, release, commit, built_from)
    problems = check_against_environment(manifest, cfg, target_path)
    if problems:
        raise UserInputError(problems, summary=f"release {release} does not fit environment {request.env!r}")
    if evaluation_result.passed:
        policy = gates.policy_gate(request.env, manifest, root, None, policy_check)
    else:  # the synth is the slow part; a failed evaluation already blocks
        policy = GateResult(gates.POLICY, False, ("not run: the evaluation gate failed",), skipped=True)
    results = [candidate_gate, evaluation_result, policy]
    if any(not r.passed for r in results):
        return CutOutcome("blocked", results, target_path, manifest, previous=current)

    new_text = dump_manifest(manifest)
    old_text = target_path.read_text(encoding="utf-8") if target_path.is_file() else ""
    history_path = History.of(request.env, root).next_path(current.release) if current is not None else None
    diff = manifest_diff(old_text, new_text, target_path) + resource_diff(policy, request.env, root, current)
    if request.dry_run:
        return CutOutcome("would-cut", results, target_path, manifest, None, diff, current)
    event = ReleaseEvent(
        "cut", request.env, manifest, request.cut_by, manifest.provenance.promoted_at, current, results,
        candidate=record_summary(record),
    )
    record_path = next_record_path(event, root)
    with FileTransaction() as tx:
        if history_path is not None:
            tx.write(history_path, old_text)
        tx.write(target_path, new_text)
        tx.write(record_path, render_record(event, cfg, root))
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


def _candidate_gate(
    record: CandidateRecord, cfg: EnvironmentConfig, compiled: dict[str, bytes], root: Path, target: Path
) -> GateResult:
    """The record's run executed a template this tree compiles to, its sources are committed, its artifacts
    are in the shared release location."""
    failures = []
    digests = {name: sha256_of(data) for name, data in compiled.items()}
    if record.pipeline_digest not in digests.values():
        failures.append(
            f"pipeline_digest {record.pipeline_digest} matches no template compiled from this tree ("
            + ", ".join(f"{name} {digest}" for name, digest in sorted(digests.items()))
            + "); cut from the commit the tuning run was built from"
        )
    dirty = _uncommitted(root)
    if dirty:
        failures.append(
            f"the pipeline sources have uncommitted changes ({', '.join(dirty[:3])}{' ...' if len(dirty) > 3 else ''})"
            "; commit them so provenance.built_from reproduces the templates"
        )
    if cfg.release.artifacts is None:
        failures.append(
            f"{cfg.name} sets no release.artifacts: a cut release must come from the shared release location "
            "every environment reads; set release.artifacts in the stack file"
        )
    else:
        probe = ModelRelease.model_construct(artifact_uri=record.artifact_uri, serving_image=record.serving_image)
        draft = ReleaseManifest.model_construct(models={record.model: probe})
        failures += [p.message for p in artifact_source_problems(draft, cfg, target)]
    if failures or cfg.release.artifacts is None:
        return GateResult(CANDIDATE, False, tuple(failures))
    matched = next(name for name, digest in digests.items() if digest == record.pipeline_digest)
    return GateResult(
        CANDIDATE, True,
        (f"run {record.tuning_run} executed the {matched} template compiled from this tree ({record.pipeline_digest})",
         f"artifacts and image are in the shared release location ({cfg.release.artifacts.bucket})"),
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


def _uncommitted(root: Path) -> list[str]:
    proc = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--", "pipelines"], capture_output=True, text=True,
        check=False,
    )
    return [line[3:] for line in proc.stdout.splitlines() if line.strip()] if proc.returncode == 0 else []


def _head(root: Path) -> str:
    proc = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise UserInputError.single(
            str(root), "",
            "not a git checkout with a commit: a cut records the commit its templates are built from "
            "(provenance.built_from); run it in the repository",
            summary="no commit to build from",
        )
    return proc.stdout.strip()


def compile_templates(root: Path) -> dict[str, bytes]:
    """The compiled bytes of every pipeline of the tree at `root`, by pipeline name."""
    with tempfile.TemporaryDirectory(prefix="mlops-cut-") as tmp:
        return _compile_tree(root, Path(tmp) / "compiled")


# --- the manifest -------------------------------------------------------------------------------------------


def _release_id(request: CutRequest, current: ReleaseManifest | None, root: Path) -> str:
    used = {e.release for e in History.of(request.env, root).entries()}
    used |= {e.release for e in History.of(request.env, root).rolled_back()}
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
    assert RELEASE_ID.fullmatch(release)
    return release


def _package(data: bytes) -> str:
    info = yaml.safe_load(data).get("pipelineInfo", {})
    return str(info.get("name", ""))


def _manifest(
    request: CutRequest,
    record: CandidateRecord,
    cfg: EnvironmentConfig,
    current: ReleaseManifest | None,
    compiled: dict[str, bytes],
    evaluation: Evaluation,
    release: str,
    commit: str,
    built_from: str,
) -> ReleaseManifest:
    """The environment's manifest with the candidate: its schedules and deployments kept, digests from the tree."""
    pipelines = {}
    for name, data in sorted(compiled.items()):
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
    models[record.model] = _model_for_target(tuned, running, current, cfg.release.canary_percent)
    draft = ReleaseManifest(
        release=release,
        environment=request.env,
        pipelines=pipelines,
        models=dict(sorted(models.items())),
        evaluation=evaluation,
        provenance=Provenance(
            promoted_at=request.now or datetime.now(UTC),
            promoted_by=request.cut_by,
            commit=commit,
            built_from=built_from,
        ),
    )
    provenance = draft.provenance.model_copy(update={"bundle_digest": bundle_digest(draft)})
    return draft.model_copy(update={"provenance": provenance})


def record_summary(record: CandidateRecord) -> dict[str, Any]:
    """What the release record shows of the candidate: data, prompt, run and creation time."""
    return {
        "tuning_run": record.tuning_run,
        "dataset": record.dataset.model_dump(),
        "prompt": record.prompt.model_dump(),
        "created": record.created.isoformat(),
    }
