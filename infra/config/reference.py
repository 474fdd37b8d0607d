"""Renders the configuration reference (docs/configuration.md) from the model itself, so it never drifts."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from infra.config.model import EnvironmentConfig


def render_reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from `infra/config/model.py` by `python -m infra.config.reference` (a test keeps it current).",
        "Shared defaults live in `environments/defaults.yaml`; each stack file `environments/Pulumi.<env>.yaml`",
        "overrides them under `config.genai-mlops:environment` (mappings merge key by key, lists replace except",
        "`serving.models`, whose items merge by `name`; `{name: x, remove: true}` drops one).",
        "Unknown keys are rejected with a suggestion.",
        "",
        "The files are read as YAML 1.2, like the Pulumi engine reads them: only `true` / `false` are booleans",
        "(`yes`, `no`, `on`, `off` are words), a key repeated in one mapping is an error, and types are strict:",
        "`\"3\"` is text, not a number, so write numbers and booleans without quotes. `mlops validate --env ENV`",
        "runs the same checks as the Pulumi program (and so `synth`, `check`, `diff`, `plan`, the promotion gates",
        "and `pulumi up`): every problem names the file, the key path, the value found and what is expected.",
        "",
    ]
    seen: set[type[BaseModel]] = set()
    _section(EnvironmentConfig, "", lines, seen)
    return "\n".join(lines) + "\n"


def _section(model: type[BaseModel], path: str, lines: list[str], seen: set[type[BaseModel]]) -> None:
    title = path or "(top level)"
    lines += [f"## `{title}`", "", ((model.__doc__ or "").strip().splitlines() or [""])[0], ""]
    lines += ["| key | type | default | description |", "|---|---|---|---|"]
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        default = _default(field)
        description = " ".join((field.description or "").split()).replace("|", "\\|")  # a pipe ends a cell
        lines.append(f"| `{name}` | {_type_name(field.annotation)} | {default} | {description} |")
        for sub in _models_in(field.annotation):
            nested.append((f"{path}.{name}" if path else name, sub))
    lines.append("")
    for sub_path, sub in nested:
        if sub not in seen:
            seen.add(sub)
            _section(sub, sub_path, lines, seen)


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()
        if isinstance(value, BaseModel):
            return "see section"
        return f"`{value!r}`"
    return "`null`" if field.default is None or field.default is PydanticUndefined else f"`{field.default!r}`"


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation)).replace("NoneType", "null")
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin in (list, dict):
        return f"{origin.__name__} of " + ", ".join(_type_name(a) for a in typing.get_args(annotation))
    return getattr(annotation, "__name__", str(annotation))


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


if __name__ == "__main__":
    from contracts.fsutil import atomic_write_text
    from infra.layout import Project

    project = Project.find()  # the checkout this is run in, like every command
    target = atomic_write_text(project.root / "docs" / "configuration.md", render_reference())
    print(f"wrote {project.display(target)}")
