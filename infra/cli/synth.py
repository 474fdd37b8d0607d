"""`mlops synth --env ENV [--out FILE]`: the offline snapshot of one environment (stdout without --out)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infra.cli.options import ProjectDirOption, find_project

__all__ = ["ProjectDirOption", "register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def synth(
        env: Annotated[str, typer.Option("--env", "-e", help="Environment (stack) name: dev, staging, prod.")],
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the snapshot here (atomically).")] = None,
        project_dir: ProjectDirOption = None,
    ) -> None:
        """Run the Pulumi program offline under the mock runtime and print (or write) ENV's snapshot."""
        import sys

        from rich.console import Console

        from contracts.fsutil import canonical_json
        from infra.synth import synth_result, write_snapshot

        result = synth_result(env, find_project(project_dir))
        err = Console(stderr=True)
        for token in result.unmocked_invokes:
            err.print(f"[yellow]warning:[/] data source {token} has no offline answer; its fields are unset")
        if out is None:
            sys.stdout.write(canonical_json(result.document))
            return
        write_snapshot(result.document, out)
        err.print(f"wrote {out} ({len(result.document['resources'])} resources, {result.seconds:.2f}s)")
