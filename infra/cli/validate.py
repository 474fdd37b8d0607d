"""`mlops validate --env ENV`: load and validate an environment's config and release manifest."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        env: str = typer.Option(..., "--env", "-e", help="Environment (stack) name: dev, staging, prod."),
    ) -> None:
        """Validate ENV's config and release manifest (exit 2 naming the file and key path when invalid)."""
        from rich.console import Console

        from infra.config.loader import load_environment
        from infra.release.manifest import artifact_source_problems, find_manifest, manifest_path

        cfg = load_environment(env)
        manifest = find_manifest(env, cfg)
        release = f"release {manifest.release}" if manifest else "no release manifest"
        console = Console()
        console.print(f"[green]ok[/] {env}: project {cfg.project.id}, region {cfg.region}, {release}", soft_wrap=True)
        for problem in artifact_source_problems(manifest, cfg, manifest_path(env)) if manifest else []:
            console.print(f"[yellow]warning:[/] {problem.render()} (a promotion would refuse it)", soft_wrap=True)
