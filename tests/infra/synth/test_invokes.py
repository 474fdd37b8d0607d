"""The documented data-source answers are stable and derived from their arguments."""

from __future__ import annotations

import json

from infra.synth.invokes import answer_invoke, fake_project_number


def test_project_number_is_stable_and_12_digits() -> None:
    assert fake_project_number("acme-dev") == fake_project_number("acme-dev")
    assert fake_project_number("acme-dev") != fake_project_number("acme-prod")
    assert len(fake_project_number("acme-dev")) == 12


def test_get_project_defaults_to_the_provider_project() -> None:
    answer = answer_invoke("gcp:organizations/getProject:getProject", {}, {"project": "acme-dev"})
    assert answer == {"projectId": "acme-dev", "number": fake_project_number("acme-dev"), "name": "acme-dev",
                      "id": "projects/acme-dev"}


def test_service_agents_use_the_project_number() -> None:
    answer = answer_invoke("gcp:storage/getProjectServiceAccount:getProjectServiceAccount", {"project": "x"}, {})
    assert answer is not None
    assert answer["emailAddress"] == f"service-{fake_project_number('x')}@gs-project-accounts.iam.gserviceaccount.com"


def test_iam_policy_is_canonical_and_unknown_tokens_answer_none() -> None:
    args = {"bindings": [{"role": "roles/b", "members": ["user:z", "user:a"]}, {"role": "roles/a", "members": []}]}
    answer = answer_invoke("gcp:organizations/getIAMPolicy:getIAMPolicy", args, {})
    assert answer is not None
    assert json.loads(answer["policyData"])["bindings"][0] == {"role": "roles/a", "members": []}
    assert json.loads(answer["policyData"])["bindings"][1]["members"] == ["user:a", "user:z"]
    assert answer_invoke("gcp:compute/getZones:getZones", {}, {}) is None
