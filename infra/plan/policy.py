"""The policy pack's report inside the plan, when the pack is present (`policies/`, `mlops check`).

Imported lazily: the plan still works (and says so) in a checkout without the pack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.layout import Project


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


def check_policies(document: dict[str, Any], stack: str, project_dir: Path | None = None) -> PolicyOutcome:
    """Run every rule of the pack at `stack`'s levels (`policies.check`); `available=False` when the pack
    cannot be imported."""
    try:
        from policies.check import check, finding_line
    except ImportError as exc:
        return PolicyOutcome(False, note=f"policy pack not available ({exc}); policies were not checked")
    project = Project(project_dir) if project_dir is not None else Project.find()
    report = check(document, stack, project=project)
    return PolicyOutcome(
        True,
        [finding_line(v) for v in report.mandatory],
        [finding_line(v) for v in report.advisory],
        report.exemption_lines(),
    )


def split_line(line: str) -> tuple[str, str, str]:
    """(rule id, resource name, message) of a finding line as `policies.check.finding_line` writes it."""
    from policies.check import split_finding_line

    return split_finding_line(line)
