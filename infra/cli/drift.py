"""`mlops drift --env ENV`: read-only drift detection through the real engine (a refresh preview).

Against the environment's real backend and Google Cloud (credentials needed), or, with `--state-dir`, against a
rehearsal's loopback state (`mlops rehearse --state-dir`). Nothing is written to the stack's state.

Exit code: 0 no drift, 1 drift (each drifted resource and property listed), 2 no CLI or invalid input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from contracts.errors import UserInputError
from infra.cli.options import EnvOption, FormatOption, ProjectDirOption, TextOrJson, find_project

if TYPE_CHECKING:
    from infra.engine.settings import EngineSettings

app = typer.Typer()

StateDirOption = Annotated[
    Path | None, typer.Option("--state-dir", help="Check a rehearsal's loopback state (mlops rehearse --state-dir).")
]
BackendOption = Annotated[str | None, typer.Option("--backend-url", help="State backend (real engine).")]


def render_report(stack: str, drifted: list[dict[str, Any]], output_format: TextOrJson) -> str:
    if output_format is TextOrJson.JSON:
        return json.dumps({"stack": stack, "drifted": drifted}, indent=2, sort_keys=True)
    if not drifted:
        return f"{stack}: no drift (the live resources match the recorded state)"
    lines = [f"{stack}: {len(drifted)} resource(s) drifted from the recorded state"]
    lines += [f"  ~ {d['type']} {d['urn'].rsplit('::', 1)[-1]} ({d['op']}: {', '.join(d['properties']) or '-'})"
              for d in drifted]
    lines.append("review each change: adopt it in the code, or run `mlops up` to put the declared state back")
    return "\n".join(lines)


def rehearsal_drift(settings: EngineSettings, state_dir: Path) -> list[dict[str, Any]]:
    """Drift of a rehearsal's loopback state (exit 1 when the refresh itself failed)."""
    from infra.rehearsal.run import rehearse

    if not (state_dir / "backend").is_dir():
        raise UserInputError.single(
            "--state-dir", str(state_dir), "holds no rehearsal; run `mlops rehearse --env ENV --state-dir DIR` first",
        )
    result = rehearse(settings, None, state_dir, operation="drift", on_output=_progress)
    if result.error:
        print(f"error: {result.error}", file=sys.stderr)
        raise typer.Exit(1)
    types = {s["urn"]: s["type"] for s in result.steps}
    return [
        {"urn": urn, "type": types.get(urn, ""), "op": "update" if urn in result.changes else "delete",
         "properties": result.changes.get(urn, {}).get("diffs", [])}
        for urn in result.drifted
    ]


def _progress(line: str) -> None:
    sys.stderr.write(line if line.endswith("\n") else line + "\n")


@app.command("drift")
def drift(
    env: EnvOption,
    state_dir: StateDirOption = None,
    output_format: FormatOption = TextOrJson.TEXT,
    project_dir: ProjectDirOption = None,
    backend_url: BackendOption = None,
) -> None:
    """Read-only drift detection: a refresh preview through the real engine (exit 1 when anything drifted)."""
    from infra.engine import resolve_settings
    from infra.engine.preflight import require_cli
    from infra.engine.run import detect_drift

    settings = resolve_settings(env, find_project(project_dir).root, backend_url)
    require_cli()
    drifted = rehearsal_drift(settings, state_dir) if state_dir is not None else detect_drift(settings, _progress)
    print(render_report(env, drifted, output_format))
    raise typer.Exit(1 if drifted else 0)
