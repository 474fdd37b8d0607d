"""The pipelines this package ships, with the rules their parameters must meet and their local-run values.

`PIPELINES` is the one list the compile step, the local runner and the CLI iterate over.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.errors import UserInputError
from pipelines.evaluation import evaluation_pipeline
from pipelines.kfp_compat import Pipeline
from pipelines.lib.retraining import policy_of
from pipelines.parameters import (
    BQ_TABLE,
    PUBSUB_TOPIC,
    Rule,
    local_file,
    non_empty,
    one_of,
    resolve,
    thresholds_in_range,
)
from pipelines.tuning import tuning_pipeline

DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLES = ("good", "bad")


def _tuning_rules(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if not 0 < values["eval_fraction"] < 1:
        found.append(("eval_fraction", f"must be between 0 and 1 (exclusive), found {values['eval_fraction']}"))
    if values["max_chars"] < 100:
        found.append(("max_chars", f"must be at least 100, found {values['max_chars']}"))
    if values["seed"] < 0:
        found.append(("seed", f"must be 0 or more, found {values['seed']}"))
    backend = values["backend"]
    if backend == "local":
        found += local_file(values, "dataset_uri")
        found += non_empty(values, "registry_dir", "events_uri", because="with the local backend (local paths)")
        if str(values["events_uri"]).startswith("projects/"):
            found.append(("events_uri", "the local backend appends events to a local file, not a Pub/Sub topic"))
    elif backend.startswith("vertex-"):
        found += non_empty(values, "project", because=f"with backend {backend}")
        if not str(values["dataset_uri"]).startswith(("gs://", "bq://")):
            found.append(
                (
                    "dataset_uri",
                    f"on Vertex must be gs://BUCKET/PATH.jsonl or bq://PROJECT.DATASET.TABLE, "
                    f"found {values['dataset_uri']!r}",
                )
            )
        if not PUBSUB_TOPIC.match(str(values["events_uri"])):
            found.append(
                (
                    "events_uri",
                    f"on Vertex must be a topic id projects/PROJECT/topics/TOPIC, found {values['events_uri']!r}",
                )
            )
        found += non_empty(
            values, "releases_bucket", because="on Vertex (the shared bucket candidates are copied to)"
        )
        if backend == "vertex-lora":
            found += non_empty(values, "trainer_image", "serving_image", because="with backend vertex-lora")
    return found


def _evaluation_rules(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if values["sample_size"] < 1:
        found.append(("sample_size", f"must be at least 1, found {values['sample_size']}"))
    if values["seed"] < 0:
        found.append(("seed", f"must be 0 or more, found {values['seed']}"))
    if values["window_hours"] < 0:
        found.append(("window_hours", f"must be 0 (no window) or more, found {values['window_hours']}"))
    reference = str(values["reference_uri"])
    if reference and values["backend"] == "local":
        found += local_file(values, "reference_uri")
    elif reference and not reference.startswith(("gs://", "bq://")):
        found.append(
            (
                "reference_uri",
                f"on Vertex must be gs://BUCKET/PATH.jsonl or bq://PROJECT.DATASET.TABLE (the "
                f"release's evaluation set) or empty, found {reference!r}",
            )
        )
    if values["backend"] == "local":
        found += local_file(values, "logs_uri")
        found += non_empty(values, "results_uri", because="with the local backend (a local directory)")
        if str(values["results_uri"]).startswith("bq://"):
            found.append(("results_uri", "the local backend writes to a local directory, not BigQuery"))
    elif values["backend"] == "vertex":
        found += non_empty(values, "project", because="with backend vertex")
        for name in ("logs_uri", "results_uri"):
            if not BQ_TABLE.match(str(values[name])):
                found.append((name, f"on Vertex must be bq://PROJECT.DATASET.TABLE, found {values[name]!r}"))
    return found


def _feedback_rules(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The feedback the evaluation counts for the retraining trigger: a local file of the table's rows, or the table."""
    feedback = str(values["feedback_uri"])
    if not feedback:
        return []
    if values["backend"] == "local":
        return local_file(values, "feedback_uri")
    if not BQ_TABLE.match(feedback):
        return [
            ("feedback_uri", f"on Vertex must be bq://PROJECT.DATASET.TABLE (the feedback table), found {feedback!r}")
        ]
    return []


TENSORBOARD = re.compile(r"^projects/[^/]+/locations/[a-z0-9-]+/tensorboards/[0-9]+$")
EXPERIMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")


def _experiment_rules(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The Vertex AI experiment a tuning run is logged to, and the TensorBoard backing it (both optional)."""
    found: list[tuple[str, str]] = []
    experiment, tensorboard = str(values["experiment"]), str(values["experiment_tensorboard"])
    if experiment and not EXPERIMENT.match(experiment):
        found.append(("experiment", f"must be 1-128 lowercase letters, digits or '-', found {experiment!r}"))
    if tensorboard and not TENSORBOARD.match(tensorboard):
        found.append(
            (
                "experiment_tensorboard",
                f"must be projects/P/locations/L/tensorboards/ID or empty, found {tensorboard!r}",
            )
        )
    if tensorboard and not experiment:
        found.append(("experiment_tensorboard", "backs an experiment; set experiment too"))
    return found


def _retraining_rules(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Where retraining requests go, the environment they name, and the policy overrides (evaluation)."""
    found: list[tuple[str, str]] = []
    try:
        policy_of(values["retraining_policy"])
    except (TypeError, ValueError) as exc:
        found.append(("retraining_policy", str(exc)))
    topic = str(values["retraining_topic"])
    if not topic:
        return found
    found += non_empty(values, "env", because="when retraining_topic is set (the request names its environment)")
    if values["backend"] == "local" and topic.startswith("projects/"):
        found.append(("retraining_topic", "the local backend appends requests to a local file, not a Pub/Sub topic"))
    elif values["backend"] != "local" and not PUBSUB_TOPIC.match(topic):
        found.append(("retraining_topic", f"on Vertex must be projects/PROJECT/topics/TOPIC or empty, found {topic!r}"))
    return found


@dataclass(frozen=True)
class PipelineEntry:
    """A shipped pipeline: its definition, parameter rules, and the values used offline and for validation."""

    name: str
    pipeline: Pipeline
    rules: tuple[Rule, ...]
    # Representative values an environment passes on Vertex; the compile step validates templates with them.
    vertex_example: Mapping[str, Any]

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validated, typed parameter values (defaults filled in); raises UserInputError."""
        return resolve(self.name, self.pipeline, values, list(self.rules))

    def local_values(self, sample: str, out_dir: Path) -> dict[str, Any]:
        """Values for a local run on the `good` or `bad` sample data, writing under `out_dir`."""
        if sample not in SAMPLES:
            raise ValueError(f"sample must be one of {', '.join(SAMPLES)}, found {sample!r}")
        if self.name == "tuning":
            return {
                "backend": "local",
                "dataset_uri": str(DATA_DIR / "tuning" / f"{sample}.jsonl"),
                "registry_dir": str(out_dir / "registry"),
                "events_uri": str(out_dir / "model_events.jsonl"),
                "experiment": "local-tuning",
            }
        return {
            "backend": "local",
            "logs_uri": str(DATA_DIR / "evaluation" / f"{sample}.jsonl"),
            "results_uri": str(out_dir / "results"),
            # the release's evaluation set: the tuning examples the sample windows are compared with for drift
            "reference_uri": str(DATA_DIR / "tuning" / "good.jsonl"),
            # retraining requests land in a file standing in for the retraining-requests topic
            "env": "local",
            "retraining_topic": str(out_dir / "retraining_requests.jsonl"),
        }


PIPELINES: dict[str, PipelineEntry] = {
    "tuning": PipelineEntry(
        name="tuning",
        pipeline=tuning_pipeline,
        rules=(
            thresholds_in_range,
            one_of("backend", ("local", "vertex-gemini-sft", "vertex-lora")),
            one_of("pii_action", ("redact", "drop")),
            _tuning_rules,
            _experiment_rules,
        ),
        vertex_example={
            "backend": "vertex-gemini-sft",
            "project": "genai-dev-1234",
            "dataset_uri": "gs://genai-dev-1234-datasets/tuning/train.jsonl",
            "events_uri": "projects/genai-dev-1234/topics/model-events",
            "experiment": "genai-dev-tuning",
            "experiment_tensorboard": "projects/genai-dev-1234/locations/us-central1/tensorboards/1234567890",
            "releases_bucket": "genai-releases",
        },
    ),
    "evaluation": PipelineEntry(
        name="evaluation",
        pipeline=evaluation_pipeline,
        rules=(
            thresholds_in_range,
            one_of("backend", ("local", "vertex")),
            _evaluation_rules,
            _feedback_rules,
            _retraining_rules,
        ),
        vertex_example={
            "backend": "vertex",
            "project": "genai-dev-1234",
            "logs_uri": "bq://genai-dev-1234.genai_dev_prediction_logs.prediction_examples",
            "results_uri": "bq://genai-dev-1234.genai_dev_evaluation.results",
            "env": "dev",
            "retraining_topic": "projects/genai-dev-1234/topics/genai-dev-retraining-requests",
            "feedback_uri": "bq://genai-dev-1234.genai_dev_feedback.feedback",
        },
    ),
}


def get(name: str) -> PipelineEntry:
    """The entry called `name`; raises UserInputError naming the known pipelines."""
    if name not in PIPELINES:
        close = difflib.get_close_matches(name, PIPELINES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UserInputError.single(
            "pipeline name", name, f"unknown pipeline; {hint}known: {', '.join(PIPELINES)}", summary="unknown pipeline"
        )
    return PIPELINES[name]
