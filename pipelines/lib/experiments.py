"""Each tuning run as a Vertex AI Experiments run: its parameters, the dataset digest and the evaluated metrics.

Runs of one environment share one experiment (the `experiment` parameter), backed by the environment's
TensorBoard when one is given, so the Vertex AI console compares them side by side. On Vertex the run is
logged through google-cloud-aiplatform (`aiplatform.init(experiment=)`, `start_run`, `log_params`,
`log_metrics`, `end_run`); every run, local ones too, also writes the same record as a JSON artifact.
Experiments keep parameters and metrics as numbers or strings only, so other values (booleans, None) are
recorded as their text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

CONTEXT_ID_MAX = 128
"""Vertex AI metadata context ids (an experiment run is `<experiment>-<run>`): [a-z0-9-], at most 128."""


def run_id(experiment: str, run_name: str) -> str:
    """An Experiments run id for the pipeline job `run_name` that fits next to `experiment` in one context id."""
    slug = re.sub(r"[^a-z0-9-]+", "-", run_name.lower()).strip("-") or "run"
    room = CONTEXT_ID_MAX - len(experiment) - 1
    return slug[:room].rstrip("-")


def _loggable(value: object) -> float | int | str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return str(value)
    return value


def run_record(
    experiment: str,
    run_name: str,
    parameters: Mapping[str, Any],
    metrics: Mapping[str, Any],
    dataset: bytes,
) -> dict[str, Any]:
    """What one tuning run logs: `params` (the run's parameters and `dataset_digest`) and `metrics`."""
    params = {name: _loggable(value) for name, value in parameters.items()}
    params["dataset_digest"] = "sha256:" + hashlib.sha256(dataset).hexdigest()
    return {
        "experiment": experiment,
        "run": run_id(experiment, run_name),
        "params": dict(sorted(params.items())),
        "metrics": {name: _loggable(value) for name, value in sorted(metrics.items())},
    }


def log_to_vertex(
    record: Mapping[str, Any],
    *,
    project: str,
    location: str,
    tensorboard: str = "",
    api_endpoint: str | None = None,
    credentials: Any = None,
) -> str:
    """Log `record` as a run of its experiment (created on first use); returns the run's resource name.

    `tensorboard` (`projects/P/locations/L/tensorboards/ID`) backs the experiment, so each run also gets a
    TensorBoard run; empty: no backing TensorBoard. `api_endpoint` / `credentials` default to the regional
    endpoint and Application Default Credentials."""
    from google.cloud import aiplatform

    endpoint: dict[str, Any] = {"api_endpoint": api_endpoint, "api_transport": "rest"} if api_endpoint else {}
    aiplatform.init(
        project=project,
        location=location,
        credentials=credentials,
        experiment=record["experiment"],
        experiment_tensorboard=tensorboard or False,
        **endpoint,
    )
    run = aiplatform.start_run(record["run"])
    run.log_params(dict(record["params"]))
    run.log_metrics(dict(record["metrics"]))
    aiplatform.end_run()
    return str(run.resource_name)
