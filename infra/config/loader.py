"""Read an environment's config from the stack files, merge it over the shared defaults, validate it once.

Errors are collected and raised together as `UserInputError`, each naming the file the offending value came
from, its key path, what was found and what is expected. Unknown keys get a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
import functools
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from infra.config.model import EnvironmentConfig
from infra.errors import Problem, UserInputError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_NAMESPACE = "genai-mlops"
CONFIG_KEY = f"{CONFIG_NAMESPACE}:environment"
DEFAULTS_FILE = "defaults.yaml"


def environments_dir(project_dir: Path | None = None) -> Path:
    """The stack config directory named by Pulumi.yaml's `stackConfigDir`."""
    root = project_dir or PROJECT_ROOT
    project = read_yaml(root / "Pulumi.yaml")
    return root / str(project.get("stackConfigDir", "."))


def stack_file(env: str, project_dir: Path | None = None) -> Path:
    return environments_dir(project_dir) / f"Pulumi.{env}.yaml"


def available_environments(project_dir: Path | None = None) -> list[str]:
    """Stack names with a stack file, in promotion order (dev, staging, prod first, then the rest sorted)."""
    names = [p.name[len("Pulumi.") : -len(".yaml")] for p in environments_dir(project_dir).glob("Pulumi.*.yaml")]
    order = {"dev": 0, "staging": 1, "prod": 2}
    return sorted(names, key=lambda n: (order.get(n, 3), n))


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping; a missing file or bad syntax becomes a UserInputError naming the line."""
    if not path.is_file():
        raise UserInputError.single(str(path), "", "file not found", summary="missing configuration file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserInputError.single(
            str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}", summary="invalid YAML"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserInputError.single(str(path), "", f"expected a mapping at the top, found {type(data).__name__}")
    return data


NAMED_LISTS = {("serving", "models")}
"""Lists whose items merge by `name` between defaults and a stack (an item `{name: x, remove: true}` drops x)."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Mappings merge key by key; the lists in NAMED_LISTS merge item by item on `name`; any other value
    (other lists included) in `override` replaces the base value."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        here = (*path, str(key))
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = deep_merge(current, value, here)
        elif here in NAMED_LISTS and _named_items(value) and isinstance(current, list) and _named_items(current):
            merged[key] = _merge_by_name(current, value)
        else:
            merged[key] = value
    return merged


def _named_items(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, Mapping) and "name" in i for i in value)


def _merge_by_name(base: list[Mapping[str, Any]], override: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Items of `override` merge onto the base item with the same name, in the base's order; new names follow;
    `remove: true` drops the named item. A name repeated in `override` is kept twice, so validation reports it."""
    firsts: dict[str, Mapping[str, Any]] = {}
    repeats: list[Mapping[str, Any]] = []
    for item in override:
        if item["name"] in firsts:
            repeats.append(item)
        else:
            firsts[item["name"]] = item
    merged: list[dict[str, Any]] = []
    for item in base:
        change = firsts.pop(item["name"], {})
        if not change.get("remove"):
            merged.append(deep_merge(item, change))
    merged += [dict(item) for item in firsts.values() if not item.get("remove")]
    return merged + [dict(item) for item in repeats]


@functools.cache
def gcp_provider_keys() -> frozenset[str]:
    """Every `gcp:` config key the installed Google provider reads (from its generated config module)."""
    import inspect

    from pulumi_gcp.config import vars as provider_config

    source = inspect.getsource(provider_config)
    return frozenset(re.findall(r"__config__\.get(?:_bool|_int|_float|_object)?\('(\w+)'\)", source))


def check_stack_keys(config: Mapping[str, Any], path: Path) -> list[Problem]:
    """Typos in the stack's own config keys (`gcp:regoin`, `genai-mlops:enviroment`) with a suggestion."""
    known = {f"gcp:{k}" for k in gcp_provider_keys()} | {CONFIG_KEY}
    problems = []
    for key in config:
        namespace = str(key).split(":", 1)[0]
        if namespace in ("gcp", CONFIG_NAMESPACE) and key not in known:
            candidates = sorted(k for k in known if k.startswith(f"{namespace}:"))
            hint = difflib.get_close_matches(str(key), candidates, n=1, cutoff=0.6)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(Problem(str(path), f"config.{key}", f"unknown key {key!r}{suggestion}"))
    return problems


def check_provider_matches(config: Mapping[str, Any], cfg: EnvironmentConfig, path: Path) -> list[Problem]:
    """The Google provider's default project and region must be the environment's own."""
    expected = {"gcp:project": cfg.project.id, "gcp:region": cfg.region}
    return [
        Problem(
            str(path), f"config.{key}",
            f"is {config[key]!r} but the environment's {'project.id' if key == 'gcp:project' else 'region'} is "
            f"{value!r}; set both to the same value",
        )
        for key, value in expected.items()
        if key in config and config[key] != value
    ]


def load_environment(env: str, project_dir: Path | None = None) -> EnvironmentConfig:
    """Load `env` from `environments/` on disk (the CLI's path; the Pulumi program uses `build_environment`)."""
    path = stack_file(env, project_dir)
    if not path.is_file():
        known = ", ".join(available_environments(project_dir)) or "none"
        raise UserInputError.single(
            str(path), "", f"no stack file for environment {env!r} (known environments: {known})",
            summary="unknown environment",
        )
    config = read_yaml(path).get("config") or {}
    if not isinstance(config, dict):
        raise UserInputError.single(str(path), "config", "expected a mapping of config keys")
    problems = check_stack_keys(config, path)
    if not isinstance(config.get(CONFIG_KEY), dict):
        problems.append(Problem(
            str(path), f"config.{CONFIG_KEY}", "missing: the environment's settings live under this key (a mapping)"
        ))
    if problems:
        raise UserInputError(problems, summary=f"invalid stack file for environment {env!r}")
    cfg = build_environment(env, config[CONFIG_KEY], project_dir, stack_path=path)
    mismatches = check_provider_matches(config, cfg, path)
    if mismatches:
        raise UserInputError(mismatches, summary=f"invalid stack file for environment {env!r}")
    return cfg


def build_environment(
    env: str,
    overrides: Mapping[str, Any],
    project_dir: Path | None = None,
    stack_path: Path | None = None,
) -> EnvironmentConfig:
    """Merge `overrides` (the stack's `genai-mlops:environment`) over the shared defaults and validate."""
    env_dir = environments_dir(project_dir)
    defaults_path = env_dir / DEFAULTS_FILE
    defaults = read_yaml(defaults_path) if defaults_path.is_file() else {}
    stack_path = stack_path or env_dir / f"Pulumi.{env}.yaml"
    if "name" in overrides and overrides["name"] != env:
        raise UserInputError.single(
            str(stack_path), f"config.{CONFIG_KEY}.name",
            f"found {overrides['name']!r} but the stack is {env!r}; remove the key (the stack name is used)",
        )
    merged = deep_merge(defaults, {**overrides, "name": env})
    try:
        return EnvironmentConfig.model_validate(merged)
    except ValidationError as exc:
        problems = [
            _problem(error, overrides, defaults_path, stack_path) for error in exc.errors(include_url=False)
        ]
        raise UserInputError(problems, summary=f"invalid configuration for environment {env!r}") from None


def _problem(error: Any, overrides: Mapping[str, Any], defaults_path: Path, stack_path: Path) -> Problem:
    loc = tuple(error["loc"])
    # A missing key belongs in the stack file; any other value is blamed on the file it came from.
    in_stack = error["type"] == "missing" or _has_path(overrides, loc)
    file = str(stack_path) if in_stack else str(defaults_path)
    key_path = _render_path(loc)
    if in_stack:
        key_path = f"config.{CONFIG_KEY}.{key_path}" if key_path else f"config.{CONFIG_KEY}"
    return Problem(file, key_path, _message(error, loc))


def _message(error: Any, loc: tuple[Any, ...], root: type[BaseModel] = EnvironmentConfig) -> str:
    kind = error["type"]
    found = error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], root)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        return f"unknown key {loc[-1]!r}{suggestion} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if kind.startswith(("greater", "less", "too_", "int_", "float_", "bool_", "string_", "literal", "dict_", "list_")):
        return f"{message}; found {found!r}"
    return message


def _render_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _has_path(data: Any, loc: tuple[Any, ...]) -> bool:
    node = data
    for part in loc:
        in_mapping = isinstance(node, Mapping) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_mapping or in_list:
            node = node[part]
        else:
            return False
    return True


def _allowed_keys(loc: tuple[Any, ...], root: type[BaseModel] = EnvironmentConfig) -> list[str]:
    """Field names of the section at `loc` of `root` (walking through lists, dicts and optionals)."""
    annotation: Any = root
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            args = typing.get_args(annotation)
            annotation = args[-1] if args else None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] and Annotated[...] to the type underneath."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation
