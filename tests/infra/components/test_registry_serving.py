"""Registry and Serving components: regional repositories, CMEK in prod, endpoints with logging and PSC."""

from __future__ import annotations

from infra.components.naming import Naming
from infra.components.registry import Registry, RegistryArgs
from infra.components.serving import Serving, ServingArgs, endpoint_id
from tests.infra.components.env_refs import config, key_refs, project_refs
from tests.infra.components.mocks import Recording, run

LOGS_URI = "bq://acme-genai-prod.genai_prod_prediction_logs"


def build(env: str) -> Recording:
    cfg = config(env)

    def program() -> object:
        project, keys = project_refs(cfg), key_refs(cfg)
        registry = Registry(f"{cfg.prefix}-registry", RegistryArgs(cfg, Naming(cfg), project, keys))
        Serving(f"{cfg.prefix}-serving", ServingArgs(cfg, Naming(cfg), project, keys, prediction_logs_uri=LOGS_URI))
        return {"kfp": registry.kfp_host, "images": registry.images_url}

    return run(program)


def test_repositories() -> None:
    recording = build("prod")
    repos = {r.inputs["format"]: r for r in recording.of_type("gcp:artifactregistry/repository:Repository")}
    assert set(repos) == {"KFP", "DOCKER"}
    for repo in repos.values():
        assert repo.inputs["location"] == "europe-west4", repo.urn
        assert repo.inputs["kmsKeyName"].endswith("/cryptoKeys/artifact_registry"), repo.urn
        assert repo.protect, repo.urn
        assert repo.inputs["deletionPolicy"] == "PREVENT", repo.urn
    assert repos["DOCKER"].inputs["dockerConfig"] == {"immutableTags": True}
    assert recording.value == {
        "kfp": "https://europe-west4-kfp.pkg.dev/acme-genai-prod/genai-prod-pipelines",
        "images": "europe-west4-docker.pkg.dev/acme-genai-prod/genai-prod-images",
    }


def test_dev_repositories_use_google_managed_keys() -> None:
    for repo in build("dev").of_type("gcp:artifactregistry/repository:Repository"):
        assert "kmsKeyName" not in repo.inputs, repo.urn
        assert not repo.protect, repo.urn


def test_endpoint_per_served_model() -> None:
    cfg = config("prod")
    (endpoint,) = build("prod").of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    assert endpoint.inputs["name"] == endpoint_id("genai-prod", "assistant")
    assert endpoint.inputs["displayName"] == "genai-prod-assistant"
    logging = endpoint.inputs["predictRequestResponseLoggingConfig"]
    assert logging == {
        "enabled": True,
        "samplingRate": cfg.serving.models[0].logging_sampling_rate,
        "bigqueryDestination": {"outputUri": LOGS_URI},
    }
    assert endpoint.inputs["privateServiceConnectConfig"] == {
        "enablePrivateServiceConnect": True,
        "projectAllowlists": ["acme-genai-prod"],
    }
    assert endpoint.inputs["encryptionSpec"]["kmsKeyName"].endswith("/cryptoKeys/vertex")


def test_dev_endpoint_is_public_and_unencrypted() -> None:
    (endpoint,) = build("dev").of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    assert "privateServiceConnectConfig" not in endpoint.inputs
    assert "encryptionSpec" not in endpoint.inputs


def test_endpoint_ids_are_stable_and_distinct() -> None:
    assert endpoint_id("genai-prod", "assistant") == endpoint_id("genai-prod", "assistant")
    ids = {endpoint_id(p, m) for p in ("genai-dev", "genai-prod") for m in ("assistant", "summarizer")}
    assert len(ids) == 4
    assert all(len(i) == 10 and not i.startswith("0") for i in ids)
