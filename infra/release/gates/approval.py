"""The approval gate: a named approver is recorded where the target requires one (production by default), and
the approver is not the person promoting (separation of duties).
"""

from __future__ import annotations

from infra.release.gates.base import APPROVAL, GateContext, GateResult


def check(context: GateContext) -> GateResult:
    """A named approver is recorded where the target requires one, and is not the person promoting."""
    target, approve_by, promoted_by = context.target, context.approve_by, context.acted_by
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
