"""The gates a release passes before it enters an environment, composed in one place; each says why it failed.

- candidate (a cut): the tuning run's template is compiled from this tree, sources committed, artifacts shared.
- evaluation: the metrics meet the target's `release.evaluation_gates` and the report backs them.
- policy: the target, synthesized offline with the candidate manifest, has no mandatory policy violation.
- lineage (a promotion): the bundle comes from where the target accepts it, unchanged, exactly as the source runs it.
- approval (a promotion): a named approver other than the promoter, where the target requires one.

Every gate is one `GateCheck` (`GateContext -> GateResult`); `run_gates` runs a composition below.
"""

from __future__ import annotations

from infra.release.gates import approval, candidate, evaluation, lineage, policy
from infra.release.gates.base import (
    APPROVAL,
    CANDIDATE,
    EVALUATION,
    LINEAGE,
    POLICY,
    CutEvidence,
    Gate,
    GateCheck,
    GateContext,
    GateResult,
    Upstream,
    run_gates,
)

PROMOTION_GATES = (
    Gate(EVALUATION, evaluation.check),
    Gate(POLICY, policy.check, after=(APPROVAL,)),  # the target's program rejects a candidate lacking its approval
    Gate(LINEAGE, lineage.check),
    Gate(APPROVAL, approval.check),
)
"""What `mlops promote` runs, in the order it reports them."""

CUT_GATES = (
    Gate(CANDIDATE, candidate.check),
    Gate(EVALUATION, evaluation.check),
    Gate(POLICY, policy.check, after=(CANDIDATE, EVALUATION)),  # the synth is the slow part
)
"""What `mlops release cut` runs, in the order it reports them."""

__all__ = [
    "APPROVAL",
    "CANDIDATE",
    "CUT_GATES",
    "EVALUATION",
    "LINEAGE",
    "POLICY",
    "PROMOTION_GATES",
    "CutEvidence",
    "Gate",
    "GateCheck",
    "GateContext",
    "GateResult",
    "Upstream",
    "run_gates",
]
