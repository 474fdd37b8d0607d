"""Two environments side by side (`mlops diff staging prod`): what differs on purpose, and what may be drift.

With the same code, every difference between two stacks' snapshots comes from their settings or from the
release each runs. This reads both environments' validated configuration and sorts what differs:

- **tier**: the tier itself and the settings the production tier requires (`PRODUCTION_REQUIREMENTS` of the
  config model) — different on purpose;
- **identity**: the environment's name, project and place in the promotion chain — different by nature;
- **other settings**: set differently in the stack files although the tier does not require it — each is either
  deliberate (say so in the stack file's comment) or drift to remove;
- **release**: the release each runs (pipeline templates, schedules, model versions, traffic) — staging is
  usually ahead; `mlops promote` closes the gap.

Resource changes whose only differences are numbers the cloud assigns per project (project numbers, resource
ids, the service agents named after them) are counted apart, so they do not read as changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from infra.diff.compute import rename_stack_token
from infra.diff.model import StackDiff, Step
from infra.diff.replacement import RELEASE_PROVIDERS

if TYPE_CHECKING:
    from infra.layout import Project

TIER = "tier"
IDENTITY = "identity"
OTHER = "other"
IDENTITY_KEYS: Final = ("name", "project.", "release.promote_from")
"""Key paths (a trailing dot: the whole section) that name the environment rather than configure it."""
GENERATED_NUMBER = re.compile(r"\d{6,}")
"""A run of digits the cloud assigns (project numbers, endpoint and model ids)."""


@dataclass(frozen=True)
class SettingDifference:
    key_path: str
    a: Any
    b: Any
    kind: str
    """`tier`, `identity` or `other` (see the module docstring)."""


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    settings: tuple[SettingDifference, ...]
    release: tuple[Step, ...]
    """Changed steps of the release resources (what each environment runs)."""
    generated_only: tuple[Step, ...]
    """Changed steps that differ only in numbers the cloud assigns."""

    def of_kind(self, kind: str) -> list[SettingDifference]:
        return [s for s in self.settings if s.kind == kind]


def compare_environments(project: Project, a: str, b: str, diff: StackDiff) -> Comparison:
    """Sort the differences of `diff` (A's snapshot to B's) by what causes them, reading both configs."""
    from infra.config import load_environment
    from infra.config.model import PRODUCTION_REQUIREMENTS

    tier_keys = {TIER, *(key for key, _, _ in PRODUCTION_REQUIREMENTS)}
    old = {
        key: value if key == TIER else rename_stack_token(value, a, b)  # `acme-genai-staging` reads as in B
        for key, value in _flatten(load_environment(a, project).model_dump(mode="json")).items()
    }
    new = _flatten(load_environment(b, project).model_dump(mode="json"))
    settings = tuple(
        SettingDifference(key, old.get(key), new.get(key), _kind(key, tier_keys))
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    )
    changed = [step for step in diff.steps if step.op != "same"]
    release = tuple(step for step in changed if step.type in RELEASE_PROVIDERS)
    generated = tuple(step for step in changed if step not in release and _generated_only(step))
    return Comparison(a, b, settings, release, generated)


def _kind(key_path: str, tier_keys: set[str]) -> str:
    if key_path in tier_keys:
        return TIER
    if any(key_path == k or (k.endswith(".") and key_path.startswith(k)) for k in IDENTITY_KEYS):
        return IDENTITY
    return OTHER


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf settings by key path; list items that have a `name` are keyed by it (`serving.models[assistant]`)."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list) and value and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in value):
        flat = {}
        for item in value:
            flat.update(_flatten({k: v for k, v in item.items() if k != "name"}, f"{prefix}[{item['name']}]"))
        return flat
    return {prefix: value}


def _generated_only(step: Step) -> bool:
    if step.op not in ("update", "replace") or step.option_changes or not step.detailed_diff:
        return False
    return all(
        isinstance(d.old, str) and isinstance(d.new, str) and _masked(d.old) == _masked(d.new)
        for d in step.detailed_diff
    )


def _masked(text: str) -> str:
    return GENERATED_NUMBER.sub("N", text)


def _shown(value: Any) -> str:
    from infra.diff.render_text import value_text

    return "(unset)" if value is None else value_text(value)


def comparison_lines(comparison: Comparison) -> list[str]:
    """The comparison as text: settings by kind, then the release, then what only differs in generated ids."""
    a, b = comparison.a, comparison.b
    lines = [f"Comparing environments {a} -> {b} (same code; differences come from settings and releases)", ""]
    sections = (
        (TIER, f"Differ on purpose - the tier and what it requires ({len(comparison.of_kind(TIER))}):"),
        (OTHER, f"Differ without the tier requiring it - deliberate or drift? ({len(comparison.of_kind(OTHER))}):"),
        (IDENTITY, f"The environments' own identity ({len(comparison.of_kind(IDENTITY))}):"),
    )
    for kind, title in sections:
        found = comparison.of_kind(kind)
        lines.append(title)
        lines += [f"    {s.key_path}: {_shown(s.a)} => {_shown(s.b)}" for s in found] or ["    (none)"]
        lines.append("")
    lines.append(
        f"Release: what each runs ({len(comparison.release)} resource(s) differ; `mlops promote --from "
        f"{a} --to {b}` moves {a}'s release forward):"
    )
    lines += [f"    {step.op} {step.type.rsplit(':', 1)[-1]} {step.name}" for step in comparison.release] or [
        "    (same)"
    ]
    lines.append("")
    if comparison.generated_only:
        lines += [
            f"{len(comparison.generated_only)} resource change(s) below differ only in numbers the cloud "
            "assigns per project (project numbers, ids): not a difference in settings.",
            "",
        ]
    return lines


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The `comparison` object of `mlops diff A B --format json` for two environments."""
    return {
        "a": comparison.a,
        "b": comparison.b,
        "settings": [{"key": s.key_path, "a": s.a, "b": s.b, "kind": s.kind} for s in comparison.settings],
        "release": [{"op": s.op, "urn": s.urn, "type": s.type} for s in comparison.release],
        "generatedOnly": [s.urn for s in comparison.generated_only],
    }
