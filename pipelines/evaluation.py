"""The evaluation pipeline (continuous quality monitoring of an endpoint's answers).

read a sample of prediction logs -> score groundedness, toxicity, relevance, fluency -> write results ->
flag problematic examples for review -> write the summary metrics the monitoring alerts watch; the same
window is checked for input drift against `reference_uri` (the release's evaluation set) and its drift row
written, and the users' feedback of the window counted (`feedback_uri`: the feedback table, or a local file of
its rows; `feedback_endpoint` narrows it to one endpoint) into the summary. Last, when `retraining_topic` is
set, a retraining request is published if too much feedback was negative, quality stayed below its gate or
the inputs drifted (`pipelines.lib.retraining`, policy overrides in `retraining_policy`). The
pipeline returns whether the mean metrics meet the thresholds; a run that misses them still succeeds (the
summary is the signal) and `mlops pipelines run evaluation --local` turns a miss into exit code 1. No step
reuses cached results: the logs table changes between runs.
"""

from typing import Any, NamedTuple

from kfp import dsl

from pipelines.components.drift import check_input_drift
from pipelines.components.feedback import count_window_feedback
from pipelines.components.flag import flag_examples
from pipelines.components.read_logs import read_prediction_logs
from pipelines.components.retraining import request_retraining
from pipelines.components.runtime import step
from pipelines.components.score import score_responses
from pipelines.components.summary import write_summary
from pipelines.components.write_results import write_results


class EvaluationOutputs(NamedTuple):
    """`passed`: the quality verdict; `report`: the summary JSON (metrics, flagged share, thresholds, reasons)."""

    passed: bool
    report: dsl.Artifact


@dsl.pipeline(name="genai-evaluation", description="Score a sample of prediction logs and publish quality metrics.")
def evaluation_pipeline(
    logs_uri: str,
    results_uri: str,
    backend: str = "vertex",
    project: str = "",
    location: str = "us-central1",
    sample_size: int = 200,
    seed: int = 7,
    window_hours: int = 24,
    min_groundedness: float = 0.8,
    max_toxicity: float = 0.05,
    min_relevance: float = 0.5,
    min_fluency: float = 0.6,
    reference_uri: str = "",
    drift_bounds: dict[str, Any] = {},  # noqa: B006 - a KFP parameter default, never mutated
    env: str = "",
    retraining_topic: str = "",
    retraining_policy: dict[str, Any] = {},  # noqa: B006 - a KFP parameter default, never mutated
    feedback_uri: str = "",
    feedback_endpoint: str = "",
) -> EvaluationOutputs:
    sampled = step(
        read_prediction_logs(
            backend=backend, logs_uri=logs_uri, sample_size=sample_size, seed=seed, window_hours=window_hours
        ),
        "read-prediction-logs",
        cache=False,
    )
    # Input drift of the same window against the release's evaluation set (pipelines.lib.drift).
    drift = step(
        check_input_drift(
            backend=backend,
            sampled=sampled.outputs["sampled"],
            reference_uri=reference_uri,
            drift_bounds=drift_bounds,
            results_uri=results_uri,
            run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        ),
        "check-input-drift",
        cache=False,
    )
    # The users' verdicts over the same window (pipelines.lib.feedback): the feedback trigger's counts.
    feedback = step(
        count_window_feedback(
            backend=backend, feedback_uri=feedback_uri, window_hours=window_hours, endpoint=feedback_endpoint
        ),
        "count-feedback",
        cache=False,
    )
    scored = step(
        score_responses(backend=backend, sampled=sampled.outputs["sampled"], project=project, location=location),
        "score",
        cache=False,
    )
    step(
        write_results(
            backend=backend,
            scores=scored.outputs["scores"],
            results_uri=results_uri,
            run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        ),
        "write-results",
        cache=False,
    )
    # Flagging and the summary judge the same scores against the same thresholds, under the same run.
    judged = {
        "backend": backend,
        "scores": scored.outputs["scores"],
        "results_uri": results_uri,
        "run_name": dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        "min_groundedness": min_groundedness,
        "max_toxicity": max_toxicity,
        "min_relevance": min_relevance,
        "min_fluency": min_fluency,
    }
    flagged = step(flag_examples(**judged), "flag-examples", cache=False)
    summary = step(
        write_summary(**judged, flagged_count=flagged.outputs["Output"], feedback=feedback.outputs["counts"]),
        "write-summary",
        cache=False,
    )
    step(
        request_retraining(
            backend=backend,
            env=env,
            summary=summary.outputs["summary"],
            drift=drift.outputs["report"],
            results_uri=results_uri,
            retraining_topic=retraining_topic,
            retraining_policy=retraining_policy,
            run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        ),
        "request-retraining",
        cache=False,
    )
    return EvaluationOutputs(passed=summary.outputs["Output"], report=summary.outputs["summary"])
