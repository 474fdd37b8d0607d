"""Diff two snapshots the way the engine plans a deployment: match resources, then decide each step.

- Resources are matched by URN, then through the new resource's `aliases` (a rename is one step, not a delete
  and a create). Comparing two stacks (`staging` vs `prod`) first rewrites the old stack's URNs to the new
  stack: the stack segment, and the stack name wherever it is a token of a resource name, input or output value
  (`staging-data` -> `prod-data`, `acme-genai-staging` -> `acme-genai-prod`), since names derive from the
  environment; what remains are the deliberate differences. The root Stack resource is matched by type.
- Inputs are diffed property by property (nested keys, list indices); changes under the new resource's
  `ignoreChanges` are dropped, as the engine does.
- A change under `replaceOnChanges` or the force-new table of the type is a replace; any other input change
  is an update. Option changes (`protect`, `retainOnDelete`) alone make an update with no property diff.
- A change of explicit provider is a replace; moving between default providers (a plugin upgrade) is not.
- Secrets are masked in snapshots, so a changed secret value cannot be seen offline.
"""

from __future__ import annotations

import re
from typing import Any

from infra.diff.force_new import force_new_paths
from infra.diff.model import OutputDiff, PropertyDiff, StackDiff, Step
from infra.diff.paths import Path, covers, format_path, overlaps, parse_path
from infra.synth.urns import STACK_TYPE, urn_name, with_stack

URN_FIELDS = ("urn", "parent", "provider")
URN_LIST_FIELDS = ("dependencies", "aliases")
OPTION_FIELDS = ("protect", "retainOnDelete")


def _token_pattern(stack: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(stack)}(?![A-Za-z0-9])")


def _move_urn(urn: str, old_stack: str, stack: str) -> str:
    """`urn` as it would be in `stack`: the stack segment, and the stack's name as a token of the resource name
    (`dev-data-bucket` -> `prod-data-bucket`), since names are usually derived from the environment."""
    moved = with_stack(urn, stack)
    if old_stack == stack or "::" not in moved:
        return moved
    head, name = moved.rsplit("::", 1)
    return f"{head}::{_token_pattern(old_stack).sub(stack, name)}"


def _restack(resource: dict[str, Any], old_stack: str, stack: str) -> dict[str, Any]:
    moved = dict(resource)
    for key in URN_FIELDS:
        if moved.get(key):
            moved[key] = _move_urn(moved[key], old_stack, stack)
    for key in URN_LIST_FIELDS:
        moved[key] = [_move_urn(u, old_stack, stack) for u in moved.get(key) or []]
    if old_stack != stack:
        moved["name"] = _token_pattern(old_stack).sub(stack, str(moved.get("name", "")))
        moved["inputs"] = _rename_token(moved.get("inputs") or {}, _token_pattern(old_stack), stack)
    return moved


def _rename_token(value: Any, pattern: re.Pattern[str], stack: str) -> Any:
    """Strings with the old stack's name as a token (`acme-genai-staging`) as they would read in `stack`."""
    if isinstance(value, str):
        return pattern.sub(stack, value)
    if isinstance(value, list):
        return [_rename_token(v, pattern, stack) for v in value]
    if isinstance(value, dict):
        return {k: _rename_token(v, pattern, stack) for k, v in value.items()}
    return value


def property_diffs(old: Any, new: Any, path: Path = ()) -> list[tuple[Path, str, Any, Any]]:
    """Leaf-level differences between two JSON values: (path, add|delete|update, old, new)."""
    if isinstance(old, dict) and isinstance(new, dict) and not _is_marker(old) and not _is_marker(new):
        found: list[tuple[Path, str, Any, Any]] = []
        for key in sorted(set(old) | set(new)):
            if key not in old:
                found.append(((*path, key), "add", None, new[key]))
            elif key not in new:
                found.append(((*path, key), "delete", old[key], None))
            else:
                found.extend(property_diffs(old[key], new[key], (*path, key)))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for index in range(max(len(old), len(new))):
            if index >= len(old):
                found.append(((*path, index), "add", None, new[index]))
            elif index >= len(new):
                found.append(((*path, index), "delete", old[index], None))
            else:
                found.extend(property_diffs(old[index], new[index], (*path, index)))
        return found
    if old != new:
        return [(path, "update", old, new)]
    return []


def _is_marker(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith("[")


def _patterns(texts: list[str] | tuple[str, ...]) -> list[Path]:
    return [parse_path(t) for t in texts]


def _is_default_provider(urn: str | None) -> bool:
    return bool(urn) and urn_name(urn or "").startswith("default")


def _compare(old: dict[str, Any], new: dict[str, Any]) -> Step:
    ignored = _patterns(new.get("ignoreChanges") or [])
    replace_on = _patterns(new.get("replaceOnChanges") or []) + _patterns(force_new_paths(new["type"]))
    wildcard_replace = "*" in (new.get("replaceOnChanges") or [])
    details: list[PropertyDiff] = []
    replace_reasons: list[str] = []
    for path, kind, before, after in property_diffs(old.get("inputs") or {}, new.get("inputs") or {}):
        if any(covers(pattern, path) for pattern in ignored):
            continue
        text = format_path(path)
        if wildcard_replace or any(overlaps(pattern, path) for pattern in replace_on):
            kind = f"{kind}-replace"
            top = format_path(path[:1])
            if top not in replace_reasons:
                replace_reasons.append(top)
        details.append(PropertyDiff(text, kind, before, after))
    if old.get("provider") != new.get("provider") and not (
        _is_default_provider(old.get("provider")) and _is_default_provider(new.get("provider"))
    ):
        replace_reasons.append("provider")
    if old.get("type") != new.get("type"):
        replace_reasons.append("type")
    options = [
        PropertyDiff(key, "update", old.get(key, False), new.get(key, False))
        for key in OPTION_FIELDS
        if old.get(key, False) != new.get(key, False)
    ]
    if replace_reasons:
        op = "replace"
    elif details or options:
        op = "update"
    else:
        op = "same"
    return Step(op, new["urn"], new["type"], new["name"], bool(new.get("custom")), old, new, details,
                replace_reasons, options)


def _output_diffs(old: dict[str, Any], new: dict[str, Any]) -> list[OutputDiff]:
    found = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            found.append(OutputDiff(key, "add", None, new[key]))
        elif key not in new:
            found.append(OutputDiff(key, "delete", old[key], None))
        elif old[key] != new[key]:
            found.append(OutputDiff(key, "update", old[key], new[key]))
    return found


def diff_snapshots(
    old_doc: dict[str, Any] | None, new_doc: dict[str, Any], base_label: str = "", head_label: str = ""
) -> StackDiff:
    """Steps that take `old_doc` (None: nothing deployed yet) to `new_doc`."""
    stack = str(new_doc["stack"])
    base_stack = str(old_doc["stack"]) if old_doc else None
    old_resources = [_restack(r, base_stack or stack, stack) for r in (old_doc or {}).get("resources", [])]
    old_by_urn = {r["urn"]: r for r in old_resources}
    new_urns = {r["urn"] for r in new_doc["resources"]}
    old_stack_root = next((r for r in old_resources if r["type"] == STACK_TYPE), None)

    claimed: set[str] = set()
    steps: list[Step] = []
    for resource in new_doc["resources"]:
        match = old_by_urn.get(resource["urn"])
        old_urn = None
        if match is None:
            for alias in resource.get("aliases") or []:
                candidate = old_by_urn.get(alias)
                if candidate is not None and alias not in new_urns and alias not in claimed:
                    match, old_urn = candidate, alias
                    break
        if match is None and resource["type"] == STACK_TYPE and old_stack_root is not None:
            match = old_stack_root
            old_urn = old_stack_root["urn"] if old_stack_root["urn"] != resource["urn"] else None
        if match is None:
            steps.append(Step("create", resource["urn"], resource["type"], resource["name"],
                              bool(resource.get("custom")), None, resource))
            continue
        claimed.add(match["urn"])
        step = _compare(match, resource)
        if old_urn and resource["type"] != STACK_TYPE:
            step.old_urn = old_urn
        steps.append(step)
    for resource in old_resources:
        if resource["urn"] not in claimed:
            steps.append(Step("delete", resource["urn"], resource["type"], resource["name"],
                              bool(resource.get("custom")), resource, None))
    steps.sort(key=lambda s: s.urn)
    old_outputs = (old_doc or {}).get("outputs") or {}
    if base_stack and base_stack != stack:
        old_outputs = _rename_token(old_outputs, _token_pattern(base_stack), stack)
    outputs = _output_diffs(old_outputs, new_doc.get("outputs") or {})
    return StackDiff(str(new_doc.get("project", "")), stack, base_stack, steps, outputs, base_label, head_label)
