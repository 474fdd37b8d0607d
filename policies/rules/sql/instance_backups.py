"""Cloud SQL instances take automated backups, so a bad migration or a deletion can be recovered."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SQL_INSTANCE
from policies.values import MISSING, is_unknown, lookup, require_true, undetermined

FIX = 'set settings.backup_configuration={"enabled": True} (and point_in_time_recovery_enabled for PostgreSQL)'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    primary = lookup(inputs, "masterInstanceName")
    if is_unknown(primary):
        return [undetermined("masterInstanceName", FIX)]
    if primary is not MISSING and primary != "":
        return []  # a read replica cannot take backups; its primary does
    return require_true(inputs, "settings.backupConfiguration.enabled", FIX)


RULE = ResourceRule(
    id="sql-instance-backups",
    description="Cloud SQL instances have automated backups enabled.",
    service="sql",
    severity=Severity.MEDIUM,
    category=Category.DATA_LOSS,
    source_id="CKV_GCP_14",
    references=("AVD-GCP-0024", "CIS GCP 6.7"),
    resource_types=frozenset({SQL_INSTANCE}),
    check=check,
)
