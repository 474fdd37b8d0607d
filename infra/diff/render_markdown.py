"""Markdown for a pull-request comment: a stable heading per stack, a summary table, details collapsed.

GitHub rejects comments over 65,536 characters; the report is capped at `MARKDOWN_CAP` (60,000). Headings and
summary tables always stay; details are cut at a line boundary and a line says what was cut and how to see it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infra.diff.model import OPS, StackDiff
from infra.diff.render_text import output_lines, step_lines

MARKDOWN_CAP = 60_000
REPORT_MARKER = "<!-- mlops-plan-report -->"
"""Hidden line by which CI finds (and edits) its earlier comment."""


def stack_heading(diff: StackDiff) -> str:
    return f"#### :tropical_drink: `mlops plan` on {diff.project}/{diff.stack}"


def _summary_table(diffs: Sequence[StackDiff]) -> list[str]:
    lines = ["| stack | base | " + " | ".join(OPS) + " |", "|---|---|" + "---:|" * len(OPS)]
    for diff in diffs:
        counts = diff.change_summary()
        base = diff.base_label or diff.base_stack or "(nothing)"
        lines.append(f"| {diff.stack} | `{base}` | " + " | ".join(str(counts.get(op, 0)) for op in OPS) + " |")
    return lines


def _details(diff: StackDiff) -> list[str]:
    body: list[str] = []
    for step in diff.steps:
        if step.op != "same":
            body.extend(step_lines(step))
    if diff.outputs:
        body += ["", "Outputs:", *output_lines(diff)]
    return body


def render_markdown(
    diffs: Sequence[StackDiff],
    notes: Mapping[str, Sequence[str]] | None = None,
    title: str = "Infrastructure plan",
    cap: int = MARKDOWN_CAP,
) -> str:
    """One comment for all stacks; `notes[stack]` (e.g. policy findings) go under that stack's heading."""
    notes = notes or {}
    head = [REPORT_MARKER, f"### {title}", "", *_summary_table(diffs), ""]
    sections: list[tuple[list[str], list[str]]] = []
    for diff in diffs:
        top = [stack_heading(diff), ""]
        top += list(notes.get(diff.stack, []))
        if notes.get(diff.stack):
            top.append("")
        details = _details(diff)
        if not details:
            top.append("No changes.")
            top.append("")
        sections.append((top, details))

    fixed = "\n".join(head) + "".join("\n".join(top) + "\n" for top, _ in sections)
    budget = cap - len(fixed) - 400 * len(sections)
    out = list(head)
    cut_notes: list[str] = []
    for (top, details), diff in zip(sections, diffs, strict=True):
        out.extend(top)
        if not details:
            continue
        changed = sum(1 for s in diff.steps if s.op != "same")
        kept: list[str] = []
        used = 0
        for line in details:
            if used + len(line) + 1 > budget:
                break
            kept.append(line)
            used += len(line) + 1
        budget -= used
        out += [f"<details><summary>{changed} resource change{'s' if changed != 1 else ''}"
                f"{', ' + str(len(diff.outputs)) + ' output changes' if diff.outputs else ''}</summary>", "",
                "```diff", *kept, "```"]
        if len(kept) < len(details):
            cut = len(details) - len(kept)
            message = (f"**{cut} of {len(details)} detail lines for `{diff.stack}` were cut** to stay under "
                       f"{cap:,} characters; run `mlops plan --env {diff.stack} --format text` for all of it.")
            out.append(message)
            cut_notes.append(diff.stack)
        out += ["</details>", ""]
    text = "\n".join(out) + "\n"
    if len(text) > cap:  # notes alone overflow: hard cut, still say so
        tail = f"\n\n**Report cut at {cap:,} characters.**\n"
        text = text[: cap - len(tail)] + tail
    return text
