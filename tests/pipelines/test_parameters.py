"""Parameter validation: types from the pipeline definition, rules per backend, every problem reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from pipelines.catalog import DATA_DIR, PIPELINES, get
from pipelines.parameters import parameter_specs


def _problems(name: str, values: dict[str, object]) -> list[str]:
    with pytest.raises(UserInputError) as caught:
        PIPELINES[name].resolve(values)
    return [f"{p.key_path}: {p.message}" for p in caught.value.problems]


def test_specs_come_from_the_pipeline_definition() -> None:
    specs = parameter_specs(PIPELINES["tuning"].pipeline)
    assert specs["seed"].type == "Integer"
    assert specs["seed"].default == 42
    assert specs["eval_fraction"].type == "Float"
    assert specs["dataset_uri"].required
    assert not specs["backend"].required


def test_local_values_resolve_with_defaults(tmp_path: Path) -> None:
    entry = PIPELINES["evaluation"]
    values = entry.resolve({**entry.local_values("bad", tmp_path), "seed": "3", "min_fluency": "0.7"})
    assert values["seed"] == 3
    assert values["min_fluency"] == 0.7
    assert values["sample_size"] == 200
    assert values["logs_uri"] == str(DATA_DIR / "evaluation" / "bad.jsonl")


def test_type_errors_unknown_and_missing_are_reported_together() -> None:
    assert _problems("tuning", {"seed": "1.5", "max_chars": True, "min_groundednes": 0.9}) == [
        "min_groundednes: unknown parameter; did you mean 'min_groundedness'?",
        "dataset_uri: required string parameter is missing; pass it as dataset_uri=VALUE",
        "events_uri: required string parameter is missing; pass it as events_uri=VALUE",
        "seed: expected an integer, found '1.5'",
        "max_chars: expected integer, found bool True",
    ]


def test_local_backend_rules() -> None:
    values = {
        "backend": "local",
        "dataset_uri": "gs://bucket/train.jsonl",
        "events_uri": "projects/p/topics/t",
        "registry_dir": "",
        "eval_fraction": 1.5,
        "max_toxicity": -0.1,
        "pii_action": "mask",
    }
    assert _problems("tuning", values) == [
        "max_toxicity: must be between 0 and 1, found -0.1",
        "pii_action: must be one of redact, drop, found 'mask'",
        "eval_fraction: must be between 0 and 1 (exclusive), found 1.5",
        "dataset_uri: the local backend reads a local JSONL file; 'gs://bucket/train.jsonl' is not one",
        "registry_dir: must not be empty with the local backend (local paths)",
        "events_uri: the local backend appends events to a local file, not a Pub/Sub topic",
    ]


def test_vertex_backend_rules() -> None:
    assert _problems(
        "evaluation",
        {
            "logs_uri": "logs.jsonl",
            "results_uri": "bq://genai-dev-1234.evaluation.quality",
            "backend": "vertex",
            "sample_size": 0,
        },
    ) == [
        "sample_size: must be at least 1, found 0",
        "project: must not be empty with backend vertex",
        "logs_uri: on Vertex must be bq://PROJECT.DATASET.TABLE, found 'logs.jsonl'",
    ]
    lora = {**PIPELINES["tuning"].vertex_example, "backend": "vertex-lora", "events_uri": "model-events"}
    assert _problems("tuning", lora) == [
        "events_uri: on Vertex must be a topic id projects/PROJECT/topics/TOPIC, found 'model-events'",
        "trainer_image: must not be empty with backend vertex-lora",
        "serving_image: must not be empty with backend vertex-lora",
    ]


def test_experiment_and_retraining_rules() -> None:
    tuning = {**PIPELINES["tuning"].vertex_example, "experiment": "Tuning Runs", "experiment_tensorboard": "tb-1"}
    assert _problems("tuning", tuning) == [
        "experiment: must be 1-128 lowercase letters, digits or '-', found 'Tuning Runs'",
        "experiment_tensorboard: must be projects/P/locations/L/tensorboards/ID or empty, found 'tb-1'",
    ]
    unbacked = {**PIPELINES["tuning"].vertex_example, "experiment": ""}
    assert _problems("tuning", unbacked) == ["experiment_tensorboard: backs an experiment; set experiment too"]
    evaluation = {
        **PIPELINES["evaluation"].vertex_example,
        "env": "",
        "retraining_topic": "retraining-requests",
        "retraining_policy": {"cooldown": 1},
    }
    problems = _problems("evaluation", evaluation)
    assert problems[0].startswith("retraining_policy: unknown retraining policy field(s) cooldown; known: ")
    assert problems[1:] == [
        "env: must not be empty when retraining_topic is set (the request names its environment)",
        "retraining_topic: on Vertex must be projects/PROJECT/topics/TOPIC or empty, found 'retraining-requests'",
    ]


def test_unknown_pipeline_and_sample() -> None:
    with pytest.raises(UserInputError, match="unknown pipeline; did you mean 'tuning'\\? known: tuning, evaluation"):
        get("tunning")
    with pytest.raises(ValueError, match="sample must be one of good, bad"):
        PIPELINES["tuning"].local_values("ugly", Path("out"))


def test_evaluation_window_must_not_be_negative(tmp_path: Path) -> None:
    entry = PIPELINES["evaluation"]
    assert entry.resolve(entry.local_values("good", tmp_path))["window_hours"] == 24
    assert "window_hours: must be 0 (no window) or more, found -1" in _problems(
        "evaluation", {**entry.local_values("good", tmp_path), "window_hours": -1}
    )
