"""`mlops diff A B [--format text|markdown|json]`: what changes from snapshot A to snapshot B.

A and B are snapshot files, `ENV` (synth of the working tree) or `ENV@GITREF` (synth of that commit). Two
environments of the working tree (`mlops diff staging prod`) are compared as environments first: which settings
differ because of the tier, which differ without it (deliberate or drift), and which release each runs
(`infra.diff.environments`).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from contracts.errors import UserInputError
from infra.cli.options import ProjectDirOption, find_project

if TYPE_CHECKING:
    from infra.diff import StackDiff
    from infra.diff.environments import Comparison
    from infra.layout import Project

app = typer.Typer()


class DiffFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


OperandA = Annotated[str, typer.Argument(metavar="A", help="Old side: snapshot file, ENV or ENV@GITREF.")]
OperandB = Annotated[str, typer.Argument(metavar="B", help="New side: snapshot file, ENV or ENV@GITREF.")]


@app.command("diff")
def diff(
    base: OperandA,
    head: OperandB,
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="text, markdown or json.")] = DiffFormat.TEXT,
    project_dir: ProjectDirOption = None,
) -> None:
    """Diff two snapshots like `pulumi preview --diff` (e.g. `mlops diff prod@origin/main prod`)."""
    from infra.diff import diff_snapshots
    from infra.diff.sources import resolve_operand

    project = find_project(project_dir)
    old = resolve_operand(base, project)
    new = resolve_operand(head, project)
    if new.document is None:  # resolve_operand raises instead of returning an empty new side
        raise AssertionError(f"no snapshot for {head}")
    result = diff_snapshots(old.document, new.document, base_label=old.label, head_label=new.label)
    sys.stdout.write(_render(result, _comparison(project, base, head, result), fmt, f"{old.label} -> {new.label}"))


def _comparison(project: Project, base: str, head: str, result: StackDiff) -> Comparison | None:
    """Two different environments of the working tree: their settings and releases side by side."""
    from infra.diff.environments import compare_environments
    from infra.diff.sources import environment_operand

    a, b = environment_operand(base, project), environment_operand(head, project)
    if a is None or b is None or a == b:
        return None
    try:
        return compare_environments(project, a, b, result)
    except UserInputError as exc:  # stacks without the platform's config: the snapshot diff still stands
        typer.echo(f"note: {a} and {b} are diffed as snapshots only ({exc.summary})", err=True)
        return None


def _render(result: StackDiff, comparison: Comparison | None, fmt: DiffFormat, title: str) -> str:
    from contracts.fsutil import canonical_json
    from infra.diff import diff_json, render_markdown, render_text
    from infra.diff.environments import comparison_json, comparison_lines

    lines = comparison_lines(comparison) if comparison is not None else []
    if fmt is DiffFormat.JSON:
        document = diff_json(result)
        if comparison is not None:
            document["comparison"] = comparison_json(comparison)
        return canonical_json(document)
    if fmt is DiffFormat.MARKDOWN:
        notes = {result.stack: ["```text", *lines, "```"]} if lines else None
        return render_markdown([result], notes, title=f"Diff {title}")
    return "\n".join(lines) + ("\n" if lines else "") + render_text(result)
