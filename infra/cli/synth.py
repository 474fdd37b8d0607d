"""`mlops synth --env ENV [--out FILE]`: the offline snapshot of one environment (stdout without --out)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from infra.cli.console import note, warn
from infra.cli.options import EnvOption, ProjectDirOption, find_project

app = typer.Typer()

OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write the snapshot here (atomically).")]


@app.command("synth")
def synth(env: EnvOption, out: OutOption = None, project_dir: ProjectDirOption = None) -> None:
    """Run the Pulumi program offline under the mock runtime and print (or write) ENV's snapshot."""
    from contracts.fsutil import canonical_json
    from infra.synth import synth_result, write_snapshot

    project = find_project(project_dir)
    result = synth_result(env, project)
    for token in result.unmocked_invokes:
        warn(f"data source {token} has no offline answer; its fields are unset")
    if out is None:
        sys.stdout.write(canonical_json(result.document))
        return
    written = write_snapshot(result.document, out)
    note(f"wrote {project.display(written)} ({len(result.document['resources'])} resources, {result.seconds:.2f}s)")
