"""What every gate shares: the context it judges, the result it returns, and how gates are composed.

A gate is a `GateCheck`, one function from a `GateContext` (everything known about the release entering an
environment) to a `GateResult` (passed or not, and why). `run_gates` runs a composition in the order given,
where a gate may name gates that must pass before it runs (the slow policy synth waits for the cheap ones).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release.schema import Evaluation, ReleaseManifest

if TYPE_CHECKING:
    from infra.release.candidate_record import CandidateRecord

CANDIDATE = "candidate"
EVALUATION = "evaluation"
POLICY = "policy"
LINEAGE = "lineage"
APPROVAL = "approval"


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


@dataclass(frozen=True)
class Upstream:
    """Where a promoted bundle comes from: the source environment, its manifest and config."""

    env: str
    manifest: ReleaseManifest
    cfg: EnvironmentConfig
    expected_release: str | None = None
    """Promote only if the source runs this release (`--release`)."""


@dataclass(frozen=True)
class CutEvidence:
    """What a release cut checks its candidate record against."""

    record: CandidateRecord
    template_digests: Mapping[str, str]
    """`sha256:` of every pipeline compiled from the tree, by pipeline name."""
    uncommitted: Sequence[str]
    """Pipeline source files with uncommitted changes."""
    manifest_path: Path


@dataclass(frozen=True)
class GateContext:
    """Everything a gate may judge about one release entering `target`."""

    project: Project
    target: EnvironmentConfig
    evaluation: Evaluation
    """The evaluation backing the release (a cut has it before the manifest exists)."""
    candidate: ReleaseManifest | None = None
    """The manifest that would be written; None while a cut's candidate record is not yet accepted."""
    upstream: Upstream | None = None
    """The source of a promotion; None for a cut."""
    cut: CutEvidence | None = None
    """The candidate record of a cut; None for a promotion."""
    acted_by: str = ""
    approve_by: str | None = None
    skip_policy_check: str | None = None
    """The reason given for not running the policy gate; None runs it."""


GateCheck = Callable[[GateContext], GateResult]
"""The one signature of a gate."""


@dataclass(frozen=True)
class Gate:
    """A gate in a composition: its name, its check, and the gates that must pass before it runs."""

    name: str
    check: GateCheck
    after: tuple[str, ...] = ()


def run_gates(
    gates: Sequence[Gate], context: GateContext, done: Mapping[str, GateResult] | None = None
) -> list[GateResult]:
    """Every gate's result in the order given; a gate whose prerequisite failed is reported as not run.

    `done` holds results the caller already has (a cut judges its candidate record before the manifest exists).
    """
    by_name = {gate.name: gate for gate in gates}
    results: dict[str, GateResult] = dict(done or {})

    def result(gate: Gate) -> GateResult:
        if gate.name not in results:
            failed = next((p for p in gate.after if not result(by_name[p]).passed), None)
            results[gate.name] = (
                GateResult(gate.name, False, (f"not run: the {failed} gate failed",), skipped=True)
                if failed is not None
                else gate.check(context)
            )
        return results[gate.name]

    return [result(gate) for gate in gates]
