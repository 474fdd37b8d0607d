"""JSON shaped like `pulumi preview --json`: `steps` (op, urn, oldState, newState, detailedDiff, ...) and
`changeSummary`, plus `outputs` (stack output changes) which preview reports only inside the Stack's state."""

from __future__ import annotations

from typing import Any

from infra.diff.model import StackDiff, Step


def step_json(step: Step) -> dict[str, Any]:
    state = step.new or step.old or {}
    item: dict[str, Any] = {
        "op": step.op,
        "urn": step.urn,
        "type": step.type,
        "provider": state.get("provider") or "",
        "oldState": step.old,
        "newState": step.new,
    }
    if step.op in ("update", "replace"):
        item["diffReasons"] = step.diff_reasons
        item["replaceReasons"] = step.replace_reasons
        item["detailedDiff"] = {d.path: {"kind": d.kind, "inputDiff": True} for d in step.detailed_diff}
    if step.old_urn:
        item["oldUrn"] = step.old_urn
    return item


def diff_json(diff: StackDiff) -> dict[str, Any]:
    return {
        "project": diff.project,
        "stack": diff.stack,
        "base": diff.base_label or diff.base_stack,
        "steps": [step_json(s) for s in diff.steps],
        "changeSummary": diff.change_summary(),
        "outputs": {o.name: {"kind": o.kind, "old": o.old, "new": o.new} for o in diff.outputs},
    }
