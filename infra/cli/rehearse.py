"""`mlops rehearse --env ENV`: the real `pulumi up` of one environment against loopback clouds (needs the CLI).

Exit code: 0 every step done and no mandatory policy violation; 1 a mandatory violation or a failed step;
2 no Pulumi CLI or invalid input (the install step is named).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from contracts.errors import UserInputError
from infra.cli.options import EnvOption, FormatOption, ProjectDirOption, TextOrJson, find_project

app = typer.Typer()

REHEARSAL_CLI_HINT = (
    "; on a machine without the official installer, build it from the Go module proxy: "
    "`bash tools/install-pulumi` and put the directory it prints first on PATH"
)
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
StateDirOption = Annotated[
    Path | None, typer.Option("--state-dir", help="Keep the rehearsal's backend and loopback state here between runs.")
]


def render_text(report: dict[str, Any], error: str | None) -> str:
    """The rehearsal as a person reads it: the changed steps, the change summary, the policy outcome."""
    steps = [s for s in report["steps"] if isinstance(s, dict) and s["op"] != "same"]
    lines = [f"rehearsal of {report['stack']} (real engine, loopback clouds)"]
    lines += [
        f"  {SYMBOLS.get(s['op'], s['op'])} {s['type']} {s['urn'].rsplit('::', 1)[-1]} ({s['op']})" for s in steps
    ]
    summary = ", ".join(f"{n} {op}" for op, n in sorted(report["changeSummary"].items()))
    policy = report["policy"]
    lines.append(f"Resources: {summary or 'none'}")
    lines.append(f"Policy: {policy['mandatory']} mandatory, {policy['advisory']} advisory")
    if error:
        lines.append(f"error: {error}")
    return "\n".join(lines)


def require_rehearsal_cli() -> None:
    """The Pulumi CLI is there, or exit 2 naming how to build it where no installer works."""
    from infra.engine.preflight import require_cli

    try:
        require_cli()
    except UserInputError as missing:
        problem = missing.problems[0]
        raise UserInputError.single(
            problem.file, problem.key_path, problem.message + REHEARSAL_CLI_HINT, summary=missing.summary
        ) from None


def _progress(line: str) -> None:
    sys.stderr.write(line if line.endswith("\n") else line + "\n")


@app.command("rehearse")
def rehearse(
    env: EnvOption,
    state_dir: StateDirOption = None,
    output_format: FormatOption = TextOrJson.TEXT,
    project_dir: ProjectDirOption = None,
) -> None:
    """Real `pulumi up` of ENV on a throwaway backend against loopback clouds: what would happen, in order."""
    from infra.engine import resolve_settings
    from infra.engine.safety import resolve_policy_pack, stack_tier
    from infra.rehearsal.run import rehearse as run_rehearsal

    settings = resolve_settings(env, find_project(project_dir).root)
    pack = resolve_policy_pack(settings, stack_tier(settings), None, False)
    require_rehearsal_cli()
    result = run_rehearsal(settings, pack, state_dir, on_output=_progress)
    report = result.to_json()
    if output_format is TextOrJson.JSON:
        print(json.dumps(report, indent=2, sort_keys=True))
        if result.error:
            print(f"error: {result.error}", file=sys.stderr)
    else:
        print(render_text(report, result.error))
    raise typer.Exit(1 if result.error or result.policy.get("mandatory", 0) else 0)
