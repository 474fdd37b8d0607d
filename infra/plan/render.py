"""One report for the whole plan, as text, markdown (the PR comment) or JSON."""

from __future__ import annotations

from collections import Counter
from typing import Any

from infra.diff import diff_json, render_markdown, render_text
from infra.plan.build import EnvPlan, Plan


def _policy_text(env: EnvPlan) -> list[str]:
    """Mandatory findings one per line; advisory ones counted per rule (`mlops check` lists each)."""
    policy = env.policy
    if not policy.available:
        return [f"Policies: {policy.note}"]
    lines = [f"Policies: {len(policy.mandatory)} mandatory, {len(policy.advisory)} advisory violation(s)"]
    lines += [f"    MANDATORY {item}" for item in policy.mandatory]
    if policy.advisory:
        counts = Counter(item.split("]", 1)[0].lstrip("[") for item in policy.advisory)
        listed = ", ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))
        lines.append(f"    advisory: {listed} (details: mlops check --env {env.stack})")
    lines += [f"    exempted {item}" for item in policy.exemptions]
    return lines


def plan_text(plan: Plan) -> str:
    parts = []
    for env in plan.envs:
        parts.append(render_text(env.diff))
        if env.notes:
            parts.append("\n".join(["", "Notes:", *[f"    {n}" for n in env.notes]]) + "\n")
        parts.append("\n" + "\n".join(_policy_text(env)) + "\n\n")
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
    if policy.exemptions:
        lines += ["", f"<details><summary>{len(policy.exemptions)} exemption(s) with their reasons</summary>", ""]
        lines += [f"- {item}" for item in policy.exemptions]
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
                           "advisory": env.policy.advisory, "exemptions": env.policy.exemptions,
                           "note": env.policy.note},
            }
            for env in plan.envs
        ],
    }
