"""`mlops validate --env ENV`: load and validate an environment's config and release manifest.

The checks are the program's own (`infra.config.loader.validate_stack_config`, `infra.release.manifest`), so
what `validate` refuses, `synth`, `check`, `diff`, `plan`, the promotion gates and `pulumi up` refuse too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from infra.cli.options import ProjectDirOption, find_project


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        env: Annotated[str, typer.Option("--env", "-e", help="Environment (stack) name: dev, staging, prod.")],
        project_dir: ProjectDirOption = None,
    ) -> None:
        """Validate ENV's config and release manifest (exit 2 naming the file and key path when invalid)."""
        from rich.console import Console

        from infra.config.loader import load_environment
        from infra.release.manifest import artifact_source_problems, find_manifest, manifest_path

        project = find_project(project_dir)
        cfg = load_environment(env, project)
        manifest = find_manifest(env, cfg, project.root)
        release = f"release {manifest.release}" if manifest else "no release manifest"
        console = Console()
        console.print(f"[green]ok[/] {env}: project {cfg.project.id}, region {cfg.region}, {release}", soft_wrap=True)
        path = manifest_path(env, project.root)
        for problem in artifact_source_problems(manifest, cfg, path) if manifest else []:
            console.print(f"[yellow]warning:[/] {problem.render()} (a promotion would refuse it)", soft_wrap=True)
