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

from pydantic import BaseModel, ValidationError

from contracts.errors import Problem, UserInputError
from contracts.yamlfile import EMPTY_VALUE, YAML11_BOOLEAN_WORDS, describe, read_yaml_mapping, string_keys
from infra.config.model import EnvironmentConfig
from infra.layout import Project

CONFIG_NAMESPACE = "genai-mlops"
CONFIG_KEY = f"{CONFIG_NAMESPACE}:environment"
DEFAULTS_FILE = "defaults.yaml"


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping strictly (contracts.yamlfile); problems name the file and line or key path."""
    return read_yaml_mapping(path)


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
    return isinstance(value, list) and bool(value) and all(
        isinstance(i, Mapping) and isinstance(i.get("name"), str) for i in value
    )


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
        if change.get("remove") is not True:
            merged.append(deep_merge(item, change))
    merged += [dict(item) for item in firsts.values() if item.get("remove") is not True]
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


def load_environment(env: str, project: Project) -> EnvironmentConfig:
    """Load `env` from its stack file in `project` and validate it (`validate_stack_config`)."""
    path = project.stack_file(env)
    if not path.is_file():
        known = ", ".join(project.environments()) or "none"
        raise UserInputError.single(
            str(path), "", f"no stack file for environment {env!r} (known environments: {known})",
            summary="unknown environment",
        )
    document = read_yaml(path)
    config = document.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise UserInputError.single(
            str(path), "config", f"expected a mapping of config keys (`ns:key: value`), found {describe(config)}",
            summary=f"invalid stack file for environment {env!r}",
        )
    project_name = str(read_yaml(project.pulumi_yaml).get("name") or CONFIG_NAMESPACE)
    # Keys become text as the engine passes them (JSON), so the program and this check read the same data.
    qualified = {(k if ":" in k else f"{project_name}:{k}"): v for k, v in string_keys(config).items()}
    return validate_stack_config(env, qualified, project, stack_path=path)


def validate_stack_config(
    env: str,
    config: Mapping[str, Any],
    project: Project,
    *,
    stack_path: Path | None = None,
    secret_keys: frozenset[str] = frozenset(),
) -> EnvironmentConfig:
    """The one validation of a stack's config, shared by `mlops validate`, the Pulumi program (synth, check,
    diff, plan, promotion gates, preview/up) and every other command: stack-key typos, the environment block
    (present, a mapping, no `secure:` value), the merged and typed model, and the provider's project and
    region matching the environment. `config` maps `ns:key` to the value as written (objects decoded);
    `secret_keys` are the keys the engine marks secret."""
    path = stack_path or project.stack_file(env)
    problems = check_stack_keys(config, path)
    problems += [Problem(str(path), f"config.{k}", EMPTY_VALUE) for k, v in config.items() if v is None]
    block = config.get(CONFIG_KEY)
    secure = [f"config.{CONFIG_KEY}{'.' + p if p else ''}" for p in secure_paths(block)]
    if CONFIG_KEY in secret_keys and not secure:
        secure = [f"config.{CONFIG_KEY}"]
    if secure:
        problems += [
            Problem(str(path), where, "is a `secure:` value, which makes the whole environment block secret and "
                    "unreadable offline; nothing in it is a secret: write the plain value here (keep real secrets "
                    "in their own config key)")
            for where in secure
        ]
    elif block is None and CONFIG_KEY not in config:
        hint = difflib.get_close_matches(CONFIG_KEY, [str(k) for k in config], n=1, cutoff=0.7)
        typo = f"; found {hint[0]!r}: rename it to {CONFIG_KEY!r}" if hint else ""
        problems.append(Problem(
            str(path), f"config.{CONFIG_KEY}",
            f"missing: the environment's settings live under this key (a mapping){typo}",
        ))
    elif not isinstance(block, Mapping):
        problems.append(Problem(
            str(path), f"config.{CONFIG_KEY}",
            f"expected a mapping of the environment's settings (`tier: ...`, `project: ...`), found {describe(block)}",
        ))
    if problems:
        raise UserInputError(problems, summary=f"invalid stack file for environment {env!r}")
    assert isinstance(block, Mapping)  # noqa: S101 - None and every other kind were reported above
    cfg = build_environment(env, block, project, stack_path=path)
    mismatches = check_provider_matches(config, cfg, path)
    if mismatches:
        raise UserInputError(mismatches, summary=f"invalid stack file for environment {env!r}")
    return cfg


def secure_paths(value: Any, path: str = "") -> list[str]:
    """Key paths of the `{secure: ...}` values inside `value` ('' for `value` itself)."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return [path]
        return [p for k, v in value.items() for p in secure_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in secure_paths(v, f"{path}[{i}]")]
    return []


def build_environment(
    env: str,
    overrides: Mapping[str, Any],
    project: Project,
    stack_path: Path | None = None,
) -> EnvironmentConfig:
    """Merge `overrides` (the stack's `genai-mlops:environment`) over the shared defaults and validate."""
    env_dir = project.environments_dir
    defaults_path = env_dir / DEFAULTS_FILE
    stack_path = stack_path or env_dir / f"Pulumi.{env}.yaml"
    here = f"config.{CONFIG_KEY}"
    if not isinstance(overrides, Mapping):
        raise UserInputError.single(
            str(stack_path), here, f"expected a mapping of the environment's settings, found {describe(overrides)}",
            summary=f"invalid stack file for environment {env!r}",
        )
    defaults = read_yaml(defaults_path) if defaults_path.is_file() else {}
    if "name" in overrides and overrides["name"] != env:
        raise UserInputError.single(
            str(stack_path), f"{here}.name",
            f"found {overrides['name']!r} but the stack is {env!r}; remove the key (the stack name is used)",
        )
    removals = _unmatched_removals(defaults, overrides, defaults_path, stack_path)
    if removals:
        raise UserInputError(removals, summary=f"invalid configuration for environment {env!r}")
    merged = deep_merge(defaults, {**overrides, "name": env})
    sources = _Sources(defaults, overrides, defaults_path, stack_path, defaults_path.is_file())
    try:
        cfg = EnvironmentConfig.model_validate(merged)
    except ValidationError as exc:
        problems = [_problem(error, sources) for error in collapse_unions(exc.errors(include_url=False), merged)]
        raise UserInputError(problems, summary=f"invalid configuration for environment {env!r}") from None
    problems = _known_environments(cfg, sources, project)
    if problems:
        raise UserInputError(problems, summary=f"invalid configuration for environment {env!r}")
    return cfg


def _known_environments(cfg: EnvironmentConfig, sources: _Sources, project: Project) -> list[Problem]:
    """`release.promote_from` names another environment that has a stack file."""
    source = cfg.release.promote_from
    if source is None:
        return []
    known = [e for e in project.environments() if e != cfg.name]
    if source in known:
        return []
    file, key_path = sources.locate(("release", "promote_from"))
    if source == cfg.name:
        return [Problem(file, key_path, f"found {source!r}, the environment itself; name the environment releases "
                                        f"come from ({', '.join(known) or 'none'}) or remove the key")]
    hint = difflib.get_close_matches(source, known, n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return [Problem(file, key_path, f"found {source!r}, which is not an environment of this project{suggestion} "
                                    f"(environments with a stack file: {', '.join(known) or 'none'})")]


def _unmatched_removals(
    defaults: Mapping[str, Any], overrides: Mapping[str, Any], defaults_path: Path, stack_path: Path
) -> list[Problem]:
    """`{name: x, remove: true}` must name an item of defaults.yaml (a typo would remove nothing)."""
    problems = []
    for path in sorted(NAMED_LISTS):
        stack_items, base_items = _at(overrides, path), _at(defaults, path)
        if not _named_items(stack_items):
            continue
        names = [i["name"] for i in base_items] if _named_items(base_items) else []
        for index, item in enumerate(stack_items):
            if item.get("remove") is True and item["name"] not in names:
                hint = difflib.get_close_matches(item["name"], names, n=1)
                suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                problems.append(Problem(
                    str(stack_path), f"config.{CONFIG_KEY}.{'.'.join(path)}[{index}].name",
                    f"`remove: true` names {item['name']!r}, which {defaults_path.name} does not define{suggestion} "
                    f"(defined: {', '.join(names) or 'none'})",
                ))
    return problems


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        node, _ = _child(node, part)
    return node


class _Sources:
    """Where each value of the merged config came from: the stack file or defaults.yaml, at which index."""

    def __init__(
        self, defaults: Mapping[str, Any], overrides: Mapping[str, Any], defaults_path: Path, stack_path: Path,
        defaults_exist: bool,
    ) -> None:
        self.defaults, self.overrides = defaults, overrides
        self.defaults_path, self.stack_path, self.defaults_exist = defaults_path, stack_path, defaults_exist

    def locate(self, loc: tuple[Any, ...], missing: bool = False) -> tuple[str, str]:
        """(file, key path in that file) of the merged value at `loc`; a missing key belongs in the stack."""
        stack_loc, defaults_loc = self._trace(loc)
        if missing or stack_loc is not None or defaults_loc is None:
            parts = stack_loc if stack_loc is not None else loc
            rendered = _render_path(parts)
            return str(self.stack_path), f"config.{CONFIG_KEY}.{rendered}" if rendered else f"config.{CONFIG_KEY}"
        return str(self.defaults_path), _render_path(defaults_loc)

    def _trace(self, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]:
        """Follow `loc` through both files; a named list's item is found by its name, not its merged index."""
        stack: Any = self.overrides
        base: Any = self.defaults
        stack_loc: list[Any] | None = []
        base_loc: list[Any] | None = []
        merged: Any = deep_merge(self.defaults, self.overrides)
        path: tuple[str, ...] = ()
        for part in loc:
            by_name = (
                isinstance(part, int) and path in NAMED_LISTS and isinstance(merged, list) and part < len(merged)
                and _named_items(merged) and (not isinstance(stack, list) or _named_items(stack))
                and (not isinstance(base, list) or _named_items(base))
            )
            if by_name:
                name = merged[part]["name"]
                occurrence = sum(1 for item in merged[:part] if item["name"] == name)
                stack, stack_index = _nth_named(stack, name, occurrence)
                base, base_index = _nth_named(base, name, 0)
                stack_loc = None if stack_loc is None or stack_index is None else [*stack_loc, stack_index]
                base_loc = None if base_loc is None or base_index is None else [*base_loc, base_index]
            else:
                stack, found = _child(stack, part)
                stack_loc = [*stack_loc, part] if stack_loc is not None and found else None
                base, found = _child(base, part)
                base_loc = [*base_loc, part] if base_loc is not None and found else None
            merged, _ = _child(merged, part)
            path = (*path, str(part)) if not isinstance(part, int) else path
        return (tuple(stack_loc) if stack_loc is not None else None,
                tuple(base_loc) if base_loc is not None else None)


def _child(node: Any, part: Any) -> tuple[Any, bool]:
    if isinstance(node, Mapping) and part in node:
        return node[part], True
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part], True
    return None, False


def _nth_named(node: Any, name: str, occurrence: int) -> tuple[Any, int | None]:
    if not isinstance(node, list):
        return None, None
    matches = [i for i, item in enumerate(node) if isinstance(item, Mapping) and item.get("name") == name]
    if occurrence < len(matches):
        return node[matches[occurrence]], matches[occurrence]
    return None, None


def _problem(error: Any, sources: _Sources) -> Problem:
    loc = tuple(part for part in error["loc"] if part != "[key]")
    missing = error["type"] == "missing"
    file, key_path = sources.locate(loc, missing=missing)
    message = _message(error, loc)
    if missing and not sources.defaults:
        state = "is empty" if sources.defaults_exist else "is missing"
        return Problem(
            str(sources.defaults_path), _render_path(loc),
            f"{message}: {DEFAULTS_FILE} {state}; it holds the settings every environment shares (restore it), "
            f"or set the key in {sources.stack_path.name} under {CONFIG_KEY}",
        )
    if missing:
        message = f"{message}: set it here or in {DEFAULTS_FILE} (shared by every environment)"
    return Problem(file, key_path, message)


UNION_MEMBER = re.compile(r"^(?:str|bool|int|float|none|(?:list|dict|set|tuple|literal|function-\w+|is-instance)\[.*\]|"
                          r"[A-Z]\w*)$")
"""How pydantic names the member of a union in an error's location (`parameters.x.int`, `...ServedModel`)."""


def collapse_unions(errors: list[Any], data: Any) -> list[dict[str, Any]]:
    """Pydantic reports a value that fits no member of a union once per member, with the member's type in
    the location; the user wrote one value: one error at the value's own key path, naming every kind that
    would fit (`expected one of: text; a whole number; ..., found null`)."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for error in errors:
        loc = _data_loc(tuple(error["loc"]), data)
        grouped.setdefault(loc, []).append({**error, "loc": loc})
    collapsed: list[dict[str, Any]] = []
    for loc, group in grouped.items():
        if len(group) > 1 and all(e["type"].endswith(("_type", "_parsing")) for e in group):
            kinds = list(dict.fromkeys(_expected(e) for e in group))
            collapsed.append({"type": "union_type", "loc": loc, "input": group[0].get("input"),
                              "msg": "one of: " + "; ".join(kinds), "kinds": kinds})
        else:
            collapsed += group
    return collapsed


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """`loc` without the union-member segments: a segment is kept when the data has it (a key or an index),
    or when it is not a member name (a missing field)."""
    kept: list[Any] = []
    node: Any = data
    for part in loc:
        child, found = _child(node, part)
        if found or part == "[key]":
            kept.append(part)
            node = child if found else node
        elif isinstance(part, str) and UNION_MEMBER.match(part):
            continue
        else:
            kept.append(part)
            node = None
    return tuple(kept)


def _expected(error: Any) -> str:
    family = error["type"].split("_", 1)[0]
    return _KIND_EXPECTED.get(family, str(error["msg"]).removeprefix("Input should be "))


_KIND_EXPECTED = {
    "datetime": "an ISO 8601 timestamp with a time zone, e.g. '2026-11-26T03:00:00Z'",
    "date": "an ISO 8601 date, e.g. '2026-11-26'",
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "string": "text",
    "dict": "a mapping (key: value lines)",
    "model": "a mapping (key: value lines)",
    "list": "a list (`- item` lines)",
    "literal": "one of the listed values",
}


def _message(error: Any, loc: tuple[Any, ...], root: type[BaseModel] = EnvironmentConfig) -> str:
    """A pydantic error in the user's terms: what was found (with its YAML kind), what is expected, the fix."""
    kind = error["type"]
    found = error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], root)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        if loc[-1] == "remove" and "name" in allowed:
            return f"`remove` drops the named item from defaults.yaml and takes only true; found {describe(found)}"
        return f"unknown key {loc[-1]!r}{suggestion} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return "required key is missing"
    family = kind.split("_", 1)[0]
    if kind == "union_type":
        return f"expected {error['msg']}, found {describe(found)}"
    if kind.endswith(("_type", "_parsing")):
        return f"expected {_expected(error)}, found {describe(found)}{_fix(family, found)}"
    if kind == "timezone_aware":
        return f"the timestamp needs a time zone ('Z' or an offset such as '+01:00'), found {describe(found)}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind.startswith(("greater", "less", "too_", "literal", "string_pattern", "multiple_of", "finite")):
        return f"{message}; found {found!r}"
    return message


def _fix(expected: str, found: Any) -> str:
    """How to write what was meant, for the usual YAML slips (quoted numbers, yes/no, unquoted words)."""
    if isinstance(found, str):
        text = found.strip()
        if expected == "bool" and text.lower() in YAML11_BOOLEAN_WORDS | {"true", "false"}:
            word = "true" if text.lower() in ("yes", "on", "y", "true") else "false"
            return f"; write {word} without quotes (YAML 1.2 reads yes/no/on/off as words, like the Pulumi engine)"
        if expected in ("int", "float") and _is_number(text):
            return f"; write {text} without quotes (quoted values are text)"
    if isinstance(found, bool) and expected == "string":
        return f"; quote the word to keep it text: '{str(found).lower()}'"
    if isinstance(found, (int, float)) and not isinstance(found, bool) and expected == "string":
        return f"; quote it to keep it text: '{found}'"
    if isinstance(found, float) and expected == "int" and found.is_integer():
        return f"; write {int(found)}"
    return ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _render_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


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


def model_problems(exc: ValidationError, data: Any, file: str, root: type[BaseModel]) -> list[Problem]:
    """Every error of validating `data` (read from `file`) against `root`, in the user's terms at its key path:
    how the other documents of a project (release manifests, candidate records) report, like the config."""
    problems = []
    for error in collapse_unions(exc.errors(include_url=False), data):
        loc = tuple(part for part in error["loc"] if part != "[key]")
        problems.append(Problem(file, _render_path(loc), _message(error, loc, root)))
    return problems
