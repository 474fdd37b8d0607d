"""Before the engine runs: the pipeline templates the stack's manifest pins, written byte for byte.

The release's template providers upload the files at the manifest's `compiled` paths and refuse any whose
digest differs; this is `mlops pipelines compile --env ENV`, done for the user before a preview or an up.
"""

from __future__ import annotations

from collections.abc import Callable

from infra.config.loader import load_environment
from infra.engine.settings import EngineSettings
from infra.layout import Project
from infra.release.store import find_manifest
from infra.release.templates import materialize_templates, sha256_of


def prepare_templates(settings: EngineSettings, on_output: Callable[[str], None] | None = None) -> None:
    """Write the pinned templates; nothing to do without a manifest or when every file already matches."""
    project = Project(settings.project.root)
    root = project.root
    if not project.release_manifest(settings.stack).is_file():
        return
    manifest = find_manifest(settings.stack, load_environment(settings.stack, project), project)
    if manifest is not None and all(
        (root / spec.compiled).is_file() and sha256_of((root / spec.compiled).read_bytes()) == spec.digest
        for spec in manifest.pipelines.values()
    ):
        return
    for template in materialize_templates(settings.stack, project):
        if on_output is not None:
            on_output(f"template {template.pipeline} {template.digest[:19]} from the {template.source}\n")
