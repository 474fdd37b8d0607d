"""`mlops check --env ENV [--snapshot FILE] [--format text|json]`: the policy pack, offline.

Exit 0 when clean or advisory only, 1 on a mandatory violation, 2 on invalid input (via UserInputError).
Without `--snapshot` the environment is synthesised first (infra.synth).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from policies.model import Resource


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        env: Annotated[
            str | None, typer.Option("--env", "-e", help="Environment (stack) whose levels apply (required unless "
                                     "--list-rules).")
        ] = None,
        snapshot: Annotated[
            Path | None, typer.Option("--snapshot", help="Snapshot file from `mlops synth` (default: synth ENV now).")
        ] = None,
        output_format: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.TEXT,
        levels_file: Annotated[
            Path | None, typer.Option("--levels", help="Levels and exemptions file (default policies/levels.yaml).")
        ] = None,
        project_dir: Annotated[
            Path | None, typer.Option("--project-dir", help="Directory holding Pulumi.yaml, for the synth.")
        ] = None,
        list_rules: Annotated[
            bool, typer.Option("--list-rules", help="Print the rules and their levels for ENV.")
        ] = False,
    ) -> None:
        """Evaluate the policy pack against ENV's snapshot (exit 1 on a mandatory violation)."""
        from policies.discovery import discover_rules
        from policies.engine import evaluate
        from policies.levels import load_levels
        from policies.report import render_text, report_to_json

        rules = discover_rules()
        levels = load_levels(levels_file, rules, project_dir)
        if list_rules:
            _list_rules(rules, levels, env, project_dir)
            return
        if env is None:
            from contracts.errors import UserInputError

            raise UserInputError.single(
                "--env", "", "missing: name the environment whose snapshot and levels to check, e.g. --env dev "
                "(only --list-rules works without it)", summary="missing option",
            )
        resources, source = _resources(env, snapshot, project_dir)
        report = evaluate(resources, env, levels, rules)
        if output_format is OutputFormat.JSON:
            typer.echo(json.dumps(report_to_json(report, source), indent=2, sort_keys=True))
        else:
            typer.echo(render_text(report, source))
        raise typer.Exit(report.exit_code)


def _list_rules(rules: Any, levels: Any, env: str | None, project_dir: Path | None) -> None:
    """One line per rule: id, level (for ENV, or `env=level` for every environment), severity, source."""
    from infra.config.loader import available_environments

    for rule in rules:
        if env is not None:
            level = levels.level(rule, env).value
        else:
            level = " ".join(f"{e}={levels.level(rule, e).value}" for e in available_environments(project_dir))
        typer.echo(f"{rule.id}\t{level}\t{rule.severity.value}\t{rule.source_id or '-'}")


def _resources(env: str, snapshot: Path | None, project_dir: Path | None) -> tuple[tuple[Resource, ...], str]:
    from contracts.errors import UserInputError
    from policies.snapshot import load_snapshot, parse_snapshot

    if snapshot is not None:
        loaded = load_snapshot(snapshot)
        if loaded.stack and loaded.stack != env:
            typer.echo(
                f"warning: {snapshot} is a snapshot of stack {loaded.stack!r}; applying {env!r} levels", err=True
            )
        return loaded.resources, str(snapshot)
    try:
        from infra.synth import synth_stack
    except ImportError as exc:
        raise UserInputError.single(
            "infra/synth", "", f"the offline synth is not available ({exc}); pass --snapshot FILE"
        ) from None
    document = synth_stack(env, project_dir)
    return parse_snapshot(document, f"synth of {env}").resources, f"synth of {env}"
