"""Outputs derived from inputs offline: the ids GCP computes itself, and nothing it would not know."""

from __future__ import annotations

from infra.synth.derived import derive_outputs
from infra.synth.invokes import fake_project_number


def test_service_account_members_are_known() -> None:
    resource_id, outputs = derive_outputs(
        "gcp:serviceaccount/account:Account", {"accountId": "genai-prod-serving", "project": "acme-prod"}, "other"
    )
    email = "genai-prod-serving@acme-prod.iam.gserviceaccount.com"
    assert outputs["email"] == email
    assert outputs["member"] == f"serviceAccount:{email}"
    assert resource_id == f"projects/acme-prod/serviceAccounts/{email}"
    assert outputs["accountId"] == "genai-prod-serving", "inputs are echoed"


def test_default_project_fills_in_when_the_input_is_unset() -> None:
    resource_id, _ = derive_outputs("gcp:pubsub/topic:Topic", {"name": "events"}, "acme-dev")
    assert resource_id == "projects/acme-dev/topics/events"


def test_key_ids_chain_from_the_key_ring() -> None:
    ring_id, _ = derive_outputs("gcp:kms/keyRing:KeyRing", {"name": "ring", "location": "europe-west4"}, "p1")
    key_id, _ = derive_outputs("gcp:kms/cryptoKey:CryptoKey", {"name": "storage", "keyRing": ring_id}, "p1")
    assert key_id == "projects/p1/locations/europe-west4/keyRings/ring/cryptoKeys/storage"


def test_created_project_number_matches_the_data_source_stand_in() -> None:
    _, outputs = derive_outputs("gcp:organizations/project:Project", {"projectId": "acme-dev"}, "")
    assert outputs["number"] == fake_project_number("acme-dev")


def test_unknown_inputs_leave_the_id_unknown() -> None:
    # An input that is itself unknown arrives as a non-string (the SDK's unknown sentinel): nothing is derived.
    resource_id, outputs = derive_outputs("gcp:kms/cryptoKey:CryptoKey", {"name": "k", "keyRing": object()}, "p")
    assert resource_id == ""
    assert "id" not in outputs


def test_types_outside_the_table_stay_unknown() -> None:
    resource_id, outputs = derive_outputs("gcp:secretmanager/secret:Secret", {"secretId": "token"}, "p")
    assert (resource_id, outputs) == ("", {"secretId": "token"})
