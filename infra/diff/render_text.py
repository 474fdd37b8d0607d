"""Plain-text rendering in the shape of `pulumi preview --diff`: `+`, `~`, `+-`, `-` and a Resources summary."""

from __future__ import annotations

import difflib
import json
from typing import Any

from infra.diff.model import StackDiff, Step

SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
KIND_SYMBOL = {"add": "+", "delete": "-", "update": "~"}
SUMMARY_LABEL = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}


def value_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


LONG_STRING = 100


def _parse_json_container(text: str) -> Any:
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def change_lines(path: str, old: Any, new: Any, marker: str, indent: str = "      ") -> list[str]:
    """`~ path: old => new`, except for strings that read badly that way: JSON documents (dashboards, policies)
    are diffed structurally, long or multi-line strings line by line."""
    if isinstance(old, str) and isinstance(new, str):
        old_doc, new_doc = _parse_json_container(old), _parse_json_container(new)
        if old_doc is not None and new_doc is not None:
            from infra.diff.compute import property_diffs
            from infra.diff.paths import format_path

            lines = [f"{indent}{marker} {path}: (JSON text)"]
            for sub_path, kind, before, after in property_diffs(old_doc, new_doc):
                sub = format_path(sub_path) or "(whole document)"
                shown = {"add": value_text(after), "delete": value_text(before)}.get(
                    kind, f"{value_text(before)} => {value_text(after)}"
                )
                lines.append(f"{indent}    {KIND_SYMBOL[kind]} {sub}: {shown}")
            return lines
        if "\n" in old or "\n" in new or max(len(old), len(new)) > LONG_STRING:
            lines = [f"{indent}{marker} {path}: (text)"]
            old_lines = old.splitlines() if "\n" in old else [old]
            new_lines = new.splitlines() if "\n" in new else [new]
            for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=0):
                if line.startswith(("---", "+++", "@@")):
                    continue
                lines.append(f"{indent}    {line}")
            return lines
    return [f"{indent}{marker} {path}: {value_text(old)} => {value_text(new)}"]


def step_lines(step: Step) -> list[str]:
    """The lines of one non-`same` step (no trailing summary)."""
    lines = [f"{SYMBOL[step.op]} {step.type}: ({step.op})"]
    lines.append(f"    [urn={step.urn}]")
    if step.old_urn:
        lines.append(f"    [renamed from urn={step.old_urn}]")
    if step.replace_reasons:
        lines.append(f"    [replace because: {', '.join(step.replace_reasons)}]")
    if step.op == "create" and step.new is not None:
        for key, value in sorted((step.new.get("inputs") or {}).items()):
            lines.append(f"      + {key}: {value_text(value)}")
    for change in step.option_changes:
        lines.append(f"      ~ [{change.path}]: {value_text(change.old)} => {value_text(change.new)}")
    for diff in step.detailed_diff:
        kind = diff.kind.removesuffix("-replace")
        marker = KIND_SYMBOL[kind] if not diff.kind.endswith("-replace") else "+-"
        if diff.because:
            lines.append(f"      {marker} {diff.path}: ({diff.because})")
        elif kind == "add":
            lines.append(f"      {marker} {diff.path}: {value_text(diff.new)}")
        elif kind == "delete":
            lines.append(f"      {marker} {diff.path}: {value_text(diff.old)}")
        else:
            lines.extend(change_lines(diff.path, diff.old, diff.new, marker))
    return lines


def output_lines(diff: StackDiff) -> list[str]:
    lines: list[str] = []
    for out in diff.outputs:
        if out.kind == "add":
            lines.append(f"  + {out.name}: {value_text(out.new)}")
        elif out.kind == "delete":
            lines.append(f"  - {out.name}: {value_text(out.old)}")
        else:
            lines.extend(change_lines(out.name, out.old, out.new, "~", indent="  "))
    return lines


def summary_lines(diff: StackDiff) -> list[str]:
    summary = diff.change_summary()
    lines = [f"    {SYMBOL[op]} {summary[op]} {SUMMARY_LABEL[op]}" for op in SUMMARY_LABEL if summary.get(op)]
    lines.append(f"    {summary.get('same', 0)} unchanged")
    return lines


def render_text(diff: StackDiff) -> str:
    base = diff.base_label or (f"stack {diff.base_stack}" if diff.base_stack else "nothing deployed")
    head = diff.head_label or f"stack {diff.stack}"
    lines = [f"Previewing update ({diff.project}/{diff.stack}): {base} -> {head}", ""]
    changed = [s for s in diff.steps if s.op != "same"]
    for step in changed:
        lines.extend(step_lines(step))
    if not changed:
        lines.append("No resource changes.")
    if diff.outputs:
        lines += ["", "Outputs:", *output_lines(diff)]
    lines += ["", "Resources:", *summary_lines(diff)]
    return "\n".join(lines) + "\n"
