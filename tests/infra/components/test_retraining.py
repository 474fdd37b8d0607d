"""The Retraining component under the SDK's mocks: the subscriber function, its identities, grants and push."""

from __future__ import annotations

import json

import pulumi_gcp as gcp
import pytest

from infra.components.naming import Naming
from infra.components.retraining import Retraining, RetrainingArgs, TuningTarget, deployed, tuning_target
from infra.config.model import EnvironmentConfig
from infra.release.schema import ReleaseManifest
from infra.retraining.package import source_archive
from infra.retraining.request import SubscriberSettings
from tests.checkout import PROJECT
from tests.synth_cache import shared_document

from . import env_refs
from .mocks import Recorded, Recording, run

FUNCTION = "gcp:cloudfunctionsv2/function:Function"
SUBSCRIPTION = "gcp:pubsub/subscription:Subscription"
ACCOUNT = "gcp:serviceaccount/account:Account"
TEMPLATE = "https://europe-west4-kfp.pkg.dev/p/genai-dev-pipelines/genai-tuning/sha256:" + "a" * 64
PARAMETERS = {"backend": "vertex-gemini-sft", "dataset_uri": "gs://d/train.jsonl"}
SOURCE = source_archive(PROJECT.root)


def synth(cfg: EnvironmentConfig) -> Recording:
    naming = Naming(cfg)

    def build() -> dict[str, object]:
        project = env_refs.project_refs(cfg)
        topics = {
            t: gcp.pubsub.Topic(t, name=naming.topic(t), project=cfg.project.id)
            for t in ("retraining-requests", "retraining-requests-dead-letter", "model-events")
        }
        repository = gcp.artifactregistry.Repository(
            "pipelines", repository_id=naming.name("pipelines"), format="KFP", location=cfg.region
        )
        component = Retraining(
            "retraining",
            RetrainingArgs(
                cfg,
                naming,
                project,
                env_refs.key_refs(cfg),
                requests_topic=topics["retraining-requests"],
                dead_letter_topic=topics["retraining-requests-dead-letter"],
                events_topic=topics["model-events"],
                pipelines_repository=repository,
                tuning=TuningTarget(TEMPLATE, PARAMETERS, f"gs://{cfg.project.id}-pipeline-root"),
                source=SOURCE,
            ),
        )
        return {"accounts": component.emails}

    return run(build)


@pytest.fixture(scope="module", params=("dev", "prod"))
def env(request: pytest.FixtureRequest) -> tuple[EnvironmentConfig, Recording]:
    cfg = env_refs.config(request.param)
    return cfg, synth(cfg)


def members_of(rec: Recording, account: str) -> list[Recorded]:
    """Every grant (any IAM member type) whose member is `account`'s e-mail."""
    return [r for r in rec.resources if r.inputs.get("member") == f"serviceAccount:{account}"]


def test_the_function_runs_the_subscriber_from_its_content_addressed_source(
    env: tuple[EnvironmentConfig, Recording],
) -> None:
    cfg, rec = env
    [function] = rec.of_type(FUNCTION)
    build = function.inputs["buildConfig"]
    assert build["entryPoint"] == "retraining"
    assert build["source"]["storageSource"]["object"] == SOURCE.object_name
    [source] = rec.of_type("gcp:storage/bucketObject:BucketObject")
    assert source.inputs["name"] == SOURCE.object_name
    service = function.inputs["serviceConfig"]
    assert service["ingressSettings"] == "ALLOW_INTERNAL_ONLY"
    assert service["serviceAccountEmail"] == rec.value["accounts"]["retraining"]
    assert service["timeoutSeconds"] == cfg.messaging.ack_deadline_seconds
    assert service["maxInstanceCount"] == cfg.retraining.subscriber_max_instances
    assert build["serviceAccount"].endswith(f"/serviceAccounts/{rec.value['accounts']['retrain-build']}")


def test_the_functions_environment_is_what_the_subscriber_reads(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    [function] = rec.of_type(FUNCTION)
    settings = SubscriberSettings.from_environ(function.inputs["serviceConfig"]["environmentVariables"])
    assert settings.env == cfg.name
    assert settings.template_uri == TEMPLATE
    assert settings.parameter_values == PARAMETERS
    assert settings.service_account.startswith(Naming(cfg).account_id("pipelines"))
    assert settings.events_topic == "model-events_id"
    assert settings.budget_seconds < cfg.messaging.ack_deadline_seconds
    assert (settings.kms_key_name is not None) is cfg.encryption.cmek


def test_requests_are_pushed_with_an_oidc_token_and_dead_letter_like_every_subscription(
    env: tuple[EnvironmentConfig, Recording],
) -> None:
    cfg, rec = env
    [push] = rec.of_type(SUBSCRIPTION)
    msg = cfg.messaging
    assert push.inputs["topic"] == "retraining-requests_id"
    assert push.inputs["deadLetterPolicy"] == {
        "deadLetterTopic": "retraining-requests-dead-letter_id",
        "maxDeliveryAttempts": msg.max_delivery_attempts,
    }
    assert push.inputs["ackDeadlineSeconds"] == msg.ack_deadline_seconds
    assert push.inputs["pushConfig"]["oidcToken"]["serviceAccountEmail"] == rec.value["accounts"]["retrain-push"]
    assert push.protect is cfg.protection.protect_stateful
    invoker = rec.named("retraining-push-invoker")
    assert invoker.inputs["role"] == "roles/run.invoker"
    assert invoker.inputs["member"] == f"serviceAccount:{rec.value['accounts']['retrain-push']}"
    assert invoker.urn in push.dependencies
    agent = rec.named("retraining-retraining-requests-push-agent-subscriber")
    assert agent.inputs["subscription"] == push.inputs["name"]


def test_each_identity_gets_only_what_it_uses(env: tuple[EnvironmentConfig, Recording]) -> None:
    _, rec = env
    accounts = rec.value["accounts"]
    granted = {who: sorted(r.inputs["role"] for r in members_of(rec, accounts[who])) for who in accounts}
    assert granted == {
        "retraining": [
            "roles/aiplatform.user",
            "roles/artifactregistry.reader",
            "roles/iam.serviceAccountUser",
            "roles/logging.logWriter",
            "roles/pubsub.publisher",
        ],
        "retrain-push": ["roles/run.invoker"],
        "retrain-build": ["roles/artifactregistry.writer", "roles/logging.logWriter", "roles/storage.objectViewer"],
    }
    act_as = rec.named("retraining-subscriber-actas-pipelines")
    assert act_as.inputs["serviceAccountId"].endswith(
        "/serviceAccounts/" + Naming(env[0]).account_id("pipelines") + f"@{env[0].project.id}.iam.gserviceaccount.com"
    )
    assert not [r for r in rec.resources if str(r.inputs.get("member", "")).startswith(("allUsers", "allAuth"))]
    deployer = f"serviceAccount:{Naming(env[0]).account_id('deployer')}@{env[0].project.id}.iam.gserviceaccount.com"
    acts_as = sorted(
        r.inputs["serviceAccountId"].rsplit("/", 1)[-1] for r in rec.resources if r.inputs.get("member") == deployer
    )
    assert acts_as == sorted([accounts["retrain-build"], accounts["retraining"]])


def test_prod_encrypts_and_protects_what_holds_data_dev_does_not() -> None:
    prod, dev = env_refs.config("prod"), env_refs.config("dev")
    rec = synth(prod)
    [function] = rec.of_type(FUNCTION)
    assert function.inputs["kmsKeyName"] == env_refs.key_id(prod, "artifact_registry")
    [bucket] = rec.of_type("gcp:storage/bucket:Bucket")
    assert bucket.inputs["encryption"] == {"defaultKmsKeyName": env_refs.key_id(prod, "storage")}
    assert bucket.protect
    assert bucket.inputs["forceDestroy"] is False
    [repository] = [
        r for r in rec.of_type("gcp:artifactregistry/repository:Repository") if r.name.endswith("functions")
    ]
    assert repository.protect
    key_grants = {
        r.inputs["member"]
        for r in rec.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
        if r.name.startswith("retraining-")
    }
    assert key_grants == {
        f"serviceAccount:service-{env_refs.PROJECT_NUMBER}@gcf-admin-robot.iam.gserviceaccount.com",
        f"serviceAccount:service-{env_refs.PROJECT_NUMBER}@serverless-robot-prod.iam.gserviceaccount.com",
    }
    dev_rec = synth(dev)
    assert "kmsKeyName" not in dev_rec.of_type(FUNCTION)[0].inputs
    assert not any(r.protect for r in dev_rec.resources)


def test_the_target_is_the_tuning_pipeline_the_manifest_pins() -> None:
    cfg = env_refs.config("dev")
    manifest = ReleaseManifest.model_validate({**_manifest_document(), "environment": "dev"})
    assert deployed(cfg, manifest) is cfg.retraining.enabled

    def build() -> object:
        target = tuning_target(cfg, manifest, "https://host/repo", "gs://root")
        assert target is not None
        return {"uri": target.template_uri, "parameters": target.parameter_values}

    value = run(build).value
    tuning = manifest.pipelines["tuning"]
    assert value["uri"] == f"https://host/repo/{tuning.package}/{tuning.digest}"
    assert value["parameters"]["project"] == cfg.project.id
    assert "${" not in json.dumps(value["parameters"])
    off = cfg.model_copy(update={"retraining": cfg.retraining.model_copy(update={"enabled": False})})
    assert tuning_target(off, manifest, "h", "r") is None
    assert tuning_target(cfg, None, "h", "r") is None


def _manifest_document() -> dict[str, object]:
    import yaml

    return dict(yaml.safe_load((PROJECT.environments_dir / "release.dev.yaml").read_text()))


def test_the_project_enables_the_function_apis_and_deployer_roles_only_where_retraining_is_on() -> None:
    from infra.components.project import DEPLOYER_FUNCTIONS_ROLE, FUNCTION_SERVICES, Project

    on = env_refs.config("dev")
    off = on.model_copy(update={"retraining": on.retraining.model_copy(update={"enabled": False})})
    assert set(FUNCTION_SERVICES) <= set(Project.services_for(on))
    assert "cloudfunctions.googleapis.com" not in Project.services_for(off)
    assert DEPLOYER_FUNCTIONS_ROLE == "roles/cloudfunctions.developer"  # developer, not admin: no IAM on functions


def test_the_push_subscription_takes_over_the_topics_subscription_in_place() -> None:
    """Same name and an alias to the Messaging component's pull subscription: an existing stack updates it (push
    config added, undelivered requests kept) instead of deleting a protected subscription and creating one."""
    for env in ("dev", "prod"):
        resources = shared_document(env, PROJECT)["resources"]
        subscriptions = [r for r in resources if r["type"] == SUBSCRIPTION and r["name"].count("retraining-requests")]
        by_parent = {r["urn"].split("$")[-2].split(":")[-1]: r for r in subscriptions if "dead-letter" not in r["name"]}
        assert set(by_parent) == {"Retraining"}, env  # the topic's only consumer is the push subscription
        push = by_parent["Retraining"]
        old_urn = (
            push["urn"]
            .replace("Retraining$", "Messaging$")
            .replace("-retraining-retraining-requests-push-sub", "-messaging-retraining-requests-sub")
        )
        assert push["aliases"] == [old_urn], env
        assert push["inputs"]["name"] == f"genai-{env}-retraining-requests-sub", env
        assert push["protect"] is (env == "prod")
