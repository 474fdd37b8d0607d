"""Load a synth snapshot (the pinned format in DESIGN.md) into `Resource`s, rejecting bad input clearly."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.errors import Problem, UserInputError
from policies.model import Resource, ResourceOptions

SUPPORTED_VERSION = 1


@dataclass(frozen=True)
class Snapshot:
    project: str
    stack: str
    resources: tuple[Resource, ...]
    source: str


def load_snapshot(path: Path) -> Snapshot:
    """Read and validate a snapshot file; every problem is a UserInputError naming the file and key path."""
    return parse_snapshot(read_snapshot_document(path), str(path))


def read_snapshot_document(path: Path) -> Any:
    """The JSON document of a snapshot file, unvalidated (`parse_snapshot` or `policies.check` validate it)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError.single(source, "", "file not found; pass a snapshot written by `mlops synth`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError.single(source, "", f"cannot be read ({exc})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        ends_early = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        hint = " — the file looks truncated" if ends_early else ""
        raise UserInputError.single(
            source,
            "",
            f"not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}){hint}; "
            "re-run `mlops synth --env ENV --out FILE`",
        ) from None
    return document


def parse_snapshot(document: Any, source: str) -> Snapshot:
    problems: list[Problem] = []
    if not isinstance(document, dict):
        raise UserInputError.single(source, "", f"expected a JSON object, found {type(document).__name__}")
    if document.get("version") != SUPPORTED_VERSION:
        problems.append(Problem(source, "version", f"found {document.get('version')!r}, expected {SUPPORTED_VERSION}"))
    raw_resources = document.get("resources")
    if not isinstance(raw_resources, list):
        problems.append(Problem(source, "resources", "expected a list of resources"))
        raw_resources = []
    resources = []
    for index, raw in enumerate(raw_resources):
        resource = _parse_resource(raw, f"resources[{index}]", source, problems)
        if resource is not None:
            resources.append(resource)
    if problems:
        raise UserInputError(problems, "invalid snapshot")
    return Snapshot(str(document.get("project", "")), str(document.get("stack", "")), tuple(resources), source)


def _expect(
    raw: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    source: str,
    problems: list[Problem],
    required: bool = True,
) -> Any:
    if key not in raw:
        if required:
            problems.append(Problem(source, f"{where}.{key}", "missing"))
        return None
    value = raw[key]
    if value is not None and not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        problems.append(Problem(source, f"{where}.{key}", f"found {type(value).__name__}, expected {expected}"))
        return None
    return value


def _parse_resource(raw: Any, where: str, source: str, problems: list[Problem]) -> Resource | None:
    if not isinstance(raw, dict):
        problems.append(Problem(source, where, f"expected an object, found {type(raw).__name__}"))
        return None
    before = len(problems)
    urn = _expect(raw, "urn", str, where, source, problems)
    type_ = _expect(raw, "type", str, where, source, problems)
    name = _expect(raw, "name", str, where, source, problems)
    inputs = _expect(raw, "inputs", dict, where, source, problems)
    protect = _expect(raw, "protect", bool, where, source, problems, required=False)
    retain = _expect(raw, "retainOnDelete", bool, where, source, problems, required=False)
    parent = _expect(raw, "parent", str, where, source, problems, required=False)
    ignore_changes = _expect(raw, "ignoreChanges", list, where, source, problems, required=False) or []
    dependencies = _expect(raw, "dependencies", list, where, source, problems, required=False) or []
    if len(problems) > before:
        return None
    return Resource(
        urn=urn,
        type=type_,
        name=name,
        inputs=inputs or {},
        options=ResourceOptions(bool(protect), bool(retain), tuple(str(p) for p in ignore_changes)),
        parent=parent,
        dependencies=tuple(str(d) for d in dependencies),
    )
