"""Retraining: the subscriber that turns retraining requests into tuning runs, deployed as a Cloud Run function.

The retraining-requests topic's subscription pushes each request to the function with an OIDC token; the
function (`infra/retraining/`) submits the tuning pipeline by the digest the environment's manifest pins,
once per request id, and records the run on the model-events topic.

Why a push subscription rather than an Eventarc trigger: Eventarc creates and owns its Pub/Sub subscription,
which cannot carry a dead-letter policy, so a request the function refuses would be retried for a day and
then dropped. The push subscription is declared here with the same retry policy, delivery attempts and
dead-letter topic as every other subscription of the environment, so a refused request ends in
`retraining-requests-dead-letter` and the dead-letter and backlog alerts watch it. It takes over the
Messaging component's pull subscription of the topic (same name, aliased), so existing stacks update it in
place. Pub/Sub push counts as
internal traffic, so the function takes internal ingress only, and only the push identity may invoke it.

Identities, each with only what it uses:
- `subscriber` (the function runs as it): creates pipeline jobs (`aiplatform.user`, project-wide: Vertex
  AI has no per-job grant), acts as the pipelines service account the jobs run as (on that account only),
  reads the pinned template (on the KFP repository), publishes on the model-events topic, writes logs;
- `retrain-push`: the identity Pub/Sub signs the push with; invoker of this function's service only; the
  Pub/Sub service agent may mint its tokens (on that account only);
- `retrain-build`: builds the function from its source (reads the source bucket, writes the function
  repository, writes build logs), instead of a default account with broad roles;
- the CI deployer may act as `retraining` and `retrain-build` (on those accounts only) to deploy the function;
  its project roles and the APIs come from the Project component where `retraining.enabled` is on.
The source is a content-addressed object (`infra/retraining/package.py`) in a private, versioned bucket;
where CMEK is on, bucket, repository and function use the environment's keys. Stateful parts (bucket,
subscription) are protected like every other stateful resource.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, deletion_policy, stateful, type_token
from infra.components.refs import KeyRefs, ProjectRefs
from infra.config.model import EnvironmentConfig
from infra.release.placeholders import resolve_placeholders
from infra.release.providers.pipeline_template import template_uri
from infra.release.schema import ReleaseManifest
from infra.retraining.package import ENTRY_POINT, RUNTIME, SourceArchive

COMPONENT = "retraining"
TOPIC = "retraining-requests"
TUNING_PIPELINE = "tuning"
"""The manifest's pipeline a retraining request runs."""
SUBSCRIBER_ROLES = ("roles/aiplatform.user", "roles/logging.logWriter")
BUILDER_ROLES = ("roles/logging.logWriter",)
TIMEOUT_MARGIN_SECONDS = 10
"""The delivery budget ends this long before the ack deadline, so the answer reaches Pub/Sub in time."""
MEMORY = "512Mi"
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class TuningTarget:
    """What a retraining run is: the pinned tuning template and the environment's run settings."""

    template_uri: pulumi.Input[str]
    """`<kfp host>/<package>/sha256:<digest>` as the manifest pins it."""
    parameter_values: Mapping[str, Any]
    """The tuning pipeline's parameters (the manifest's schedule parameters, placeholders resolved)."""
    pipeline_root: pulumi.Input[str]
    template: pulumi.Resource | None = None
    """The template's registration; the function waits for it."""


def deployed(cfg: EnvironmentConfig, manifest: ReleaseManifest | None) -> bool:
    """Whether the environment runs a subscriber: retraining is on and its manifest pins a tuning pipeline."""
    return cfg.retraining.enabled and manifest is not None and TUNING_PIPELINE in manifest.pipelines


def tuning_target(
    cfg: EnvironmentConfig,
    manifest: ReleaseManifest | None,
    kfp_host: pulumi.Input[str],
    pipeline_root: pulumi.Input[str],
) -> TuningTarget | None:
    """The tuning run the manifest pins, with its schedule's parameters; None where no subscriber is deployed."""
    if manifest is None or not deployed(cfg, manifest):
        return None
    pipeline = manifest.pipelines[TUNING_PIPELINE]
    parameters = resolve_placeholders(dict(pipeline.schedule.parameters), cfg) if pipeline.schedule else {}
    uri = pulumi.Output.all(kfp_host, pipeline.package, pipeline.digest).apply(lambda parts: template_uri(*parts))
    return TuningTarget(template_uri=uri, parameter_values=parameters, pipeline_root=pipeline_root)


@dataclass(frozen=True)
class RetrainingArgs:
    """Inputs of the Retraining component.

    cfg: the environment (`cfg.retraining`, `cfg.messaging` for the push subscription, `cfg.protection`).
    naming, project, keys: names, the project (service accounts, agents, APIs) and CMEK keys.
    requests_topic / dead_letter_topic / events_topic: the Messaging component's retraining-requests topic,
        its dead-letter topic, and the model-events topic runs are recorded on.
    pipelines_repository: the KFP repository the template is read from.
    tuning: the run to submit.
    source: the subscriber's source archive.
    subscription_aliases / agent_grant_aliases: earlier identities of the push subscription and of the Pub/Sub
        agent's grant on it (the Messaging component's pull subscription of the topic, which this one takes
        over: same name, updated in place, undelivered requests kept). Default: none.
    """

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    keys: KeyRefs
    requests_topic: gcp.pubsub.Topic
    dead_letter_topic: gcp.pubsub.Topic
    events_topic: gcp.pubsub.Topic
    pipelines_repository: gcp.artifactregistry.Repository
    tuning: TuningTarget
    source: SourceArchive
    subscription_aliases: Sequence[pulumi.Alias] = ()
    agent_grant_aliases: Sequence[pulumi.Alias] = ()
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class Retraining(pulumi.ComponentResource):
    """The subscriber function, its identities and grants, its source and its push subscription."""

    accounts: dict[str, gcp.serviceaccount.Account]
    emails: dict[str, pulumi.Output[str]]
    """E-mail of each account, from its id (known before the account exists, as Google derives it)."""
    function: gcp.cloudfunctionsv2.Function
    subscription: gcp.pubsub.Subscription
    """The push subscription of the retraining-requests topic (dead-lettering; observability alerts on it)."""

    def __init__(self, name: str, args: RetrainingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Retraining"), name, None, opts)
        self._args, self._name = args, name
        self._labels = args.naming.labels(COMPONENT)
        project_id = args.project.project_id
        # The Project enables Cloud Functions, Cloud Build and Cloud Run where retraining is on.
        self._services = list(args.project.services)
        self._after_apis = pulumi.ResourceOptions(parent=self, depends_on=self._services)
        self.accounts = self._accounts()
        self.emails = {
            role: pulumi.Output.concat(args.naming.account_id(role), "@", project_id, ".iam.gserviceaccount.com")
            for role in self.accounts
        }
        self._with_accounts = pulumi.ResourceOptions(parent=self, depends_on=list(self.accounts.values()))
        self.source_bucket, source_object = self._source()
        self.repository = self._repository()
        grants = self._grants()
        self.function = self._function(source_object, grants)
        self.subscription = self._push(self.function)
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_url": self.function.url,
                "subscription": self.subscription.name,
                "source_object": source_object.name,
            }
        )

    def _accounts(self) -> dict[str, gcp.serviceaccount.Account]:
        naming = self._args.naming
        purposes = {
            "retraining": "Retraining subscriber: submits the pinned tuning pipeline for each retraining request.",
            "retrain-push": "Identity Pub/Sub signs retraining-request pushes with; may invoke the subscriber only.",
            "retrain-build": "Builds the retraining subscriber function from its source object.",
        }
        return {
            role: gcp.serviceaccount.Account(
                f"{self._name}-sa-{role}",
                project=self._args.project.project_id,
                account_id=naming.account_id(role),
                display_name=f"{naming.prefix} {role}",
                description=description,
                opts=self._after_apis,
            )
            for role, description in purposes.items()
        }

    def _source(self) -> tuple[gcp.storage.Bucket, gcp.storage.BucketObject]:
        """A private bucket of function sources and the subscriber's content-addressed object in it.

        No age-based deletion: a later deploy that changes only the function's settings rebuilds from the
        object, so it must outlive the environment's data lifecycle."""
        cfg, args = self._args.cfg, self._args
        key = args.keys.storage
        depends = [*args.project.services, *(args.keys.grants if key is not None else [])]
        bucket = gcp.storage.Bucket(
            f"{self._name}-sources",
            name=args.naming.bucket("function_sources"),
            project=args.project.project_id,
            location=cfg.region,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=gcp.storage.BucketVersioningArgs(enabled=True),
            lifecycle_rules=[
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        num_newer_versions=cfg.data.lifecycle.noncurrent_versions_kept + 1, with_state="ARCHIVED"
                    ),
                )
            ],
            encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=key) if key is not None else None,
            force_destroy=cfg.protection.force_destroy,
            labels={**self._labels, "purpose": "function-sources"},
            opts=stateful(cfg, pulumi.ResourceOptions(parent=self, depends_on=depends)),
        )
        archive = pulumi.AssetArchive({path: pulumi.StringAsset(text) for path, text in args.source.files.items()})
        source = gcp.storage.BucketObject(
            f"{self._name}-subscriber-source",
            bucket=bucket.name,
            name=args.source.object_name,
            source=archive,
            content_type="application/zip",
            opts=pulumi.ResourceOptions(parent=self),
        )
        return bucket, source

    def _repository(self) -> gcp.artifactregistry.Repository:
        """The function's image repository (the build pushes there), encrypted like the function."""
        args = self._args
        key = args.keys.artifact_registry
        return gcp.artifactregistry.Repository(
            f"{self._name}-functions",
            repository_id=args.naming.name("functions"),
            format="DOCKER",
            description="Images Cloud Run functions build from their sources (the retraining subscriber).",
            docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            cleanup_policies=[
                gcp.artifactregistry.RepositoryCleanupPolicyArgs(
                    id="delete-untagged",
                    action="DELETE",
                    condition=gcp.artifactregistry.RepositoryCleanupPolicyConditionArgs(
                        tag_state="UNTAGGED", older_than=f"{30 * DAY_SECONDS}s"
                    ),
                )
            ],
            labels=self._labels,
            project=args.project.project_id,
            location=args.cfg.region,
            kms_key_name=key,
            deletion_policy=deletion_policy(args.cfg),
            opts=stateful(
                args.cfg,
                pulumi.ResourceOptions(
                    parent=self, depends_on=[*args.project.services, *(args.keys.grants if key is not None else [])]
                ),
            ),
        )

    def _grants(self) -> list[pulumi.Resource]:
        """Every grant the function's build and runtime need, each on the one resource it is about."""
        args, name, child = self._args, self._name, self._with_accounts
        project_id = args.project.project_id
        subscriber, builder = self._member("retraining"), self._member("retrain-build")
        grants: list[pulumi.Resource] = [
            gcp.projects.IAMMember(
                f"{name}-{who}-{role.removeprefix('roles/').replace('.', '-')}",
                project=project_id,
                role=role,
                member=member,
                opts=pulumi.ResourceOptions.merge(self._after_apis, self._with_accounts),
            )
            for who, member, roles in (
                ("subscriber", subscriber, SUBSCRIBER_ROLES),
                ("builder", builder, BUILDER_ROLES),
            )
            for role in roles
        ]
        # The deployer deploys the function to run and build as these accounts: actAs on each one only.
        grants += [
            gcp.serviceaccount.IAMMember(
                f"{name}-deployer-actas-{role}",
                service_account_id=pulumi.Output.concat(
                    "projects/", project_id, "/serviceAccounts/", self.emails[role]
                ),
                role="roles/iam.serviceAccountUser",
                member=pulumi.Output.concat("serviceAccount:", args.project.deployer_sa),
                opts=child,
            )
            for role in ("retraining", "retrain-build")
        ]
        grants += [
            gcp.serviceaccount.IAMMember(
                f"{name}-subscriber-actas-pipelines",
                service_account_id=pulumi.Output.concat(
                    "projects/", project_id, "/serviceAccounts/", args.project.pipelines_sa
                ),
                role="roles/iam.serviceAccountUser",
                member=subscriber,
                opts=child,
            ),
            gcp.artifactregistry.RepositoryIamMember(
                f"{name}-subscriber-templates-reader",
                project=args.pipelines_repository.project,
                location=args.pipelines_repository.location,
                repository=args.pipelines_repository.name,
                role="roles/artifactregistry.reader",
                member=subscriber,
                opts=child,
            ),
            gcp.pubsub.TopicIAMMember(
                f"{name}-subscriber-model-events-publisher",
                project=args.events_topic.project,
                topic=args.events_topic.name,
                role="roles/pubsub.publisher",
                member=subscriber,
                opts=child,
            ),
            gcp.storage.BucketIAMMember(
                f"{name}-builder-sources-objectviewer",
                bucket=self.source_bucket.name,
                role="roles/storage.objectViewer",
                member=builder,
                opts=child,
            ),
            gcp.artifactregistry.RepositoryIamMember(
                f"{name}-builder-functions-writer",
                project=self.repository.project,
                location=self.repository.location,
                repository=self.repository.name,
                role="roles/artifactregistry.writer",
                member=builder,
                opts=child,
            ),
        ]
        key = args.keys.artifact_registry
        if key is not None:  # the function's CMEK: Cloud Functions and Cloud Run use the key on its behalf
            grants += [
                gcp.kms.CryptoKeyIAMMember(
                    f"{name}-{agent}-agent-function-key",
                    crypto_key_id=key,
                    role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    member=args.project.agent(agent),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=self._services),
                )
                for agent in ("cloudfunctions", "run")
            ]
        return grants

    def _member(self, role: str) -> pulumi.Output[str]:
        return pulumi.Output.concat("serviceAccount:", self.emails[role])

    def _environment(self) -> dict[str, pulumi.Input[str]]:
        """The subscriber's settings (`infra.retraining.request.SubscriberSettings`, `RETRAINING_*`)."""
        args = self._args
        budget = max(TIMEOUT_MARGIN_SECONDS, args.cfg.messaging.ack_deadline_seconds - TIMEOUT_MARGIN_SECONDS)
        variables: dict[str, pulumi.Input[str]] = {
            "RETRAINING_ENV": args.cfg.name,
            "RETRAINING_PROJECT": args.project.project_id,
            "RETRAINING_LOCATION": args.cfg.region,
            "RETRAINING_TEMPLATE_URI": args.tuning.template_uri,
            "RETRAINING_PIPELINE_ROOT": args.tuning.pipeline_root,
            "RETRAINING_SERVICE_ACCOUNT": args.project.pipelines_sa,
            "RETRAINING_EVENTS_TOPIC": args.events_topic.id,
            "RETRAINING_PARAMETER_VALUES": json.dumps(dict(args.tuning.parameter_values), sort_keys=True),
            "RETRAINING_BUDGET_SECONDS": str(budget),
        }
        if args.keys.vertex is not None:
            variables["RETRAINING_KMS_KEY_NAME"] = args.keys.vertex
        return variables

    def _function(
        self, source: gcp.storage.BucketObject, grants: list[pulumi.Resource]
    ) -> gcp.cloudfunctionsv2.Function:
        args = self._args
        cfg = args.cfg
        builder_id = pulumi.Output.concat(
            "projects/", args.project.project_id, "/serviceAccounts/", self.emails["retrain-build"]
        )
        depends = [*self._services, *self.accounts.values(), *grants, *args.depends_on]
        if args.tuning.template is not None:
            depends.append(args.tuning.template)
        return gcp.cloudfunctionsv2.Function(
            f"{self._name}-subscriber",
            name=args.naming.name("retraining"),
            project=args.project.project_id,
            location=cfg.region,
            description="Submits the pinned tuning pipeline once per retraining request (infra/retraining).",
            build_config=gcp.cloudfunctionsv2.FunctionBuildConfigArgs(
                runtime=RUNTIME,
                entry_point=ENTRY_POINT,
                source=gcp.cloudfunctionsv2.FunctionBuildConfigSourceArgs(
                    storage_source=gcp.cloudfunctionsv2.FunctionBuildConfigSourceStorageSourceArgs(
                        bucket=source.bucket, object=source.name
                    )
                ),
                service_account=builder_id,
                docker_repository=self.repository.id,
            ),
            service_config=gcp.cloudfunctionsv2.FunctionServiceConfigArgs(
                service_account_email=self.emails["retraining"],
                ingress_settings="ALLOW_INTERNAL_ONLY",
                all_traffic_on_latest_revision=True,
                min_instance_count=0,
                max_instance_count=cfg.retraining.subscriber_max_instances,
                max_instance_request_concurrency=1,
                timeout_seconds=cfg.messaging.ack_deadline_seconds,
                available_memory=MEMORY,
                environment_variables=self._environment(),
            ),
            kms_key_name=args.keys.artifact_registry,
            labels=self._labels,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )

    def _push(self, function: gcp.cloudfunctionsv2.Function) -> gcp.pubsub.Subscription:
        """The retraining-requests subscription, pushing to the function as the push identity."""
        args, name, child = self._args, self._name, self._with_accounts
        cfg, msg = args.cfg, args.cfg.messaging
        push_email = self.emails["retrain-push"]
        invoker = gcp.cloudrunv2.ServiceIamMember(
            f"{name}-push-invoker",
            project=args.project.project_id,
            location=cfg.region,
            name=function.name,  # a gen2 function's Cloud Run service carries the function's name
            role="roles/run.invoker",
            member=self._member("retrain-push"),
            opts=child,
        )
        token_creator = gcp.serviceaccount.IAMMember(
            f"{name}-pubsub-agent-push-token-creator",
            service_account_id=pulumi.Output.concat(
                "projects/", args.project.project_id, "/serviceAccounts/", push_email
            ),
            role="roles/iam.serviceAccountTokenCreator",
            member=args.project.agent("pubsub"),
            opts=child,
        )
        retention = f"{msg.message_retention_days * DAY_SECONDS}s"
        subscription = gcp.pubsub.Subscription(
            f"{name}-{TOPIC}-push-sub",
            name=args.naming.topic(TOPIC, "sub"),  # the name the topic's subscription always had
            project=args.project.project_id,
            topic=args.requests_topic.id,
            ack_deadline_seconds=msg.ack_deadline_seconds,
            message_retention_duration=retention,
            retain_acked_messages=False,
            expiration_policy=gcp.pubsub.SubscriptionExpirationPolicyArgs(ttl=""),
            retry_policy=gcp.pubsub.SubscriptionRetryPolicyArgs(
                minimum_backoff=f"{msg.min_backoff_seconds}s", maximum_backoff=f"{msg.max_backoff_seconds}s"
            ),
            dead_letter_policy=gcp.pubsub.SubscriptionDeadLetterPolicyArgs(
                dead_letter_topic=args.dead_letter_topic.id, max_delivery_attempts=msg.max_delivery_attempts
            ),
            push_config=gcp.pubsub.SubscriptionPushConfigArgs(
                push_endpoint=function.url,
                oidc_token=gcp.pubsub.SubscriptionPushConfigOidcTokenArgs(
                    service_account_email=push_email, audience=function.url
                ),
            ),
            labels={**self._labels, "subscription": TOPIC},
            opts=stateful(
                cfg,
                pulumi.ResourceOptions(
                    parent=self, depends_on=[invoker, token_creator], aliases=list(args.subscription_aliases)
                ),
            ),
        )
        # Dead-lettering needs the Pub/Sub agent to acknowledge on the subscription it forwards from.
        gcp.pubsub.SubscriptionIAMMember(
            f"{name}-{TOPIC}-push-agent-subscriber",
            project=args.project.project_id,
            subscription=subscription.name,
            role="roles/pubsub.subscriber",
            member=args.project.agent("pubsub"),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(aliases=list(args.agent_grant_aliases))),
        )
        return subscription
