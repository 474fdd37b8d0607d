"""Markdown for a pull-request comment: a stable heading per stack, a summary table, details collapsed.

GitHub rejects comments over 65,536 characters; a report is kept under `MARKDOWN_CAP` (64,000, as the official
Pulumi action does) by `fit`: it drops the least important parts first (for a diff: the inputs listed under
created resources) and only then resource diff lines, the same number per stack, saying exactly what it left
out. `mlops plan`'s comment (`infra.plan.markdown`) is shortened by the same `fit`, with its own parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from infra.diff.model import OPS, StackDiff
from infra.diff.render_text import output_lines, step_lines

MARKDOWN_CAP = 64_000
REPORT_MARKER = "<!-- mlops-plan-report -->"
"""Hidden line by which CI finds (and edits) its earlier comment."""
CREATE_INPUTS = "create_inputs"
"""Budget part: the inputs listed under created resources (the resource line itself always stays)."""
DIFF_LINES_CUT = "resource diff lines beyond what fits (each stack says how many)"


@dataclass
class Budget:
    """What a rendering leaves out to fit the cap: named parts, then diff lines beyond `diff_lines` per stack."""

    dropped: set[str] = field(default_factory=set)
    diff_lines: int | None = None  # None: every line
    cut: list[str] = field(default_factory=list)
    """What was left out, in the order it went (the report's notice lists it)."""

    def keeps(self, part: str) -> bool:
        return part not in self.dropped


Render = Callable[[Budget], str]


def fit(
    render: Render,
    parts: Sequence[tuple[str, str]],
    longest_diff: Callable[[Budget], int],
    cap: int = MARKDOWN_CAP,
    tail: str = "",
) -> str:
    """`render` under `cap`: drop `parts` (name, label) in order while too long, then cap every stack's diff
    at the most lines that still fit; a hard cut (ending in `tail`) only if headings alone overflow."""
    budget = Budget()
    text = render(budget)
    for part, label in parts:
        if len(text) <= cap:
            return text
        budget.dropped.add(part)
        budget.cut.append(label)
        text = render(budget)
    if len(text) <= cap:
        return text
    budget.cut.append(DIFF_LINES_CUT)
    low, high = 0, longest_diff(budget)
    while low < high:  # the most diff lines per stack that still fit
        budget.diff_lines = (low + high + 1) // 2
        if len(render(budget)) <= cap:
            low = budget.diff_lines
        else:
            high = budget.diff_lines - 1
    budget.diff_lines = low
    text = render(budget)
    if len(text) > cap:
        ending = f"\n\n**Report cut at {cap:,} characters{tail}.**\n"
        text = text[: cap - len(ending)] + ending
    return text


def diff_body(diff: StackDiff, budget: Budget) -> list[str]:
    """Every changed resource's lines (like `pulumi preview --diff`), then the changed outputs."""
    body: list[str] = []
    for step in diff.steps:
        if step.op == "same":
            continue
        lines = step_lines(step)
        if step.op == "create" and not budget.keeps(CREATE_INPUTS):
            lines = [line for line in lines if not line.startswith("      + ")]
        body.extend(lines)
    if diff.outputs:
        body += ["", "Outputs:", *output_lines(diff)]
    return body


def kept_lines(body: list[str], budget: Budget) -> list[str]:
    return body if budget.diff_lines is None else body[: budget.diff_lines]


def stack_heading(diff: StackDiff) -> str:
    return f"#### :tropical_drink: `mlops plan` on {diff.project}/{diff.stack}"


def _summary_table(diffs: Sequence[StackDiff]) -> list[str]:
    lines = ["| stack | base | " + " | ".join(OPS) + " |", "|---|---|" + "---:|" * len(OPS)]
    for diff in diffs:
        counts = diff.change_summary()
        base = diff.base_label or diff.base_stack or "(nothing)"
        lines.append(f"| {diff.stack} | `{base}` | " + " | ".join(str(counts.get(op, 0)) for op in OPS) + " |")
    return lines


def _stack_section(diff: StackDiff, notes: Sequence[str], budget: Budget) -> list[str]:
    lines = [stack_heading(diff), "", *notes, *([""] if notes else [])]
    body = diff_body(diff, budget)
    if not body:
        return [*lines, "No changes.", ""]
    changed = sum(1 for s in diff.steps if s.op != "same")
    outputs = f", {len(diff.outputs)} output changes" if diff.outputs else ""
    kept = kept_lines(body, budget)
    lines += [f"<details><summary>{changed} resource change{'s' if changed != 1 else ''}{outputs}</summary>", "",
              "```diff", *kept, "```"]
    if len(kept) < len(body):
        lines.append(f"**{len(body) - len(kept)} of {len(body)} diff lines of `{diff.stack}` left out** to stay "
                     "under the comment limit; the same command with `--format text` prints all of them.")
    return [*lines, "</details>", ""]


def render_markdown(
    diffs: Sequence[StackDiff],
    notes: Mapping[str, Sequence[str]] | None = None,
    title: str = "Infrastructure plan",
    cap: int = MARKDOWN_CAP,
) -> str:
    """One comment for all stacks; `notes[stack]` (e.g. policy findings) go under that stack's heading."""
    given = notes or {}

    def render(budget: Budget) -> str:
        out = [REPORT_MARKER, f"### {title}", ""]
        if budget.cut:
            out += [f"> **Shortened to fit GitHub's comment limit** ({cap:,} characters): " + "; ".join(budget.cut)
                    + ". The same command with `--format text` prints everything.", ""]
        out += [*_summary_table(diffs), ""]
        for diff in diffs:
            out += _stack_section(diff, list(given.get(diff.stack, [])), budget)
        return "\n".join(out) + "\n"

    def longest(budget: Budget) -> int:
        return max((len(diff_body(diff, budget)) for diff in diffs), default=0)

    return fit(render, [(CREATE_INPUTS, "the inputs listed under created resources")], longest, cap)
