"""KMS component: one protected key per consumer, rotation within 90 days, agents granted."""

from __future__ import annotations

from infra.components.kms import ENCRYPTER_DECRYPTER, KEY_CONSUMERS, Kms, KmsArgs
from infra.components.naming import Naming
from tests.infra.components.env_refs import PROJECT_NUMBER, config, project_refs
from tests.infra.components.mocks import Recording, run


def build() -> Recording:
    cfg = config("prod")

    def program() -> object:
        kms = Kms("genai-prod-kms", KmsArgs(cfg, Naming(cfg), project_refs(cfg)))
        return {"storage": kms.refs.storage, "grants": len(kms.refs.grants)}

    return run(program)


def test_keys_rotate_and_are_protected() -> None:
    recording = build()
    keys = recording.of_type("gcp:kms/cryptoKey:CryptoKey")
    assert sorted(k.inputs["name"] for k in keys) == sorted(f"genai-prod-{p.replace('_', '-')}" for p in KEY_CONSUMERS)
    for key in keys:
        assert key.protect, f"{key.urn} must be protected"
        seconds = int(key.inputs["rotationPeriod"].removesuffix("s"))
        assert 0 < seconds <= 90 * 86_400, key.urn
        assert key.inputs["purpose"] == "ENCRYPT_DECRYPT", key.urn
    (ring,) = recording.of_type("gcp:kms/keyRing:KeyRing")
    assert ring.protect
    assert ring.inputs["location"] == "europe-west4"


def test_each_agent_is_granted_its_key() -> None:
    recording = build()
    grants = recording.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    assert len(grants) == len(KEY_CONSUMERS) == recording.value["grants"]
    members = {g.inputs["member"] for g in grants}
    assert f"serviceAccount:service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com" in members
    assert f"serviceAccount:bq-{PROJECT_NUMBER}@bigquery-encryption.iam.gserviceaccount.com" in members
    assert f"serviceAccount:service-{PROJECT_NUMBER}@gcp-sa-aiplatform.iam.gserviceaccount.com" in members
    assert all(g.inputs["role"] == ENCRYPTER_DECRYPTER for g in grants)
    assert recording.value["storage"] == "genai-prod-kms-storage_id"
