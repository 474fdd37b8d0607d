"""VM instances boot as Shielded VMs: secure boot on, vTPM and integrity monitoring not turned off.

Secure boot is off by default and must be set; vTPM and integrity monitoring default to on.
"""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import INSTANCE, INSTANCE_TEMPLATE
from policies.values import is_unknown, lookup, require_true, undetermined

FIX = (
    'set shielded_instance_config={"enable_secure_boot": True, "enable_vtpm": True, '
    '"enable_integrity_monitoring": True} (use a Shielded VM image)'
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    findings = require_true(inputs, "shieldedInstanceConfig.enableSecureBoot", FIX)
    for path in ("shieldedInstanceConfig.enableVtpm", "shieldedInstanceConfig.enableIntegrityMonitoring"):
        value = lookup(inputs, path)
        if is_unknown(value):
            findings.append(undetermined(path, FIX))
        elif value is False:
            findings.append(Finding(f"{path} is false; {FIX}"))
    return findings


RULE = ResourceRule(
    id="compute-instance-shielded-vm",
    description="Compute Engine instances use Shielded VM (secure boot, vTPM, integrity monitoring).",
    service="compute",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_39",
    references=("AVD-GCP-0067", "AVD-GCP-0041", "AVD-GCP-0045", "CIS GCP 4.8"),
    resource_types=frozenset({INSTANCE, INSTANCE_TEMPLATE}),
    check=check,
)
