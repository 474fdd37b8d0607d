"""The steps that only exist on Google Cloud: tuning jobs, Model Registry, Pub/Sub, BigQuery, Gen AI evaluation.

Every cloud library is imported inside the function that needs it, so the local backend and the tests never
load them. These functions run inside the pipeline image on Vertex AI Pipelines with the pipeline's service
account; nothing here is called offline.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from typing import Any

from pipelines.lib.metrics import ExampleScores
from pipelines.lib.records import QARecord

TUNING_POLL_SECONDS = 60


def gemini_tuning_rows(records: Sequence[QARecord]) -> list[dict[str, Any]]:
    """Vertex supervised-tuning JSONL rows (user turn = context + question, model turn = response)."""
    return [
        {
            "contents": [
                {"role": "user", "parts": [{"text": f"Context:\n{r.context}\n\nQuestion: {r.question}"}]},
                {"role": "model", "parts": [{"text": r.response}]},
            ]
        }
        for r in records
    ]


def tune_gemini(
    project: str, location: str, base_model: str, train_uri: str, eval_uri: str, display_name: str
) -> dict[str, str]:
    """Run a supervised tuning job of a Gemini model and wait for it; returns the tuned model and endpoint."""
    import vertexai
    from vertexai.tuning import sft

    vertexai.init(project=project, location=location)
    job = sft.train(
        source_model=base_model,
        train_dataset=train_uri,
        validation_dataset=eval_uri,
        tuned_model_display_name=display_name,
    )
    while not job.has_ended:
        time.sleep(TUNING_POLL_SECONDS)
        job.refresh()
    if not job.has_succeeded:
        raise RuntimeError(f"tuning job {job.resource_name} ended in state {job.state}: {job.error}")
    return {
        "model": str(job.tuned_model_name or ""),
        "endpoint": str(job.tuned_model_endpoint_name or ""),
        "job": job.resource_name,
    }


def tune_lora(
    project: str,
    location: str,
    base_model: str,
    train_uri: str,
    eval_uri: str,
    output_uri: str,
    trainer_image: str,
) -> dict[str, str]:
    """Run LoRA fine-tuning of an open model as a Vertex custom job.

    Contract with the trainer image: it reads `--train_data` / `--eval_data` (id, question, context, response
    JSONL), writes the adapter under `--output_dir`, and writes its answers to the eval questions to
    `<output_dir>/eval_predictions.jsonl` (id, response) so the evaluate step can score them without a
    deployed endpoint.
    """
    from google.cloud import aiplatform

    aiplatform.init(project=project, location=location, staging_bucket=output_uri)
    job = aiplatform.CustomJob(
        display_name=f"lora-{base_model.rsplit('/', 1)[-1]}",
        worker_pool_specs=[
            {
                "machine_spec": {
                    "machine_type": "g2-standard-12",
                    "accelerator_type": "NVIDIA_L4",
                    "accelerator_count": 1,
                },
                "replica_count": 1,
                "container_spec": {
                    "image_uri": trainer_image,
                    "args": [
                        f"--base_model={base_model}",
                        f"--train_data={train_uri}",
                        f"--eval_data={eval_uri}",
                        f"--output_dir={output_uri}",
                        "--method=lora",
                    ],
                },
            }
        ],
    )
    job.run(sync=True)
    return {"model": "", "artifact_uri": output_uri, "job": job.resource_name}


def lora_eval_predictions(artifact_uri: str, records: Sequence[QARecord]) -> list[str]:
    """The LoRA trainer's answers to the eval questions (see `tune_lora`), in the order of `records`."""
    answers = {
        row["id"]: row["response"]
        for row in (json.loads(line) for line in read_gcs_text(f"{artifact_uri}/eval_predictions.jsonl").splitlines())
    }
    missing = [r.id for r in records if r.id not in answers]
    if missing:
        raise RuntimeError(f"the LoRA trainer wrote no prediction for eval example(s) {missing[:5]}")
    return [answers[r.id] for r in records]


def generate_responses(project: str, location: str, endpoint: str, records: Sequence[QARecord]) -> list[str]:
    """Ask the tuned model (its endpoint) for a response to each evaluation question."""
    import vertexai
    from vertexai.generative_models import GenerativeModel

    vertexai.init(project=project, location=location)
    model = GenerativeModel(endpoint)
    prompts = (f"Context:\n{r.context}\n\nQuestion: {r.question}" for r in records)
    return [model.generate_content(prompt).text for prompt in prompts]


def score_with_gen_ai_evaluation(project: str, location: str, records: Sequence[QARecord]) -> list[ExampleScores]:
    """Score with the Gen AI evaluation service, mapped onto the offline metric names and [0, 1] ranges.

    groundedness (0/1) as is; toxicity = 1 - safety (0/1); relevance = (question_answering_quality - 1) / 4;
    fluency = (fluency - 1) / 4 (both rated 1-5 by the service).
    """
    import pandas as pd
    import vertexai
    from vertexai.evaluation import EvalTask, MetricPromptTemplateExamples

    vertexai.init(project=project, location=location)
    pointwise = MetricPromptTemplateExamples.Pointwise
    dataset = pd.DataFrame(
        {
            "prompt": [f"Context:\n{r.context}\n\nQuestion: {r.question}" for r in records],
            "response": [r.response for r in records],
        }
    )
    metrics: list[Any] = [
        pointwise.GROUNDEDNESS,
        pointwise.SAFETY,
        pointwise.QUESTION_ANSWERING_QUALITY,
        pointwise.FLUENCY,
    ]
    table = EvalTask(dataset=dataset, metrics=metrics).evaluate().metrics_table
    if table is None:
        raise RuntimeError("the Gen AI evaluation service returned no per-example metrics table")
    return [
        ExampleScores(
            groundedness=float(row["groundedness/score"]),
            toxicity=1.0 - float(row["safety/score"]),
            relevance=(float(row["question_answering_quality/score"]) - 1) / 4,
            fluency=(float(row["fluency/score"]) - 1) / 4,
        )
        for _, row in table.iterrows()
    ]


def register_candidate(
    project: str,
    location: str,
    display_name: str,
    tuned: dict[str, str],
    serving_image: str,
    labels: dict[str, str],
) -> dict[str, str]:
    """Give the tuned model version the `candidate` alias in Model Registry (uploading a LoRA adapter first)."""
    from google.cloud import aiplatform

    aiplatform.init(project=project, location=location)
    if tuned.get("model"):
        model = aiplatform.Model(tuned["model"])
        model.versioning_registry.add_version_aliases(["candidate"], version=model.version_id)
    else:
        existing = aiplatform.Model.list(filter=f'display_name="{display_name}"')
        model = aiplatform.Model.upload(
            display_name=display_name,
            artifact_uri=tuned["artifact_uri"],
            serving_container_image_uri=serving_image,
            parent_model=existing[0].resource_name if existing else None,
            version_aliases=["candidate"],
            is_default_version=False,
            labels=labels,
        )
    return {"model": model.resource_name, "version": str(model.version_id)}


def publish(topic: str, event: dict[str, Any]) -> str:
    """Publish one JSON event to a Pub/Sub topic (`projects/P/topics/T`) over REST; returns the message id."""
    import google.auth
    from google.auth.transport.requests import AuthorizedSession

    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/pubsub"])
    body = {
        "messages": [
            {
                "data": base64.b64encode(json.dumps(event, sort_keys=True).encode()).decode(),
                "attributes": {"event": str(event["event"])},
            }
        ]
    }
    response = AuthorizedSession(credentials).post(f"https://pubsub.googleapis.com/v1/{topic}:publish", json=body)
    response.raise_for_status()
    return str(response.json()["messageIds"][0])


def read_bigquery_sample(table: str, sample_size: int, seed: int, window_hours: int = 0) -> list[dict[str, Any]]:
    """A deterministic sample of the prediction-log view (`bigquery_schema.PREDICTION_EXAMPLES`).

    The view flattens the endpoint's request-response logging table into the record fields; any table or
    view with those columns (and `logging_time`) works. `window_hours` > 0 keeps only requests logged in
    that many recent hours, so each scheduled run judges what the endpoint serves now; rows missing a field
    the metrics need are left out before sampling, so they do not shrink the sample.
    """
    from google.cloud import bigquery

    from pipelines.lib.records import REQUIRED_FIELDS

    client = bigquery.Client()
    conditions = [f"{field} IS NOT NULL" for field in REQUIRED_FIELDS]
    parameters = [
        bigquery.ScalarQueryParameter("seed", "INT64", seed),
        bigquery.ScalarQueryParameter("limit", "INT64", sample_size),
    ]
    if window_hours > 0:
        conditions.append("logging_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @hours HOUR)")
        parameters.append(bigquery.ScalarQueryParameter("hours", "INT64", window_hours))
    query = (
        f"SELECT {', '.join(REQUIRED_FIELDS)} FROM `{table}` WHERE {' AND '.join(conditions)} "
        f"ORDER BY FARM_FINGERPRINT(CONCAT(CAST(@seed AS STRING), id)) LIMIT @limit"
    )
    config = bigquery.QueryJobConfig(query_parameters=parameters)
    return [dict(row.items()) for row in client.query(query, job_config=config).result()]


def read_gcs_text(uri: str) -> str:
    """The text of a `gs://bucket/object` file."""
    from google.cloud import storage  # type: ignore[attr-defined]

    bucket, _, name = uri.removeprefix("gs://").partition("/")
    return storage.Client().bucket(bucket).blob(name).download_as_text()


def write_bigquery(table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Stream rows into `project.dataset.table`; raises with BigQuery's per-row errors."""
    from google.cloud import bigquery

    errors = bigquery.Client().insert_rows_json(table, list(rows))
    if errors:
        raise RuntimeError(f"BigQuery rejected rows for {table}: {errors[:3]}")
