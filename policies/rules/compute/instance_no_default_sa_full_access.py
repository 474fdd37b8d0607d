"""VM instances do not run as the default compute service account with the cloud-platform scope.

The default account holds Editor on the project; with the full `cloud-platform` scope anything on the VM can
use all of it through the metadata server.
"""

from policies.iam import is_default_service_account_email
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import INSTANCE, INSTANCE_TEMPLATE
from policies.values import MISSING, is_unknown, lookup, undetermined

FULL_SCOPES = frozenset({"cloud-platform", "https://www.googleapis.com/auth/cloud-platform"})
FIX = "set service_account.email to a service account created for the VM, with only the roles it uses"


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    email = lookup(inputs, "serviceAccount.email")
    scopes = lookup(inputs, "serviceAccount.scopes")
    if is_unknown(email) or is_unknown(scopes):
        return [undetermined("serviceAccount", FIX)]
    if lookup(inputs, "serviceAccount") is MISSING:
        return []  # no service account attached at all
    default = email is MISSING or email in ("", "default") or is_default_service_account_email(str(email))
    full = isinstance(scopes, list) and bool(FULL_SCOPES & set(scopes))
    if default and full:
        return [Finding(f"the VM runs as the default compute service account with the cloud-platform scope; {FIX}")]
    return []


RULE = ResourceRule(
    id="compute-instance-no-default-sa-full-access",
    description="Compute Engine instances do not use the default service account with full cloud API access.",
    service="compute",
    severity=Severity.CRITICAL,
    category=Category.SECURITY,
    source_id="CKV_GCP_31",
    references=("CKV_GCP_30", "AVD-GCP-0044", "CIS GCP 4.2"),
    resource_types=frozenset({INSTANCE, INSTANCE_TEMPLATE}),
    check=check,
)
