"""`mlops validate --env ENV`: load and validate an environment's config and release manifest.

The checks are the program's own (`infra.config.loader.validate_stack_config`, `infra.release.store`), so
what `validate` refuses, `synth`, `check`, `diff`, `plan`, the promotion gates and `pulumi up` refuse too.
"""

from __future__ import annotations

import typer

from infra.cli.console import ok, warn
from infra.cli.options import EnvOption, ProjectDirOption, find_project

app = typer.Typer()


@app.command("validate")
def validate(env: EnvOption, project_dir: ProjectDirOption = None) -> None:
    """Validate ENV's config and release manifest (exit 2 naming the file and key path when invalid)."""
    from infra.config.loader import load_environment
    from infra.release.checks import artifact_source_problems
    from infra.release.store import find_manifest

    project = find_project(project_dir)
    cfg = load_environment(env, project)
    manifest = find_manifest(env, cfg, project)
    release = f"release {manifest.release}" if manifest else "no release manifest"
    ok(f"{env}: project {cfg.project.id}, region {cfg.region}, {release}")
    path = project.release_manifest(env)
    for problem in artifact_source_problems(manifest, cfg, path) if manifest else []:
        warn(f"{problem.render()} (a promotion would refuse it)")
