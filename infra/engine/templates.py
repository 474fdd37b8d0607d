"""Before the engine runs: the pipeline templates the stack's manifest pins, written byte for byte.

The release's template providers upload the files at the manifest's `compiled` paths and refuse any whose
digest differs; this is `mlops pipelines compile --env ENV`, done for the user before a preview or an up.
"""

from __future__ import annotations

from collections.abc import Callable

from infra.engine.settings import EngineSettings
from infra.release.manifest import manifest_path
from infra.release.templates import materialize_templates


def prepare_templates(settings: EngineSettings, on_output: Callable[[str], None] | None = None) -> None:
    """Write the pinned templates (nothing to do for an environment without a manifest)."""
    if not manifest_path(settings.stack, settings.project.root).is_file():
        return
    for template in materialize_templates(settings.stack, settings.project.root):
        if on_output is not None:
            on_output(f"template {template.pipeline} {template.digest[:19]} from the {template.source}\n")
