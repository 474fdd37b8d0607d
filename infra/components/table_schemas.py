"""BigQuery table schemas of the platform's datasets, as the JSON strings `gcp.bigquery.Table(schema=...)` takes.

Each table is described once here (columns, partition column, clustering) so the Data component, the
Pub/Sub BigQuery subscription and the code that writes rows agree on one definition.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

Mode = Literal["REQUIRED", "NULLABLE", "REPEATED"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    mode: Mode = "NULLABLE"

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "mode": self.mode, "description": self.description}


@dataclass(frozen=True)
class TableSpec:
    """One table: its id inside the dataset, its columns, the daily partition column and clustering columns."""

    table_id: str
    description: str
    columns: tuple[Column, ...]
    partition_field: str
    clustering: tuple[str, ...] = ()

    def schema_json(self) -> str:
        """The schema as canonical JSON (stable bytes, so an unchanged schema never shows as a diff)."""
        return json.dumps([c.as_dict() for c in self.columns], sort_keys=True, separators=(",", ":"))

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


EVALUATION_RESULTS = TableSpec(
    table_id="results",
    description="One row per (pipeline run, example, metric): what the evaluation step measured for a model version.",
    columns=(
        Column("run_id", "STRING", "Vertex AI pipeline job id that produced the row.", "REQUIRED"),
        Column("pipeline_name", "STRING", "Pipeline that ran the evaluation.", "REQUIRED"),
        Column("template_version", "STRING", "Pipeline template version (sha256 of the compiled YAML)."),
        Column("model_name", "STRING", "Model Registry model evaluated.", "REQUIRED"),
        Column("model_version", "STRING", "Model Registry version id evaluated.", "REQUIRED"),
        Column("dataset_uri", "STRING", "Evaluation dataset the examples come from."),
        Column("example_id", "STRING", "Evaluation example id; null for dataset-level summary rows."),
        Column("metric_name", "STRING", "Metric, e.g. groundedness or exact_match.", "REQUIRED"),
        Column("metric_value", "FLOAT64", "Metric value for the example (or the mean for summary rows).", "REQUIRED"),
        Column("threshold", "FLOAT64", "Gate threshold the metric was compared with, if any."),
        Column("passed", "BOOL", "Whether the metric met its threshold."),
        Column("flagged", "BOOL", "Example flagged for human review."),
        Column("prompt", "STRING", "Prompt sent to the model."),
        Column("response", "STRING", "Model response evaluated."),
        Column("reference", "STRING", "Reference answer, when the metric uses one."),
        Column("evaluated_at", "TIMESTAMP", "When the metric was computed.", "REQUIRED"),
    ),
    partition_field="evaluated_at",
    clustering=("model_name", "model_version", "metric_name"),
)

# Vertex AI online prediction request-response logging: the table Vertex writes sampled requests into
# (`predict_request_response_logging_config.bigquery_destination`); when the destination names only the
# dataset, Vertex uses the table `request_response_logging`, so the platform creates it with that name.
PREDICTION_LOGS = TableSpec(
    table_id="request_response_logging",
    description="Sampled online prediction requests and responses, written by Vertex AI endpoints.",
    columns=(
        Column("endpoint", "STRING", "Endpoint resource name that served the request."),
        Column("deployed_model_id", "STRING", "Deployed model that answered."),
        Column("logging_time", "TIMESTAMP", "When Vertex AI logged the request."),
        Column("request_id", "NUMERIC", "Request id assigned by Vertex AI."),
        Column("request_payload", "STRING", "Instances of the request, one JSON string each.", "REPEATED"),
        Column("response_payload", "STRING", "Predictions of the response, one JSON string each.", "REPEATED"),
    ),
    partition_field="logging_time",
    clustering=("endpoint", "deployed_model_id"),
)

# User feedback arrives on the `user-feedback` topic as JSON and is written by a Pub/Sub BigQuery subscription
# with `use_table_schema` (message fields map to the columns below) and `write_metadata` (Pub/Sub adds
# subscription_name, message_id, publish_time and attributes; `data` is not written when a schema is used).
FEEDBACK_MESSAGE_COLUMNS = (
    Column("request_id", "STRING", "Prediction request the feedback is about.", "REQUIRED"),
    Column("endpoint", "STRING", "Endpoint that served the request."),
    Column("model_version", "STRING", "Model version that produced the response."),
    Column("rating", "INT64", "User rating: -1 (bad), 0 (neutral), 1 (good) or a 1-5 score.", "REQUIRED"),
    Column("comment", "STRING", "Free-text comment; never contains credentials."),
    Column("user_hash", "STRING", "Salted hash of the user id (no personal data stored)."),
    Column("submitted_at", "TIMESTAMP", "When the user gave the feedback (client clock)."),
)
PUBSUB_METADATA_COLUMNS = (
    Column("subscription_name", "STRING", "Pub/Sub subscription that wrote the row."),
    Column("message_id", "STRING", "Pub/Sub message id (deduplicate on it)."),
    Column("publish_time", "TIMESTAMP", "When Pub/Sub accepted the message."),
    Column("attributes", "JSON", "Message attributes and ordering key as a JSON object."),
)
FEEDBACK = TableSpec(
    table_id="feedback",
    description="User feedback on responses, streamed from Pub/Sub by a BigQuery subscription.",
    columns=FEEDBACK_MESSAGE_COLUMNS + PUBSUB_METADATA_COLUMNS,
    partition_field="publish_time",
    clustering=("endpoint", "model_version"),
)

# Which table lives in which dataset (dataset purpose -> table).
TABLES_BY_DATASET: dict[str, TableSpec] = {
    "evaluation": EVALUATION_RESULTS,
    "prediction_logs": PREDICTION_LOGS,
    "feedback": FEEDBACK,
}
