"""IAM grants as (role, member) pairs, whatever resource shape carries them.

pulumi-gcp spreads one concept over three shapes per service — `*IAMMember` (`member`), `*IAMBinding`
(`members`) and `*IAMPolicy` (`policyData`, a JSON document) — plus BigQuery's dataset `accesses` entries.
Rules ask `grants(type, inputs)` and never care which shape was used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from policies.model import Finding
from policies.values import UNKNOWN, is_unknown

PUBLIC_PRINCIPALS: Final = frozenset({"allUsers", "allAuthenticatedUsers"})
CONSUMER_EMAIL_DOMAINS: Final = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "protonmail.com",
        "proton.me",
        "mail.com",
        "gmx.com",
        "zoho.com",
        "yandex.com",
    }
)
BASIC_ROLES: Final = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
IMPERSONATION_ROLES: Final = frozenset(
    {
        "roles/iam.serviceAccountUser",
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.serviceAccountKeyAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.workloadIdentityUser",
    }
)
DEFAULT_SERVICE_ACCOUNT: Final = re.compile(
    r"^serviceAccount:(\d+-compute@developer\.gserviceaccount\.com|[a-z0-9-]+@appspot\.gserviceaccount\.com)$"
)


def _family(module: str, stem: str, iam: str = "IAM") -> frozenset[str]:
    lower = stem[0].lower() + stem[1:]
    return frozenset(f"gcp:{module}/{lower}{iam}{kind}:{stem}{iam}{kind}" for kind in ("Member", "Binding", "Policy"))


PROJECT_IAM: Final = frozenset(
    {
        "gcp:projects/iAMMember:IAMMember",
        "gcp:projects/iAMBinding:IAMBinding",
        "gcp:projects/iAMPolicy:IAMPolicy",
    }
)
BUCKET_IAM: Final = _family("storage", "Bucket")
DATASET_IAM: Final = _family("bigquery", "Dataset", "Iam")
TABLE_IAM: Final = frozenset(
    {
        "gcp:bigquery/iamMember:IamMember",
        "gcp:bigquery/iamBinding:IamBinding",
        "gcp:bigquery/iamPolicy:IamPolicy",
    }
)
PUBSUB_IAM: Final = _family("pubsub", "Topic") | _family("pubsub", "Subscription")
ARTIFACT_REGISTRY_IAM: Final = _family("artifactregistry", "Repository", "Iam")
KMS_IAM: Final = _family("kms", "CryptoKey") | _family("kms", "KeyRing")
SERVICE_ACCOUNT_IAM: Final = frozenset(
    {
        "gcp:serviceaccount/iAMMember:IAMMember",
        "gcp:serviceaccount/iAMBinding:IAMBinding",
        "gcp:serviceaccount/iAMPolicy:IAMPolicy",
    }
)
RUN_IAM: Final = (
    _family("cloudrunv2", "Service", "Iam")
    | _family("cloudrunv2", "Job", "Iam")
    | _family("cloudrunv2", "WorkerPool", "Iam")
    | frozenset({f"gcp:cloudrun/iam{kind}:Iam{kind}" for kind in ("Member", "Binding", "Policy")})
    | _family("cloudfunctionsv2", "Function", "Iam")
    | _family("cloudfunctions", "Function", "Iam")
)
"""Who may invoke Cloud Run services, jobs and worker pools, and Cloud Run functions (both generations)."""
SECRET_MANAGER_IAM: Final = _family("secretmanager", "Secret", "Iam") | _family(
    "secretmanager", "RegionalSecret", "Iam"
)
DATASET: Final = "gcp:bigquery/dataset:Dataset"
DATASET_ACCESS: Final = "gcp:bigquery/datasetAccess:DatasetAccess"

SERVICE_SPECIFIC_PUBLIC_RULE_TYPES: Final = (
    BUCKET_IAM
    | DATASET_IAM
    | TABLE_IAM
    | PUBSUB_IAM
    | ARTIFACT_REGISTRY_IAM
    | KMS_IAM
    | RUN_IAM
    | SECRET_MANAGER_IAM
    | {DATASET, DATASET_ACCESS}
)
_IAM_TOKEN: Final = re.compile(r"^gcp:[A-Za-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]*(IAM|Iam)(Member|Binding|Policy)$")


_WHOLE_POOL: Final = re.compile(
    r"^principalSet://iam\.googleapis\.com/projects/[^/]+/locations/global/workloadIdentityPools/[^/]+/\*$"
)


def is_whole_workload_identity_pool(member: str) -> bool:
    """`principalSet://.../workloadIdentityPools/POOL/*`: every identity any provider of the pool accepts."""
    return bool(_WHOLE_POOL.match(member))


def is_default_service_account_email(email: str) -> bool:
    """The Compute Engine or App Engine default service account (editor on the project unless changed)."""
    return bool(DEFAULT_SERVICE_ACCOUNT.match(f"serviceAccount:{email.removeprefix('serviceAccount:')}"))


def is_iam_type(resource_type: str) -> bool:
    """True for every pulumi-gcp IAM member/binding/policy type, of any service."""
    return bool(_IAM_TOKEN.match(resource_type))


@dataclass(frozen=True)
class Grant:
    """One role granted to one principal; either may be UNKNOWN at preview."""

    role: str
    member: str

    @property
    def is_unknown(self) -> bool:
        return is_unknown(self.role) or is_unknown(self.member)

    def describe(self) -> str:
        return f"{self.role} to {self.member}"


def _as_str(value: Any) -> str:
    return value if isinstance(value, str) else UNKNOWN if value is None or is_unknown(value) else str(value)


def _access_members(entry: Mapping[str, Any]) -> list[str]:
    """BigQuery access entries name principals by kind instead of IAM member strings."""
    members = []
    for key, prefix in (("userByEmail", "user:"), ("groupByEmail", "group:"), ("domain", "domain:")):
        value = entry.get(key)
        if value is not None:
            members.append(UNKNOWN if is_unknown(value) else f"{prefix}{value}")
    for key in ("specialGroup", "iamMember"):
        value = entry.get(key)
        if value is not None:
            members.append(_as_str(value))
    return members


def grants(resource_type: str, inputs: Mapping[str, Any]) -> list[Grant]:
    """Every (role, member) pair the resource grants."""
    if resource_type in (DATASET, DATASET_ACCESS):
        entries: Any = inputs.get("accesses") if resource_type == DATASET else [inputs]
        if is_unknown(entries):
            return [Grant(UNKNOWN, UNKNOWN)]
        return [
            Grant(_as_str(entry.get("role", "")), member)
            for entry in entries or []
            if isinstance(entry, Mapping)
            for member in _access_members(entry)
        ]
    role = inputs.get("role")
    if "member" in inputs:
        return [Grant(_as_str(role), _as_str(inputs["member"]))]
    if "members" in inputs:
        members = inputs["members"]
        if is_unknown(members):
            return [Grant(_as_str(role), UNKNOWN)]
        return [Grant(_as_str(role), _as_str(m)) for m in members or []]
    if "policyData" in inputs:
        return _policy_grants(inputs["policyData"])
    return []


def _policy_grants(policy_data: Any) -> list[Grant]:
    if not isinstance(policy_data, str) or is_unknown(policy_data):
        return [Grant(UNKNOWN, UNKNOWN)]
    try:
        document = json.loads(policy_data)
    except json.JSONDecodeError:
        return [Grant(UNKNOWN, UNKNOWN)]
    return [
        Grant(_as_str(binding.get("role")), _as_str(member))
        for binding in document.get("bindings", []) or []
        for member in binding.get("members", []) or []
    ]


def email_domain(member: str) -> str | None:
    """Domain of a user:/group: member, lower-cased; None for other principal kinds."""
    kind, _, identity = member.partition(":")
    if kind not in ("user", "group") or "@" not in identity:
        return None
    return identity.rsplit("@", 1)[1].lower()


def check_grants(
    resource_type: str,
    inputs: Mapping[str, Any],
    violates: Callable[[Grant], bool | None],
    fix: str,
) -> list[Finding]:
    """One finding per offending grant; `violates` returns None when an unknown part hides the answer."""
    findings = []
    for grant in grants(resource_type, inputs):
        verdict = violates(grant)
        if verdict is None:
            findings.append(
                Finding(
                    f"a grant is unknown until the resources it depends on exist "
                    f"({grant.describe()}), so it cannot be verified; {fix}",
                    undetermined=True,
                )
            )
        elif verdict:
            findings.append(Finding(f"grants {grant.describe()}; {fix}"))
    return findings


def member_in(members: frozenset[str]) -> Callable[[Grant], bool | None]:
    def violates(grant: Grant) -> bool | None:
        if is_unknown(grant.member):
            return None
        return grant.member in members

    return violates


def role_in(roles: frozenset[str]) -> Callable[[Grant], bool | None]:
    def violates(grant: Grant) -> bool | None:
        if is_unknown(grant.role):
            return None
        return grant.role in roles

    return violates
