"""Labelled resources carry env, app, component and managed-by, for cost reports and ownership."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import LABELLED
from policies.values import MISSING, is_unknown, lookup, undetermined

REQUIRED = ("env", "app", "component", "managed-by")
FIX = "set labels with env, app, component and managed-by (the platform's label helper adds all four)"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    labels = lookup(inputs, "labels")
    if is_unknown(labels):
        return [undetermined("labels", FIX)]
    labels = labels if labels is not MISSING and isinstance(labels, dict) else {}
    missing = [key for key in REQUIRED if key not in labels]
    unknown = [key for key in REQUIRED if key in labels and is_unknown(labels[key])]
    empty = [key for key in REQUIRED if key in labels and labels[key] in ("", None)]
    findings = []
    if missing:
        findings.append(Finding(f"labels lack {', '.join(missing)}; {FIX}"))
    if empty:
        findings.append(Finding(f"labels {', '.join(empty)} are empty; {FIX}"))
    if unknown:
        findings.append(undetermined(f"labels {', '.join(unknown)}", FIX))
    return findings


RULE = ResourceRule(
    id="labels-required",
    description="Resources that take labels carry env, app, component and managed-by.",
    service="labels",
    severity=Severity.LOW,
    category=Category.HYGIENE,
    resource_types=LABELLED,
    check=check,
)
