"""Reads and writes of bucket objects are logged: by usage logs to a log bucket, or by data-access audit logs.

A stack rule, because Google recommends Cloud Audit Logs over usage logs: a project audit config that records
DATA_READ and DATA_WRITE for `allServices` (or `storage.googleapis.com`) satisfies every bucket of the stack.
A bucket that is itself the log target of another bucket needs no logs of its own (as in Trivy).
"""

from collections.abc import Sequence

from policies.model import Category, Finding, Resource, Severity, StackRule
from policies.types import AUDIT_CONFIG, BUCKET
from policies.values import MISSING, is_unknown, lookup

REQUIRED = frozenset({"DATA_READ", "DATA_WRITE"})
FIX = (
    'set logging={"log_bucket": <log bucket>} on the bucket, or record DATA_READ and DATA_WRITE for '
    "allServices in a gcp.projects.IAMAuditConfig"
)


def _audited(resources: Sequence[Resource]) -> bool | None:
    """True when data-access audit logs cover Cloud Storage; None when an audit config is unknown offline."""
    unknown = False
    for resource in resources:
        if resource.type != AUDIT_CONFIG:
            continue
        service, configs = lookup(resource.inputs, "service"), lookup(resource.inputs, "auditLogConfigs")
        if is_unknown(service) or is_unknown(configs):
            unknown = True
            continue
        if service not in ("allServices", "storage.googleapis.com") or not isinstance(configs, list):
            continue
        if {c.get("logType") for c in configs if isinstance(c, dict)} >= REQUIRED:
            return True
    return None if unknown else False


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    buckets = [r for r in resources if r.type == BUCKET]
    audited = _audited(resources)
    if audited:
        return []
    targets = {lookup(r.inputs, "logging.logBucket") for r in buckets}
    findings = []
    for bucket in buckets:
        target = lookup(bucket.inputs, "logging.logBucket")
        if target not in (MISSING, "") and not is_unknown(target):
            continue
        if lookup(bucket.inputs, "name") in targets:
            continue
        if is_unknown(target) or audited is None:
            findings.append(
                Finding(f"the bucket's logging cannot be verified offline; {FIX}", urn=bucket.urn, undetermined=True)
            )
        else:
            findings.append(Finding(f"no usage logs and no data-access audit logs for storage; {FIX}", urn=bucket.urn))
    return findings


RULE = StackRule(
    id="storage-bucket-access-logging",
    description="Access to Cloud Storage buckets is logged (usage logs or data-access audit logs).",
    service="storage",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CKV_GCP_62",
    references=("AVD-GCP-0077",),
    check_stack=check_stack,
)
