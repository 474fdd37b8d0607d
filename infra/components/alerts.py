"""What the environment alerts on: Cloud Monitoring filters, conditions and the on-call runbook of each alert.

Pure functions of the config and the monitored resource ids, so the Observability component only wires them
to resources, and tests can read the exact filters. Metric names and shapes follow Cloud Monitoring's
`aiplatform.googleapis.com/prediction/online/*` and `pubsub.googleapis.com/subscription/*` metrics; the
evaluation-quality alerts read log-based metrics extracted from the evaluation pipeline's summary log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi_gcp as gcp

from contracts.summary import DRIFT_LOG_KEY, SUMMARY_LOG_KEY
from infra.config.model import AlertThresholds
from serving.answer_log import ANSWER_LOG_KEY
from serving.contract import SOURCES

ENDPOINT_RESOURCE = "aiplatform.googleapis.com/Endpoint"
PREDICTION_METRICS = "aiplatform.googleapis.com/prediction/online"
SUBSCRIPTION_RESOURCE = "pubsub_subscription"
SUBSCRIPTION_METRICS = "pubsub.googleapis.com/subscription"
PIPELINE_JOB_RESOURCE = "aiplatform.googleapis.com/PipelineJob"
TASK_LOG_RESOURCES = (PIPELINE_JOB_RESOURCE, "ml_job")
"""Where a pipeline task's stdout may land: under the pipeline job, or under the custom job that ran the task."""
PIPELINE_FAILURE_LOG_FILTER = f'resource.type="{PIPELINE_JOB_RESOURCE}" AND severity>=ERROR'
"""Log entries of Vertex AI pipeline jobs at ERROR or worse: a run that fails writes at least one."""
ROLLBACK_COMMAND = "mlops rollback --env {env}"
"""How the on-call moves an endpoint's traffic back to the previous release (quoted in the runbooks)."""
ALIGNMENT = "60s"
COUNT_WINDOW = "300s"
"""Counts (dead letters, failed runs) are summed over this window; any window above threshold fires at once."""


def endpoint_filter(endpoint_id: str, metric: str, extra: str = "") -> str:
    """Filter of one Vertex AI endpoint's online prediction metric (e.g. `prediction_latencies`)."""
    clauses = [
        f'resource.type = "{ENDPOINT_RESOURCE}"',
        f'resource.labels.endpoint_id = "{endpoint_id}"',
        f'metric.type = "{PREDICTION_METRICS}/{metric}"',
    ]
    if extra:
        clauses.append(extra)
    return " AND ".join(clauses)


SERVER_ERRORS = 'metric.labels.response_code = starts_with("5")'
"""5xx responses, whether the label reads `5xx` or the exact code (`503`)."""


def subscription_filter(subscription_id: str, metric: str) -> str:
    return " AND ".join(
        [
            f'resource.type = "{SUBSCRIPTION_RESOURCE}"',
            f'resource.labels.subscription_id = "{subscription_id}"',
            f'metric.type = "{SUBSCRIPTION_METRICS}/{metric}"',
        ]
    )


def log_metric_filter(metric_name: str) -> str:
    """A logs-based metric's time series, whichever monitored resource its log entries came from."""
    return f'metric.type = "logging.googleapis.com/user/{metric_name}"'


def _aggregation(
    aligner: str, reducer: str, group_by: str | None, period: str = ALIGNMENT
) -> gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs:
    return gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
        alignment_period=period,
        per_series_aligner=aligner,
        cross_series_reducer=reducer,
        group_by_fields=[group_by] if group_by else None,
    )


def _above_threshold(
    display_name: str,
    threshold: float,
    duration: str,
    *,
    filter: str,
    comparison: str = "COMPARISON_GT",
    aggregations: list[gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs],
    missing_data_inactive: bool = False,
    denominator_filter: str | None = None,
    denominator_aggregations: list[gcp.monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs]
    | None = None,
) -> gcp.monitoring.AlertPolicyConditionArgs:
    """A condition that fires as soon as one series stays above `threshold` for `duration` (every alert here;
    the quality alerts pass `COMPARISON_LT` to fire below a minimum instead).

    `missing_data_inactive` closes the incident when the series stops (an endpoint without traffic); the
    denominator arguments make it a ratio condition.
    """
    return gcp.monitoring.AlertPolicyConditionArgs(
        display_name=display_name,
        condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
            filter=filter,
            aggregations=aggregations,
            denominator_filter=denominator_filter,
            denominator_aggregations=denominator_aggregations,
            comparison=comparison,
            threshold_value=threshold,
            duration=duration,
            trigger=gcp.monitoring.AlertPolicyConditionConditionThresholdTriggerArgs(count=1),
            evaluation_missing_data="EVALUATION_MISSING_DATA_INACTIVE" if missing_data_inactive else None,
        ),
    )


def latency_condition(endpoint_id: str, model: str, t: AlertThresholds) -> gcp.monitoring.AlertPolicyConditionArgs:
    """p99 online prediction latency of the endpoint above `latency_p99_ms` for `duration_seconds`."""
    return _above_threshold(
        f"{model}: p99 prediction latency > {t.latency_p99_ms:g} ms",
        t.latency_p99_ms,
        f"{t.duration_seconds}s",
        filter=endpoint_filter(endpoint_id, "prediction_latencies"),
        aggregations=[_aggregation("ALIGN_PERCENTILE_99", "REDUCE_MAX", "resource.label.endpoint_id")],
        missing_data_inactive=True,
    )


def error_ratio_condition(endpoint_id: str, model: str, t: AlertThresholds) -> gcp.monitoring.AlertPolicyConditionArgs:
    """Share of 5xx responses among all responses of the endpoint above `error_ratio`."""
    denominator_sums = gcp.monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs(
        alignment_period=COUNT_WINDOW,
        per_series_aligner="ALIGN_DELTA",
        cross_series_reducer="REDUCE_SUM",
        group_by_fields=["resource.label.endpoint_id"],
    )
    return _above_threshold(
        f"{model}: 5xx ratio > {t.error_ratio:g}",
        t.error_ratio,
        f"{t.duration_seconds}s",
        filter=endpoint_filter(endpoint_id, "response_count", SERVER_ERRORS),
        aggregations=[_aggregation("ALIGN_DELTA", "REDUCE_SUM", "resource.label.endpoint_id", COUNT_WINDOW)],
        denominator_filter=endpoint_filter(endpoint_id, "response_count"),
        denominator_aggregations=[denominator_sums],
        missing_data_inactive=True,
    )


def dead_letter_condition(
    subscription_id: str, logical: str, t: AlertThresholds
) -> gcp.monitoring.AlertPolicyConditionArgs:
    """Messages forwarded to the dead-letter topic within the window above `dead_letter_messages`."""
    return _above_threshold(
        f"{logical}: dead-lettered messages > {t.dead_letter_messages}",
        t.dead_letter_messages,
        "0s",
        filter=subscription_filter(subscription_id, "dead_letter_message_count"),
        aggregations=[_aggregation("ALIGN_DELTA", "REDUCE_SUM", "resource.label.subscription_id", COUNT_WINDOW)],
    )


def oldest_unacked_condition(
    subscription_id: str, logical: str, t: AlertThresholds
) -> gcp.monitoring.AlertPolicyConditionArgs:
    """Age of the oldest unacknowledged message above `oldest_unacked_seconds` for `duration_seconds`."""
    return _above_threshold(
        f"{logical}: oldest unacked message > {t.oldest_unacked_seconds} s",
        t.oldest_unacked_seconds,
        f"{t.duration_seconds}s",
        filter=subscription_filter(subscription_id, "oldest_unacked_message_age"),
        aggregations=[_aggregation("ALIGN_MAX", "REDUCE_MAX", "resource.label.subscription_id")],
    )


def pipeline_failure_condition(metric_name: str, t: AlertThresholds) -> gcp.monitoring.AlertPolicyConditionArgs:
    """Failed pipeline runs (distinct jobs logging errors) within the window above `failed_pipeline_runs`."""
    return _above_threshold(
        f"failed pipeline runs > {t.failed_pipeline_runs}",
        t.failed_pipeline_runs,
        "0s",
        filter=log_metric_filter(metric_name),
        # One series per pipeline job (the metric's label); REDUCE_COUNT counts the jobs that logged errors.
        aggregations=[_aggregation("ALIGN_DELTA", "REDUCE_COUNT", None, COUNT_WINDOW)],
    )


# --- serving gateway (its answer log line, `serving/answer_log.py`) -----------------------------------------

GATEWAY_RESOURCE = "cloud_run_revision"
GATEWAY_SOURCE_EXTRACTOR = f"EXTRACT(jsonPayload.{ANSWER_LOG_KEY}.source)"
"""The answer's `source` (model, previous, rules, canned): the label the fallback share is computed from."""
FALLBACK_SOURCES = tuple(s for s in SOURCES if s != "model")


def gateway_answers_log_filter(service_name: str) -> str:
    """The gateway's answer lines: one per request, whichever stage answered."""
    return (
        f'resource.type="{GATEWAY_RESOURCE}" AND resource.labels.service_name="{service_name}" '
        f"AND jsonPayload.{ANSWER_LOG_KEY}.source:*"
    )


def fallback_answers_filter(metric_name: str) -> str:
    """Answers that did not come from the model, from the gateway's log-based metric."""
    quoted = ", ".join(f'"{s}"' for s in FALLBACK_SOURCES)
    return f"{log_metric_filter(metric_name)} AND metric.labels.source = one_of({quoted})"


def gateway_fallback_condition(
    metric_name: str, model: str, share: float, t: AlertThresholds
) -> gcp.monitoring.AlertPolicyConditionArgs:
    """Share of the gateway's answers not from the model above `share` for `duration_seconds`."""
    denominator_sums = gcp.monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs(
        alignment_period=COUNT_WINDOW, per_series_aligner="ALIGN_DELTA", cross_series_reducer="REDUCE_SUM"
    )
    return _above_threshold(
        f"{model} gateway: fallback share > {share:g}",
        share,
        f"{t.duration_seconds}s",
        filter=fallback_answers_filter(metric_name),
        aggregations=[_aggregation("ALIGN_DELTA", "REDUCE_SUM", None, COUNT_WINDOW)],
        denominator_filter=log_metric_filter(metric_name),
        denominator_aggregations=[denominator_sums],
        missing_data_inactive=True,
    )


# --- evaluation quality (the summary line the evaluation pipeline logs) ------------------------------------

Bound = Literal["min", "max"]


@dataclass(frozen=True)
class SummaryLogShape:
    """One way the summary line `{"quality_summary": {...}}` can arrive in Cloud Logging, and how to read it.

    A pipeline task's stdout reaches Cloud Logging under the pipeline job's resource
    (`aiplatform.googleapis.com/PipelineJob`). Not verified against a live project: a line that is a JSON
    object may be parsed into `jsonPayload` (structured logging), kept as text in `textPayload`, or wrapped
    as the `message` of a `jsonPayload` (as Vertex AI training logs are), depending on the task runtime's
    logging agent. The platform extracts all three, so the alert fires whichever way the line arrives; once
    a real run shows the shape, the other shapes' metrics simply stay empty.
    """

    key: str
    match: str
    """Filter clause that selects the summary line."""
    extractor: str
    """Value extractor with `{metric}` for the metric name."""


_VALUE_IN_TEXT = '"\\"{metric}\\": ([-+.0-9eE]+)"'


def log_line_shapes(key: str, probe: str) -> tuple[SummaryLogShape, ...]:
    """The three shapes of a one-line `{"<key>": {"metrics": {...}}}` log entry; `probe` is a metric the
    structured shape must carry (so the filter selects the line, not any entry with the key)."""
    key_in_text = f'"\\"{key}\\""'
    return (
        SummaryLogShape(
            "json", f"jsonPayload.{key}.metrics.{probe}:*", f"EXTRACT(jsonPayload.{key}.metrics.{{metric}})"
        ),
        SummaryLogShape("text", f"textPayload:{key_in_text}", f"REGEXP_EXTRACT(textPayload, {_VALUE_IN_TEXT})"),
        SummaryLogShape(
            "message", f"jsonPayload.message:{key_in_text}", f"REGEXP_EXTRACT(jsonPayload.message, {_VALUE_IN_TEXT})"
        ),
    )


SUMMARY_LOG_SHAPES = log_line_shapes(SUMMARY_LOG_KEY, "groundedness")
QUALITY_WINDOW = "600s"
"""A run logs one summary: its value is the only point in the window, so a miss fires at once."""


def quality_log_filter(shape: SummaryLogShape) -> str:
    """Log entries of pipeline jobs that are the evaluation summary line in `shape`."""
    resources = " OR ".join(f'"{r}"' for r in TASK_LOG_RESOURCES)
    return f"resource.type=({resources}) AND {shape.match}"


def quality_extractor(shape: SummaryLogShape, metric: str) -> str:
    return shape.extractor.format(metric=metric)


def quality_condition(
    metric: str, bound: Bound, threshold: float, log_metric_names: dict[str, str]
) -> list[gcp.monitoring.AlertPolicyConditionArgs]:
    """One condition per summary log shape: the run's mean `metric` below a `min` (or above a `max`) bound.

    `log_metric_names` maps each shape key to the log-based metric carrying this metric's value.
    """
    below = bound == "min"
    word = "<" if below else ">"
    return [
        _above_threshold(
            f"evaluation {metric} {word} {threshold:g} ({shape.key} log line)",
            threshold,
            "0s",
            filter=log_metric_filter(log_metric_names[shape.key]),
            comparison="COMPARISON_LT" if below else "COMPARISON_GT",
            # The mean of the distribution is the logged value itself; across runs the worst one counts.
            aggregations=[_aggregation("ALIGN_MEAN", "REDUCE_MIN" if below else "REDUCE_MAX", None, QUALITY_WINDOW)],
        )
        for shape in SUMMARY_LOG_SHAPES
    ]


# --- input drift (the drift line the evaluation pipeline logs, `pipelines/lib/drift.py`) -------------------

DRIFT_LOG_SHAPES = log_line_shapes(DRIFT_LOG_KEY, "length_psi")
"""The drift line arrives like the summary line (same task runtime, same logging agent): the same shapes."""


def drift_condition(
    metric: str, bound: float, log_metric_names: dict[str, str]
) -> list[gcp.monitoring.AlertPolicyConditionArgs]:
    """One condition per drift log shape: the run's `metric` above its bound (`retraining.drift_bounds`)."""
    return [
        _above_threshold(
            f"input drift {metric} > {bound:g} ({shape.key} log line)",
            bound,
            "0s",
            filter=log_metric_filter(log_metric_names[shape.key]),
            aggregations=[_aggregation("ALIGN_MEAN", "REDUCE_MAX", None, QUALITY_WINDOW)],
        )
        for shape in DRIFT_LOG_SHAPES
    ]


@dataclass(frozen=True)
class Runbook:
    """What the on-call reads in the incident: what fired, what it means, what to do, in order."""

    title: str
    meaning: str
    steps: tuple[str, ...]

    def markdown(self, env: str, dashboard: str) -> str:
        """The runbook for `env`; `dashboard` says where the environment's dashboard is (markdown)."""
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(self.steps, start=1))
        return (
            f"## {self.title} ({env})\n\n"
            f"**What it means.** {self.meaning}\n\n"
            f"**Dashboard:** {dashboard}\n\n"
            f"**What to do**\n\n{steps}\n"
        ).replace("{env}", env)


def latency_runbook(model: str, t: AlertThresholds) -> Runbook:
    return Runbook(
        title=f"Endpoint `{model}`: p99 latency above {t.latency_p99_ms:g} ms",
        meaning=(
            f"For {t.duration_seconds} s the slowest 1% of online predictions of `{model}` took longer than "
            f"{t.latency_p99_ms:g} ms. Users wait; clients may time out and retry, adding load."
        ),
        steps=(
            "Open the dashboard: compare latency with prediction count and replicas. Load up and replicas at "
            "max_replicas means the endpoint is saturated; raise `max_replicas` for the model in the environment "
            "config and apply (`pulumi up --stack {env}`).",
            "If latency rose right after a release (new model version or traffic split), roll back: "
            f"`{ROLLBACK_COMMAND}`.",
            "Otherwise check the serving container's logs (Logs Explorer, resource "
            f"`{ENDPOINT_RESOURCE}`) for slow downstream calls (retrieval, grounding) and quota errors.",
            "Post in the incident channel what you found and whether the alert closed.",
        ),
    )


def error_ratio_runbook(model: str, t: AlertThresholds) -> Runbook:
    return Runbook(
        title=f"Endpoint `{model}`: 5xx ratio above {t.error_ratio:g}",
        meaning=(
            f"More than {t.error_ratio:.1%} of the predictions of `{model}` failed with a server error for "
            f"{t.duration_seconds} s. Users get errors instead of answers."
        ),
        steps=(
            "Open the dashboard: did errors start with a release, a traffic change or a replica drop?",
            f"If they started with a release, roll back now: `{ROLLBACK_COMMAND}`; investigate afterwards.",
            "Read the serving container's errors in Logs Explorer (resource "
            f"`{ENDPOINT_RESOURCE}`, severity>=ERROR): out-of-memory, model load failures, quota exhaustion.",
            "If replicas are crash-looping, check the model artifact and serving image digests of the release.",
        ),
    )


def dead_letter_runbook(logical: str, t: AlertThresholds) -> Runbook:
    return Runbook(
        title=f"Subscription `{logical}`: messages dead-lettered",
        meaning=(
            f"More than {t.dead_letter_messages} message(s) of `{logical}` failed every delivery attempt and were "
            "moved to the dead-letter topic. They are kept there by its own subscription (31 days), not lost."
        ),
        steps=(
            "Open the dashboard: is the consumer down (no acks at all) or are only some messages rejected?",
            "Pull a few dead letters without acking them (`gcloud pubsub subscriptions pull "
            "<dead-letter subscription> --limit=5`) and read the payload and attributes.",
            "For the BigQuery subscription, a dead letter means BigQuery rejected the row: compare the message "
            "with the feedback table's schema.",
            "Fix the consumer or the producer, then replay the dead letters to the source topic.",
        ),
    )


def oldest_unacked_runbook(logical: str, t: AlertThresholds) -> Runbook:
    return Runbook(
        title=f"Subscription `{logical}`: backlog older than {t.oldest_unacked_seconds} s",
        meaning=(
            f"The oldest unacknowledged message of `{logical}` has waited more than {t.oldest_unacked_seconds} s: "
            "its consumer is stopped, too slow, or failing without acking."
        ),
        steps=(
            "Open the dashboard: backlog growing steadily means the consumer is down or under-scaled.",
            "Check the consumer's logs and restarts; scale it out if it is healthy but slow.",
            "If messages are nacked repeatedly they will be dead-lettered after the configured attempts; "
            "watch the dead-letter alert of the same subscription.",
        ),
    )


def pipeline_failure_runbook(t: AlertThresholds) -> Runbook:
    return Runbook(
        title="Vertex AI pipeline runs failed",
        meaning=(
            f"More than {t.failed_pipeline_runs} pipeline run(s) logged errors in the last 5 minutes: training, "
            "evaluation or registration did not complete, so no new model version reached the registry."
        ),
        steps=(
            "Open Vertex AI > Pipelines in the console, find the failed run and the failed task.",
            "Read the task's logs (Logs Explorer, resource "
            f"`{PIPELINE_JOB_RESOURCE}`, severity>=ERROR): quota, permission, data or code errors.",
            "Re-run the pipeline once the cause is fixed; serving is unaffected (the endpoint keeps the "
            "current model).",
        ),
    )


def gateway_fallback_runbook(model: str, share: float, t: AlertThresholds) -> Runbook:
    return Runbook(
        title=f"Gateway `{model}`: fallback share above {share:g}",
        meaning=(
            f"For {t.duration_seconds} s more than {share:.0%} of the answers the serving gateway gave were not "
            f"from the model `{model}` but from the previous version, the rules file or the canned message. "
            "Users still get answers, but worse ones; the model is failing, slow, or blocking answers."
        ),
        steps=(
            "Open the dashboard: which source took over (previous, rules, canned), and do the endpoint's 5xx "
            "ratio or p99 latency alerts fire too?",
            f"Read why in the gateway's answer log (Logs Explorer, `jsonPayload.{ANSWER_LOG_KEY}.failures`): "
            "timeout, throttled (quota), server_error, blocked, empty or malformed, and circuit_open once the "
            "breaker stopped calling the model.",
            "If it started with a release or a canary, end it: `mlops canary abort --env {env}` during a canary, "
            f"`{ROLLBACK_COMMAND}` otherwise.",
            "Throttled: raise the endpoint's quota or `max_replicas`. Blocked: compare the questions with the "
            "safety settings of the release. Timeouts: compare `serving.gateway.deadline_ms` with the p99 latency.",
        ),
    )


def quality_runbook(metric: str, bound: Bound, threshold: float) -> Runbook:
    below = bound == "min"
    return Runbook(
        title=f"Evaluation: {metric} {'below' if below else 'above'} {threshold:g}",
        meaning=(
            f"The latest evaluation run scored the endpoint's sampled answers with a mean {metric} "
            f"{'below the minimum' if below else 'above the maximum'} of {threshold:g} that releases into this "
            "environment must meet (`release.evaluation_gates`). Users are getting worse answers than the "
            "release was admitted with."
        ),
        steps=(
            "Open Vertex AI > Pipelines, find the latest `genai-evaluation` run and its `write-summary` task: "
            "the summary lists every metric, the thresholds and the reasons.",
            "Read the flagged examples in the evaluation dataset's `results_review` table (same `run`): are "
            "they one topic, one kind of question, or everything?",
            "If quality dropped right after a release (new model version or traffic split), roll back: "
            f"`{ROLLBACK_COMMAND}`.",
            "If the release is unchanged, the traffic changed: add the failing questions to the tuning data "
            "and start a tuning run; keep the alert open until an evaluation run passes.",
            "The alert closes by itself a day after the run (the next scheduled run re-evaluates).",
        ),
    )


def drift_runbook(metric: str, bound: float) -> Runbook:
    return Runbook(
        title=f"Input drift: {metric} above {bound:g}",
        meaning=(
            f"The prompts of the latest evaluation window differ from the release's evaluation set: {metric} "
            f"measured above {bound:g} (`retraining.drift_bounds`). The model is answering questions it was not "
            "evaluated on; quality alerts may follow."
        ),
        steps=(
            "Open Vertex AI > Pipelines, the latest `genai-evaluation` run, task `check-input-drift`: its report "
            "lists every drift metric, the bounds and the reasons.",
            "Query the evaluation dataset's `results_drift` table for the last runs: a single spike (a campaign, "
            "a bot) or a trend?",
            "Lengths or empty/oversized shares: check the clients calling the gateway (a new integration, "
            "truncation). Tokens or scripts: new topics or languages; add examples of them to the tuning data.",
            "Where `retraining.enabled` is on, the evaluation run also published a retraining request: follow "
            "the run on the model-events topic and cut its candidate with `mlops release cut --env dev`.",
        ),
    )
