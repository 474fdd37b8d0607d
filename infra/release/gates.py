"""The four gates a release passes before it enters an environment; each says why it failed.

1. evaluation: the bundle's metrics meet the target environment's `release.evaluation_gates`, and the report
   (a local file, or a `gs://` object read with google-cloud-storage) matches `evaluation.report_digest` and
   its metrics are the manifest's; a report that cannot be read fails the gate with the reason.
2. policy: the target, synthesized offline with the candidate manifest, has no mandatory policy violation.
3. lineage: the bundle comes from the environment the target accepts (`release.promote_from`), unchanged
   since it passed that environment's own gates, and is exactly what the source runs (digests and versions).
4. approval: a named approver is recorded where the target requires one (production by default), and the
   approver is not the person promoting (separation of duties).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import yaml

from contracts.errors import UserInputError
from infra.config.loader import read_yaml
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release.manifest import (
    MANIFEST_PREFIX,
    Evaluation,
    ReleaseManifest,
    bundle_digest,
    bundle_of,
    dump_manifest,
)

EVALUATION = "evaluation"
POLICY = "policy"
LINEAGE = "lineage"
APPROVAL = "approval"
GATE_ORDER = (EVALUATION, POLICY, LINEAGE, APPROVAL)


@dataclass(frozen=True)
class GateResult:
    """The outcome of one gate: passed or not, and the reasons (why it failed, or notes when it passed)."""

    gate: str
    passed: bool
    reasons: tuple[str, ...] = ()
    skipped: bool = False
    snapshot: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """The policy gate's synthesized target (reused for the target's resource diff)."""

    def render(self) -> str:
        labels = {(True, False): "passed", (False, False): "FAILED", (True, True): "SKIPPED", (False, True): "NOT RUN"}
        status = labels[(self.passed, self.skipped)]
        lines = [f"gate {self.gate}: {status}"]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


# --- 1. evaluation ----------------------------------------------------------------------------------------


def evaluation_gate(
    manifest: ReleaseManifest, target: EnvironmentConfig, project_dir: Path | None = None
) -> GateResult:
    """Every bounded metric is present and within its bounds, and a local report backs the recorded metrics."""
    return evaluation_gate_of(manifest.evaluation, target, project_dir)


def evaluation_gate_of(
    evaluation: Evaluation, target: EnvironmentConfig, project_dir: Path | None = None
) -> GateResult:
    """The evaluation gate on an evaluation alone (a release cut judges it before the manifest exists)."""
    metrics = evaluation.metrics
    failures = []
    for name, bound in sorted(target.release.evaluation_gates.items()):
        value = metrics.get(name)
        if value is None:
            failures.append(
                f"metric {name!r} is required by {target.name}'s gates but missing from the evaluation "
                f"({evaluation.report}); metrics present: {', '.join(sorted(metrics)) or 'none'}"
            )
            continue
        if bound.min is not None and value < bound.min:
            failures.append(f"{name} {value:.4f} is below {target.name}'s minimum {bound.min:.4f}")
        if bound.max is not None and value > bound.max:
            failures.append(f"{name} {value:.4f} is above {target.name}'s maximum {bound.max:.4f}")
    report_failures, report_note = check_report(evaluation, project_dir or Project.find().root)
    failures += report_failures
    if failures:
        return GateResult(EVALUATION, False, tuple(failures + ([report_note] if report_note else [])))
    checked = ", ".join(f"{n}={metrics[n]:.4f}" for n in sorted(target.release.evaluation_gates))
    return GateResult(EVALUATION, True, (f"{checked} within {target.name}'s bounds", report_note))


METRIC_TOLERANCE = 5e-5
"""Manifests record metrics to 4 decimals; a report value rounds to the same number."""


def report_file(report: str, project_dir: Path) -> Path | None:
    """The local file of a report reference, or None for a `gs://` report (read from Cloud Storage)."""
    if report.startswith("gs://"):
        return None
    if report.startswith("file://"):
        return Path(url2pathname(urlparse(report).path))
    return project_dir / report


def check_report(evaluation: Evaluation, project_dir: Path) -> tuple[list[str], str]:
    """(failures, note): the report (a local file, or a `gs://` object fetched from Cloud Storage) must be
    readable, match `report_digest` and hold exactly the manifest's metrics."""
    path = report_file(evaluation.report, project_dir)
    if path is None:
        from infra.release.report_store import ReportUnreadable, read_gcs

        try:
            data = read_gcs(evaluation.report)
        except ReportUnreadable as exc:
            return [f"report {evaluation.report} could not be read ({exc}); the evaluation cannot be verified"], ""
    elif not path.is_file():
        return [f"report {evaluation.report} not found ({path}); the evaluation cannot be verified"], ""
    else:
        data = path.read_bytes()
    actual = "sha256:" + hashlib.sha256(data).hexdigest()
    if evaluation.report_digest is None:
        return [
            f"report {evaluation.report} has no evaluation.report_digest; pin the report with "
            f"report_digest: {actual} (after checking it is the evaluation run's report)"
        ], ""
    if evaluation.report_digest != actual:
        return [
            f"report {evaluation.report} does not match evaluation.report_digest ({evaluation.report_digest} "
            f"recorded, {actual} {'on disk' if path else 'in Cloud Storage'}): the report changed after the release "
            "was cut"
        ], ""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"report {evaluation.report} is not JSON ({exc}); expected the evaluation summary"], ""
    reported = document.get("metrics") if isinstance(document, dict) else None
    if not isinstance(reported, dict):
        return [f"report {evaluation.report} has no `metrics` mapping; expected the evaluation summary"], ""
    differences = []
    for name in sorted(set(reported) | set(evaluation.metrics)):
        ours, theirs = evaluation.metrics.get(name), reported.get(name)
        same = (
            isinstance(ours, float)
            and isinstance(theirs, int | float)
            and not isinstance(theirs, bool)
            and abs(ours - theirs) <= METRIC_TOLERANCE
        )
        if not same:
            differences.append(f"{name}: manifest {_metric(ours)}, report {_metric(theirs)}")
    if differences:
        return [f"evaluation.metrics differ from the report {evaluation.report}: " + "; ".join(differences)], ""
    return [], f"report {evaluation.report} verified: digest {actual}, metrics equal the manifest's"


def _metric(value: object) -> str:
    return "missing" if value is None else repr(value)


# --- 2. policy ----------------------------------------------------------------------------------------------


class PolicyCheckUnavailable(RuntimeError):
    """The offline synth or the policy engine cannot run here; the gate fails closed."""


@dataclass(frozen=True)
class PolicyOutcome:
    """What the policy engine found for the candidate: mandatory violations block, advisory ones are shown."""

    mandatory: tuple[str, ...]
    advisory: tuple[str, ...] = ()
    resources: int = 0
    snapshot: dict[str, Any] | None = None


PolicyCheck = Callable[[str, ReleaseManifest, Path], PolicyOutcome]
"""(target env, candidate manifest, project dir) -> outcome; raises PolicyCheckUnavailable when it cannot run."""


def policy_gate(
    target_env: str,
    candidate: ReleaseManifest,
    project_dir: Path,
    skip_reason: str | None = None,
    check: PolicyCheck | None = None,
) -> GateResult:
    """Run the policy check of the target with the candidate manifest; fail closed when it cannot run."""
    if skip_reason is not None:
        return GateResult(POLICY, True, (f"not run: --skip-policy-check given ({skip_reason})",), skipped=True)
    try:
        outcome = (check or synth_and_check)(target_env, candidate, project_dir)
    except PolicyCheckUnavailable as exc:
        return GateResult(
            POLICY,
            False,
            (
                f"could not run the policy check of {target_env}: {exc}",
                "the gate fails closed; fix the cause, or pass --skip-policy-check REASON to promote without it "
                "(the reason is recorded in the manifest's provenance; refused for a production-tier target)",
            ),
        )
    if outcome.mandatory:
        return GateResult(POLICY, False, tuple(f"mandatory: {v}" for v in outcome.mandatory), snapshot=outcome.snapshot)
    notes = [f"{outcome.resources} resources checked, no mandatory violation"]
    notes += [f"advisory: {v}" for v in outcome.advisory]
    return GateResult(POLICY, True, tuple(notes), snapshot=outcome.snapshot)


@contextlib.contextmanager
def staged_project(project_dir: Path, env: str, candidate: ReleaseManifest) -> Iterator[Path]:
    """A scratch copy of the project's configuration with the candidate manifest in place.

    Only `Pulumi.yaml` (with `main` pointing back at the real program) and the stack config directory are
    copied, so the synth runs the same program code and reads the candidate instead of the current manifest.
    """
    source_project = read_yaml(project_dir / "Pulumi.yaml")
    with tempfile.TemporaryDirectory(prefix="mlops-promote-") as tmp:
        scratch = Path(tmp)
        document = dict(source_project)
        document["main"] = str((project_dir / str(source_project.get("main") or ".")).resolve())
        document["stackConfigDir"] = "environments"
        (scratch / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        shutil.copytree(Project(project_dir).environments_dir, scratch / "environments")
        (scratch / "environments" / f"{MANIFEST_PREFIX}{env}.yaml").write_text(
            dump_manifest(candidate), encoding="utf-8"
        )
        yield scratch


def synth_and_check(target_env: str, candidate: ReleaseManifest, project_dir: Path) -> PolicyOutcome:
    """Synthesize the target offline with the candidate manifest and evaluate the policy pack on it."""
    try:
        from infra.synth import synth_stack
        from policies.discovery import discover_rules
        from policies.engine import evaluate
        from policies.levels import load_levels
        from policies.snapshot import parse_snapshot
    except ImportError as exc:
        raise PolicyCheckUnavailable(f"the offline synth or policy engine is not installed ({exc})") from None
    scratch = Path("<scratch project>")
    try:
        with staged_project(project_dir, target_env, candidate) as scratch:
            document = synth_stack(target_env, Project(scratch))
    except UserInputError as exc:
        text = str(exc).replace(str(scratch), str(project_dir))
        raise PolicyCheckUnavailable(f"the program rejected the candidate: {text}") from None
    except Exception as exc:  # a program or synth failure must block the promotion, not crash it
        raise PolicyCheckUnavailable(f"the offline synth of {target_env} failed: {type(exc).__name__}: {exc}") from exc
    _require_candidate_in(document, candidate)
    snapshot = parse_snapshot(document, f"<synth of {target_env} with release {candidate.release}>")
    rules = discover_rules()
    report = evaluate(snapshot.resources, target_env, load_levels(None, rules), rules)

    def line(v: Any) -> str:
        return f"{v.rule_id} on {v.urn or 'the stack'}: {v.message}"

    return PolicyOutcome(
        mandatory=tuple(line(v) for v in report.mandatory),
        advisory=tuple(line(v) for v in report.violations if v not in report.mandatory),
        resources=report.resources_evaluated,
        snapshot=document,
    )


def _require_candidate_in(document: dict[str, Any], candidate: ReleaseManifest) -> None:
    """The snapshot must show the candidate's digests; otherwise the check would judge the wrong release."""
    text = repr([r.get("inputs") for r in document.get("resources", [])])
    missing = [p.digest for p in candidate.pipelines.values() if p.digest not in text]
    missing += [m.serving_image for m in candidate.models.values() if m.serving_image not in text]
    if missing:
        raise PolicyCheckUnavailable(
            "the synthesized program does not declare the candidate release (missing "
            f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}); the program must read the release "
            "manifest from the stack config directory of the project being run (Pulumi root directory)"
        )


# --- 3. lineage ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lineage:
    """What the lineage gate compares."""

    source_env: str
    source: ReleaseManifest
    source_cfg: EnvironmentConfig
    candidate: ReleaseManifest
    expected_release: str | None = None
    notes: list[str] = field(default_factory=list)


def lineage_gate(lineage: Lineage, target: EnvironmentConfig) -> GateResult:
    """The bundle comes from where the target accepts it, unchanged, and is exactly what the source runs."""
    source, candidate = lineage.source, lineage.candidate
    failures = []
    allowed = target.release.promote_from
    if allowed is not None and lineage.source_env != allowed:
        failures.append(
            f"{target.name} accepts releases only from {allowed!r} (release.promote_from), not from "
            f"{lineage.source_env!r}"
        )
    recorded = source.provenance.bundle_digest
    actual = bundle_digest(source)
    if recorded is not None and recorded != actual:
        failures.append(
            f"{lineage.source_env}'s manifest was edited after release {source.release} was promoted into it "
            f"(bundle {recorded} recorded, {actual} now); promote it into {lineage.source_env} again"
        )
    upstream = lineage.source_cfg.release.promote_from
    if allowed is not None and upstream is not None and source.provenance.promoted_from != upstream:
        failures.append(
            f"release {source.release} did not reach {lineage.source_env} through promotion from {upstream!r} "
            f"(provenance.promoted_from is {source.provenance.promoted_from!r}); only a promoted bundle moves on"
        )
    if lineage.expected_release is not None and source.release != lineage.expected_release:
        failures.append(
            f"{lineage.source_env} runs release {source.release}, not {lineage.expected_release} (--release)"
        )
    failures += _bundle_differences(lineage.source_env, source, candidate)
    if failures:
        return GateResult(LINEAGE, False, tuple(failures))
    return GateResult(
        LINEAGE, True, (f"release {source.release} is exactly what {lineage.source_env} runs (bundle {actual})",)
    )


def _bundle_differences(source_env: str, source: ReleaseManifest, candidate: ReleaseManifest) -> list[str]:
    ours, theirs = bundle_of(candidate), bundle_of(source)
    found = []
    if ours["release"] != theirs["release"]:
        found.append(f"release id {ours['release']} differs from {source_env}'s {theirs['release']}")
    for kind, key in (("pipelines", "digest"), ("models", "artifact_uri"), ("models", "serving_image")):
        for name in sorted(set(ours[kind]) | set(theirs[kind])):
            mine, src = ours[kind].get(name, {}).get(key), theirs[kind].get(name, {}).get(key)
            if mine != src:
                found.append(f"{kind}.{name}.{key}: {mine} differs from what {source_env} runs ({src})")
    if ours["evaluation"] != theirs["evaluation"]:
        found.append(f"evaluation differs from {source_env}'s")
    if ours["built_from"] != theirs["built_from"]:
        found.append(f"built_from {ours['built_from']} differs from {source_env}'s {theirs['built_from']}")
    return found


# --- 4. approval --------------------------------------------------------------------------------------------


def approval_gate(target: EnvironmentConfig, approve_by: str | None, promoted_by: str) -> GateResult:
    if not target.approval_required:
        note = f"recorded approval by {approve_by}" if approve_by else f"{target.name} requires no approval"
        return GateResult(APPROVAL, True, (note,))
    if not approve_by or not approve_by.strip():
        return GateResult(
            APPROVAL,
            False,
            (
                f"{target.name} requires an approval (release.require_approval / tier {target.tier}); "
                "pass --approve-by NAME of the approver",
            ),
        )
    if approve_by.strip().lower() == promoted_by.strip().lower():
        return GateResult(
            APPROVAL, False, (f"the approver ({approve_by}) is the person promoting; a second person must approve",)
        )
    return GateResult(APPROVAL, True, (f"approved by {approve_by}",))
