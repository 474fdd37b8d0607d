"""A tuning run's experiment record, and its logging through aiplatform's Experiments API over REST.

The logging runs in its own interpreter, as in a component: `aiplatform.init` sets process-wide defaults
(endpoint, experiment) that must not leak into other tests.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.lib.experiments import CONTEXT_ID_MAX, run_id, run_record
from tests.fakes.metadata_server import MetadataServer

PROJECT, LOCATION, EXPERIMENT = "genai-dev-1234", "europe-west4", "genai-dev-tuning"
STORE = f"projects/{PROJECT}/locations/{LOCATION}/metadataStores/default"
TENSORBOARD = f"projects/{PROJECT}/locations/{LOCATION}/tensorboards/1234567890"
ROOT = Path(__file__).resolve().parents[3]

LOG = """
import json, sys
from google.auth.credentials import AnonymousCredentials
from pipelines.lib.experiments import log_to_vertex
record, endpoint, tensorboard = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
print(log_to_vertex(record, project="genai-dev-1234", location="europe-west4", tensorboard=tensorboard,
                    api_endpoint=endpoint, credentials=AnonymousCredentials()))
"""


def record(run_name: str = "genai-tuning-20261201030000", groundedness: float = 0.91) -> dict[str, object]:
    parameters = {"backend": "vertex-gemini-sft", "seed": 42, "eval_fraction": 0.25, "redact": True}
    return run_record(EXPERIMENT, run_name, parameters, {"groundedness": groundedness, "passed": 1}, b"rows\n")


@pytest.fixture
def metadata() -> Iterator[MetadataServer]:
    server = MetadataServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def log(document: dict[str, object], server: MetadataServer, tensorboard: str = "") -> str:
    done = subprocess.run(  # this interpreter, fixed arguments
        [sys.executable, "-c", LOG, json.dumps(document), server.base_url, tensorboard],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_the_record_carries_parameters_dataset_digest_and_metrics() -> None:
    document = record()
    assert document["run"] == "genai-tuning-20261201030000"
    assert document["params"] == {
        "backend": "vertex-gemini-sft",
        "dataset_digest": "sha256:" + hashlib.sha256(b"rows\n").hexdigest(),
        "eval_fraction": 0.25,
        "redact": "True",
        "seed": 42,
    }
    assert document["metrics"] == {"groundedness": 0.91, "passed": 1}


def test_run_ids_fit_a_metadata_context_id_next_to_the_experiment() -> None:
    assert run_id(EXPERIMENT, "Genai_Tuning 2026-12-01T03:00") == "genai-tuning-2026-12-01t03-00"
    long = run_id(EXPERIMENT, "x" * 300)
    assert len(f"{EXPERIMENT}-{long}") == CONTEXT_ID_MAX


def test_each_run_is_logged_to_the_environments_experiment(metadata: MetadataServer) -> None:
    first = log(record(), metadata)
    second = log(record("genai-tuning-20261208030000", 0.87), metadata)
    assert first == f"{STORE}/contexts/{EXPERIMENT}-genai-tuning-20261201030000"
    assert second.endswith("-genai-tuning-20261208030000")
    experiment = metadata.contexts[f"{STORE}/contexts/{EXPERIMENT}"]
    assert experiment["schemaTitle"] == "system.Experiment"
    runs = metadata.runs_of(EXPERIMENT)
    assert [run["displayName"] for run in runs] == ["genai-tuning-20261201030000", "genai-tuning-20261208030000"]
    assert {run["schemaTitle"] for run in runs} == {"system.ExperimentRun"}
    assert runs[0]["metadata"]["_params"]["dataset_digest"] == record()["params"]["dataset_digest"]  # type: ignore[index]
    assert runs[0]["metadata"]["_params"]["seed"] == 42
    assert runs[1]["metadata"]["_metrics"] == {"groundedness": 0.87, "passed": 1}
    assert [run["metadata"]["_state"] for run in runs] == ["COMPLETE", "COMPLETE"]


def test_an_experiment_backed_by_the_environments_tensorboard_gets_a_tensorboard_run(metadata: MetadataServer) -> None:
    metadata.add_tensorboard(TENSORBOARD)
    name = log(record(), metadata, TENSORBOARD)
    experiment = metadata.contexts[f"{STORE}/contexts/{EXPERIMENT}"]
    assert experiment["metadata"]["backing_tensorboard_resource"] == TENSORBOARD
    assert f"{TENSORBOARD}/experiments/{EXPERIMENT}/runs/genai-tuning-20261201030000" in metadata.tensorboard_objects
    assert len(metadata.context_artifacts[name]) == 1
    assert metadata.runs_of(EXPERIMENT)[0]["metadata"]["_metrics"] == {"groundedness": 0.91, "passed": 1}
