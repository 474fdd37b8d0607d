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


EVALUATION_ATTEMPTS = 4
"""Tries per (example, metric): the SDK retries only gRPC-style codes, so REST 429/500 come back as row errors."""
EVALUATION_BACKOFF_SECONDS = 2.0
FACTUALITY_TEMPLATE = """# Instruction
You are an expert evaluator. You will be assessing factuality, which measures whether every claim of the
response agrees with the reference answer (numbers, negation, names and environments included).

## Rating Rubric
1: (Factual). Every claim of the response is stated or implied by the reference.
0: (Not factual). At least one claim contradicts the reference or is absent from it.

# User Inputs and AI-generated Response
## User Inputs
### Prompt
{prompt}

### Reference
{reference}

## AI-generated Response
{response}
"""
"""A pointwise metric of our own for `factuality`: the service has no reference-based model metric."""


def _service_metrics() -> dict[str, tuple[Any, Any]]:
    """Our metric name -> (the service's pointwise metric, mapping of its score onto [0, 1], 0 = good for toxicity)."""
    from vertexai.evaluation import MetricPromptTemplateExamples, PointwiseMetric

    pointwise = MetricPromptTemplateExamples.Pointwise
    return {
        "groundedness": (pointwise.GROUNDEDNESS, lambda s: s),  # 0/1
        "toxicity": (pointwise.SAFETY, lambda s: 1.0 - s),  # safety 1 = safe
        "relevance": (pointwise.QUESTION_ANSWERING_QUALITY, lambda s: (s - 1) / 4),  # rated 1-5
        "fluency": (pointwise.FLUENCY, lambda s: (s - 1) / 4),  # rated 1-5
        "factuality": (PointwiseMetric(metric="factuality", metric_prompt_template=FACTUALITY_TEMPLATE), lambda s: s),
    }


def evaluation_prompt(record: QARecord) -> str:
    """What the judge sees as the user input: the context the answer had to come from, then the question."""
    return f"Context:\n{record.context}\n\nQuestion: {record.question}"


def score_with_gen_ai_evaluation(
    project: str,
    location: str,
    records: Sequence[QARecord],
    references: Sequence[str | None] | None = None,
    *,
    api_endpoint: str | None = None,
    credentials: Any = None,
    qps: float | None = None,
    backoff_seconds: float = EVALUATION_BACKOFF_SECONDS,
) -> list[ExampleScores]:
    """Score with the Gen AI evaluation service (`vertexai.evaluation.EvalTask`), mapped onto the local names.

    groundedness (0/1) as is; toxicity = 1 - safety (0/1); relevance = (question_answering_quality - 1) / 4;
    fluency = (fluency - 1) / 4 (both rated 1-5); factuality (0/1, our own pointwise template) for the
    examples with a reference. The service answers each (example, metric) on its own; those that fail (the
    SDK turns a REST 429/500 into a row error, it retries only gRPC-style codes) are asked again with
    exponential backoff, and an example still unscored after `EVALUATION_ATTEMPTS` raises, naming it.
    `api_endpoint` and `credentials` point the client elsewhere than the public service (REST transport).
    """
    import math

    import pandas as pd
    import vertexai
    from vertexai.evaluation import EvalTask

    if api_endpoint:
        vertexai.init(
            project=project,
            location=location,
            api_endpoint=api_endpoint,
            api_transport="rest",
            credentials=credentials,
        )
    else:
        vertexai.init(project=project, location=location)
    refs = list(references) if references is not None else [None] * len(records)
    metrics = _service_metrics()
    raw: dict[tuple[int, str], float] = {}
    errors: dict[tuple[int, str], str] = {}
    wanted = [(i, name) for i in range(len(records)) for name in metrics if name != "factuality" or refs[i]]
    for attempt in range(EVALUATION_ATTEMPTS):
        missing = [key for key in wanted if key not in raw]
        if not missing:
            break
        if attempt:
            time.sleep(backoff_seconds * 2 ** (attempt - 1))
        for name in dict.fromkeys(name for _, name in missing):
            rows = [i for i, n in missing if n == name]
            frame = pd.DataFrame(
                {
                    "prompt": [evaluation_prompt(records[i]) for i in rows],
                    "response": [records[i].response for i in rows],
                    **({"reference": [refs[i] or "" for i in rows]} if name == "factuality" else {}),
                }
            )
            table = EvalTask(dataset=frame, metrics=[metrics[name][0]]).evaluate(evaluation_service_qps=qps)
            if table.metrics_table is None:
                raise RuntimeError("the Gen AI evaluation service returned no per-example metrics table")
            column = metrics[name][0].metric_name  # the service's name: "safety" for our toxicity
            for i, (_, row) in zip(rows, table.metrics_table.iterrows(), strict=True):
                score = row.get(f"{column}/score")
                if score is None or (isinstance(score, float) and math.isnan(score)):
                    errors[(i, name)] = str(row.get(f"{column}/explanation") or "no score")
                else:
                    raw[(i, name)] = float(score)
    unscored = [key for key in wanted if key not in raw]
    if unscored:
        listed = ", ".join(f"{records[i].id} ({name}: {errors.get((i, name), '?')})" for i, name in unscored[:5])
        raise RuntimeError(
            f"the Gen AI evaluation service gave no score for {len(unscored)} example metric(s) after "
            f"{EVALUATION_ATTEMPTS} attempts: {listed}"
        )
    scores = []
    for i in range(len(records)):
        value = {name: metrics[name][1](raw[(i, name)]) for name in metrics if (i, name) in raw}
        scores.append(
            ExampleScores(
                groundedness=value["groundedness"],
                toxicity=value["toxicity"],
                relevance=value["relevance"],
                fluency=value["fluency"],
                factuality=value.get("factuality"),
            )
        )
    return scores


CANDIDATE_ALIAS = "candidate"
CANDIDATE_LABELS = {"release-stage": "candidate"}
"""Labels every candidate version carries in Model Registry, beside its `pipeline-run`."""


def register_candidate(
    project: str,
    location: str,
    display_name: str,
    tuned: dict[str, str],
    serving_image: str,
    labels: dict[str, str],
    *,
    artifact_uri: str = "",
    api_endpoint: str | None = None,
    credentials: Any = None,
) -> dict[str, str]:
    """Give the tuned model version the `candidate` alias and the candidate labels in Model Registry.

    A Gemini tuning job registers its model itself; a LoRA adapter is uploaded from `artifact_uri` (its copy
    in the releases bucket) as a new version of `display_name`. Idempotent on the run: the version already
    labelled with this `pipeline-run` is the one aliased and labelled again, never a second upload.
    `api_endpoint` and `credentials` point the client elsewhere than the public service (REST transport)."""
    from google.cloud import aiplatform

    if api_endpoint:
        aiplatform.init(
            project=project, location=location, api_endpoint=api_endpoint, api_transport="rest",
            credentials=credentials,
        )
    else:
        aiplatform.init(project=project, location=location)
    wanted = {**labels, **CANDIDATE_LABELS}
    if tuned.get("model"):
        model = aiplatform.Model(tuned["model"])
    else:
        model = _version_of_run(aiplatform, display_name, labels["pipeline-run"]) or aiplatform.Model.upload(
            display_name=display_name,
            artifact_uri=artifact_uri or tuned["artifact_uri"],
            serving_container_image_uri=serving_image,
            parent_model=_parent_model(aiplatform, display_name),
            version_aliases=[CANDIDATE_ALIAS],
            is_default_version=False,
            labels=wanted,
        )
    if CANDIDATE_ALIAS not in (model.version_aliases or []):
        model.versioning_registry.add_version_aliases([CANDIDATE_ALIAS], version=model.version_id)
    current = dict(model.labels or {})
    if any(current.get(key) != value for key, value in wanted.items()):
        model.update(labels={**current, **wanted})
    return {"model": model.resource_name, "version": str(model.version_id)}


def _parent_model(aiplatform: Any, display_name: str) -> str | None:
    existing = aiplatform.Model.list(filter=f'display_name="{display_name}"')
    return str(existing[0].resource_name) if existing else None


def _version_of_run(aiplatform: Any, display_name: str, run_label: str) -> Any:
    """The version of `display_name` an earlier attempt of this run uploaded, or None."""
    parent = _parent_model(aiplatform, display_name)
    if parent is None:
        return None
    registry = aiplatform.models.ModelRegistry(parent)
    found = registry.list_versions(filter=f'labels.pipeline-run="{run_label}"')
    return aiplatform.Model(parent, version=found[0].version_id) if found else None


PUBSUB_ENDPOINT = "https://pubsub.googleapis.com"


def publish(
    topic: str,
    event: dict[str, Any],
    attributes: dict[str, str] | None = None,
    *,
    endpoint: str = PUBSUB_ENDPOINT,
    credentials: Any = None,
) -> str:
    """Publish one JSON document to a Pub/Sub topic (`projects/P/topics/T`) over REST; returns the message id.

    `attributes` default to the document's `event` (model events); `credentials` default to Application
    Default Credentials."""
    from google.auth.transport.requests import AuthorizedSession

    if credentials is None:
        import google.auth

        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/pubsub"])
    if attributes is None:
        attributes = {"event": str(event["event"])} if "event" in event else {}
    data = base64.b64encode(json.dumps(event, sort_keys=True).encode()).decode()
    body = {"messages": [{"data": data, "attributes": attributes}]}
    session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call, unused-ignore]
    response = session.post(f"{endpoint}/v1/{topic}:publish", json=body)
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

    from contracts.records import REQUIRED_FIELDS

    client = bigquery.Client()
    conditions = [f"{field} IS NOT NULL" for field in REQUIRED_FIELDS]
    parameters = [
        bigquery.ScalarQueryParameter("seed", "INT64", seed),
        bigquery.ScalarQueryParameter("limit", "INT64", sample_size),
    ]
    if window_hours > 0:
        conditions.append("logging_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @hours HOUR)")
        parameters.append(bigquery.ScalarQueryParameter("hours", "INT64", window_hours))
    # Column and table names are identifiers (the contract's fields, the validated logs_uri); values are
    # query parameters.
    query = (
        f"SELECT {', '.join(REQUIRED_FIELDS)} FROM `{table}` WHERE {' AND '.join(conditions)} "  # noqa: S608
        f"ORDER BY FARM_FINGERPRINT(CONCAT(CAST(@seed AS STRING), id)) LIMIT @limit"
    )
    config = bigquery.QueryJobConfig(query_parameters=parameters)
    return [dict(row.items()) for row in client.query(query, job_config=config).result()]


def query_bigquery(query: str, parameters: dict[str, tuple[str, Any]], *, client: Any = None) -> list[dict[str, Any]]:
    """Rows of a parameterized Standard SQL query (parameter name -> (BigQuery type, value)), as JSON-ready dicts.

    `client` defaults to a `bigquery.Client()` with Application Default Credentials; timestamps come back as
    RFC 3339 strings, like the rows of a local file."""
    from google.cloud import bigquery

    typed = [bigquery.ScalarQueryParameter(name, kind, value) for name, (kind, value) in parameters.items()]
    config = bigquery.QueryJobConfig(query_parameters=typed)
    rows = (client or bigquery.Client()).query_and_wait(query, job_config=config)
    return [
        {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()} for row in rows
    ]


def read_recent_bigquery_rows(table: str, order_column: str, limit: int) -> list[dict[str, Any]]:
    """The `limit` newest rows of `project.dataset.table` by `order_column`, oldest first, as JSON-ready dicts."""
    from google.cloud import bigquery

    query = f"SELECT * FROM `{table}` ORDER BY {order_column} DESC LIMIT @limit"  # noqa: S608 - ids, not input
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("limit", "INT64", limit)])
    rows = [
        {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()}
        for row in bigquery.Client().query(query, job_config=config).result()
    ]
    return rows[::-1]


def read_gcs_text(uri: str) -> str:
    """The text of a `gs://bucket/object` file."""
    from google.cloud import storage  # type: ignore[attr-defined, unused-ignore]

    bucket, _, name = uri.removeprefix("gs://").partition("/")
    text: str = storage.Client().bucket(bucket).blob(name).download_as_text()
    return text


def write_bigquery(table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Stream rows into `project.dataset.table`; raises with BigQuery's per-row errors."""
    from google.cloud import bigquery

    errors = bigquery.Client().insert_rows_json(table, list(rows))
    if errors:
        raise RuntimeError(f"BigQuery rejected rows for {table}: {errors[:3]}")
