"""The one way to run the policy pack offline: discover the rules, read the levels, parse, evaluate.

`mlops check`, `mlops plan` and the release policy gate all call `check`, so a snapshot is judged the same way
wherever it is judged, and every caller reads the same `Report`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policies.discovery import discover_rules
from policies.engine import ExemptionUse, Report, Violation, evaluate, finding_line, split_finding_line
from policies.levels import LevelConfig, load_levels
from policies.snapshot import parse_snapshot

if TYPE_CHECKING:
    from infra.layout import Project

__all__ = [
    "ExemptionUse",
    "Report",
    "Violation",
    "check",
    "finding_line",
    "levels_for",
    "split_finding_line",
]


def levels_for(project: Project, levels_file: Path | None = None) -> LevelConfig:
    """The levels and exemptions every rule runs at (`levels_file`, default `policies/levels.yaml`), with the
    production stacks of `project` (by tier)."""
    return load_levels(levels_file, discover_rules(), project)


def check(
    document: Mapping[str, Any],
    stack: str,
    *,
    project: Project,
    levels_file: Path | None = None,
    source: str | None = None,
) -> Report:
    """Every rule of the pack on the snapshot `document` at `stack`'s levels.

    `source` names what was checked in reports and errors (default `synth of STACK`). A malformed snapshot or
    levels file is a `UserInputError` naming the file and key path.
    """
    label = source or f"synth of {stack}"
    rules = discover_rules()
    levels = load_levels(levels_file, rules, project)
    snapshot = parse_snapshot(document, label)
    return evaluate(snapshot.resources, stack, levels, rules, source=label)
