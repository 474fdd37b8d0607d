"""One report for the whole plan, as text, markdown (the PR comment) or JSON."""

from __future__ import annotations

from typing import Any

from infra.diff import diff_json, render_markdown, render_text
from infra.plan.build import EnvPlan, Plan


def _policy_lines(env: EnvPlan, bullet: str = "- ") -> list[str]:
    policy = env.policy
    if not policy.available:
        return [f"{bullet}policies: {policy.note}"]
    lines = [f"{bullet}policies: {len(policy.mandatory)} mandatory, {len(policy.advisory)} advisory violation(s)"]
    lines += [f"{bullet}MANDATORY {item}" for item in policy.mandatory]
    lines += [f"{bullet}advisory {item}" for item in policy.advisory]
    return lines


def plan_text(plan: Plan) -> str:
    parts = []
    for env in plan.envs:
        parts.append(render_text(env.diff))
        parts.append("\n".join(["Notes:", *[f"    {n}" for n in env.notes]]) + "\n" if env.notes else "")
        parts.append("\n".join(_policy_lines(env, "    ")) + "\n\n")
    verdict = "FAIL: mandatory policy violations" if plan.exit_code else "ok"
    parts.append(f"plan against {plan.base_label}: {verdict}\n")
    return "".join(parts)


def _policy_markdown(env: EnvPlan) -> list[str]:
    """Mandatory findings visible, advisory ones collapsed (they can be many)."""
    policy = env.policy
    if not policy.available:
        return [f"- policies: {policy.note}"]
    icon = ":x:" if policy.mandatory else ":white_check_mark:"
    lines = [f"- {icon} policies: {len(policy.mandatory)} mandatory, {len(policy.advisory)} advisory violation(s)"]
    lines += [f"  - **MANDATORY** {item}" for item in policy.mandatory]
    if policy.advisory:
        lines += ["", f"<details><summary>{len(policy.advisory)} advisory finding(s)</summary>", ""]
        lines += [f"- {item}" for item in policy.advisory]
        lines += ["", "</details>"]
    return lines


def plan_markdown(plan: Plan) -> str:
    notes = {env.stack: [*(f"- {n}" for n in env.notes), *_policy_markdown(env)] for env in plan.envs}
    verdict = " — :x: mandatory policy violations" if plan.exit_code else ""
    return render_markdown([env.diff for env in plan.envs], notes,
                           title=f"Infrastructure plan against {plan.base_label}{verdict}")


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "base": plan.base_label,
        "exitCode": plan.exit_code,
        "stacks": [
            {
                **diff_json(env.diff),
                "notes": env.notes,
                "policy": {"available": env.policy.available, "mandatory": env.policy.mandatory,
                           "advisory": env.policy.advisory, "note": env.policy.note},
            }
            for env in plan.envs
        ],
    }
