"""Vertex AI Workbench instances boot as Shielded VMs: secure boot (off by default), vTPM, integrity monitoring."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import WORKBENCH_INSTANCE
from policies.values import is_unknown, lookup, require_true, undetermined

PREFIX = "gceSetup.shieldedInstanceConfig"
FIX = (
    'set gce_setup.shielded_instance_config={"enable_secure_boot": True, "enable_vtpm": True, '
    '"enable_integrity_monitoring": True}'
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    findings = require_true(inputs, f"{PREFIX}.enableSecureBoot", FIX)
    for path in (f"{PREFIX}.enableVtpm", f"{PREFIX}.enableIntegrityMonitoring"):
        value = lookup(inputs, path)
        if is_unknown(value):
            findings.append(undetermined(path, FIX))
        elif value is False:
            findings.append(Finding(f"{path} is false; {FIX}"))
    return findings


RULE = ResourceRule(
    id="vertex-workbench-secure-boot",
    description=(
        "Vertex AI Workbench instances enable secure boot and keep vTPM and integrity monitoring (CKV_GCP_126 "
        "checks vTPM on the legacy notebooks type; no check covers secure boot on Workbench)."
    ),
    service="vertex",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    references=("CKV_GCP_126", "CKV_GCP_127"),
    resource_types=frozenset({WORKBENCH_INSTANCE}),
    check=check,
)
