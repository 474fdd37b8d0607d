"""`mlops plan [--env ENV ...] [--base GITREF] [--format text|markdown|json]`: the main offline job.

Exit 0, or 1 when any environment has a mandatory policy violation or a dangerous change nobody acknowledged
(2 on invalid input).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from infra.cli.options import ProjectDirOption, find_project


class PlanFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def register(app: typer.Typer) -> None:
    @app.command()
    def plan(
        env: Annotated[
            list[str] | None, typer.Option("--env", "-e", help="Environment(s) to plan (default: every stack file).")
        ] = None,
        base: Annotated[
            str | None, typer.Option("--base", help="Git ref to compare with (default: merge-base with the "
                                     "default branch).")
        ] = None,
        fmt: Annotated[PlanFormat, typer.Option("--format", "-f", help="text, markdown or json.")] = PlanFormat.TEXT,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here (atomically).")] = None,
        full_out: Annotated[
            Path | None, typer.Option("--full-out", help="Also write the uncut markdown report here (the PR "
                                      "comment is shortened to GitHub's limit when needed).")
        ] = None,
        acknowledge: Annotated[
            list[str] | None, typer.Option("--acknowledge", help="NAME=REASON: accept a dangerous change of "
                                           "resource NAME (logical name or URN) for a written reason.")
        ] = None,
        project_dir: ProjectDirOption = None,
    ) -> None:
        """Synth every environment, check policies, diff against the base and print one report."""
        import sys

        from rich.console import Console

        from contracts.fsutil import atomic_write_text, canonical_json
        from infra.plan import build_plan, plan_json, plan_markdown, plan_text
        from infra.plan.markdown import plan_full_markdown

        err = Console(stderr=True)
        with err.status("planning", spinner="dots") as status:

            def progress(message: str) -> None:
                status.update(message)
                err.print(f"[dim]mlops plan:[/] {message}", highlight=False)

            result = build_plan(env or None, base, find_project(project_dir).root, progress, acknowledge or ())
        if fmt is PlanFormat.JSON:
            report = canonical_json(plan_json(result))
        elif fmt is PlanFormat.MARKDOWN:
            report = plan_markdown(result)
        else:
            report = plan_text(result)
        if full_out is not None:
            atomic_write_text(full_out, plan_full_markdown(result))
            err.print(f"wrote {full_out}")
        if out is not None:
            atomic_write_text(out, report)
            err.print(f"wrote {out}")
        else:
            sys.stdout.write(report)
        raise typer.Exit(result.exit_code)
