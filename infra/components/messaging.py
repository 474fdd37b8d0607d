"""Messaging: the environment's Pub/Sub topics, their subscriptions and dead letters.

Each topic (model events, user feedback, retraining requests) gets a pull subscription with a retry policy and
a dead-letter topic; every dead-letter topic has a subscription of its own, so dead letters are kept for
inspection and replay instead of being dropped. User feedback also streams into BigQuery through a BigQuery
subscription. The Pub/Sub service agent gets exactly the grants dead-lettering and the BigQuery write need.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, stateful, type_token
from infra.components.refs import KeyRefs, ProjectRefs
from infra.config.model import EnvironmentConfig

COMPONENT = "messaging"
# `alerts` carries Cloud Monitoring incidents for automation (rollback bots, ticketing), apart from model events.
TOPICS = ("model-events", "user-feedback", "retraining-requests", "alerts")
FEEDBACK_TOPIC = "user-feedback"
BIGQUERY_SUBSCRIPTION = "user-feedback-bigquery"
DAY_SECONDS = 86_400
MAX_RETENTION = f"{31 * DAY_SECONDS}s"
"""The longest retention Pub/Sub allows (31 days): dead letters are kept as long as possible."""
NEVER_EXPIRE = ""
"""`expiration_policy.ttl` of "" means the subscription never expires for inactivity."""
# Roles the Pub/Sub service agent needs to write into the feedback dataset (BigQuery subscriptions).
BIGQUERY_WRITER_ROLES = ("roles/bigquery.dataEditor", "roles/bigquery.metadataViewer")


@dataclass(frozen=True)
class MessagingArgs:
    """Inputs of the Messaging component.

    cfg: the environment's validated config; `cfg.messaging` gives retention, ack deadline, backoff and
        delivery attempts; `cfg.protection.protect_stateful` protects the topics.
    naming: names (`naming.topic(...)`) and labels.
    project: the project; topics and subscriptions depend on its enabled services, and its Pub/Sub service
        agent receives the dead-letter and BigQuery grants.
    keys: `keys.pubsub` encrypts every topic when set (Google-managed encryption otherwise); encrypted topics
        wait for `keys.grants`.
    feedback_table: `project.dataset.table` the BigQuery subscription writes user feedback into.
    feedback_dataset: the dataset holding that table (or its dataset id); the Pub/Sub agent is granted on it.
    pushed_topics: topics whose consumer declares its own push subscription (with this topic's dead-letter
        topic): they get no pull subscription here, which nobody would read. Default: none.
    """

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    keys: KeyRefs
    feedback_table: pulumi.Input[str]
    feedback_dataset: gcp.bigquery.Dataset | pulumi.Input[str]
    pushed_topics: frozenset[str] = frozenset()


class Messaging(pulumi.ComponentResource):
    """Topics (`topics[name]`), their dead-letter topics and all subscriptions, keyed by logical name."""

    topics: dict[str, gcp.pubsub.Topic]
    dead_letter_topics: dict[str, gcp.pubsub.Topic]
    """Dead-letter topic of each topic, keyed by the source topic's logical name."""
    subscriptions: dict[str, gcp.pubsub.Subscription]
    """Every subscription: `<topic>` (pull), `user-feedback-bigquery`, `<topic>-dead-letter` (keeps dead letters)."""
    subscriptions_with_dead_letter: dict[str, gcp.pubsub.Subscription]
    """The subscriptions that dead-letter (the ones observability alerts on)."""
    topic_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: MessagingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Messaging"), name, None, opts)
        self._args = args
        self._name = name
        self._labels = args.naming.labels(COMPONENT)
        self._api: list[pulumi.Resource] = list(args.project.services)
        self._agent = args.project.agent("pubsub")
        msg = args.cfg.messaging
        self._retention = f"{msg.message_retention_days * DAY_SECONDS}s"

        self.topics = {t: self._topic(t, args.naming.topic(t)) for t in TOPICS}
        self.dead_letter_topics = {
            t: self._topic(f"{t}-dead-letter", args.naming.topic(t, "dead-letter")) for t in TOPICS
        }
        self.dead_letter_publisher_grants = [
            gcp.pubsub.TopicIAMMember(
                f"{name}-{t}-dead-letter-agent-publisher",
                project=args.project.project_id,
                topic=dlq.name,
                role="roles/pubsub.publisher",
                member=self._agent,
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
            for t, dlq in self.dead_letter_topics.items()
        ]

        self.subscriptions = {}
        self.subscriptions_with_dead_letter = {}
        for t in (t for t in TOPICS if t not in args.pushed_topics):
            self.subscriptions_with_dead_letter[t] = self._subscription(
                t, args.naming.topic(t, "sub"), self.topics[t], dead_letter_of=t
            )
        self.bigquery_grants = self._bigquery_grants()
        self.subscriptions_with_dead_letter[BIGQUERY_SUBSCRIPTION] = self._subscription(
            BIGQUERY_SUBSCRIPTION,
            args.naming.topic(FEEDBACK_TOPIC, "bigquery"),
            self.topics[FEEDBACK_TOPIC],
            dead_letter_of=FEEDBACK_TOPIC,
            bigquery_table=args.feedback_table,
            extra_depends=self.bigquery_grants,
        )
        self.subscriptions.update(self.subscriptions_with_dead_letter)
        for t in TOPICS:
            self.subscriptions[f"{t}-dead-letter"] = self._subscription(
                f"{t}-dead-letter",
                args.naming.topic(t, "dead-letter", "sub"),
                self.dead_letter_topics[t],
                retention=MAX_RETENTION,
            )
        # Dead-lettering needs the agent to pull from (acknowledge on) each subscription that forwards.
        self.dead_letter_subscriber_grants = [
            gcp.pubsub.SubscriptionIAMMember(
                f"{name}-{key}-agent-subscriber",
                project=args.project.project_id,
                subscription=sub.name,
                role="roles/pubsub.subscriber",
                member=self._agent,
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
            for key, sub in self.subscriptions_with_dead_letter.items()
        ]

        self.topic_ids = {t: topic.id for t, topic in self.topics.items()}
        self.register_outputs(
            {
                "topic_ids": self.topic_ids,
                "dead_letter_topic_ids": {t: topic.id for t, topic in self.dead_letter_topics.items()},
                "subscription_names": {k: s.name for k, s in self.subscriptions.items()},
            }
        )

    def alias(self, resource: str) -> pulumi.Alias:
        """The identity of this component's resource `<name>-<resource>` (e.g. `retraining-requests-sub`), for a
        resource elsewhere that takes it over: the engine then updates it in place instead of replacing it."""
        return pulumi.Alias(name=f"{self._name}-{resource}", parent=self)

    def _topic(self, logical: str, topic_name: str) -> gcp.pubsub.Topic:
        key = self._args.keys.pubsub
        depends = self._api + (list(self._args.keys.grants) if key is not None else [])
        return gcp.pubsub.Topic(
            f"{self._name}-{logical}",
            name=topic_name,
            project=self._args.project.project_id,
            message_retention_duration=self._retention,
            kms_key_name=key,
            labels={**self._labels, "topic": logical},
            opts=stateful(self._args.cfg, pulumi.ResourceOptions(parent=self, depends_on=depends)),
        )

    def _subscription(
        self,
        logical: str,
        subscription_name: str,
        topic: gcp.pubsub.Topic,
        *,
        dead_letter_of: str | None = None,
        bigquery_table: pulumi.Input[str] | None = None,
        retention: str | None = None,
        extra_depends: list[pulumi.Resource] | None = None,
    ) -> gcp.pubsub.Subscription:
        msg = self._args.cfg.messaging
        dead_letter = (
            gcp.pubsub.SubscriptionDeadLetterPolicyArgs(
                dead_letter_topic=self.dead_letter_topics[dead_letter_of].id,
                max_delivery_attempts=msg.max_delivery_attempts,
            )
            if dead_letter_of
            else None
        )
        bigquery = (
            gcp.pubsub.SubscriptionBigqueryConfigArgs(
                table=bigquery_table,
                # Message fields map to the table's columns; Pub/Sub adds subscription_name, message_id,
                # publish_time and attributes; fields the table does not know are dropped, not stuck.
                use_table_schema=True,
                write_metadata=True,
                drop_unknown_fields=True,
            )
            if bigquery_table is not None
            else None
        )
        return gcp.pubsub.Subscription(
            f"{self._name}-{logical}-sub",
            name=subscription_name,
            project=self._args.project.project_id,
            topic=topic.id,
            ack_deadline_seconds=msg.ack_deadline_seconds,
            message_retention_duration=retention or self._retention,
            retain_acked_messages=False,
            expiration_policy=gcp.pubsub.SubscriptionExpirationPolicyArgs(ttl=NEVER_EXPIRE),
            retry_policy=gcp.pubsub.SubscriptionRetryPolicyArgs(
                minimum_backoff=f"{msg.min_backoff_seconds}s", maximum_backoff=f"{msg.max_backoff_seconds}s"
            ),
            dead_letter_policy=dead_letter,
            bigquery_config=bigquery,
            labels={**self._labels, "subscription": logical},
            # Undelivered messages live in the subscription: protected like the topic where data is.
            opts=stateful(
                self._args.cfg,
                pulumi.ResourceOptions(parent=self, depends_on=self._api + list(extra_depends or [])),
            ),
        )

    def _bigquery_grants(self) -> list[pulumi.Resource]:
        """The Pub/Sub agent may write rows and read table metadata in the feedback dataset (nothing wider)."""
        dataset = self._args.feedback_dataset
        if isinstance(dataset, gcp.bigquery.Dataset):
            dataset_id: pulumi.Input[str] = dataset.dataset_id
            project: pulumi.Input[str] = dataset.project
        else:
            dataset_id, project = dataset, self._args.project.project_id
        return [
            gcp.bigquery.DatasetIamMember(
                f"{self._name}-feedback-agent-{role.rsplit('.', 1)[-1].lower()}",
                project=project,
                dataset_id=dataset_id,
                role=role,
                member=self._agent,
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
            for role in BIGQUERY_WRITER_ROLES
        ]
