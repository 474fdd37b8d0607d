"""Nobody is both KMS admin and a key user at project level (separation of duties, CIS GCP 1.11).

A stack rule: the two roles usually arrive through two different IAM member resources.
"""

from collections.abc import Sequence

from policies.iam import PROJECT_IAM, grants
from policies.model import Category, Finding, Resource, Severity, StackRule

ADMIN = "roles/cloudkms.admin"
USE_ROLES = frozenset(
    {
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        "roles/cloudkms.cryptoKeyEncrypter",
        "roles/cloudkms.cryptoKeyDecrypter",
    }
)


def check_stack(resources: Sequence[Resource]) -> list[Finding]:
    roles_by_member: dict[str, set[str]] = {}
    urns_by_member: dict[str, list[str]] = {}
    for resource in resources:
        if resource.type not in PROJECT_IAM:
            continue
        for grant in grants(resource.type, resource.inputs):
            if grant.is_unknown or grant.role not in USE_ROLES | {ADMIN}:
                continue
            roles_by_member.setdefault(grant.member, set()).add(grant.role)
            urns_by_member.setdefault(grant.member, []).append(resource.urn)
    return [
        Finding(
            f"{member} holds {ADMIN} and {', '.join(sorted(roles & USE_ROLES))} on the project; grant key "
            "administration and key use to different principals",
            urn=sorted(urns_by_member[member])[0],
        )
        for member, roles in sorted(roles_by_member.items())
        if ADMIN in roles and roles & USE_ROLES
    ]


RULE = StackRule(
    id="kms-iam-separation-of-duties",
    description="No principal is both Cloud KMS admin and encrypter/decrypter at project level.",
    service="kms",
    severity=Severity.MEDIUM,
    category=Category.SECURITY,
    source_id="CIS GCP 1.11",
    check_stack=check_stack,
)
