"""The local backend's Model Registry: a directory of content-addressed versions with movable aliases.

Layout under the registry directory:
    <model>/versions/<version>/model.json       the fitted model
    <model>/versions/<version>/metadata.json    metrics, gate decision, source run
    <model>/aliases.json                        {"candidate": "<version>", ...}; an alias names one version
The version is the first 16 hex digits of sha256(model.json), so registering the same model twice is a no-op
that returns the same version, as re-running a pipeline on unchanged data should be.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from contracts.fsutil import atomic_write_text, canonical_json


def register(
    registry_dir: str | Path, model_name: str, model_json: str, metadata: dict[str, Any], alias: str = "candidate"
) -> dict[str, str]:
    """Store the model bundle and point `alias` at it; returns model, version, alias and the bundle path."""
    version = hashlib.sha256(model_json.encode("utf-8")).hexdigest()[:16]
    model_dir = Path(registry_dir) / model_name
    bundle = model_dir / "versions" / version
    atomic_write_text(bundle / "model.json", model_json)
    atomic_write_text(bundle / "metadata.json", canonical_json(metadata))
    aliases_file = model_dir / "aliases.json"
    aliases = json.loads(aliases_file.read_text(encoding="utf-8")) if aliases_file.exists() else {}
    aliases[alias] = version
    atomic_write_text(aliases_file, canonical_json(aliases))
    return {"model": model_name, "version": version, "alias": alias, "path": str(bundle)}


def resolve(registry_dir: str | Path, model_name: str, alias: str) -> str | None:
    """The version an alias points at, or None."""
    aliases_file = Path(registry_dir) / model_name / "aliases.json"
    if not aliases_file.exists():
        return None
    version: str | None = json.loads(aliases_file.read_text(encoding="utf-8")).get(alias)
    return version
