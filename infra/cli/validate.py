"""`mlops validate --env ENV`: load and validate an environment's config and release manifest."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(env: str = typer.Option(..., "--env", "-e", help="Environment (stack) name: dev, staging, prod.")) -> None:
        """Load and validate ENV's config (exit 2 naming the file and key path when invalid)."""
        from rich.console import Console

        from infra.config.loader import load_environment

        cfg = load_environment(env)
        Console().print(f"[green]ok[/] {env}: project {cfg.project.id}, region {cfg.region}")
