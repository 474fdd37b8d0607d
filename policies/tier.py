"""Which stacks are production, for the pack's levels: by the stack's `tier` (`contracts.tier`), never its name.

The tier is read from the stack file the engine reads too (`<stackConfigDir>/Pulumi.<stack>.yaml`): the
project's `<project>:environment` object's `tier` (a `<project>:tier` key also counts), else the shared
`defaults.yaml` `tier`. Only that key is read, so `mlops check`, `mlops plan`, the release gate and the
CrossGuard pack agree on the levels without loading the whole environment config; a staging-tier stack named
`prod-eu` is not production, a production-tier stack named `live` is. A malformed file is an error naming
the file and key path, never a silent "not production".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from contracts.errors import UserInputError
from contracts.tier import TIERS, is_production
from contracts.yamlfile import describe, read_yaml_mapping  # YAML 1.2 core, no duplicate keys

if TYPE_CHECKING:
    from infra.layout import Project

DEFAULTS_FILE = "defaults.yaml"


def _tier(value: Any, file: Path, key_path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in TIERS:
        raise UserInputError.single(
            str(file), key_path, f"found {describe(value)}; expected one of {', '.join(TIERS)}", summary="invalid tier"
        )
    return value


def stack_tier(stack_file: Path, project_name: str, default: str | None = None) -> str | None:
    """The tier `stack_file` declares (else `default`)."""
    config = read_yaml_mapping(stack_file).get("config") or {}
    if not isinstance(config, dict):
        raise UserInputError.single(
            str(stack_file),
            "config",
            f"found {describe(config)}; expected a mapping of `namespace:key: value` settings",
            summary="invalid stack file",
        )
    environment_key = f"{project_name}:environment"
    environment = config.get(environment_key)
    if isinstance(environment, dict) and environment.get("tier") is not None:
        return _tier(environment["tier"], stack_file, f"config.{environment_key}.tier")
    tier_key = f"{project_name}:tier"
    return _tier(config.get(tier_key), stack_file, f"config.{tier_key}") or default


def production_stacks(project: Project) -> frozenset[str]:
    """Names of the project's stacks whose tier is production."""
    name = str(read_yaml_mapping(project.pulumi_yaml).get("name") or "")
    if not name or not project.environments_dir.is_dir():
        return frozenset()
    defaults = project.environments_dir / DEFAULTS_FILE
    default_tier = _tier(read_yaml_mapping(defaults).get("tier"), defaults, "tier") if defaults.is_file() else None
    return frozenset(
        env for env in project.environments() if is_production(stack_tier(project.stack_file(env), name, default_tier))
    )
