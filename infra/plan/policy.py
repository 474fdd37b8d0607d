"""The policy pack, evaluated offline on a snapshot, when the pack is present (`policies/`, `mlops check`).

Imported lazily: the plan still works (and says so) in a checkout without the pack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class PolicyOutcome:
    available: bool
    mandatory: list[str] = field(default_factory=list)
    advisory: list[str] = field(default_factory=list)
    exemptions: list[str] = field(default_factory=list)
    """Each exemption that waived a finding, with its reason: shown in every report."""
    note: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.mandatory)


def _line(violation: Any) -> str:
    where = violation.urn.rsplit("::", 1)[-1] if violation.urn else "<stack>"
    return f"[{violation.rule_id}] {where}: {violation.message}"


def check_policies(document: dict[str, Any], stack: str, project_dir: Path | None = None) -> PolicyOutcome:
    """Run every rule of the pack at `stack`'s levels (production by the tier in `project_dir`'s stack files);
    `available=False` when the pack cannot be imported."""
    try:
        from policies.discovery import discover_rules
        from policies.engine import evaluate
        from policies.levels import load_levels
        from policies.snapshot import parse_snapshot
    except ImportError as exc:
        return PolicyOutcome(False, note=f"policy pack not available ({exc}); policies were not checked")
    rules = discover_rules()
    levels = load_levels(None, rules, project_dir)
    report = evaluate(parse_snapshot(document, f"synth of {stack}").resources, stack, levels, rules)
    mandatory = list(report.mandatory)
    advisory = [v for v in report.violations if v not in mandatory]
    exemptions = [
        f"[{use.exemption.rule_id}] {use.exemption.resource}: {use.exemption.reason} "
        f"({len(use.suppressed)} finding(s) waived)"
        for use in report.exemptions
    ]
    return PolicyOutcome(True, [_line(v) for v in mandatory], [_line(v) for v in advisory], exemptions)


def split_line(line: str) -> tuple[str, str, str]:
    """(rule id, resource name, message) of a finding line as `_line` writes it."""
    rule, _, rest = line.partition("] ")
    where, _, message = rest.partition(": ")
    return rule.lstrip("["), where, message
