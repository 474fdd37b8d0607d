"""Data: the environment's Cloud Storage buckets and BigQuery datasets and tables.

Buckets hold the pipeline root, training/evaluation datasets and model artifacts. BigQuery holds evaluation
results (the tables the evaluation pipeline writes, defined in `contracts.bigquery_schema`), the
endpoints' request/response logs with the view the evaluation pipeline reads them through, and user
feedback. Everything is private (uniform bucket-level access, public access prevention enforced, no public
dataset access), labelled, encrypted with the environment's keys when CMEK is on, and protected where the
environment protects stateful resources.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.components.naming import Naming, stateful, type_token
from infra.components.refs import KeyRefs, ProjectRefs
from infra.components.table_schemas import TABLES_BY_DATASET, VIEWS_BY_DATASET, TableSpec, ViewSpec
from infra.config.model import EnvironmentConfig

COMPONENT = "data"
BUCKET_PURPOSES = ("pipeline_root", "datasets", "model_artifacts")
DATASET_PURPOSES = ("evaluation", "prediction_logs", "feedback")
DAY_SECONDS = 86_400
DAY_MS = DAY_SECONDS * 1000

# Google-managed service agents that write into the datasets: (dataset purpose, agent, role). The Vertex AI
# service agent writes the endpoints' request/response logs. The platform's own service accounts are granted
# in `access.py` (RuntimeAccess), which holds the environment's access model in one place.
AGENT_DATASET_GRANTS: tuple[tuple[str, str, str], ...] = (
    ("prediction_logs", "aiplatform", "roles/bigquery.dataEditor"),
)


@dataclass(frozen=True)
class DataArgs:
    """Inputs of the Data component.

    cfg: the environment's validated config; `cfg.data` drives location, lifecycle, retention and expirations,
        `cfg.protection` drives protect / deletion protection / force-destroy.
    naming: names and labels of the environment.
    project: the project the resources live in; resources depend on its enabled services.
    keys: CMEK keys; `keys.storage` encrypts the buckets and `keys.bigquery` the datasets and tables when set
        (Google-managed encryption otherwise), and encrypted resources wait for `keys.grants`.
    """

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    keys: KeyRefs


class Data(pulumi.ComponentResource):
    """Buckets (`buckets[purpose]`), datasets (`datasets[purpose]`), their tables (`tables[table_id]`) and
    views (`views[view_id]`)."""

    buckets: dict[str, gcp.storage.Bucket]
    datasets: dict[str, gcp.bigquery.Dataset]
    tables: dict[str, gcp.bigquery.Table]
    views: dict[str, gcp.bigquery.Table]
    bucket_names: dict[str, pulumi.Output[str]]
    dataset_ids: dict[str, pulumi.Output[str]]
    feedback_table_id: pulumi.Output[str]
    """`project.dataset.table` of the feedback table: the Pub/Sub BigQuery subscription's destination."""
    prediction_logs_uri: pulumi.Output[str]
    """`bq://project.dataset` of the prediction-logs dataset: the endpoints' request/response logging target."""
    prediction_logs_table_uri: pulumi.Output[str]
    """`bq://project.dataset.table` of the request/response logging table."""
    prediction_examples_uri: pulumi.Output[str]
    """`bq://project.dataset.view` of the view flattening the logs into examples: the evaluation `logs_uri`."""
    evaluation_results_uri: pulumi.Output[str]
    """`bq://project.dataset.results` of the per-example scores table: the evaluation `results_uri`."""

    def __init__(self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Data"), name, None, opts)
        self._args = args
        self._labels = args.naming.labels(COMPONENT)
        self._project_id = args.project.project_id
        self._api = list(args.project.services)

        self.buckets = {p: self._bucket(name, p) for p in BUCKET_PURPOSES}
        self.datasets = {p: self._dataset(name, p) for p in DATASET_PURPOSES}
        self.tables = {
            spec.table_id: self._table(name, p, spec) for p in DATASET_PURPOSES for spec in TABLES_BY_DATASET[p]
        }
        self.views = {
            view.table_id: self._view(name, p, view, source)
            for p in DATASET_PURPOSES
            for view, source in VIEWS_BY_DATASET.get(p, ())
        }
        self.agent_grants = [
            gcp.bigquery.DatasetIamMember(
                f"{name}-{purpose.replace('_', '-')}-{agent}-{role.rsplit('.', 1)[-1].lower()}",
                project=self._project_id,
                dataset_id=self.datasets[purpose].dataset_id,
                role=role,
                member=args.project.agent(agent),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
            for purpose, agent, role in AGENT_DATASET_GRANTS
        ]

        self.bucket_names = {p: b.name for p, b in self.buckets.items()}
        self.dataset_ids = {p: d.dataset_id for p, d in self.datasets.items()}
        feedback = self.tables["feedback"]
        self.feedback_table_id = pulumi.Output.concat(
            feedback.project, ".", feedback.dataset_id, ".", feedback.table_id
        )
        logs = self.datasets["prediction_logs"]
        self.prediction_logs_uri = pulumi.Output.concat("bq://", logs.project, ".", logs.dataset_id)
        self.prediction_logs_table_uri = pulumi.Output.concat(
            self.prediction_logs_uri, ".", self.tables["request_response_logging"].table_id
        )
        self.prediction_examples_uri = pulumi.Output.concat(
            self.prediction_logs_uri, ".", self.views["prediction_examples"].table_id
        )
        results = self.tables["results"]
        self.evaluation_results_uri = pulumi.Output.concat(
            "bq://", results.project, ".", results.dataset_id, ".", results.table_id
        )
        self.register_outputs(
            {
                "bucket_names": self.bucket_names,
                "dataset_ids": self.dataset_ids,
                "feedback_table_id": self.feedback_table_id,
                "prediction_logs_uri": self.prediction_logs_uri,
                "prediction_logs_table_uri": self.prediction_logs_table_uri,
                "prediction_examples_uri": self.prediction_examples_uri,
                "evaluation_results_uri": self.evaluation_results_uri,
            }
        )

    def _stateful_opts(self, key: pulumi.Output[str] | None) -> pulumi.ResourceOptions:
        depends: list[pulumi.Resource] = list(self._api)
        if key is not None:
            depends += list(self._args.keys.grants)
        return stateful(self._args.cfg, pulumi.ResourceOptions(parent=self, depends_on=depends))

    def _bucket(self, name: str, purpose: str) -> gcp.storage.Bucket:
        """A private bucket: versioned (or retention-locked), lifecycle-managed, CMEK when configured."""
        cfg = self._args.cfg
        data = cfg.data
        key = self._args.keys.storage
        retention = (
            gcp.storage.BucketRetentionPolicyArgs(retention_period=str(data.retention_days * DAY_SECONDS))
            if data.retention_days and purpose in data.retention_buckets
            else None
        )
        # Cloud Storage refuses Object Versioning on a bucket with a retention policy: the retention policy
        # already keeps every object (and forbids replacing it) for the retention period.
        versioned = retention is None
        return gcp.storage.Bucket(
            f"{name}-{purpose.replace('_', '-')}",
            name=self._args.naming.bucket(purpose),
            project=self._project_id,
            location=data.location,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=gcp.storage.BucketVersioningArgs(enabled=versioned),
            lifecycle_rules=self._lifecycle_rules(versioned),
            retention_policy=retention,
            encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=key) if key is not None else None,
            force_destroy=cfg.protection.force_destroy,
            labels={**self._labels, "purpose": purpose.replace("_", "-")},
            opts=self._stateful_opts(key),
        )

    def _lifecycle_rules(self, versioned: bool) -> list[gcp.storage.BucketLifecycleRuleArgs]:
        lifecycle = self._args.cfg.data.lifecycle
        rules: list[gcp.storage.BucketLifecycleRuleArgs] = []
        if lifecycle.nearline_after_days is not None:
            rules.append(
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="SetStorageClass", storage_class="NEARLINE"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        age=lifecycle.nearline_after_days, matches_storage_classes=["STANDARD"]
                    ),
                )
            )
        if lifecycle.delete_after_days is not None:
            rules.append(
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=lifecycle.delete_after_days),
                )
            )
        if versioned:
            rules.append(
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    # A noncurrent version with N newer versions (the live one included) goes: N - 1 kept.
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                        num_newer_versions=lifecycle.noncurrent_versions_kept + 1, with_state="ARCHIVED"
                    ),
                )
            )
        return rules

    def _dataset(self, name: str, purpose: str) -> gcp.bigquery.Dataset:
        """A dataset without public access (access is granted per identity), CMEK when configured."""
        cfg = self._args.cfg
        data = cfg.data
        key = self._args.keys.bigquery
        spec = TABLES_BY_DATASET[purpose][0]
        return gcp.bigquery.Dataset(
            f"{name}-{purpose.replace('_', '-')}",
            dataset_id=self._args.naming.dataset(purpose),
            project=self._project_id,
            location=data.location,
            friendly_name=f"{cfg.prefix} {purpose.replace('_', ' ')}",
            description=spec.description,
            default_table_expiration_ms=data.table_expiration_days * DAY_MS if data.table_expiration_days else None,
            default_partition_expiration_ms=(
                data.partition_expiration_days * DAY_MS if data.partition_expiration_days else None
            ),
            default_encryption_configuration=(
                gcp.bigquery.DatasetDefaultEncryptionConfigurationArgs(kms_key_name=key) if key is not None else None
            ),
            delete_contents_on_destroy=cfg.protection.force_destroy,
            labels={**self._labels, "purpose": purpose.replace("_", "-")},
            opts=self._stateful_opts(key),
        )

    def _table(self, name: str, purpose: str, spec: TableSpec) -> gcp.bigquery.Table:
        """The dataset's table: real schema, daily partitions on its event time, clustering, CMEK."""
        cfg = self._args.cfg
        key = self._args.keys.bigquery
        dataset = self.datasets[purpose]
        partition_days = cfg.data.partition_expiration_days
        opts = self._stateful_opts(key)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[dataset]))
        return gcp.bigquery.Table(
            f"{name}-{purpose.replace('_', '-')}-{spec.table_id.replace('_', '-')}",
            project=self._project_id,
            dataset_id=dataset.dataset_id,
            table_id=spec.table_id,
            description=spec.description,
            schema=spec.schema_json(),
            time_partitioning=gcp.bigquery.TableTimePartitioningArgs(
                type="DAY",
                field=spec.partition_field,
                expiration_ms=partition_days * DAY_MS if partition_days else None,
            ),
            clusterings=list(spec.clustering) or None,
            encryption_configuration=(
                gcp.bigquery.TableEncryptionConfigurationArgs(kms_key_name=key) if key is not None else None
            ),
            deletion_protection=cfg.protection.deletion_protection,
            labels={**self._labels, "purpose": purpose.replace("_", "-")},
            opts=opts,
        )

    def _view(self, name: str, purpose: str, view: ViewSpec, source: TableSpec) -> gcp.bigquery.Table:
        """A standard-SQL view over `source` in the same dataset.

        It stores no data, so it carries no key of its own (BigQuery encrypts nothing for it; the dataset's
        default key covers the tables it reads), but it is protected like the tables so a destroy in a
        protected environment cannot break the evaluation schedules that read it.
        """
        cfg = self._args.cfg
        dataset = self.datasets[purpose]
        table = self.tables[source.table_id]
        query = pulumi.Output.all(table.project, table.dataset_id, table.table_id).apply(
            lambda parts: view.query(".".join(str(p) for p in parts))
        )
        opts = self._stateful_opts(self._args.keys.bigquery)
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[dataset, table]))
        return gcp.bigquery.Table(
            f"{name}-{purpose.replace('_', '-')}-{view.table_id.replace('_', '-')}",
            project=self._project_id,
            dataset_id=dataset.dataset_id,
            table_id=view.table_id,
            description=view.description,
            view=gcp.bigquery.TableViewArgs(query=query, use_legacy_sql=False),
            deletion_protection=cfg.protection.deletion_protection,
            labels={**self._labels, "purpose": purpose.replace("_", "-")},
            opts=opts,
        )
