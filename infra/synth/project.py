"""Read what the engine reads before running a program: `Pulumi.yaml` and the stack's config file.

The engine hands the program its config as strings (objects as JSON) plus the set of secret keys; this module
produces exactly that, so an offline run sees what `pulumi preview` would. `secure:` values cannot be decrypted
offline: the program gets a placeholder and the key is marked secret, so the value is masked wherever it flows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.errors import Problem, UserInputError
from contracts.yamlfile import EMPTY_VALUE, describe, key_text, read_yaml_mapping, string_keys
from infra.layout import PROJECT_FILE, Project

SECRET_PLACEHOLDER = "[secret]"
"""What the program reads for a `secure:` config value offline (never a real secret; masked in the snapshot)."""

_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class ProjectSpec:
    """The parts of `Pulumi.yaml` a run depends on."""

    root: Path
    name: str
    main: Path
    stack_config_dir: Path
    backend_url: str | None
    config: dict[str, Any] = field(default_factory=dict)

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"

    def stacks(self) -> list[str]:
        """Stack names that have a stack file, in the project's order (`infra.layout.Project.environments`)."""
        return [name for name in Project(self.root).environments() if _STACK_NAME.match(name)]


@dataclass(frozen=True)
class StackConfig:
    """Config exactly as the language host passes it: `ns:key` -> string, plus the secret keys."""

    values: dict[str, str]
    secret_keys: frozenset[str]

    def namespace(self, ns: str) -> dict[str, str]:
        """Keys of one namespace without the prefix (`gcp:project` -> `project`)."""
        prefix = f"{ns}:"
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)}


def load_project(project_dir: Path) -> ProjectSpec:
    """Parse `<project_dir>/Pulumi.yaml`; a missing file or missing `name` is a UserInputError."""
    path = project_dir / PROJECT_FILE
    if not path.is_file():
        raise UserInputError.single(
            str(path), "", "no Pulumi project file here; pass the directory that holds Pulumi.yaml",
            summary="not a Pulumi project",
        )
    doc = read_yaml_mapping(path)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise UserInputError.single(str(path), "name", f"expected the project name (a string), found {name!r}")
    main = doc.get("main") or "."
    stack_config_dir = doc.get("stackConfigDir") or "."
    backend = doc.get("backend")
    backend_url = backend.get("url") if isinstance(backend, dict) else None
    config = doc.get("config") or {}
    if not isinstance(config, dict):
        raise UserInputError.single(str(path), "config", "expected a mapping of config keys")
    return ProjectSpec(
        root=project_dir,
        name=name,
        main=(project_dir / str(main)).resolve(),
        stack_config_dir=(project_dir / str(stack_config_dir)).resolve(),
        backend_url=str(backend_url) if backend_url else None,
        config=config,
    )


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return True
        return any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _as_config_string(value: Any) -> str:
    """The engine's string form: strings as-is, booleans lower-case, objects and lists as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(string_keys(value), sort_keys=True, separators=(",", ":"))


def _project_defaults(project: ProjectSpec) -> dict[str, Any]:
    """Values and defaults declared in Pulumi.yaml `config:` (stack files override them)."""
    defaults: dict[str, Any] = {}
    for key, decl in project.config.items():
        if isinstance(decl, dict) and ("default" in decl or "value" in decl):
            defaults[_qualify(key_text(key), project.name)] = decl.get("value", decl.get("default"))
        elif not isinstance(decl, dict):
            defaults[_qualify(key_text(key), project.name)] = decl
    return defaults


def load_stack_config(project: ProjectSpec, stack: str) -> StackConfig:
    """Config for `stack`: Pulumi.yaml defaults overlaid by `<stackConfigDir>/Pulumi.<stack>.yaml` `config:`."""
    if not _STACK_NAME.match(stack):
        raise UserInputError.single(
            "--env", "", f"{stack!r} is not a stack name (letters, digits, '-', '_', '.')", summary="invalid stack"
        )
    path = project.stack_file(stack)
    if not path.is_file():
        known = ", ".join(project.stacks()) or "none"
        raise UserInputError.single(
            str(path), "", f"no stack file for stack {stack!r} (stacks with a file: {known}); "
            "create it or pick one of those",
            summary="unknown stack",
        )
    doc = read_yaml_mapping(path)
    raw = doc.get("config")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise UserInputError.single(
            str(path), "config", f"expected a mapping of config keys (`ns:key: value`), found {describe(raw)}",
            summary=f"invalid stack file for stack {stack!r}",
        )
    qualified = {_qualify(key_text(k), project.name): v for k, v in raw.items()}
    empty = [Problem(str(path), f"config.{k}", EMPTY_VALUE) for k, v in qualified.items() if v is None]
    if empty:
        raise UserInputError(empty, summary=f"invalid stack file for stack {stack!r}")
    merged = _project_defaults(project)
    merged.update(qualified)
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in merged.items():
        if _has_secure(value):
            values[key] = SECRET_PLACEHOLDER
            secret_keys.add(key)
        elif value is None:
            continue
        else:
            values[key] = _as_config_string(value)
    return StackConfig(values=dict(sorted(values.items())), secret_keys=frozenset(secret_keys))
