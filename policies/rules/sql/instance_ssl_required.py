"""Cloud SQL instances accept only encrypted connections (the default also accepts plaintext)."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import SQL_INSTANCE
from policies.values import MISSING, is_unknown, lookup, undetermined

PATH = "settings.ipConfiguration.sslMode"
SECURE = ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
FIX = 'set settings.ip_configuration.ssl_mode="ENCRYPTED_ONLY" (or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")'


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    value = lookup(inputs, PATH)
    if is_unknown(value):
        return [undetermined(PATH, FIX)]
    if value is MISSING:
        return [Finding(f"{PATH} is unset (the default ALLOW_UNENCRYPTED_AND_ENCRYPTED accepts plaintext); {FIX}")]
    if value not in SECURE:
        return [Finding(f"{PATH} is {value!r}; {FIX}")]
    return []


RULE = ResourceRule(
    id="sql-instance-ssl-required",
    description="Cloud SQL instances require SSL/TLS for every connection.",
    service="sql",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_6",
    references=("AVD-GCP-0015", "CIS GCP 6.4"),
    resource_types=frozenset({SQL_INSTANCE}),
    check=check,
)
