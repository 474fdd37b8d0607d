"""BigQuery table schemas of the platform's datasets, as the JSON strings `gcp.bigquery.Table(schema=...)` takes.

Each table is described once (columns, partition column, clustering) so the Data component, the Pub/Sub
BigQuery subscription and the code that writes rows agree on one definition. The evaluation tables and the
prediction-log view are the evaluation pipeline's contract and are defined where the pipeline image can read
them, `contracts.bigquery_schema` (scores, review, summary and the input drift table); this module adds the
tables that other writers fill.
"""

from __future__ import annotations

from contracts.bigquery_schema import (
    DRIFT,
    PREDICTION_EXAMPLES,
    REVIEW,
    SCORES,
    SUMMARY,
    Column,
    TableSpec,
    ViewSpec,
)

__all__ = [
    "FEEDBACK",
    "FEEDBACK_MESSAGE_COLUMNS",
    "PREDICTION_LOGS",
    "PUBSUB_METADATA_COLUMNS",
    "TABLES_BY_DATASET",
    "VIEWS_BY_DATASET",
    "Column",
    "TableSpec",
    "ViewSpec",
]

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
# What `rating` and `score` mean and which rows count as negative is `contracts.feedback`; `score` was added
# after the table existed, as a NULLABLE column (an in-place schema update, old messages simply lack it).
FEEDBACK_MESSAGE_COLUMNS = (
    Column("request_id", "STRING", "Prediction request the feedback is about.", "REQUIRED"),
    Column("endpoint", "STRING", "Endpoint that served the request."),
    Column("model_version", "STRING", "Model version that produced the response."),
    Column("rating", "INT64", "Thumbs verdict: exactly -1 (bad), 0 (neutral) or 1 (good); -1 is negative.", "REQUIRED"),
    Column(
        "score",
        "INT64",
        "Optional 1-5 grade (1-2 go with rating -1, 3 with 0, 4-5 with 1); a score disagreeing with the rating "
        "makes the row invalid.",
    ),
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

# Which tables live in which dataset (dataset purpose -> tables); the first one describes the dataset.
TABLES_BY_DATASET: dict[str, tuple[TableSpec, ...]] = {
    "evaluation": (SCORES, REVIEW, SUMMARY, DRIFT),
    "prediction_logs": (PREDICTION_LOGS,),
    "feedback": (FEEDBACK,),
}
# Views over a dataset's tables: (view, the table it reads) per dataset purpose.
VIEWS_BY_DATASET: dict[str, tuple[tuple[ViewSpec, TableSpec], ...]] = {
    "prediction_logs": ((PREDICTION_EXAMPLES, PREDICTION_LOGS),),
}
