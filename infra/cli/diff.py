"""`mlops diff A B [--format text|markdown|json]`: what changes from snapshot A to snapshot B.

A and B are snapshot files, `ENV` (synth of the working tree) or `ENV@GITREF` (synth of that commit).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from infra.cli.options import ProjectDirOption, find_project

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
    from contracts.fsutil import canonical_json
    from infra.diff import diff_json, diff_snapshots, render_markdown, render_text
    from infra.diff.sources import resolve_operand

    project = find_project(project_dir)
    old = resolve_operand(base, project)
    new = resolve_operand(head, project)
    if new.document is None:  # resolve_operand raises instead of returning an empty new side
        raise AssertionError(f"no snapshot for {head}")
    result = diff_snapshots(old.document, new.document, base_label=old.label, head_label=new.label)
    if fmt is DiffFormat.JSON:
        sys.stdout.write(canonical_json(diff_json(result)))
    elif fmt is DiffFormat.MARKDOWN:
        sys.stdout.write(render_markdown([result], title=f"Diff {old.label} -> {new.label}"))
    else:
        sys.stdout.write(render_text(result))
