"""Diff two snapshots the way the engine plans a deployment: match resources, then decide each step.

- Resources are matched by URN, then through the new resource's `aliases` (a rename is one step, not a delete
  and a create). Comparing two stacks (`staging` vs `prod`) first rewrites the old stack's URNs to the new
  stack: the stack segment, and the stack name wherever it is a token of a resource name, input or output value
  (`staging-data` -> `prod-data`, `acme-genai-staging` -> `acme-genai-prod`), since names derive from the
  environment; what remains are the deliberate differences. The root Stack resource is matched by type.
- Inputs are diffed property by property (nested keys, list indices); changes under the new resource's
  `ignoreChanges` are dropped, as the engine does.
- A change under `replaceOnChanges` or the type's replacement rules (`infra.diff.replacement`: the force-new
  table for gcp types, the release providers' own `REPLACE_ON`) is a replace; any other input change is an
  update. A dependent of a replaced resource whose input is still unknown (an output of the replaced one)
  changes with it, as the engine plans it. Option changes (`protect`, `retainOnDelete`) alone make an update
  with no property diff.
- A change of explicit provider is a replace; moving between default providers (a plugin upgrade) is not.
- Secrets are masked in snapshots, so a changed secret value cannot be seen offline.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from infra.diff.model import OutputDiff, PropertyDiff, StackDiff, Step
from infra.diff.paths import Keyed, Order, Path, covers, format_path, overlaps, parse_path
from infra.diff.replacement import diff_rules
from infra.synth.urns import STACK_TYPE, urn_name, with_stack

URN_FIELDS = ("urn", "parent", "provider")
URN_LIST_FIELDS = ("dependencies", "aliases")
OPTION_FIELDS = ("protect", "retainOnDelete")
UNKNOWN = "[unknown]"


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


def rename_stack_token(value: Any, old_stack: str, stack: str) -> Any:
    """`value` as it would read in `stack`: strings with `old_stack` as a token (`acme-genai-staging`) renamed."""
    return _rename_token(value, _token_pattern(old_stack), stack)


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
    """Leaf-level differences between two JSON values: (path, add|delete|update, old, new).

    Lists whose items have an identity (see `IDENTITY_KEYS`) are matched by it, so adding one dashboard widget
    is one `add`, not every later widget rewritten; other lists are aligned on equal items first (an insert is
    one `add`), and only the rest is compared position by position.
    """
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
        spec = _identity_spec(old, new)
        if spec is not None:
            return _keyed_diffs(old, new, path, spec)
        return _aligned_diffs(old, new, path)
    if old != new:
        return [(path, "update", old, new)]
    return []


IDENTITY_KEYS: tuple[tuple[str, ...], ...] = (
    ("title",),  # dashboard widgets (grid layout)
    ("widget.title",),  # dashboard tiles (mosaic layout)
    ("displayName",),  # alert policy conditions
    ("display_name",),
    ("role", "member"),  # IAM bindings, one member each
    ("role",),  # IAM bindings with a members list
    ("name",),  # served models, named items
    ("model_version",),
)
"""Fields that name a list item, tried in order; the first that every item of both lists has, as a distinct
string, is the list's identity (a dotted field reads a nested key)."""


def _field_value(item: Any, field: str) -> Any:
    value: Any = item
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _identity(item: Any, spec: tuple[str, ...]) -> tuple[str, ...] | None:
    if not isinstance(item, dict):
        return None
    values = [_field_value(item, field) for field in spec]
    if not all(isinstance(v, str) and v and v != "[unknown]" for v in values):
        return None
    return tuple(values)


def _identity_spec(old: list[Any], new: list[Any]) -> tuple[str, ...] | None:
    if not old or not new:
        return None
    for spec in IDENTITY_KEYS:
        keys = [[_identity(item, spec) for item in side] for side in (old, new)]
        if all(k is not None for side in keys for k in side) and all(len(set(side)) == len(side) for side in keys):
            return spec
    return None


def _label(spec: tuple[str, ...], key: tuple[str, ...]) -> str:
    return ",".join(
        f"{field.rsplit('.', 1)[-1]}={json.dumps(value, ensure_ascii=False)}"
        for field, value in zip(spec, key, strict=True)
    )


def _keyed_diffs(old: list[Any], new: list[Any], path: Path, spec: tuple[str, ...]) -> list[tuple[Path, str, Any, Any]]:
    old_keys = [_identity(item, spec) for item in old]
    new_keys = [_identity(item, spec) for item in new]
    old_at = {key: index for index, key in enumerate(old_keys)}
    found: list[tuple[Path, str, Any, Any]] = []
    for index, key in enumerate(new_keys):
        assert key is not None  # noqa: S101 - narrows the type for mypy
        segment = Keyed(index, _label(spec, key))
        if key not in old_at:
            found.append(((*path, segment), "add", None, new[index]))
        else:
            found.extend(property_diffs(old[old_at[key]], new[index], (*path, segment)))
    new_set = set(new_keys)
    for index, key in enumerate(old_keys):
        if key not in new_set:
            assert key is not None  # noqa: S101 - narrows the type for mypy
            found.append(((*path, Keyed(index, _label(spec, key))), "delete", old[index], None))
    common_old = [_label(spec, k) for k in old_keys if k in new_set and k is not None]
    common_new = [_label(spec, k) for k in new_keys if k in old_at and k is not None]
    if common_old != common_new:
        found.append(((*path, Order("order")), "update", common_old, common_new))
    return found


def _aligned_diffs(old: list[Any], new: list[Any], path: Path) -> list[tuple[Path, str, Any, Any]]:
    """Equal runs matched first (difflib), the remaining items compared position by position."""
    matcher = difflib.SequenceMatcher(
        None, [json.dumps(v, sort_keys=True) for v in old], [json.dumps(v, sort_keys=True) for v in new],
        autojunk=False,
    )
    found: list[tuple[Path, str, Any, Any]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1)
        for offset in range(pairs):
            found.extend(property_diffs(old[i1 + offset], new[j1 + offset], (*path, j1 + offset)))
        for index in range(j1 + pairs, j2):
            found.append(((*path, index), "add", None, new[index]))
        for index in range(i1 + pairs, i2):
            found.append(((*path, index), "delete", old[index], None))
    return found


def _is_marker(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith("[")


def _patterns(texts: list[str] | tuple[str, ...]) -> list[Path]:
    return [parse_path(t) for t in texts]


def _is_default_provider(urn: str | None) -> bool:
    return bool(urn) and urn_name(urn or "").startswith("default")


def _compared_inputs(resource: dict[str, Any], compared: frozenset[str] | None) -> dict[str, Any]:
    inputs = resource.get("inputs") or {}
    return inputs if compared is None else {k: v for k, v in inputs.items() if k in compared}


def _compare(old: dict[str, Any], new: dict[str, Any]) -> Step:
    rules = diff_rules(new["type"])
    ignored = _patterns(new.get("ignoreChanges") or [])
    replace_on = _patterns(new.get("replaceOnChanges") or []) + _patterns(rules.replace_on)
    wildcard_replace = "*" in (new.get("replaceOnChanges") or [])
    details: list[PropertyDiff] = []
    replace_reasons: list[str] = []
    before_inputs, after_inputs = _compared_inputs(old, rules.compared), _compared_inputs(new, rules.compared)
    for path, kind, before, after in property_diffs(before_inputs, after_inputs):
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


DYNAMIC_PREFIX = "pulumi-python:dynamic"
CAUSE_WORDS = {"replace": "replaced", "create": "new", "update": "updated"}


def _unknown_at_preview(step: Step) -> bool:
    """Whether the engine's preview leaves this resource's outputs unknown: it is created or replaced, or it is
    a dynamic resource being updated (the Python dynamic-provider host has no preview of an update)."""
    return step.op in ("replace", "create") or (step.op == "update" and step.type.startswith(DYNAMIC_PREFIX))


def _follow_replacements(steps: list[Step]) -> None:
    """Mark what the engine does to dependents of a resource whose outputs are unknown at preview (see
    `_unknown_at_preview`): an input still unknown offline (such an output) is unknown again at preview, so the
    provider sees it change — a replace when it is a force-new input, an update otherwise. Checked against the
    real engine's preview in tests/engine/test_preview_agreement.py."""
    by_urn = {s.urn: s for s in steps}
    changed = True
    while changed:
        changed = False
        replaced = {s.urn for s in steps if _unknown_at_preview(s)}
        deleted = {s.urn for s in steps if s.op == "delete"}
        for step in steps:
            if step.op not in ("same", "update") or step.new is None or step.old is None:
                continue
            causes = [u for u in step.new.get("dependencies") or [] if u in replaced]
            # A new dependency explains an unknown input only where it took the place of a deleted one (a model
            # version named after new content): a mere extra dependency (a new served model) changes nothing.
            swapped = any(u in deleted for u in step.old.get("dependencies") or [])
            causes = [u for u in causes if by_urn[u].op != "create" or swapped]
            if not causes:
                continue
            cause = by_urn[causes[0]].name
            rules = diff_rules(step.type)
            replace_on = _patterns(step.new.get("replaceOnChanges") or []) + _patterns(rules.replace_on)
            ignored = _patterns(step.new.get("ignoreChanges") or [])
            seen = {d.path.split(".")[0].split("[")[0] for d in step.detailed_diff}
            for key, value in sorted(_compared_inputs(step.new, rules.compared).items()):
                if key in seen or not _contains_unknown(value) or any(covers(p, (key,)) for p in ignored):
                    continue
                forces = any(overlaps(p, (key,)) for p in replace_on)
                step.detailed_diff.append(PropertyDiff(
                    format_path((key,)), "update-replace" if forces else "update",
                    (step.old.get("inputs") or {}).get(key), value,
                    because=f"output of {CAUSE_WORDS[by_urn[causes[0]].op]} {cause}",
                ))
                if forces and key not in step.replace_reasons:
                    step.replace_reasons.append(key)
            new_op = "replace" if step.replace_reasons else ("update" if step.detailed_diff else step.op)
            if new_op != step.op:
                step.op = new_op
                changed = True


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


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
    _follow_replacements(steps)
    old_outputs = (old_doc or {}).get("outputs") or {}
    if base_stack and base_stack != stack:
        old_outputs = _rename_token(old_outputs, _token_pattern(base_stack), stack)
    outputs = _output_diffs(old_outputs, new_doc.get("outputs") or {})
    return StackDiff(str(new_doc.get("project", "")), stack, base_stack, steps, outputs, base_label, head_label)
