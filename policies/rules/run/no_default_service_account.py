"""Cloud Run services, jobs and functions run as a dedicated service account, not the Compute Engine default.

Without one they run as `PROJECT_NUMBER-compute@developer.gserviceaccount.com`, which holds Editor on the
project unless an organization policy removed it: one compromised container then controls the project.
"""

from policies.iam import is_default_service_account_email
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.values import MISSING, is_unknown, lookup, undetermined
from policies.workloads import WORKLOADS


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    path = WORKLOADS[resource_type].service_account
    fix = f"set {path} to a service account created for this workload, with only the roles it uses"
    value = lookup(inputs, path)
    if is_unknown(value):
        return [undetermined(path, fix)]
    if value is MISSING or value == "":
        return [Finding(f"{path} is unset (the workload runs as the Compute Engine default service account); {fix}")]
    if is_default_service_account_email(str(value)):
        return [Finding(f"{path} is the default service account {value}; {fix}")]
    return []


RULE = ResourceRule(
    id="run-no-default-service-account",
    description=(
        "Cloud Run services, jobs and functions run as a dedicated service account, not a default one "
        "(the intent of CKV_GCP_30 for VMs; no scanner checks Cloud Run)."
    ),
    service="run",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    resource_types=frozenset(WORKLOADS),
    check=check,
)
