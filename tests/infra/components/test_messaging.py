"""The Messaging component under the SDK's mocks: topics, subscriptions, dead letters, the BigQuery subscription."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
import pytest

from infra.components.messaging import BIGQUERY_SUBSCRIPTION, TOPICS, Messaging, MessagingArgs
from infra.components.naming import Naming
from infra.config.model import EnvironmentConfig

from . import env_refs
from .mocks import Recorded, Recording, run

ENVS = ("dev", "staging", "prod")
TOPIC = "gcp:pubsub/topic:Topic"
SUBSCRIPTION = "gcp:pubsub/subscription:Subscription"
TOPIC_IAM = "gcp:pubsub/topicIAMMember:TopicIAMMember"
SUBSCRIPTION_IAM = "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember"
DATASET_IAM = "gcp:bigquery/datasetIamMember:DatasetIamMember"
PLATFORM_LABELS = ("env", "app", "component", "managed-by")
PUBSUB_AGENT = f"serviceAccount:service-{env_refs.PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"


def synth(cfg: EnvironmentConfig, *, dataset_as_resource: bool = True) -> Recording:
    naming = Naming(cfg)

    def build() -> dict[str, object]:
        project = env_refs.project_refs(cfg)
        dataset_id = naming.dataset("feedback")
        dataset: gcp.bigquery.Dataset | pulumi.Output[str] = (
            gcp.bigquery.Dataset("feedback-dataset", dataset_id=dataset_id, project=cfg.project.id)
            if dataset_as_resource
            else pulumi.Output.from_input(dataset_id)
        )
        messaging = Messaging(
            "messaging",
            MessagingArgs(
                cfg,
                naming,
                project,
                env_refs.key_refs(cfg),
                feedback_table=pulumi.Output.from_input(f"{cfg.project.id}.{dataset_id}.feedback"),
                feedback_dataset=dataset,
            ),
        )
        return {
            "topics": {k: t.name for k, t in messaging.topics.items()},
            "dead_letter_topics": {k: t.name for k, t in messaging.dead_letter_topics.items()},
            "with_dead_letter": {k: s.name for k, s in messaging.subscriptions_with_dead_letter.items()},
            "subscriptions": {k: s.name for k, s in messaging.subscriptions.items()},
        }

    return run(build)


@pytest.fixture(scope="module", params=ENVS)
def env(request: pytest.FixtureRequest) -> tuple[EnvironmentConfig, Recording]:
    cfg = env_refs.config(request.param)
    return cfg, synth(cfg)


def topics_by_name(rec: Recording) -> dict[str, Recorded]:
    return {t.inputs["name"]: t for t in rec.of_type(TOPIC)}


def subscriptions_by_name(rec: Recording) -> dict[str, Recorded]:
    return {s.inputs["name"]: s for s in rec.of_type(SUBSCRIPTION)}


def test_topics_and_their_dead_letter_topics(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    naming = Naming(cfg)
    topics = topics_by_name(rec)
    expected = {naming.topic(t) for t in TOPICS} | {naming.topic(t, "dead-letter") for t in TOPICS}
    assert set(topics) == expected
    for t in topics.values():
        assert t.inputs["project"] == cfg.project.id, t.urn
        assert t.inputs["messageRetentionDuration"] == f"{cfg.messaging.message_retention_days * 86400}s", t.urn
    assert rec.value["topics"] == {t: naming.topic(t) for t in TOPICS}
    assert rec.value["dead_letter_topics"] == {t: naming.topic(t, "dead-letter") for t in TOPICS}


def test_every_source_subscription_retries_and_dead_letters(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    naming = Naming(cfg)
    msg = cfg.messaging
    subs = subscriptions_by_name(rec)
    topics = topics_by_name(rec)
    for t in TOPICS:
        sub = subs[naming.topic(t, "sub")]
        assert sub.inputs["topic"] == f"{topics[naming.topic(t)].name}_id", f"{sub.urn}: subscribes to its topic"
        assert sub.inputs["ackDeadlineSeconds"] == msg.ack_deadline_seconds, sub.urn
        assert sub.inputs["messageRetentionDuration"] == f"{msg.message_retention_days * 86400}s", sub.urn
        assert sub.inputs["expirationPolicy"] == {"ttl": ""}, f"{sub.urn}: must never expire"
        assert sub.inputs["retryPolicy"] == {
            "minimumBackoff": f"{msg.min_backoff_seconds}s",
            "maximumBackoff": f"{msg.max_backoff_seconds}s",
        }, sub.urn
        dead_letter_topic = topics[naming.topic(t, "dead-letter")]
        assert sub.inputs["deadLetterPolicy"] == {
            "deadLetterTopic": f"{dead_letter_topic.name}_id",
            "maxDeliveryAttempts": msg.max_delivery_attempts,
        }, sub.urn


def test_dead_letters_are_kept_by_their_own_subscription(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    naming = Naming(cfg)
    subs = subscriptions_by_name(rec)
    topics = topics_by_name(rec)
    for t in TOPICS:
        keeper = subs[naming.topic(t, "dead-letter", "sub")]
        assert keeper.inputs["topic"] == f"{topics[naming.topic(t, 'dead-letter')].name}_id", keeper.urn
        assert keeper.inputs["messageRetentionDuration"] == "2678400s", f"{keeper.urn}: keep dead letters 31 days"
        assert keeper.inputs["expirationPolicy"] == {"ttl": ""}, keeper.urn
        assert "deadLetterPolicy" not in keeper.inputs, f"{keeper.urn}: dead letters do not dead-letter again"


def test_feedback_streams_into_bigquery(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    naming = Naming(cfg)
    sub = subscriptions_by_name(rec)[naming.topic("user-feedback", "bigquery")]
    assert sub.inputs["bigqueryConfig"] == {
        "table": f"{cfg.project.id}.{naming.dataset('feedback')}.feedback",
        "useTableSchema": True,
        "writeMetadata": True,
        "dropUnknownFields": True,
    }, sub.urn
    assert "deadLetterPolicy" in sub.inputs, f"{sub.urn}: rows BigQuery rejects go to the dead-letter topic"
    grants = {g.inputs["role"]: g for g in rec.of_type(DATASET_IAM)}
    assert set(grants) == {"roles/bigquery.dataEditor", "roles/bigquery.metadataViewer"}
    for g in grants.values():
        assert g.inputs["member"] == PUBSUB_AGENT, g.urn
        assert g.inputs["datasetId"] == naming.dataset("feedback"), g.urn
        assert g.urn in sub.dependencies, f"{sub.urn} must wait for {g.urn}: creation fails without the grant"


def test_feedback_dataset_may_be_given_as_an_id() -> None:
    cfg = env_refs.config("dev")
    rec = synth(cfg, dataset_as_resource=False)
    for g in rec.of_type(DATASET_IAM):
        assert g.inputs["datasetId"] == Naming(cfg).dataset("feedback"), g.urn
        assert g.inputs["project"] == cfg.project.id, g.urn


def test_pubsub_agent_can_dead_letter(env: tuple[EnvironmentConfig, Recording]) -> None:
    _cfg, rec = env
    dead_letter_topics = {t.urn: t for t in rec.of_type(TOPIC) if t.inputs["name"].endswith("-dead-letter")}
    publishers = rec.of_type(TOPIC_IAM)
    assert sorted(p.inputs["topic"] for p in publishers) == sorted(
        t.inputs["name"] for t in dead_letter_topics.values()
    )
    for p in publishers:
        assert (p.inputs["role"], p.inputs["member"]) == ("roles/pubsub.publisher", PUBSUB_AGENT), p.urn
    forwarding = [s for s in rec.of_type(SUBSCRIPTION) if "deadLetterPolicy" in s.inputs]
    assert len(forwarding) == len(TOPICS) + 1
    subscribers = rec.of_type(SUBSCRIPTION_IAM)
    assert sorted(s.inputs["subscription"] for s in subscribers) == sorted(s.inputs["name"] for s in forwarding)
    for s in subscribers:
        assert (s.inputs["role"], s.inputs["member"]) == ("roles/pubsub.subscriber", PUBSUB_AGENT), s.urn


def test_subscriptions_with_dead_letter_exposed_for_alerts(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    naming = Naming(cfg)
    expected = {t: naming.topic(t, "sub") for t in TOPICS} | {
        BIGQUERY_SUBSCRIPTION: naming.topic("user-feedback", "bigquery")
    }
    assert rec.value["with_dead_letter"] == expected
    for name in expected.values():
        assert "deadLetterPolicy" in subscriptions_by_name(rec)[name].inputs, name
    assert len(rec.value["subscriptions"]) == len(expected) + len(TOPICS)


def test_encryption_protection_and_api_dependencies(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    services = {r.urn for r in rec.of_type("gcp:projects/service:Service")}
    grants = {r.urn for r in rec.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    for t in rec.of_type(TOPIC):
        assert t.protect is cfg.protection.protect_stateful, t.urn
        assert services <= set(t.dependencies), t.urn
        if cfg.encryption.cmek:
            assert t.inputs["kmsKeyName"] == env_refs.key_id(cfg, "pubsub"), t.urn
            assert grants, f"{t.urn}: must wait for the key grants"
            assert grants <= set(t.dependencies), f"{t.urn}: must wait for the key grants"
        else:
            assert "kmsKeyName" not in t.inputs, t.urn
    for s in rec.of_type(SUBSCRIPTION):
        assert services <= set(s.dependencies), s.urn


def test_prod_protects_topics_dev_does_not() -> None:
    prod = synth(env_refs.config("prod"))
    dev = synth(env_refs.config("dev"))
    assert prod.of_type(TOPIC)
    assert all(t.protect for t in prod.of_type(TOPIC))
    assert all("kmsKeyName" in t.inputs for t in prod.of_type(TOPIC))
    assert not any(t.protect for t in dev.of_type(TOPIC))


def test_labels_and_parentage(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    component = rec.named("messaging")
    assert component.type == "genai-mlops:platform:Messaging"
    children = rec.children_of(component)
    for child in children:
        assert child.name.startswith("messaging-"), child.urn
    assert {c.type for c in children} == {TOPIC, SUBSCRIPTION, TOPIC_IAM, SUBSCRIPTION_IAM, DATASET_IAM}
    for r in rec.of_type(TOPIC) + rec.of_type(SUBSCRIPTION):
        labels = r.inputs["labels"]
        for key in PLATFORM_LABELS:
            assert key in labels, f"{r.urn}: label {key} missing"
        assert (labels["env"], labels["component"]) == (cfg.name, "messaging"), r.urn
    for g in rec.of_type(TOPIC_IAM) + rec.of_type(SUBSCRIPTION_IAM) + rec.of_type(DATASET_IAM):
        assert g.inputs["role"] not in ("roles/owner", "roles/editor", "roles/viewer"), g.urn
