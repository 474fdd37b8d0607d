"""Cloud Run services, jobs and functions are never invokable by allUsers or allAuthenticatedUsers.

A public invoker lets anyone on the internet call the workload, and so spend its quota, its model calls and
whatever its service account can reach.
"""

from policies.iam import PUBLIC_PRINCIPALS, RUN_IAM, check_grants, member_in
from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return check_grants(
        resource_type,
        inputs,
        member_in(PUBLIC_PRINCIPALS),
        "grant roles/run.invoker to the calling service account or group; put a public entry point behind "
        "a load balancer with IAP or Cloud Armor",
    )


RULE = ResourceRule(
    id="run-iam-no-public",
    description="Cloud Run services, jobs and functions do not grant roles to allUsers or allAuthenticatedUsers.",
    service="run",
    severity=Severity.HIGH,
    category=Category.SECURITY,
    source_id="CKV_GCP_102",
    references=("CKV_GCP_107",),
    resource_types=RUN_IAM,
    check=check,
)
