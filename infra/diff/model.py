"""What a diff between two snapshots is made of (renderers read these; nothing here computes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OPS = ("create", "update", "replace", "delete", "same")
"""Step operations, in the order the summaries list them."""


@dataclass(frozen=True)
class PropertyDiff:
    """One changed property: `kind` is add/delete/update, with `-replace` when it forces a replacement."""

    path: str
    kind: str
    old: Any = None
    new: Any = None
    because: str = ""
    """Why a value not visible offline changes (`output of replaced <name>`)."""


@dataclass
class Step:
    op: str
    urn: str
    type: str
    name: str
    custom: bool
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    detailed_diff: list[PropertyDiff] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    option_changes: list[PropertyDiff] = field(default_factory=list)
    old_urn: str | None = None
    """Set when the resource was matched through an alias (a rename, not delete + create)."""

    @property
    def diff_reasons(self) -> list[str]:
        tops = {d.path.split(".")[0].split("[")[0] for d in self.detailed_diff}
        return sorted(tops | {d.path for d in self.option_changes})


@dataclass(frozen=True)
class OutputDiff:
    name: str
    kind: str  # add / delete / update
    old: Any = None
    new: Any = None


@dataclass
class StackDiff:
    project: str
    stack: str
    base_stack: str | None
    steps: list[Step]
    outputs: list[OutputDiff]
    base_label: str = ""
    head_label: str = ""

    def change_summary(self) -> dict[str, int]:
        counts = dict.fromkeys(OPS, 0)
        for step in self.steps:
            counts[step.op] += 1
        return {op: n for op, n in counts.items() if n}

    @property
    def has_changes(self) -> bool:
        return bool(self.outputs) or any(step.op != "same" for step in self.steps)
