"""The policy pack inside the plan: `policies.check`'s `Report` per stack, when the pack is present.

Imported lazily: the plan still works (and says why policies were not checked) in a checkout without the pack.
A plan keeps the pack's `Report` itself; the helpers here only turn it into the lines a plan shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.layout import Project
    from policies.check import Report


def check_policies(document: dict[str, Any], stack: str, project: Project) -> tuple[Report | None, str]:
    """The pack's report on `stack`'s snapshot at its levels, or (None, why not) when the pack is missing."""
    try:
        from policies.check import check
    except ImportError as exc:
        return None, f"policy pack not available ({exc}); policies were not checked"
    return check(document, stack, project=project), ""


def mandatory_lines(report: Report) -> list[str]:
    from policies.check import finding_line

    return [finding_line(v) for v in report.mandatory]


def advisory_lines(report: Report) -> list[str]:
    from policies.check import finding_line

    return [finding_line(v) for v in report.advisory]


def policy_json(report: Report | None, note: str) -> dict[str, Any]:
    """The `policy` object of `mlops plan --format json`."""
    if report is None:
        return {"available": False, "mandatory": [], "advisory": [], "exemptions": [], "note": note}
    return {
        "available": True,
        "mandatory": mandatory_lines(report),
        "advisory": advisory_lines(report),
        "exemptions": report.exemption_lines(),
        "note": note,
    }


def split_line(line: str) -> tuple[str, str, str]:
    """(rule id, resource name, message) of a finding or exemption line."""
    from policies.check import split_finding_line

    return split_finding_line(line)
