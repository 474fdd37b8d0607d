"""The audit config for all services records admin reads, data reads and data writes, exempting nobody."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import AUDIT_CONFIG
from policies.values import is_unknown, lookup, undetermined

REQUIRED_LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
FIX = (
    'set audit_log_configs=[{"log_type": "ADMIN_READ"}, {"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}] '
    "with no exempted_members"
)


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    configs = lookup(inputs, "auditLogConfigs")
    if is_unknown(configs):
        return [undetermined("auditLogConfigs", FIX)]
    configs = configs if isinstance(configs, list) else []
    findings = []
    present = {c.get("logType") for c in configs if isinstance(c, dict)}
    missing = [t for t in REQUIRED_LOG_TYPES if t not in present]
    if missing and lookup(inputs, "service") == "allServices":
        findings.append(Finding(f"auditLogConfigs lacks {', '.join(missing)}; {FIX}"))
    for config in configs:
        exempted = config.get("exemptedMembers") if isinstance(config, dict) else None
        if exempted:
            findings.append(Finding(f"auditLogConfigs[{config.get('logType')}] exempts {exempted}; {FIX}"))
    return findings


RULE = ResourceRule(
    id="logging-audit-config-complete",
    description="The allServices audit config logs ADMIN_READ, DATA_READ and DATA_WRITE; no config exempts members.",
    service="logging",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="CKV2_GCP_5",
    references=("AVD-GCP-0079", "CIS GCP 2.1"),
    resource_types=frozenset({AUDIT_CONFIG}),
    check=check,
)
