"""Render an engine `Report` as text or JSON; shared by `mlops check` and anything that embeds a check."""

from __future__ import annotations

from typing import Any

from policies.engine import Report, Violation
from policies.model import Level


def report_to_json(report: Report, source: str) -> dict[str, Any]:
    """The JSON form of a report (what `mlops check --format json` prints)."""

    def violation(v: Violation) -> dict[str, Any]:
        return {
            "rule_id": v.rule_id,
            "source_id": v.source_id,
            "severity": v.severity,
            "category": v.category,
            "level": v.level.value,
            "urn": v.urn,
            "message": v.message,
            "undetermined": v.undetermined,
        }

    return {
        "environment": report.environment,
        "snapshot": source,
        "rules_evaluated": report.rules_evaluated,
        "resources_evaluated": report.resources_evaluated,
        "summary": {
            "mandatory": len(report.mandatory),
            "advisory": len(report.violations) - len(report.mandatory),
            "exempted": sum(len(use.suppressed) for use in report.exemptions),
        },
        "violations": [violation(v) for v in report.violations],
        "exemptions": [
            {
                "rule_id": use.exemption.rule_id,
                "resource": use.exemption.resource,
                "reason": use.exemption.reason,
                "environments": list(use.exemption.environments),
                "suppressed": [violation(v) for v in use.suppressed],
            }
            for use in report.exemptions
        ],
    }


def render_text(report: Report, source: str) -> str:
    """The human form: mandatory, advisory, then what could not be verified offline, then exemptions.

    Undetermined findings (values unknown until apply) are grouped per rule so they do not drown the
    violations; `--format json` lists each of them.
    """
    lines = [
        f"policy check for {report.environment} ({source}): {report.rules_evaluated} rules, "
        f"{report.resources_evaluated} resources"
    ]
    determined = [v for v in report.violations if not v.undetermined]
    for title, group in (
        ("MANDATORY", [v for v in determined if v.level is Level.MANDATORY]),
        ("advisory", [v for v in determined if v.level is not Level.MANDATORY]),
    ):
        if group:
            lines.append(f"\n{title} ({len(group)}):")
            for v in group:
                lines.append(f"  [{v.rule_id}] {v.severity} {v.urn or '<stack>'}")
                lines.append(f"      {v.message}" + (f"  (source: {v.source_id})" if v.source_id else ""))
    undetermined = [v for v in report.violations if v.undetermined]
    if undetermined:
        lines.append(f"\nnot verifiable offline, checked again by the pack at apply ({len(undetermined)}):")
        by_rule: dict[str, list[Violation]] = {}
        for v in undetermined:
            by_rule.setdefault(v.rule_id, []).append(v)
        for rule_id, group in sorted(by_rule.items()):
            names = sorted({(v.urn or "<stack>").rsplit("::", 1)[-1] for v in group})
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            lines.append(f"  [{rule_id}] {len(group)} finding(s): {shown}")
    if report.exemptions:
        lines.append(f"\nexemptions ({len(report.exemptions)}):")
        for use in report.exemptions:
            lines.append(
                f"  [{use.exemption.rule_id}] {use.exemption.resource}: {use.exemption.reason} "
                f"({len(use.suppressed)} finding(s) waived)"
            )
    verdict = "FAIL" if report.exit_code else "ok"
    lines.append(
        f"\n{verdict}: {len(report.mandatory)} mandatory, {len(report.violations) - len(report.mandatory)} advisory "
        f"({len(undetermined)} not verifiable offline)"
    )
    return "\n".join(lines)
