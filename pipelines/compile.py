"""Compile every pipeline to a byte-deterministic YAML template versioned by its sha256 digest.

Public API (used by the release manifest and `mlops pipelines compile`):

    compile_all(out_dir) -> list[CompiledPipeline]

writes `<out_dir>/<name>.yaml` for each pipeline plus `<out_dir>/manifest.json`, and validates each template
offline by constructing the `aiplatform.PipelineJob` an environment would submit (never submitted). The
version is `sha256:<hex of the compiled bytes>`: the same sources and kfp version always give the same
version, which is how a release pins a template across dev, staging and prod.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kfp import compiler

from contracts.fsutil import atomic_write_bytes, atomic_write_text, canonical_json
from pipelines.catalog import PIPELINES, PipelineEntry
from pipelines.parameters import parameter_specs

DEFAULT_OUT_DIR = Path("build/pipelines")
MANIFEST_FILE = "manifest.json"
# Where an environment's runs would write; only used to construct the job for validation.
_VALIDATION_ROOT = "gs://genai-dev-1234-pipeline-root/runs"


@dataclass(frozen=True)
class CompiledPipeline:
    """One compiled template: `version` is `sha256:<hex>` of the bytes at `path`; `parameters` maps name -> type."""

    name: str
    version: str
    path: Path
    parameters: dict[str, str]

    def manifest_entry(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "file": self.path.name, "parameters": self.parameters}


def compile_bytes(entry: PipelineEntry) -> bytes:
    """The compiled YAML of one pipeline (kfp writes to a file; we read it back)."""
    with tempfile.TemporaryDirectory(prefix="kfp-compile-") as scratch:
        target = Path(scratch) / f"{entry.name}.yaml"
        compiler.Compiler().compile(pipeline_func=entry.pipeline, package_path=str(target))
        return target.read_bytes()


def validate_template(path: Path, entry: PipelineEntry) -> None:
    """Load the template into an `aiplatform.PipelineJob` with an environment's values (no submit, no auth)."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import aiplatform

    values = entry.resolve(entry.vertex_example)
    aiplatform.PipelineJob(
        display_name=f"validate-{entry.name}",
        template_path=str(path),
        parameter_values=values,
        pipeline_root=_VALIDATION_ROOT,
        project=str(values["project"]),
        location=str(values["location"]),
        credentials=AnonymousCredentials(),
        enable_caching=None,
    )


def compile_all(out_dir: str | Path = DEFAULT_OUT_DIR) -> list[CompiledPipeline]:
    """Compile, write, validate every pipeline and write the manifest; returns the compiled pipelines."""
    out = Path(out_dir)
    compiled = []
    for entry in PIPELINES.values():
        data = compile_bytes(entry)
        path = atomic_write_bytes(out / f"{entry.name}.yaml", data)
        validate_template(path, entry)
        parameters = {name: spec.type for name, spec in parameter_specs(entry.pipeline).items()}
        compiled.append(CompiledPipeline(entry.name, f"sha256:{hashlib.sha256(data).hexdigest()}", path, parameters))
    manifest = {"pipelines": [item.manifest_entry() for item in compiled]}
    atomic_write_text(out / MANIFEST_FILE, canonical_json(manifest))
    return compiled
