"""The Data component under the SDK's mocks, for every environment: buckets, datasets, tables, grants."""

from __future__ import annotations

import json
import re

import pytest

from contracts.bigquery_schema import DRIFT, PREDICTION_EXAMPLES, RESULT_TABLES
from contracts.records import REQUIRED_FIELDS
from infra.components.data import BUCKET_PURPOSES, DATASET_PURPOSES, Data, DataArgs
from infra.components.naming import Naming
from infra.components.table_schemas import (
    FEEDBACK_MESSAGE_COLUMNS,
    PREDICTION_LOGS,
    PUBSUB_METADATA_COLUMNS,
    TABLES_BY_DATASET,
)
from infra.config.model import EnvironmentConfig
from infra.release.placeholders import resolve_placeholders
from infra.release.store import load_manifest
from tests.checkout import PROJECT

from . import env_refs
from .mocks import Recorded, Recording, run

ENVS = ("dev", "staging", "prod")
BUCKET = "gcp:storage/bucket:Bucket"
DATASET = "gcp:bigquery/dataset:Dataset"
TABLE = "gcp:bigquery/table:Table"
PLATFORM_LABELS = ("env", "app", "component", "managed-by")
DAY_MS = 86_400_000


def synth(cfg: EnvironmentConfig) -> Recording:
    def build() -> dict[str, object]:
        data = Data("data", DataArgs(cfg, Naming(cfg), env_refs.project_refs(cfg), env_refs.key_refs(cfg)))
        return {
            "bucket_names": data.bucket_names,
            "dataset_ids": data.dataset_ids,
            "feedback_table_id": data.feedback_table_id,
            "prediction_logs_uri": data.prediction_logs_uri,
            "prediction_logs_table_uri": data.prediction_logs_table_uri,
            "prediction_examples_uri": data.prediction_examples_uri,
            "evaluation_results_uri": data.evaluation_results_uri,
        }

    return run(build)


@pytest.fixture(scope="module", params=ENVS)
def env(request: pytest.FixtureRequest) -> tuple[EnvironmentConfig, Recording]:
    cfg = env_refs.config(request.param)
    return cfg, synth(cfg)


def services_and_grants(rec: Recording) -> tuple[set[str], set[str]]:
    services = {r.urn for r in rec.of_type("gcp:projects/service:Service")}
    grants = {r.urn for r in rec.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    return services, grants


def test_three_private_buckets_named_from_config(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    buckets = rec.of_type(BUCKET)
    assert sorted(b.inputs["name"] for b in buckets) == sorted(Naming(cfg).bucket(p) for p in BUCKET_PURPOSES)
    for b in buckets:
        assert b.inputs["uniformBucketLevelAccess"] is True, b.urn
        assert b.inputs["publicAccessPrevention"] == "enforced", b.urn
        assert b.inputs["location"] == cfg.data.location, b.urn
        assert b.inputs["project"] == cfg.project.id, b.urn
        assert b.inputs["forceDestroy"] is cfg.protection.force_destroy, b.urn
        assert "softDeletePolicy" not in b.inputs, f"{b.urn}: soft delete keeps the Cloud Storage default"


def test_bucket_versioning_retention_and_lifecycle_follow_config(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    lifecycle = cfg.data.lifecycle
    for b in rec.of_type(BUCKET):
        rules = b.inputs.get("lifecycleRules", [])
        actions = [(r["action"]["type"], r["condition"]) for r in rules]
        purpose = b.inputs["labels"]["purpose"].replace("-", "_")
        if cfg.data.retention_days and purpose in cfg.data.retention_buckets:
            assert b.inputs["retentionPolicy"] == {"retentionPeriod": str(cfg.data.retention_days * 86_400)}, b.urn
            assert b.inputs["versioning"] == {"enabled": False}, f"{b.urn}: GCS refuses versioning with retention"
            assert not any("numNewerVersions" in c for _, c in actions), b.urn
        else:
            assert "retentionPolicy" not in b.inputs, b.urn
            assert b.inputs["versioning"] == {"enabled": True}, b.urn
            assert (
                "Delete",
                {"numNewerVersions": lifecycle.noncurrent_versions_kept + 1, "withState": "ARCHIVED"},
            ) in [(a, c) for a, c in actions], b.urn
        nearline = [r for r in rules if r["action"].get("storageClass") == "NEARLINE"]
        if lifecycle.nearline_after_days:
            assert [r["condition"]["age"] for r in nearline] == [lifecycle.nearline_after_days], b.urn
        deletes_by_age = [c["age"] for a, c in actions if a == "Delete" and "age" in c]
        expected = [lifecycle.delete_after_days] if lifecycle.delete_after_days else []
        assert deletes_by_age == expected, b.urn


def test_datasets_location_expiration_and_no_public_access(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    datasets = rec.of_type(DATASET)
    assert sorted(d.inputs["datasetId"] for d in datasets) == sorted(Naming(cfg).dataset(p) for p in DATASET_PURPOSES)
    for d in datasets:
        assert d.inputs["location"] == cfg.data.location, d.urn
        assert d.inputs["deleteContentsOnDestroy"] is cfg.protection.force_destroy, d.urn
        # Access is granted per identity with DatasetIamMember; an `accesses` list would fight those grants.
        assert "accesses" not in d.inputs, d.urn
        if cfg.data.table_expiration_days:
            assert d.inputs["defaultTableExpirationMs"] == cfg.data.table_expiration_days * DAY_MS, d.urn
        else:
            assert "defaultTableExpirationMs" not in d.inputs, d.urn


def tables_and_views(rec: Recording) -> tuple[dict[str, Recorded], dict[str, Recorded]]:
    """Real tables and views (both are `gcp.bigquery.Table`), by table id."""
    everything = {t.inputs["tableId"]: t for t in rec.of_type(TABLE)}
    views = {k: t for k, t in everything.items() if "view" in t.inputs}
    return {k: t for k, t in everything.items() if k not in views}, views


def test_tables_have_schemas_daily_partitions_and_protection(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    tables, _ = tables_and_views(rec)
    assert set(tables) == {
        "results",
        "results_review",
        "results_summary",
        "results_drift",
        "request_response_logging",
        "feedback",
    }
    for t in tables.values():
        schema = json.loads(t.inputs["schema"])
        names = [c["name"] for c in schema]
        partitioning = t.inputs["timePartitioning"]
        assert partitioning["type"] == "DAY", t.urn
        assert partitioning["field"] in names, f"{t.urn}: partition column must exist"
        if cfg.data.partition_expiration_days:
            assert partitioning["expirationMs"] == cfg.data.partition_expiration_days * DAY_MS, t.urn
        else:
            assert "expirationMs" not in partitioning, t.urn
        assert t.inputs["deletionProtection"] is cfg.protection.deletion_protection, t.urn
        assert set(t.inputs.get("clusterings", [])) <= set(names), t.urn
    datasets = {d.urn: d for d in rec.of_type(DATASET)}
    for t in tables.values():
        owners = [d for d in datasets.values() if d.urn in t.dependencies]
        assert len(owners) == 1, t.urn
        assert owners[0].inputs["datasetId"] == t.inputs["datasetId"], t.urn


def test_prediction_log_table_matches_vertex_request_response_schema() -> None:
    cfg = env_refs.config("dev")
    table = next(t for t in synth(cfg).of_type(TABLE) if t.inputs["tableId"] == "request_response_logging")
    schema = {c["name"]: (c["type"], c["mode"]) for c in json.loads(table.inputs["schema"])}
    assert schema == {
        "endpoint": ("STRING", "NULLABLE"),
        "deployed_model_id": ("STRING", "NULLABLE"),
        "logging_time": ("TIMESTAMP", "NULLABLE"),
        "request_id": ("NUMERIC", "NULLABLE"),
        "request_payload": ("STRING", "REPEATED"),
        "response_payload": ("STRING", "REPEATED"),
    }, table.urn


def test_feedback_table_takes_message_fields_and_pubsub_metadata() -> None:
    cfg = env_refs.config("dev")
    table = next(t for t in synth(cfg).of_type(TABLE) if t.inputs["tableId"] == "feedback")
    columns = {c["name"]: c for c in json.loads(table.inputs["schema"])}
    for name in ("request_id", "rating", "comment", "user_hash", "submitted_at"):
        assert name in columns, f"{table.urn}: feedback column {name} missing"
    assert {c.name for c in PUBSUB_METADATA_COLUMNS} == {
        "subscription_name",
        "message_id",
        "publish_time",
        "attributes",
    }
    for meta in PUBSUB_METADATA_COLUMNS:
        assert columns[meta.name]["type"] == meta.type, f"{table.urn}: {meta.name}"
    assert "data" not in columns, f"{table.urn}: with use_table_schema Pub/Sub writes fields, not a data column"
    assert [c["name"] for c in json.loads(table.inputs["schema"])][: len(FEEDBACK_MESSAGE_COLUMNS)] == [
        c.name for c in FEEDBACK_MESSAGE_COLUMNS
    ]


def test_cmek_and_protection_where_the_env_asks(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    services, grants = services_and_grants(rec)
    stateful = rec.of_type(BUCKET) + rec.of_type(DATASET) + rec.of_type(TABLE)
    assert len(stateful) == 3 + 3 + 7  # buckets, datasets, six tables and one view
    for r in stateful:
        assert r.protect is cfg.protection.protect_stateful, r.urn
        assert services <= set(r.dependencies), f"{r.urn}: must wait for the APIs"
        if cfg.encryption.cmek:
            assert grants, f"{r.urn}: must wait for the key grants"
            assert grants <= set(r.dependencies), f"{r.urn}: must wait for the key grants"
    for b in rec.of_type(BUCKET):
        if cfg.encryption.cmek:
            assert b.inputs["encryption"]["defaultKmsKeyName"] == env_refs.key_id(cfg, "storage"), b.urn
        else:
            assert "encryption" not in b.inputs, b.urn
    for d in rec.of_type(DATASET):
        if cfg.encryption.cmek:
            assert d.inputs["defaultEncryptionConfiguration"] == {"kmsKeyName": env_refs.key_id(cfg, "bigquery")}, d.urn
        else:
            assert "defaultEncryptionConfiguration" not in d.inputs, d.urn
    tables, views = tables_and_views(rec)
    for view in views.values():
        assert "encryptionConfiguration" not in view.inputs, f"{view.urn}: a view stores no data to encrypt"
    for t in tables.values():
        if cfg.encryption.cmek:
            assert t.inputs["encryptionConfiguration"] == {"kmsKeyName": env_refs.key_id(cfg, "bigquery")}, t.urn
        else:
            assert "encryptionConfiguration" not in t.inputs, t.urn


def test_retention_policy_replaces_versioning() -> None:
    """A retention policy keeps every object for its period, and GCS refuses versioning beside it."""
    cfg = env_refs.config("staging")
    with_retention = cfg.model_copy(update={"data": cfg.data.model_copy(update={"retention_days": 30})})
    buckets = {b.inputs["labels"]["purpose"]: b for b in synth(with_retention).of_type(BUCKET)}
    for purpose in ("datasets", "model-artifacts"):  # the default retention_buckets
        bucket = buckets[purpose]
        assert bucket.inputs["retentionPolicy"] == {"retentionPeriod": str(30 * 86_400)}, bucket.urn
        assert bucket.inputs["versioning"] == {"enabled": False}, bucket.urn
    scratch = buckets["pipeline-root"]
    assert "retentionPolicy" not in scratch.inputs
    assert scratch.inputs["versioning"] == {"enabled": True}


def test_prod_differences() -> None:
    prod = synth(env_refs.config("prod"))
    dev = synth(env_refs.config("dev"))
    for r in prod.of_type(BUCKET) + prod.of_type(DATASET) + prod.of_type(TABLE):
        assert r.protect, r.urn
    assert all(b.inputs["forceDestroy"] is False for b in prod.of_type(BUCKET))
    assert all(t.inputs["deletionProtection"] is True for t in prod.of_type(TABLE))
    assert all(
        ("retentionPolicy" in b.inputs) != (b.inputs["versioning"] == {"enabled": True}) for b in prod.of_type(BUCKET)
    ), "every prod bucket is either retention-locked or versioned"
    assert all("defaultTableExpirationMs" not in d.inputs for d in prod.of_type(DATASET))
    assert not any(r.protect for r in dev.custom()), "dev allows teardown"
    assert all(b.inputs["forceDestroy"] is True for b in dev.of_type(BUCKET))


def test_every_labelable_resource_carries_the_platform_labels(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    for r in rec.of_type(BUCKET) + rec.of_type(DATASET) + rec.of_type(TABLE):
        labels = r.inputs["labels"]
        for key in PLATFORM_LABELS:
            assert key in labels, f"{r.urn}: label {key} missing"
        assert labels["env"] == cfg.name, r.urn
        assert labels["component"] == "data", r.urn
        assert labels["team"] == cfg.labels["team"], f"{r.urn}: config labels are merged"


def test_children_parented_and_vertex_agent_may_write_logs(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    component = rec.named("data")
    assert component.type == "genai-mlops:platform:Data"
    children = rec.children_of(component)
    assert len(children) == 13 + 1, [c.name for c in children]
    for c in children:
        assert c.name.startswith("data-"), c.urn
    (grant,) = rec.of_type("gcp:bigquery/datasetIamMember:DatasetIamMember")
    assert grant.inputs == {
        "project": cfg.project.id,
        "datasetId": Naming(cfg).dataset("prediction_logs"),
        "role": "roles/bigquery.dataEditor",
        "member": f"serviceAccount:service-{env_refs.PROJECT_NUMBER}@gcp-sa-aiplatform.iam.gserviceaccount.com",
    }, grant.urn


def test_outputs_for_other_components(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    naming = Naming(cfg)
    project = cfg.project.id
    assert rec.value["feedback_table_id"] == f"{project}.{naming.dataset('feedback')}.feedback"
    assert rec.value["prediction_logs_uri"] == f"bq://{project}.{naming.dataset('prediction_logs')}"
    assert rec.value["prediction_logs_table_uri"] == (
        f"bq://{project}.{naming.dataset('prediction_logs')}.request_response_logging"
    )
    assert rec.value["bucket_names"] == {p: naming.bucket(p) for p in BUCKET_PURPOSES}
    assert rec.value["dataset_ids"] == {p: naming.dataset(p) for p in DATASET_PURPOSES}
    assert rec.value["prediction_examples_uri"] == (
        f"bq://{project}.{naming.dataset('prediction_logs')}.{PREDICTION_EXAMPLES.table_id}"
    )
    assert rec.value["evaluation_results_uri"] == f"bq://{project}.{naming.dataset('evaluation')}.results"


def test_evaluation_tables_are_the_ones_the_pipeline_writes(env: tuple[EnvironmentConfig, Recording]) -> None:
    """One source of truth: the evaluation dataset holds exactly the pipeline's result and drift tables, same
    schemas."""
    cfg, rec = env
    tables, _ = tables_and_views(rec)
    evaluation = Naming(cfg).dataset("evaluation")
    created = {t.inputs["tableId"]: t for t in tables.values() if t.inputs["datasetId"] == evaluation}
    specs = (*RESULT_TABLES.values(), DRIFT)
    assert set(created) == {spec.table_id for spec in specs}
    assert TABLES_BY_DATASET["evaluation"] == specs
    for spec in specs:
        table = created[spec.table_id]
        assert json.loads(table.inputs["schema"]) == json.loads(spec.schema_json()), table.urn
        assert table.inputs["timePartitioning"]["field"] == spec.partition_field, table.urn
        assert table.inputs["clusterings"] == list(spec.clustering), table.urn


def test_prediction_log_view_flattens_the_logging_table(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    tables, views = tables_and_views(rec)
    assert set(views) == {PREDICTION_EXAMPLES.table_id}
    view = views[PREDICTION_EXAMPLES.table_id]
    logs = tables[PREDICTION_LOGS.table_id]
    dataset = Naming(cfg).dataset("prediction_logs")
    assert view.inputs["datasetId"] == dataset, view.urn
    assert view.inputs["view"]["useLegacySql"] is False, view.urn
    assert "schema" not in view.inputs, view.urn
    assert "timePartitioning" not in view.inputs, view.urn
    assert logs.urn in view.dependencies, f"{view.urn}: must wait for the table it reads"
    query = view.inputs["view"]["query"]
    assert f"FROM `{cfg.project.id}.{dataset}.{PREDICTION_LOGS.table_id}` AS logs" in query, query
    # The select list ends every column with `AS <name>`: exactly the fields the pipeline reads, then context.
    select_list = query.split("\nFROM ", 1)[0]
    selected = re.findall(r" AS (\w+),?\n", select_list + "\n")
    assert selected[: len(REQUIRED_FIELDS)] == list(REQUIRED_FIELDS), query
    assert selected == PREDICTION_EXAMPLES.column_names(), query
    # Every source column the view reads exists in the logging table's schema.
    logged = {c["name"] for c in json.loads(logs.inputs["schema"])}
    assert set(re.findall(r"\blogs\.(\w+)", query)) <= logged, query
    assert "UNNEST(logs.request_payload) AS instance WITH OFFSET AS position" in query
    assert "JSON_VALUE(instance, '$.question')" in query
    assert "JSON_VALUE(instance, '$.context')" in query
    assert '{"question"' in view.inputs["description"], f"{view.urn}: the payload contract is documented"
    assert view.protect is cfg.protection.protect_stateful, view.urn
    assert view.inputs["deletionProtection"] is cfg.protection.deletion_protection, view.urn


def test_evaluation_schedules_read_the_view_and_write_the_tables_created_here(
    env: tuple[EnvironmentConfig, Recording],
) -> None:
    """The release manifests' evaluation `logs_uri` / `results_uri` resolve to this component's outputs."""
    cfg, rec = env
    manifest = load_manifest(cfg.name, cfg, PROJECT)
    schedule = manifest.pipelines["evaluation"].schedule
    assert schedule is not None
    parameters = resolve_placeholders(schedule.parameters, cfg)
    assert parameters["logs_uri"] == rec.value["prediction_examples_uri"]
    assert parameters["results_uri"] == rec.value["evaluation_results_uri"]
