"""Which stacks are production: the one definition the pack's levels use (by `tier`, never by stack name).

The tier is read from the stack file the engine reads too (`<stackConfigDir>/Pulumi.<stack>.yaml`): the
project's `<project>:environment` object's `tier` (a `<project>:tier` key also counts), else the shared
`defaults.yaml` `tier`. Plain YAML, so the CrossGuard pack reads it in its own environment, exactly as
`mlops check` and `mlops plan` do offline; a staging-tier stack named `prod-eu` is not production, a
production-tier stack named `live` is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml

PRODUCTION_TIER: Final = "production"
REPOSITORY_ROOT: Final = Path(__file__).resolve().parent.parent


def _read(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return document if isinstance(document, dict) else {}


def stack_tier(stack_file: Path, project_name: str, default: str | None = None) -> str | None:
    config = _read(stack_file).get("config") or {}
    if not isinstance(config, dict):
        return default
    environment = config.get(f"{project_name}:environment")
    if isinstance(environment, dict) and isinstance(environment.get("tier"), str):
        return str(environment["tier"])
    tier = config.get(f"{project_name}:tier")
    return str(tier) if isinstance(tier, str) else default


def production_stacks(project_dir: Path | None = None) -> frozenset[str]:
    """Names of the project's stacks whose tier is production (empty when there is no project there)."""
    root = project_dir or REPOSITORY_ROOT
    project = _read(root / "Pulumi.yaml")
    name = str(project.get("name") or "")
    config_dir = root / str(project.get("stackConfigDir") or ".")
    if not name or not config_dir.is_dir():
        return frozenset()
    default = _read(config_dir / "defaults.yaml").get("tier")
    default_tier = str(default) if isinstance(default, str) else None
    return frozenset(
        path.name[len("Pulumi.") : -len(".yaml")]
        for path in sorted(config_dir.glob("Pulumi.*.yaml"))
        if stack_tier(path, name, default_tier) == PRODUCTION_TIER
    )
