"""`mlops rehearse --env ENV`: the real `pulumi up` of one environment against loopback clouds (needs the CLI).

Exit code: 0 every step done and no mandatory policy violation; 1 a mandatory violation or a failed step;
2 no Pulumi CLI or invalid input (the install step is named).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from infra.cli.options import ProjectDirOption, find_project
from infra.engine.preflight import require_cli

REHEARSAL_CLI_HINT = (
    "; on a machine without the official installer, build it from the Go module proxy: "
    "`bash tools/install-pulumi` and put the directory it prints first on PATH"
)

SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment (stack) name: dev, staging, prod.")]
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def check_format(output_format: str) -> None:
    """`--format` of the engine commands: text or json (exit 2 otherwise)."""
    from contracts.errors import UserInputError

    if output_format not in ("text", "json"):
        raise UserInputError.single("--format", "", f"found {output_format!r}; expected text or json")


def _text(report: dict[str, object], error: str | None) -> str:
    steps = [s for s in report["steps"] if isinstance(s, dict) and s["op"] != "same"]  # type: ignore[attr-defined]
    lines = [f"rehearsal of {report['stack']} (real engine, loopback clouds)"]
    lines += [
        f"  {SYMBOLS.get(s['op'], s['op'])} {s['type']} {s['urn'].rsplit('::', 1)[-1]} ({s['op']})" for s in steps
    ]
    summary = ", ".join(f"{n} {op}" for op, n in sorted(report["changeSummary"].items()))  # type: ignore[attr-defined]
    policy = report["policy"]
    lines.append(f"Resources: {summary or 'none'}")
    lines.append(f"Policy: {policy['mandatory']} mandatory, {policy['advisory']} advisory")  # type: ignore[index]
    if error:
        lines.append(f"error: {error}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command()
    def rehearse(
        env: EnvOption,
        state_dir: Annotated[
            Path | None,
            typer.Option("--state-dir", help="Keep the rehearsal's backend and loopback state here between runs."),
        ] = None,
        output_format: FormatOption = "text",
        project_dir: ProjectDirOption = None,
    ) -> None:
        """Real `pulumi up` of ENV on a throwaway backend against loopback clouds: what would happen, in order."""
        from contracts.errors import UserInputError
        from infra.engine import resolve_settings
        from infra.engine.safety import resolve_policy_pack, stack_tier
        from infra.rehearsal.run import rehearse as run_rehearsal

        check_format(output_format)
        settings = resolve_settings(env, find_project(project_dir).root)
        pack = resolve_policy_pack(settings, stack_tier(settings), None, False)
        try:
            require_cli()
        except UserInputError as missing:
            problem = missing.problems[0]
            raise UserInputError.single(
                problem.file, problem.key_path, problem.message + REHEARSAL_CLI_HINT, summary=missing.summary
            ) from None

        def progress(line: str) -> None:
            sys.stderr.write(line if line.endswith("\n") else line + "\n")

        result = run_rehearsal(settings, pack, state_dir, on_output=progress)
        report = result.to_json()
        if output_format == "json":
            print(json.dumps(report, indent=2, sort_keys=True))
        else:
            print(_text(report, result.error))
        if result.error and output_format == "json":
            print(f"error: {result.error}", file=sys.stderr)
        raise typer.Exit(1 if result.error or result.policy.get("mandatory", 0) else 0)
