"""IAM grants from every resource shape, including unknown and malformed policies."""

from __future__ import annotations

import json

from policies.iam import Grant, email_domain, grants, is_iam_type
from policies.values import UNKNOWN


def test_member_binding_policy_and_dataset_accesses() -> None:
    assert grants("gcp:projects/iAMMember:IAMMember", {"role": "roles/x", "member": "group:a@b.c"}) == [
        Grant("roles/x", "group:a@b.c")
    ]
    assert grants("gcp:projects/iAMBinding:IAMBinding", {"role": "roles/x", "members": ["user:a@b.c", "allUsers"]}) == [
        Grant("roles/x", "user:a@b.c"),
        Grant("roles/x", "allUsers"),
    ]
    policy = json.dumps({"bindings": [{"role": "roles/y", "members": ["domain:b.c"]}]})
    assert grants("gcp:projects/iAMPolicy:IAMPolicy", {"policyData": policy}) == [Grant("roles/y", "domain:b.c")]
    accesses = [{"role": "READER", "specialGroup": "allAuthenticatedUsers"}, {"role": "OWNER", "userByEmail": "a@b.c"}]
    assert grants("gcp:bigquery/dataset:Dataset", {"accesses": accesses}) == [
        Grant("READER", "allAuthenticatedUsers"),
        Grant("OWNER", "user:a@b.c"),
    ]


def test_unknown_and_malformed_values_become_unknown_grants() -> None:
    assert grants("gcp:projects/iAMPolicy:IAMPolicy", {"policyData": UNKNOWN}) == [Grant(UNKNOWN, UNKNOWN)]
    assert grants("gcp:projects/iAMPolicy:IAMPolicy", {"policyData": "{not json"}) == [Grant(UNKNOWN, UNKNOWN)]
    assert grants("gcp:projects/iAMBinding:IAMBinding", {"role": "roles/x", "members": UNKNOWN}) == [
        Grant("roles/x", UNKNOWN)
    ]
    assert grants("gcp:projects/iAMMember:IAMMember", {"role": "roles/x", "member": UNKNOWN})[0].is_unknown


def test_email_domain_and_iam_type() -> None:
    assert email_domain("user:Ana@GMail.com") == "gmail.com"
    assert email_domain("serviceAccount:x@p.iam.gserviceaccount.com") is None
    assert is_iam_type("gcp:kms/keyRingIAMBinding:KeyRingIAMBinding")
    assert not is_iam_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")
