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

from infra.diff.model import OPS
from infra.diff.render_markdown import (
    CREATE_INPUTS,
    MARKDOWN_CAP,
    REPORT_MARKER,
    Budget,
    diff_body,
    fit,
    kept_lines,
    stack_heading,
)
from infra.plan.build import EnvPlan, Plan
from infra.plan.mermaid import mermaid_lines
from infra.plan.policy import advisory_lines, mandatory_lines, split_line

COMMENT_CAP = MARKDOWN_CAP
ADVISORY_DETAILS = "advisory_details"
EXEMPTION_DETAILS = "exemption_details"
PICTURE = "picture"
PARTS = (
    (ADVISORY_DETAILS, "advisory finding details (per-rule counts kept)"),
    (EXEMPTION_DETAILS, "exemption details"),
    (PICTURE, "the picture"),
    (CREATE_INPUTS, "the inputs listed under created resources"),
)
"""What the comment leaves out to fit, least important first (`infra.diff.render_markdown.fit`)."""
_CODE_SPAN = re.compile(r"(`[^`\n]*`)")


def escape(text: str) -> str:
    """Markdown/HTML-escape prose, leaving `code spans` as they are (GitHub shows them literally)."""
    parts = _CODE_SPAN.split(text)
    for index in range(0, len(parts), 2):
        parts[index] = (
            parts[index].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
        )
    return "".join(parts)


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
    report = env.policy
    if report is None:
        return "not checked"
    icon = ":x:" if report.mandatory else ":white_check_mark:"
    return f"{icon} {len(report.mandatory)} mandatory, {len(report.advisory)} advisory"


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
    report = env.policy
    if report is None:
        return [f"- policies: {escape(env.policy_note)}"]
    icon = ":x:" if report.mandatory else ":white_check_mark:"
    lines = [f"- {icon} policies: {len(report.mandatory)} mandatory, {len(report.advisory)} advisory violation(s)"]
    lines += [f"  - **MANDATORY** {escape(item)}" for item in mandatory_lines(report)]
    if report.advisory:
        groups = _grouped(advisory_lines(report))
        touched = {s.name for s in env.diff.steps if s.op in ("create", "update", "replace")}
        summary = ", ".join(f"`{rule}` x{len(found)}" for rule, found in groups.items())
        lines += ["", f"<details><summary>{len(report.advisory)} advisory finding(s) in {len(groups)} rule(s)"
                  "</summary>", "", summary, ""]
        on_changes = {rule: [f for f in found if f[0] in touched] for rule, found in groups.items()}
        on_changes = {rule: found for rule, found in on_changes.items() if found}
        if on_changes and budget.keeps(ADVISORY_DETAILS):
            lines.append("On resources this change creates, updates or replaces:")
            for rule, found in on_changes.items():
                lines.append(f"- `{rule}` ({len(found)}): {escape(found[0][1])}")
                lines.append("  - on " + ", ".join(f"`{where}`" for where, _ in found))
            lines.append("")
        elif on_changes:
            lines.append("(per-finding details left out to fit the comment)")
        lines += [f"Every finding with its fix: `mlops check --env {env.stack}`.", "", "</details>"]
    exemptions = report.exemption_lines()
    if exemptions:
        lines += ["", f"<details><summary>{len(exemptions)} exemption(s) with their reasons</summary>", ""]
        if budget.keeps(EXEMPTION_DETAILS):
            by_reason: dict[tuple[str, str], list[str]] = defaultdict(list)
            for item in exemptions:
                rule, where, reason = split_line(item)
                by_reason[(rule, re.sub(r" \(\d+ finding\(s\) waived\)$", "", reason))].append(where)
            for (rule, reason), names in by_reason.items():
                lines.append(f"- `{rule}` on " + ", ".join(f"`{n}`" for n in names) + f": {escape(reason)}")
        else:
            lines.append("(left out to fit the comment; every exemption and reason is in `policies/levels.yaml`)")
        lines += ["", "</details>"]
    return lines


def _stack_section(env: EnvPlan, budget: Budget) -> list[str]:
    title = stack_heading(env.diff) + (" — stack file deleted" if env.deleted else "")
    lines = [title, ""]
    lines += [f"- {escape(note)}" for note in env.notes]
    lines += _policy_section(env, budget)
    lines.append("")
    body = diff_body(env.diff, budget)
    if not body:
        return [*lines, "No resource changes.", ""]
    changed = sum(1 for s in env.diff.steps if s.op != "same")
    kept = kept_lines(body, budget)
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
    if plan.policy_failed:
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
    if budget.keeps(PICTURE):
        picture = mermaid_lines(plan)
        if picture:
            out += ["<details open><summary>Picture of the change</summary>", "", *picture, "", "</details>", ""]
    for env in plan.envs:
        out += _stack_section(env, budget)
    return "\n".join(out) + "\n"


def plan_comment(plan: Plan, cap: int = COMMENT_CAP) -> str:
    """The comment, shortened (least important parts first) only when the full text exceeds `cap`."""

    def longest(budget: Budget) -> int:
        return max(len(diff_body(env.diff, budget)) for env in plan.envs)

    return fit(lambda budget: _render(plan, budget), PARTS, longest, cap, tail="; see the full report")


def plan_full_markdown(plan: Plan) -> str:
    """The uncut report (no cap): what CI attaches as the workflow artifact."""
    return _render(plan, Budget())
