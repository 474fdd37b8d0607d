"""The pull-request comment: danger first, then per stack its full resource diff, then grouped findings.

Order of the comment: verdict and summary table (changes, cost delta, policies per stack); dangerous changes
and their acknowledgements; a Mermaid picture of what changes; per stack its notes, mandatory findings, the
complete resource diff and advisory findings grouped per rule (details collapsed).

GitHub refuses comments over 65,536 characters; the comment is kept under `COMMENT_CAP` (64,000, as the
official Pulumi action does) by dropping the least important parts first — advisory details, exemption details,
the picture, the inputs listed for created resources — and only then resource diff lines, saying exactly what
was left out; `mlops plan --full-out FILE` writes the uncut report (CI attaches it as a workflow artifact).
Text from findings and notes is Markdown-escaped (`<crypto key id>` stays visible); diffs are in code blocks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from infra.diff.model import OPS
from infra.diff.render_markdown import REPORT_MARKER, stack_heading
from infra.diff.render_text import output_lines, step_lines
from infra.plan.build import EnvPlan, Plan
from infra.plan.mermaid import mermaid_lines
from infra.plan.policy import split_line

COMMENT_CAP = 64_000
_CODE_SPAN = re.compile(r"(`[^`\n]*`)")


def escape(text: str) -> str:
    """Markdown/HTML-escape prose, leaving `code spans` as they are (GitHub shows them literally)."""
    parts = _CODE_SPAN.split(text)
    for index in range(0, len(parts), 2):
        parts[index] = (
            parts[index].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
        )
    return "".join(parts)


@dataclass
class Budget:
    """What to leave out to fit the cap, from least to most important."""

    advisory_details: bool = True
    exemption_details: bool = True
    picture: bool = True
    create_inputs: bool = True
    diff_lines: int | None = None  # None: every line; otherwise at most this many per stack
    cut: list[str] = field(default_factory=list)


def _money(value: float) -> str:
    return f"{'+' if value > 0 else ''}{value:,.0f}"


def _cost_cell(env: EnvPlan) -> str:
    cost = env.cost
    if cost is None:
        return "-"
    low, high = cost.delta_usd
    if round(low) == 0 and round(high) == 0:
        return "±0"
    return f"{_money(low)} … {_money(high)}" if round(low) != round(high) else _money(low)


def _policy_cell(env: EnvPlan) -> str:
    policy = env.policy
    if not policy.available:
        return "not checked"
    icon = ":x:" if policy.mandatory else ":white_check_mark:"
    return f"{icon} {len(policy.mandatory)} mandatory, {len(policy.advisory)} advisory"


def _summary(plan: Plan) -> list[str]:
    lines = ["| stack | base | " + " | ".join(OPS) + " | cost delta $/month | policies |",
             "|---|---|" + "---:|" * len(OPS) + "---:|---|"]
    for env in plan.envs:
        counts = env.diff.change_summary()
        base = env.diff.base_label or env.diff.base_stack or "(nothing)"
        name = f"{env.stack} (stack file deleted)" if env.deleted else env.stack
        lines.append(f"| {escape(name)} | `{base}` | " + " | ".join(str(counts.get(op, 0)) for op in OPS)
                     + f" | {_cost_cell(env)} | {_policy_cell(env)} |")
    return lines


def _danger_section(plan: Plan) -> list[str]:
    every = [d for env in plan.envs for d in env.dangers]
    open_count = len(plan.unacknowledged)
    if not every:
        lines = ["#### :shield: Dangerous changes: none",
                 "", "No stateful or protected resource is replaced or deleted, no public or cross-project "
                 "principal is added.", ""]
    else:
        icon = ":rotating_light:" if open_count else ":warning:"
        lines = [f"#### {icon} Dangerous changes: {len(every)} ({open_count} not acknowledged)", "",
                 "| stack | resource | change | what it loses or opens | acknowledged |", "|---|---|---|---|---|"]
        for danger in every:
            ack = plan.acknowledgement_for(danger)
            status = f":white_check_mark: {escape(ack.reason)}" if ack else ":x: no"
            lines.append(f"| {danger.stack} | `{danger.name}` | **{danger.change}** | {escape(danger.why)} | "
                         f"{status} |")
        lines.append("")
        if open_count:
            lines += ["Each needs a written acknowledgement in `environments/acknowledgements.yaml` (resource, "
                      "change, reason) or `mlops plan --acknowledge NAME=REASON`; until then the plan fails.", ""]
    if plan.acknowledgements:
        lines.append(f"Acknowledgements ({len(plan.acknowledgements)}):")
        stale = plan.stale_acknowledgements
        for ack in plan.acknowledgements:
            what = f"{ack.change or 'any change'} of `{ack.resource}`"
            where = f" in {', '.join(ack.stacks)}" if ack.stacks else ""
            note = " — *matches no change in this plan: remove it*" if ack in stale else ""
            lines.append(f"- {what}{where}: {escape(ack.reason)} ({escape(ack.source)}){note}")
        lines.append("")
    return lines


def _grouped(items: list[str]) -> dict[str, list[tuple[str, str]]]:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for item in items:
        rule, where, message = split_line(item)
        groups[rule].append((where, message))
    return dict(sorted(groups.items()))


def _policy_section(env: EnvPlan, budget: Budget) -> list[str]:
    policy = env.policy
    if not policy.available:
        return [f"- policies: {escape(policy.note)}"]
    icon = ":x:" if policy.mandatory else ":white_check_mark:"
    lines = [f"- {icon} policies: {len(policy.mandatory)} mandatory, {len(policy.advisory)} advisory violation(s)"]
    lines += [f"  - **MANDATORY** {escape(item)}" for item in policy.mandatory]
    if policy.advisory:
        groups = _grouped(policy.advisory)
        touched = {s.name for s in env.diff.steps if s.op in ("create", "update", "replace")}
        summary = ", ".join(f"`{rule}` x{len(found)}" for rule, found in groups.items())
        lines += ["", f"<details><summary>{len(policy.advisory)} advisory finding(s) in {len(groups)} rule(s)"
                  "</summary>", "", summary, ""]
        on_changes = {rule: [f for f in found if f[0] in touched] for rule, found in groups.items()}
        on_changes = {rule: found for rule, found in on_changes.items() if found}
        if on_changes and budget.advisory_details:
            lines.append("On resources this change creates, updates or replaces:")
            for rule, found in on_changes.items():
                lines.append(f"- `{rule}` ({len(found)}): {escape(found[0][1])}")
                lines.append("  - on " + ", ".join(f"`{where}`" for where, _ in found))
            lines.append("")
        elif on_changes:
            lines.append("(per-finding details left out to fit the comment)")
        lines += [f"Every finding with its fix: `mlops check --env {env.stack}`.", "", "</details>"]
    if policy.exemptions:
        lines += ["", f"<details><summary>{len(policy.exemptions)} exemption(s) with their reasons</summary>", ""]
        if budget.exemption_details:
            by_reason: dict[tuple[str, str], list[str]] = defaultdict(list)
            for item in policy.exemptions:
                rule, where, reason = split_line(item)
                by_reason[(rule, re.sub(r" \(\d+ finding\(s\) waived\)$", "", reason))].append(where)
            for (rule, reason), names in by_reason.items():
                lines.append(f"- `{rule}` on " + ", ".join(f"`{n}`" for n in names) + f": {escape(reason)}")
        else:
            lines.append("(left out to fit the comment; every exemption and reason is in `policies/levels.yaml`)")
        lines += ["", "</details>"]
    return lines


def _diff_lines(env: EnvPlan, budget: Budget) -> list[str]:
    body: list[str] = []
    for step in env.diff.steps:
        if step.op == "same":
            continue
        lines = step_lines(step)
        if step.op == "create" and not budget.create_inputs:
            lines = [line for line in lines if not line.startswith("      + ")]
        body.extend(lines)
    if env.diff.outputs:
        body += ["", "Outputs:", *output_lines(env.diff)]
    return body


def _stack_section(env: EnvPlan, budget: Budget) -> list[str]:
    title = stack_heading(env.diff) + (" — stack file deleted" if env.deleted else "")
    lines = [title, ""]
    lines += [f"- {escape(note)}" for note in env.notes]
    lines += _policy_section(env, budget)
    lines.append("")
    body = _diff_lines(env, budget)
    if not body:
        return [*lines, "No resource changes.", ""]
    changed = sum(1 for s in env.diff.steps if s.op != "same")
    kept = body if budget.diff_lines is None else body[: budget.diff_lines]
    outputs = f", {len(env.diff.outputs)} output change(s)" if env.diff.outputs else ""
    lines += [f"<details open><summary>{changed} resource change(s){outputs}</summary>", "", "```diff", *kept,
              "```"]
    if len(kept) < len(body):
        lines.append(f"**{len(body) - len(kept)} of {len(body)} diff lines of `{env.stack}` left out** (see "
                     "the full report)")
    return [*lines, "</details>", ""]


def _render(plan: Plan, budget: Budget) -> str:
    failed = plan.exit_code != 0
    reasons = []
    if any(env.policy.failed for env in plan.envs):
        reasons.append("mandatory policy violations")
    if plan.unacknowledged:
        reasons.append(f"{len(plan.unacknowledged)} unacknowledged dangerous change(s)")
    verdict = f" — :x: {', '.join(reasons)}" if failed else ""
    out = [REPORT_MARKER, f"### Infrastructure plan against {plan.base_label}{verdict}", ""]
    if budget.cut:
        out += [f"> **Shortened to fit GitHub's comment limit** ({COMMENT_CAP:,} characters): "
                + "; ".join(budget.cut) + ". The full report is attached to the workflow run "
                "(`mlops plan --full-out FILE`).", ""]
    out += [*_summary(plan), "", *_danger_section(plan)]
    if budget.picture:
        picture = mermaid_lines(plan)
        if picture:
            out += ["<details open><summary>Picture of the change</summary>", "", *picture, "", "</details>", ""]
    for env in plan.envs:
        out += _stack_section(env, budget)
    return "\n".join(out) + "\n"


_STEPS: list[tuple[str, Callable[[Budget], None]]] = [
    ("advisory finding details (per-rule counts kept)", lambda b: setattr(b, "advisory_details", False)),
    ("exemption details", lambda b: setattr(b, "exemption_details", False)),
    ("the picture", lambda b: setattr(b, "picture", False)),
    ("the inputs listed under created resources", lambda b: setattr(b, "create_inputs", False)),
]


def plan_comment(plan: Plan, cap: int = COMMENT_CAP) -> str:
    """The comment, shortened (least important parts first) only when the full text exceeds `cap`."""
    budget = Budget()
    text = _render(plan, budget)
    for label, apply in _STEPS:
        if len(text) <= cap:
            return text
        apply(budget)
        budget.cut.append(label)
        text = _render(plan, budget)
    if len(text) <= cap:
        return text
    budget.cut.append("resource diff lines beyond what fits (each stack says how many)")
    low, high = 0, max(len(_diff_lines(env, budget)) for env in plan.envs)
    while low < high:  # the most diff lines per stack that still fit
        budget.diff_lines = (low + high + 1) // 2
        if len(_render(plan, budget)) <= cap:
            low = budget.diff_lines
        else:
            high = budget.diff_lines - 1
    budget.diff_lines = low
    text = _render(plan, budget)
    if len(text) > cap:  # headings and danger tables alone overflow: hard cut, still say so
        tail = f"\n\n**Report cut at {cap:,} characters; see the full report.**\n"
        text = text[: cap - len(tail)] + tail
    return text


def plan_full_markdown(plan: Plan) -> str:
    """The uncut report (no cap): what CI attaches as the workflow artifact."""
    return _render(plan, Budget())
