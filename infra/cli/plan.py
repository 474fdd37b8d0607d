"""`mlops plan [--env ENV ...] [--base GITREF] [--format text|markdown|json]`: the main offline job.

Exit 0, or 1 when any environment has a mandatory policy violation or a dangerous change nobody acknowledged
(2 on invalid input).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from infra.cli.options import ProjectDirOption, find_project

if TYPE_CHECKING:
    from infra.plan import Plan


app = typer.Typer()


class PlanFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


PlanEnvOption = Annotated[
    list[str] | None, typer.Option("--env", "-e", help="Environment(s) to plan (default: every stack file).")
]
BaseOption = Annotated[
    str | None, typer.Option("--base", help="Git ref to compare with (default: merge-base with the default branch).")
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here (atomically).")]
FullOutOption = Annotated[
    Path | None,
    typer.Option(
        "--full-out",
        help="Also write the uncut markdown report here (the PR comment is shortened to GitHub's limit when needed).",
    ),
]
AcknowledgeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--acknowledge",
        help="NAME=REASON: accept a dangerous change of resource NAME (logical name or URN) for a written reason.",
    ),
]


@app.command("plan")
def plan(
    env: PlanEnvOption = None,
    base: BaseOption = None,
    fmt: Annotated[PlanFormat, typer.Option("--format", "-f", help="text, markdown or json.")] = PlanFormat.TEXT,
    out: OutOption = None,
    full_out: FullOutOption = None,
    acknowledge: AcknowledgeOption = None,
    project_dir: ProjectDirOption = None,
    one_process: Annotated[
        bool,
        typer.Option(
            "--one-process",
            help="Synthesise every stack in this process (by default a cold run with a spare core and a known "
            "base gives half of the stacks to a second process; the plan is the same).",
        ),
    ] = False,
) -> None:
    """Synth every environment, check policies, diff against the base and print one report."""
    import sys

    from rich.console import Console

    from contracts.fsutil import atomic_write_text
    from infra.plan import build_plan
    from infra.plan.markdown import plan_full_markdown

    project = find_project(project_dir)
    err = Console(stderr=True)
    with err.status("planning", spinner="dots") as status:

        def progress(message: str) -> None:
            status.update(message)
            err.print(f"[dim]mlops plan:[/] {message}", highlight=False)

        result = build_plan(project, env or None, base, progress, acknowledge or (), parallel=not one_process)
    report = _render(result, fmt)
    if full_out is not None:
        atomic_write_text(full_out, plan_full_markdown(result))
        err.print(f"wrote {full_out}")
    if out is not None:
        atomic_write_text(out, report)
        err.print(f"wrote {out}")
    else:
        sys.stdout.write(report)
    raise typer.Exit(result.exit_code)



def _render(result: Plan, fmt: PlanFormat) -> str:
    from contracts.fsutil import canonical_json
    from infra.plan import plan_json, plan_markdown, plan_text

    if fmt is PlanFormat.JSON:
        return canonical_json(plan_json(result))
    if fmt is PlanFormat.MARKDOWN:
        return plan_markdown(result)
    return plan_text(result)
