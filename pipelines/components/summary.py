"""Last step of evaluation: the summary metrics the monitoring alerts watch, and the gate verdict."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def write_summary(
    backend: str,
    scores: dsl.Input[dsl.Dataset],
    flagged_count: int,
    feedback: dsl.Input[dsl.Artifact],
    results_uri: str,
    run_name: str,
    min_groundedness: float,
    max_toxicity: float,
    min_relevance: float,
    min_fluency: float,
    summary: dsl.Output[dsl.Artifact],
    metrics: dsl.Output[dsl.Metrics],
) -> bool:
    """Append one summary row, print it as a structured log line, return whether quality meets the bounds.

    `feedback` is the window's feedback counts (count_window_feedback); the row carries them, so later runs
    replay the feedback trigger from the summary table for the cool-down."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.quality_gate import Thresholds
    from pipelines.lib.results_sink import write_rows
    from pipelines.lib.summary import feedback_row, quality_summary, summary_log_line

    rows = [json.loads(line) for line in Path(scores.path).read_text(encoding="utf-8").splitlines() if line]
    bounds = Thresholds(float(min_groundedness), float(max_toxicity), float(min_relevance), float(min_fluency))
    counts = json.loads(Path(feedback.path).read_text(encoding="utf-8"))
    document = quality_summary(rows, int(flagged_count), bounds, run_name, feedback_row(counts))
    Path(summary.path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in document["metrics"].items():
        metrics.log_metric(name, value)
    metrics.log_metric("flagged_share", document["flagged_share"])
    where = write_rows(backend, results_uri, "summary", [document])
    # One JSON line on stdout, easy to find in the run's logs and to extract with a log-based metric.
    print(summary_log_line(document))
    print(f"summary: {'PASSED' if document['passed'] else 'FAILED'} -> {where}")
    return bool(document["passed"])
