"""One report for the whole plan, as text, markdown (the PR comment) or JSON."""

from __future__ import annotations

from collections import Counter
from typing import Any

from infra.diff import diff_json, render_text
from infra.plan.build import EnvPlan, Plan
from infra.plan.policy import mandatory_lines, policy_json


def _policy_text(env: EnvPlan) -> list[str]:
    """Mandatory findings one per line; advisory ones counted per rule (`mlops check` lists each)."""
    report = env.policy
    if report is None:
        return [f"Policies: {env.policy_note}"]
    lines = [f"Policies: {len(report.mandatory)} mandatory, {len(report.advisory)} advisory violation(s)"]
    lines += [f"    MANDATORY {item}" for item in mandatory_lines(report)]
    if report.advisory:
        counts = Counter(v.rule_id for v in report.advisory)
        listed = ", ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))
        lines.append(f"    advisory: {listed} (details: mlops check --env {env.stack})")
    lines += [f"    exempted {item}" for item in report.exemption_lines()]
    return lines


def _danger_text(plan: Plan) -> list[str]:
    every = [d for env in plan.envs for d in env.dangers]
    if not every:
        return ["Dangerous changes: none", ""]
    lines = [f"Dangerous changes: {len(every)} ({len(plan.unacknowledged)} not acknowledged)"]
    for danger in every:
        ack = plan.acknowledgement_for(danger)
        status = f"acknowledged: {ack.reason}" if ack else "NOT ACKNOWLEDGED"
        lines.append(f"    {danger.change.upper()} {danger.stack}/{danger.name}: {danger.why} [{status}]")
    lines += [f"    stale acknowledgement (matches nothing): {a.resource}" for a in plan.stale_acknowledgements]
    return [*lines, ""]


def plan_text(plan: Plan) -> str:
    parts = ["\n".join(_danger_text(plan)) + "\n"]
    for env in plan.envs:
        parts.append(render_text(env.diff))
        if env.notes:
            parts.append("\n".join(["", "Notes:", *[f"    {n}" for n in env.notes]]) + "\n")
        parts.append("\n" + "\n".join(_policy_text(env)) + "\n\n")
    reasons = (["mandatory policy violations"] if plan.policy_failed else []) + (
        ["unacknowledged dangerous changes"] if plan.unacknowledged else [])
    verdict = f"FAIL: {', '.join(reasons)}" if reasons else "ok"
    parts.append(f"plan against {plan.base_label}: {verdict}\n")
    return "".join(parts)


def plan_markdown(plan: Plan) -> str:
    """The pull-request comment (`infra.plan.markdown`), within GitHub's size limit."""
    from infra.plan.markdown import plan_comment

    return plan_comment(plan)


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "base": plan.base_label,
        "exitCode": plan.exit_code,
        "dangers": [
            {"stack": d.stack, "urn": d.urn, "name": d.name, "type": d.type, "change": d.change, "why": d.why,
             "acknowledged": (ack.reason if (ack := plan.acknowledgement_for(d)) else None)}
            for env in plan.envs for d in env.dangers
        ],
        "acknowledgements": [
            {"resource": a.resource, "change": a.change, "stacks": list(a.stacks), "reason": a.reason,
             "source": a.source, "stale": a in plan.stale_acknowledgements}
            for a in plan.acknowledgements
        ],
        "stacks": [
            {
                **diff_json(env.diff),
                "deleted": env.deleted,
                "cost": env.cost.to_json() if env.cost else None,
                "notes": env.notes,
                "policy": policy_json(env.policy, env.policy_note),
            }
            for env in plan.envs
        ],
    }
