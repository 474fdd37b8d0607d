"""Vertex AI Workbench boot and data disks are encrypted with a customer-managed key."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import WORKBENCH_INSTANCE
from policies.values import MISSING, is_unknown, lookup, undetermined

FIX = 'set disk_encryption="CMEK" and kms_key=<crypto key id> on gce_setup.boot_disk and every data disk'


def _disk(disk: object, where: str) -> list[Finding]:
    encryption = lookup(disk, "diskEncryption") if isinstance(disk, dict) else MISSING
    key = lookup(disk, "kmsKey") if isinstance(disk, dict) else MISSING
    if is_unknown(encryption) or is_unknown(key):
        return [undetermined(where, FIX)]
    if encryption != "CMEK" or key is MISSING or key == "":
        shown = "unset" if encryption is MISSING else repr(encryption)
        return [Finding(f"{where}.diskEncryption is {shown} (Google-managed keys); {FIX}")]
    return []


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    setup = lookup(inputs, "gceSetup")
    if is_unknown(setup):
        return [undetermined("gceSetup", FIX)]
    findings = _disk(lookup(inputs, "gceSetup.bootDisk"), "gceSetup.bootDisk")
    disks = lookup(inputs, "gceSetup.dataDisks")
    if is_unknown(disks):
        return [*findings, undetermined("gceSetup.dataDisks", FIX)]
    if isinstance(disks, dict):  # pulumi-gcp 10.2 takes one data disk
        findings += _disk(disks, "gceSetup.dataDisks")
    for index, disk in enumerate(disks if isinstance(disks, list) else []):
        findings += _disk(disk, f"gceSetup.dataDisks[{index}]")
    return findings


RULE = ResourceRule(
    id="vertex-workbench-cmek",
    description="Vertex AI Workbench instance disks are encrypted with a customer-managed KMS key.",
    service="vertex",
    severity=Severity.LOW,
    category=Category.SECURITY,
    source_id="CKV2_GCP_27",
    references=("CKV2_GCP_21",),
    resource_types=frozenset({WORKBENCH_INSTANCE}),
    check=check,
)
