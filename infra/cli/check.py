"""`mlops check --env ENV [--snapshot FILE] [--format text|json]`: the policy pack, offline.

Exit 0 when clean or advisory only, 1 on a mandatory violation, 2 on invalid input (via UserInputError).
Without `--snapshot` the environment is synthesised first (infra.synth). The pack runs through
`policies.check`, as it does inside `mlops plan` and the release policy gate.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from contracts.errors import UserInputError
from infra.cli.options import ProjectDirOption, find_project

if TYPE_CHECKING:
    from infra.layout import Project
    from policies.levels import LevelConfig
    from policies.model import Rule


app = typer.Typer()


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


CheckEnvOption = Annotated[
    str | None,
    typer.Option("--env", "-e", help="Environment (stack) whose levels apply (required unless --list-rules)."),
]
SnapshotOption = Annotated[
    Path | None, typer.Option("--snapshot", help="Snapshot file from `mlops synth` (default: synth ENV now).")
]
LevelsOption = Annotated[
    Path | None, typer.Option("--levels", help="Levels and exemptions file (default policies/levels.yaml).")
]


@app.command("check")
def check(
    env: CheckEnvOption = None,
    snapshot: SnapshotOption = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.TEXT,
    levels_file: LevelsOption = None,
    project_dir: ProjectDirOption = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="Print the rules and their levels for ENV.")] = False,
) -> None:
    """Evaluate the policy pack against ENV's snapshot (exit 1 on a mandatory violation)."""
    from policies.check import check as check_snapshot
    from policies.report import render_text, report_to_json

    project = find_project(project_dir)
    if list_rules:
        _list_rules(project, levels_file, env)
        return
    if env is None:
        raise UserInputError.single(
            "--env",
            "",
            "missing: name the environment whose snapshot and levels to check, e.g. --env dev "
            "(only --list-rules works without it)",
            summary="missing option",
        )
    document, source = _snapshot_document(env, snapshot, project)
    report = check_snapshot(document, env, project=project, levels_file=levels_file, source=source)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(report_to_json(report, source), indent=2, sort_keys=True))
    else:
        typer.echo(render_text(report, source))
    raise typer.Exit(report.exit_code)



def _list_rules(project: Project, levels_file: Path | None, env: str | None) -> None:
    """One line per rule: id, level (for ENV, or `env=level` for every environment), severity, source."""
    from policies.check import levels_for
    from policies.discovery import discover_rules

    levels = levels_for(project, levels_file)
    environments = [env] if env is not None else project.environments()
    for rule in discover_rules():
        typer.echo(
            f"{rule.id}\t{_levels_text(rule, levels, environments, env is not None)}\t"
            f"{rule.severity.value}\t{rule.source_id or '-'}"
        )


def _levels_text(rule: Rule, levels: LevelConfig, environments: list[str], single: bool) -> str:
    if single:
        return levels.level(rule, environments[0]).value
    return " ".join(f"{e}={levels.level(rule, e).value}" for e in environments)


def _snapshot_document(env: str, snapshot: Path | None, project: Project) -> tuple[Any, str]:
    """The snapshot to check and how reports name it: the given file, else a synth of ENV now."""
    from policies.snapshot import read_snapshot_document

    if snapshot is not None:
        document = read_snapshot_document(snapshot)
        stack = document.get("stack") if isinstance(document, dict) else None
        if stack and stack != env:
            typer.echo(f"warning: {snapshot} is a snapshot of stack {stack!r}; applying {env!r} levels", err=True)
        return document, str(snapshot)
    try:
        from infra.synth import synth_stack
    except ImportError as exc:
        raise UserInputError.single(
            "infra/synth", "", f"the offline synth is not available ({exc}); pass --snapshot FILE"
        ) from None
    return synth_stack(env, project), f"synth of {env}"
