"""Read the project's YAML files strictly, so a file means one thing and a mistake is an error, not a guess.

PyYAML implements YAML 1.1, where `yes`, `no`, `on` and `off` are booleans, `010` is 8, `1:30` is 90 and a
repeated key silently replaces the first. The Pulumi engine reads stack files as YAML 1.2 (only `true` /
`false` are booleans) and refuses repeated keys, so this reader does the same for every file the platform
loads (stack files, defaults, release manifests):

- the YAML 1.2 core schema: booleans are `true` / `false` only, integers are decimal, `0o` octal or `0x`
  hex, dates and times stay text (the models parse the ones they expect);
- a key repeated in one mapping is an error naming both lines;
- an alias that contains itself, or a document that expands beyond `MAX_NODES`, is an error.

Every failure is a `UserInputError` naming the file and the line or key path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from contracts.errors import Problem, UserInputError

MAX_NODES = 200_000
"""Nodes one document may expand to through aliases (a guard against "billion laughs" documents)."""

BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
YAML11_BOOLEAN_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})
"""Words YAML 1.1 (and older tools) read as booleans; here they are text, and messages say so."""

EMPTY_VALUE = (
    "is empty (null): give it a value or remove the key (an empty setting would silently fall back to a default)"
)
"""The message for a stack-file config key without a value (the engine has no null config value)."""


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster


class StrictLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader with the YAML 1.2 core schema's implicit types (see the module docstring)."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


def _construct_timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", BOOL, list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", INT, list("-+0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT, list("-+0123456789."))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", NULL, ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
# An explicit `!!timestamp` tag is kept as text too: the models parse timestamps with their own rules.
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def _render(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _structure_problems(root: yaml.Node, file: str) -> list[Problem]:
    """Repeated keys, self-containing aliases and oversized expansions, each with its key path."""
    problems: list[Problem] = []
    visited = 0
    stack: list[tuple[yaml.Node, tuple[str | int, ...], frozenset[int]]] = [(root, (), frozenset())]
    while stack:
        node, path, ancestors = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            return [Problem(file, "", f"the document expands to more than {MAX_NODES} values through aliases; "
                                      "write the values out or use fewer aliases")]
        if id(node) in ancestors:
            problems.append(Problem(file, _render(path), "an alias refers to a node that contains it (a cycle); "
                                                         "replace the alias by the values it should have"))
            continue
        inside = ancestors | {id(node)}
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    stack.append((value_node, path, inside))
                    continue
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "<complex key>"
                line = key_node.start_mark.line + 1
                if key in seen:
                    problems.append(Problem(
                        file, _render((*path, key)),
                        f"key {key!r} appears twice in the same mapping (lines {seen[key]} and {line}); "
                        "the later one would silently win: keep one",
                    ))
                else:
                    seen[key] = line
                stack.append((value_node, (*path, key), inside))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index), inside) for index, item in enumerate(node.value))
    return sorted(problems, key=lambda p: p.key_path)


def parse_yaml(text: str, file: str) -> Any:
    """Parse one YAML document strictly (see the module docstring); None for an empty document."""
    try:
        loader = StrictLoader(text)  # the reader already refuses control characters
    except yaml.YAMLError as exc:
        raise UserInputError.single(file, "", f"not valid YAML: {exc}", summary="invalid YAML") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problems = _structure_problems(node, file)
        if problems:
            raise UserInputError(problems, summary="invalid YAML")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise UserInputError.single(file, where, f"not valid YAML: {problem}", summary="invalid YAML") from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a malformed !!binary or !!int value
        raise UserInputError.single(file, "", f"not valid YAML: {exc}", summary="invalid YAML") from None
    finally:
        loader.dispose()


def read_yaml_file(path: Path) -> Any:
    """Read and parse `path` strictly; a missing, unreadable or non-UTF-8 file is a UserInputError."""
    if not path.is_file():
        raise UserInputError.single(str(path), "", "file not found", summary="missing configuration file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserInputError.single(
            str(path), "", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", summary="invalid YAML"
        ) from None
    except OSError as exc:
        raise UserInputError.single(
            str(path), "", f"cannot be read: {exc.strerror}", summary="unreadable file"
        ) from None
    return parse_yaml(text, str(path))


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """`read_yaml_file` for files whose top level is a mapping; an empty file is an empty mapping."""
    data = read_yaml_file(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserInputError.single(
            str(path), "", f"expected a mapping (key: value lines) at the top, found {describe(data)}",
            summary="invalid YAML",
        )
    return data


def string_keys(value: Any) -> Any:
    """Mapping keys as the engine passes config to a program, in JSON: text (`1: x` becomes `"1": x`)."""
    if isinstance(value, dict):
        return {key_text(k): string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [string_keys(v) for v in value]
    return value


def key_text(key: Any) -> str:
    """A mapping key as YAML wrote it, as text: `false: x` names the key `false`, not Python's `False`."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return str(key).lower()
    return str(key)


def describe(value: Any) -> str:
    """A value as the user wrote it, with its YAML kind: `'3' (quoted text)`, `true (a boolean)`, `a list`."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        shown = value if len(value) <= 80 else value[:77] + "..."
        return f"{shown!r} (text)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
