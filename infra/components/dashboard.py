"""The environment's Cloud Monitoring dashboard, as the dict `gcp.monitoring.Dashboard(dashboard_json=...)` takes.

One page per environment: per endpoint latency (with its alert threshold), 5xx ratio, prediction count and
replicas; Pub/Sub backlog, oldest unacked age and dead letters of the subscriptions that dead-letter; failed
pipeline runs; the evaluation pipeline's quality metrics per run, with the release gate as threshold; the
serving gateway's answers by source and its fallback share, with the alert's share as threshold; the input
drift metrics per run, with their bounds as thresholds. Built
from plain ids so it is testable without Pulumi; serialize with `dashboard_json`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from infra.components.alerts import (
    ALIGNMENT,
    COUNT_WINDOW,
    QUALITY_WINDOW,
    SERVER_ERRORS,
    SUBSCRIPTION_METRICS,
    SUBSCRIPTION_RESOURCE,
    endpoint_filter,
    fallback_answers_filter,
    log_metric_filter,
)
from infra.config.model import AlertThresholds

COLUMNS = 2


def _series(filter_: str, aligner: str, reducer: str, group_by: list[str], period: str = ALIGNMENT) -> dict[str, Any]:
    return {
        "filter": filter_,
        "aggregation": {
            "alignmentPeriod": period,
            "perSeriesAligner": aligner,
            "crossSeriesReducer": reducer,
            "groupByFields": group_by,
        },
    }


def _chart(title: str, datasets: list[dict[str, Any]], y_label: str, threshold: float | None = None) -> dict[str, Any]:
    chart: dict[str, Any] = {
        "dataSets": [{**d, "plotType": "LINE", "minAlignmentPeriod": ALIGNMENT} for d in datasets],
        "yAxis": {"label": y_label, "scale": "LINEAR"},
    }
    if threshold is not None:
        chart["thresholds"] = [{"label": "alert threshold", "value": threshold}]
    return {"title": title, "xyChart": chart}


def _endpoint_widgets(model: str, endpoint_id: str, t: AlertThresholds) -> list[dict[str, Any]]:
    by_endpoint = ["resource.label.endpoint_id"]
    return [
        _chart(
            f"{model}: p99 prediction latency",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            endpoint_filter(endpoint_id, "prediction_latencies"),
                            "ALIGN_PERCENTILE_99",
                            "REDUCE_MAX",
                            by_endpoint,
                        )
                    }
                }
            ],
            "ms",
            t.latency_p99_ms,
        ),
        _chart(
            f"{model}: 5xx ratio",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilterRatio": {
                            "numerator": _series(
                                endpoint_filter(endpoint_id, "response_count", SERVER_ERRORS),
                                "ALIGN_DELTA",
                                "REDUCE_SUM",
                                by_endpoint,
                                COUNT_WINDOW,
                            ),
                            "denominator": _series(
                                endpoint_filter(endpoint_id, "response_count"),
                                "ALIGN_DELTA",
                                "REDUCE_SUM",
                                by_endpoint,
                                COUNT_WINDOW,
                            ),
                        }
                    }
                }
            ],
            "ratio",
            t.error_ratio,
        ),
        _chart(
            f"{model}: predictions per second",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            endpoint_filter(endpoint_id, "prediction_count"), "ALIGN_RATE", "REDUCE_SUM", by_endpoint
                        )
                    }
                }
            ],
            "1/s",
        ),
        _chart(
            f"{model}: replicas (current and target)",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            endpoint_filter(endpoint_id, metric), "ALIGN_MEAN", "REDUCE_SUM", by_endpoint
                        )
                    },
                    "legendTemplate": metric,
                }
                for metric in ("replicas", "target_replicas")
            ],
            "replicas",
        ),
    ]


def _subscriptions_filter(subscription_ids: list[str], metric: str) -> str:
    quoted = ", ".join(f'"{s}"' for s in subscription_ids)
    return " AND ".join(
        [
            f'resource.type = "{SUBSCRIPTION_RESOURCE}"',
            f"resource.labels.subscription_id = one_of({quoted})",
            f'metric.type = "{SUBSCRIPTION_METRICS}/{metric}"',
        ]
    )


def _pubsub_widgets(subscription_ids: list[str], t: AlertThresholds) -> list[dict[str, Any]]:
    if not subscription_ids:
        return []
    by_subscription = ["resource.label.subscription_id"]
    return [
        _chart(
            "Pub/Sub: undelivered messages (backlog)",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            _subscriptions_filter(subscription_ids, "num_undelivered_messages"),
                            "ALIGN_MAX",
                            "REDUCE_MAX",
                            by_subscription,
                        )
                    }
                }
            ],
            "messages",
        ),
        _chart(
            "Pub/Sub: oldest unacked message age",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            _subscriptions_filter(subscription_ids, "oldest_unacked_message_age"),
                            "ALIGN_MAX",
                            "REDUCE_MAX",
                            by_subscription,
                        )
                    }
                }
            ],
            "s",
            t.oldest_unacked_seconds,
        ),
        _chart(
            "Pub/Sub: dead-lettered messages",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            _subscriptions_filter(subscription_ids, "dead_letter_message_count"),
                            "ALIGN_DELTA",
                            "REDUCE_SUM",
                            by_subscription,
                            COUNT_WINDOW,
                        )
                    }
                }
            ],
            "messages",
            t.dead_letter_messages,
        ),
    ]


def _gateway_widgets(metric: str, fallback_share: float | None) -> list[dict[str, Any]]:
    return [
        _chart(
            "Gateway: answers by source",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            log_metric_filter(metric),
                            "ALIGN_DELTA",
                            "REDUCE_SUM",
                            ["metric.label.source"],
                            COUNT_WINDOW,
                        )
                    },
                    "legendTemplate": "${metric.labels.source}",
                }
            ],
            "answers",
        ),
        _chart(
            "Gateway: fallback share (answers not from the model)",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilterRatio": {
                            "numerator": _series(
                                fallback_answers_filter(metric), "ALIGN_DELTA", "REDUCE_SUM", [], COUNT_WINDOW
                            ),
                            "denominator": _series(
                                log_metric_filter(metric), "ALIGN_DELTA", "REDUCE_SUM", [], COUNT_WINDOW
                            ),
                        }
                    }
                }
            ],
            "ratio",
            fallback_share,
        ),
    ]


def definition(
    *,
    display_name: str,
    intro_markdown: str,
    endpoints: Mapping[str, str],
    endpoint_thresholds: Mapping[str, AlertThresholds],
    subscriptions: Mapping[str, str],
    pipeline_metric: str,
    thresholds: AlertThresholds,
    quality_metrics: Mapping[str, Sequence[str]] | None = None,
    quality_thresholds: Mapping[str, float] | None = None,
    gateway_metric: str | None = None,
    gateway_fallback_share: float | None = None,
    drift_metrics: Mapping[str, Sequence[str]] | None = None,
    drift_thresholds: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The dashboard: endpoints sorted by served model name, subscriptions by logical name.

    quality_metrics: evaluation metric -> its log-based metrics (one per summary log shape); one chart each,
        with `quality_thresholds[metric]` (the release gate's bound) drawn when given. Default: no charts.
    gateway_metric: the gateway's answers-by-source log metric; two charts (answers by source, fallback share
        with `gateway_fallback_share` as threshold). Default: none (no gateway).
    drift_metrics: input drift metric -> its log-based metrics (one per drift log shape); one chart each, with
        `drift_thresholds[metric]` (its bound) drawn. Default: no charts.
    """
    widgets: list[dict[str, Any]] = [
        {"title": "How to read this dashboard", "text": {"content": intro_markdown, "format": "MARKDOWN"}}
    ]
    for model in sorted(endpoints):
        widgets += _endpoint_widgets(model, endpoints[model], endpoint_thresholds[model])
    widgets += _pubsub_widgets([subscriptions[k] for k in sorted(subscriptions)], thresholds)
    widgets.append(
        _chart(
            "Failed pipeline runs",
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            log_metric_filter(pipeline_metric), "ALIGN_DELTA", "REDUCE_COUNT", [], COUNT_WINDOW
                        )
                    }
                }
            ],
            "runs",
            thresholds.failed_pipeline_runs,
        )
    )
    if gateway_metric is not None:
        widgets += _gateway_widgets(gateway_metric, gateway_fallback_share)
    for metric, log_metrics in sorted((quality_metrics or {}).items()):
        widgets.append(
            _chart(
                f"Evaluation: {metric} (mean per run)",
                [
                    {
                        "timeSeriesQuery": {
                            "timeSeriesFilter": _series(
                                log_metric_filter(name), "ALIGN_MEAN", "REDUCE_MEAN", [], QUALITY_WINDOW
                            )
                        }
                    }
                    for name in log_metrics
                ],
                metric,
                (quality_thresholds or {}).get(metric),
            )
        )
    widgets += _value_charts("Input drift: {metric} (per run)", drift_metrics, drift_thresholds)
    return {"displayName": display_name, "gridLayout": {"columns": str(COLUMNS), "widgets": widgets}}


def _value_charts(
    title: str, log_metrics: Mapping[str, Sequence[str]] | None, thresholds: Mapping[str, float] | None
) -> list[dict[str, Any]]:
    """One chart per metric of a once-per-run log line (every shape's series on it), its bound as threshold."""
    return [
        _chart(
            title.format(metric=metric),
            [
                {
                    "timeSeriesQuery": {
                        "timeSeriesFilter": _series(
                            log_metric_filter(name), "ALIGN_MEAN", "REDUCE_MEAN", [], QUALITY_WINDOW
                        )
                    }
                }
                for name in names
            ],
            metric,
            (thresholds or {}).get(metric),
        )
        for metric, names in sorted((log_metrics or {}).items())
    ]


def dashboard_json(dashboard: Mapping[str, Any]) -> str:
    """Canonical JSON (sorted keys): the same dashboard always gives the same bytes, so no spurious diffs."""
    return json.dumps(dashboard, sort_keys=True)
