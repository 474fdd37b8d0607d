"""The Observability component under the SDK's mocks: channels, alert policies, log metric, dashboard."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest

from infra.components import alerts
from infra.components.naming import Naming
from infra.components.observability import Observability, ObservabilityArgs
from infra.config.model import AlertThresholds, EnvironmentConfig, MetricBound
from pipelines.lib.metrics import METRIC_NAMES
from pipelines.lib.quality_gate import Thresholds
from pipelines.lib.summary import quality_summary, summary_log_line
from tests.pipeline_runs import SharedRuns

from . import env_refs
from .mocks import Recorded, Recording, run

ENVS = ("dev", "staging", "prod")
POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
DASHBOARD = "gcp:monitoring/dashboard:Dashboard"
LOG_METRIC = "gcp:logging/metric:Metric"
TOPIC_IAM = "gcp:pubsub/topicIAMMember:TopicIAMMember"
PLATFORM_LABELS = ("env", "app", "component", "managed-by")
ENDPOINT_IDS = {"assistant": "projects/p/locations/europe-west4/endpoints/4711", "summarizer": "815"}


def subscriptions_for(cfg: EnvironmentConfig) -> dict[str, str]:
    naming = Naming(cfg)
    return {
        "model-events": naming.topic("model-events", "sub"),
        "user-feedback": naming.topic("user-feedback", "sub"),
        "user-feedback-bigquery": (
            f"projects/{cfg.project.id}/subscriptions/{naming.topic('user-feedback', 'bigquery')}"
        ),
    }


def automation_topic(cfg: EnvironmentConfig) -> str:
    return f"projects/{cfg.project.id}/topics/{Naming(cfg).topic('model-events')}"


def synth(cfg: EnvironmentConfig, *, endpoints: dict[str, str] | None = None, with_topic: bool = True) -> Recording:
    def build() -> dict[str, Any]:
        obs = Observability(
            "observability",
            ObservabilityArgs(
                cfg,
                Naming(cfg),
                env_refs.project_refs(cfg),
                endpoints={k: pulumi.Output.from_input(v) for k, v in (endpoints or ENDPOINT_IDS).items()},
                subscriptions={k: pulumi.Output.from_input(v) for k, v in subscriptions_for(cfg).items()},
                automation_topic=pulumi.Output.from_input(automation_topic(cfg)) if with_topic else None,
            ),
        )
        return {
            "dashboard_url": obs.dashboard_url,
            "policies": sorted(obs.alert_policies),
            "channels": sorted(obs.channels),
        }

    return run(build)


@pytest.fixture(scope="module", params=ENVS)
def env(request: pytest.FixtureRequest) -> tuple[EnvironmentConfig, Recording]:
    cfg = env_refs.config(request.param)
    return cfg, synth(cfg)


def condition(policy: Recorded) -> dict[str, Any]:
    (only,) = policy.inputs["conditions"]
    threshold: dict[str, Any] = only["conditionThreshold"]
    return threshold


def _filters(node: Any) -> list[str]:
    """Every monitoring filter string anywhere in a dashboard definition."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "filter"] + [f for v in node.values() for f in _filters(v)]
    if isinstance(node, list):
        return [f for v in node for f in _filters(v)]
    return []


def filters_of(policy: Recorded) -> list[str]:
    return [c["conditionThreshold"]["filter"] for c in policy.inputs["conditions"]]


def policies_on(rec: Recording, needle: str) -> list[Recorded]:
    return [p for p in rec.of_type(POLICY) if any(needle in f for f in filters_of(p))]


def test_one_email_channel_per_address_and_an_automation_channel(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    channels = rec.of_type(CHANNEL)
    emails = sorted(c.inputs["labels"]["email_address"] for c in channels if c.inputs["type"] == "email")
    assert emails == sorted(cfg.observability.notification_emails)
    (pubsub,) = [c for c in channels if c.inputs["type"] == "pubsub"]
    assert pubsub.inputs["labels"] == {"topic": automation_topic(cfg)}, pubsub.urn
    (grant,) = rec.of_type(TOPIC_IAM)
    assert grant.inputs["topic"] == automation_topic(cfg), grant.urn
    assert grant.inputs["role"] == "roles/pubsub.publisher", grant.urn
    assert grant.inputs["member"] == (
        f"serviceAccount:service-{env_refs.PROJECT_NUMBER}@gcp-sa-monitoring-notification.iam.gserviceaccount.com"
    ), grant.urn
    assert grant.urn in pubsub.dependencies, f"{pubsub.urn}: the agent must be able to publish first"


def test_no_automation_channel_without_a_topic() -> None:
    rec = synth(env_refs.config("dev"), with_topic=False)
    assert [c.inputs["type"] for c in rec.of_type(CHANNEL)] == ["email"]
    assert rec.of_type(TOPIC_IAM) == []


def test_every_endpoint_has_latency_and_error_alerts(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    t = cfg.observability.thresholds
    for endpoint_id in ("4711", "815"):
        selector = f'resource.labels.endpoint_id = "{endpoint_id}"'
        latency = [p for p in policies_on(rec, selector) if "prediction_latencies" in condition(p)["filter"]]
        errors = [p for p in policies_on(rec, selector) if "denominatorFilter" in condition(p)]
        assert len(latency) == 1, f"endpoint {endpoint_id}: both alerts"
        assert len(errors) == 1, f"endpoint {endpoint_id}: both alerts"
        lat = condition(latency[0])
        assert lat["aggregations"][0]["perSeriesAligner"] == "ALIGN_PERCENTILE_99", latency[0].urn
        assert (lat["comparison"], lat["thresholdValue"]) == ("COMPARISON_GT", t.latency_p99_ms), latency[0].urn
        assert lat["duration"] == f"{t.duration_seconds}s", latency[0].urn
        err = condition(errors[0])
        assert err["filter"] == (
            'resource.type = "aiplatform.googleapis.com/Endpoint" AND '
            f'resource.labels.endpoint_id = "{endpoint_id}" AND '
            'metric.type = "aiplatform.googleapis.com/prediction/online/response_count" AND '
            'metric.labels.response_code = starts_with("5")'
        ), errors[0].urn
        assert err["denominatorFilter"] == alerts.endpoint_filter(endpoint_id, "response_count"), errors[0].urn
        for agg in (err["aggregations"][0], err["denominatorAggregations"][0]):
            assert (agg["perSeriesAligner"], agg["crossSeriesReducer"]) == ("ALIGN_DELTA", "REDUCE_SUM"), errors[0].urn
        assert (err["comparison"], err["thresholdValue"]) == ("COMPARISON_GT", t.error_ratio), errors[0].urn


def test_served_model_thresholds_override_the_environment() -> None:
    base = env_refs.config("dev")
    model = base.serving.models[0].model_copy(update={"alerts": AlertThresholds(latency_p99_ms=1234, error_ratio=0.5)})
    cfg = base.model_copy(update={"serving": base.serving.model_copy(update={"models": [model]})})
    rec = synth(cfg, endpoints={model.name: "99"})
    (latency,) = policies_on(rec, "prediction_latencies")
    (errors,) = [p for p in policies_on(rec, "endpoint_id") if "denominatorFilter" in condition(p)]
    assert condition(latency)["thresholdValue"] == 1234, latency.urn
    assert condition(errors)["thresholdValue"] == 0.5, errors.urn


def test_every_dead_letter_subscription_has_its_alerts(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    t = cfg.observability.thresholds
    for logical, name in subscriptions_for(cfg).items():
        subscription_id = name.rsplit("/", 1)[-1]
        selector = f'resource.labels.subscription_id = "{subscription_id}"'
        found = {condition(p)["filter"].rsplit("/", 1)[-1].rstrip('"'): p for p in policies_on(rec, selector)}
        assert set(found) == {"dead_letter_message_count", "oldest_unacked_message_age"}, logical
        dead = condition(found["dead_letter_message_count"])
        assert (dead["comparison"], dead["thresholdValue"]) == ("COMPARISON_GT", t.dead_letter_messages), logical
        assert dead["aggregations"][0]["perSeriesAligner"] == "ALIGN_DELTA", logical
        age = condition(found["oldest_unacked_message_age"])
        assert age["thresholdValue"] == t.oldest_unacked_seconds, logical


def test_failed_pipeline_runs_counted_by_a_log_metric(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    (metric,) = [m for m in rec.of_type(LOG_METRIC) if m.inputs["name"].endswith("pipeline-failures")]
    assert 'resource.type="aiplatform.googleapis.com/PipelineJob"' in metric.inputs["filter"], metric.urn
    assert "severity>=ERROR" in metric.inputs["filter"], metric.urn
    assert metric.inputs["metricDescriptor"]["metricKind"] == "DELTA", metric.urn
    assert metric.inputs["labelExtractors"] == {"pipeline_job_id": "EXTRACT(resource.labels.pipeline_job_id)"}
    (policy,) = policies_on(rec, f"logging.googleapis.com/user/{metric.inputs['name']}")
    assert metric.urn in policy.dependencies, f"{policy.urn}: the metric must exist before the alert"
    assert condition(policy)["thresholdValue"] == cfg.observability.thresholds.failed_pipeline_runs, policy.urn


def test_every_alert_is_documented_labelled_and_notifies(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    policies = rec.of_type(POLICY)
    gates = cfg.release.evaluation_gates
    quality = sum((b.min is not None) + (b.max is not None) for m, b in gates.items() if m in METRIC_NAMES)
    gateway = cfg.serving.gateway_model is not None
    drift = len(cfg.retraining.drift_bounds.as_metrics())
    assert len(policies) == 2 * len(ENDPOINT_IDS) + 2 * len(subscriptions_for(cfg)) + 1 + quality + gateway + drift
    channel_ids = sorted(f"{c.name}_id" for c in rec.of_type(CHANNEL))
    for p in policies:
        doc = p.inputs["documentation"]
        assert doc["mimeType"] == "text/markdown", p.urn
        assert "**What to do**" in doc["content"], f"{p.urn}: runbook steps"
        assert "1. " in doc["content"], f"{p.urn}: runbook steps"
        dashboards = f"https://console.cloud.google.com/monitoring/dashboards?project={cfg.project.id}"
        assert f"*{cfg.prefix} GenAI platform* in {dashboards}" in doc["content"], f"{p.urn}: links the dashboard"
        assert "{env}" not in doc["content"], p.urn
        assert f"({cfg.name})" in doc["content"], p.urn
        assert p.inputs["severity"] in ("CRITICAL", "ERROR", "WARNING"), p.urn
        assert sorted(p.inputs["notificationChannels"]) == channel_ids, p.urn
        for key in PLATFORM_LABELS:
            assert key in p.inputs["userLabels"], f"{p.urn}: label {key} missing"
    for endpoint_alert in policies_on(rec, "endpoint_id"):
        assert f"mlops rollback --env {cfg.name}" in endpoint_alert.inputs["documentation"]["content"], (
            endpoint_alert.urn
        )
    for c in rec.of_type(CHANNEL):
        assert c.inputs["userLabels"]["component"] == "observability", c.urn


def test_dashboard_covers_endpoints_pubsub_and_pipelines(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    (dashboard,) = rec.of_type(DASHBOARD)
    raw = dashboard.inputs["dashboardJson"]
    assert raw == json.dumps(json.loads(raw), sort_keys=True), f"{dashboard.urn}: canonical JSON"
    widgets = json.loads(raw)["gridLayout"]["widgets"]
    titles = [w["title"] for w in widgets]
    for model in ENDPOINT_IDS:
        for suffix in (
            "p99 prediction latency",
            "5xx ratio",
            "predictions per second",
            "replicas (current and target)",
        ):
            assert f"{model}: {suffix}" in titles, f"{dashboard.urn}: {model} {suffix}"
    for title in ("Pub/Sub: undelivered messages (backlog)", "Pub/Sub: dead-lettered messages", "Failed pipeline runs"):
        assert title in titles, dashboard.urn
    filters = " ".join(_filters(json.loads(raw)))
    for name in subscriptions_for(cfg).values():
        assert f'"{name.rsplit("/", 1)[-1]}"' in filters, f"{dashboard.urn}: shows {name}"
    assert rec.value["dashboard_url"] == (
        "https://console.cloud.google.com/monitoring/dashboards/builder/"
        f"observability-dashboard_id?project={cfg.project.id}"
    )


def test_children_depend_on_apis_and_are_parented(env: tuple[EnvironmentConfig, Recording]) -> None:
    _cfg, rec = env
    component = rec.named("observability")
    assert component.type == "genai-mlops:platform:Observability"
    services = {r.urn for r in rec.of_type("gcp:projects/service:Service")}
    for child in rec.children_of(component):
        assert child.name.startswith("observability-"), child.urn
        assert services <= set(child.dependencies), f"{child.urn}: must wait for the APIs"
    assert len(rec.children_of(component)) == len(rec.custom()) - len(services)


def _entry(shape: alerts.SummaryLogShape, line: str) -> dict[str, Any]:
    """The log entry carrying `line` in `shape` (parsed JSON payload, text payload, or a JSON message)."""
    if shape.key == "json":
        return {"jsonPayload": json.loads(line)}
    if shape.key == "text":
        return {"textPayload": line}
    assert shape.key == "message", shape
    return {"jsonPayload": {"message": line}}


def _field(entry: dict[str, Any], path: str) -> Any:
    node: Any = entry
    for part in path.split("."):
        node = node[part]
    return node


def _extract(shape: alerts.SummaryLogShape, metric: str, line: str) -> float:
    """What Cloud Logging's value extractor of `shape` yields for `line` (JSON path or RE2-compatible regex)."""
    extractor = alerts.quality_extractor(shape, metric)
    entry = _entry(shape, line)
    if extractor.startswith("EXTRACT("):
        return float(_field(entry, extractor.removeprefix("EXTRACT(").removesuffix(")")))
    pattern = re.fullmatch(r'REGEXP_EXTRACT\(([\w.]+), "(.*)"\)', extractor)
    assert pattern, extractor
    match = re.search(pattern.group(2).replace('\\"', '"'), _field(entry, pattern.group(1)))
    assert match, (extractor, line)
    return float(match.group(1))


@pytest.fixture(scope="module")
def printed_summary(shared_runs: SharedRuns) -> tuple[str, dict[str, Any]]:
    """The summary line a real local evaluation run prints (bad sample), and the summary it wrote."""
    result = shared_runs.get("evaluation", sample="bad")
    lines = [x.strip() for x in result.log_file.read_text().splitlines() if '{"quality_summary"' in x]
    assert len(lines) == 1, lines
    return lines[0], result.report


@pytest.mark.slow
def test_quality_extractors_read_the_line_a_real_run_prints(printed_summary: tuple[str, dict[str, Any]]) -> None:
    line, report = printed_summary
    for shape in alerts.SUMMARY_LOG_SHAPES:
        for metric in METRIC_NAMES:
            assert _extract(shape, metric, line) == report["metrics"][metric], (shape.key, metric)
    assert not report["passed"], "the bad sample misses the gates, so these values would fire the alerts"


def test_quality_log_metrics_read_the_summary_line_the_pipeline_prints(
    env: tuple[EnvironmentConfig, Recording],
) -> None:
    cfg, rec = env
    rows = [
        {"groundedness": 0.5, "toxicity": 0.25, "relevance": 0.125, "fluency": 1.0},
        {"groundedness": 1.0, "toxicity": 0.0, "relevance": 0.375, "fluency": 0.5},
    ]
    document = quality_summary(rows, 1, Thresholds(), "genai-evaluation-1")
    line = summary_log_line(document)
    metrics = {m.inputs["name"]: m for m in rec.of_type(LOG_METRIC)}
    for metric in METRIC_NAMES:
        for shape in alerts.SUMMARY_LOG_SHAPES:
            name = Naming(cfg).name("evaluation", metric, shape.key)
            log_metric = metrics[name]
            assert log_metric.inputs["filter"].startswith(
                'resource.type=("aiplatform.googleapis.com/PipelineJob" OR "ml_job") AND '
            ), name
            assert log_metric.inputs["valueExtractor"] == alerts.quality_extractor(shape, metric), name
            assert log_metric.inputs["metricDescriptor"]["valueType"] == "DISTRIBUTION", name
            assert log_metric.inputs["bucketOptions"]["linearBuckets"]["numFiniteBuckets"] == 20, name
            assert _extract(shape, metric, line) == document["metrics"][metric], (name, line)
    # the text shape's filter selects the line by its key, as it appears in the printed text
    assert '"quality_summary"' in line
    assert line.startswith('{"quality_summary": {')


def test_quality_alerts_follow_the_release_gates(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    policies = {p.name.removeprefix("observability-"): p for p in rec.of_type(POLICY)}
    expected = {
        (metric, side, value)
        for metric, bound in cfg.release.evaluation_gates.items()
        for side, value in (("min", bound.min), ("max", bound.max))
        if value is not None and metric in METRIC_NAMES
    }
    found = set()
    for metric, side, value in expected:
        policy = policies[f"quality-{metric}-{side}"]
        conditions = [c["conditionThreshold"] for c in policy.inputs["conditions"]]
        assert len(conditions) == len(alerts.SUMMARY_LOG_SHAPES), policy.urn
        for shape, threshold in zip(alerts.SUMMARY_LOG_SHAPES, conditions, strict=True):
            log_metric = Naming(cfg).name("evaluation", metric, shape.key)
            assert threshold["filter"] == alerts.log_metric_filter(log_metric), policy.urn
            assert threshold["thresholdValue"] == value, policy.urn
            assert threshold["comparison"] == ("COMPARISON_LT" if side == "min" else "COMPARISON_GT"), policy.urn
            assert threshold["aggregations"][0]["perSeriesAligner"] == "ALIGN_MEAN", policy.urn
        metric_urns = {m.urn for m in rec.of_type(LOG_METRIC) if metric in m.inputs["name"]}
        assert metric_urns <= set(policy.dependencies), f"{policy.urn}: its log metrics must exist first"
        assert "results_review" in policy.inputs["documentation"]["content"], policy.urn
        found.add((metric, side, value))
    assert found == expected
    assert len(expected) >= 4
    if cfg.name == "prod":
        assert ("groundedness", "min", 0.85) in expected, "prod's own groundedness gate drives its alert"


def test_a_gate_with_both_bounds_gets_both_alerts_and_unknown_metrics_none() -> None:
    base = env_refs.config("dev")
    gates = {"relevance": MetricBound(min=0.4, max=0.99), "exact_match": MetricBound(min=0.5)}
    cfg = base.model_copy(update={"release": base.release.model_copy(update={"evaluation_gates": gates})})
    rec = synth(cfg)
    quality = sorted(p.name for p in rec.of_type(POLICY) if "quality-" in p.name)
    assert quality == ["observability-quality-relevance-max", "observability-quality-relevance-min"]


def test_dashboard_charts_each_evaluation_metric_against_its_gate(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    (dashboard,) = rec.of_type(DASHBOARD)
    widgets = {w["title"]: w for w in json.loads(dashboard.inputs["dashboardJson"])["gridLayout"]["widgets"]}
    for metric in METRIC_NAMES:
        chart = widgets[f"Evaluation: {metric} (mean per run)"]["xyChart"]
        filters = [d["timeSeriesQuery"]["timeSeriesFilter"]["filter"] for d in chart["dataSets"]]
        assert filters == [
            alerts.log_metric_filter(Naming(cfg).name("evaluation", metric, shape.key))
            for shape in alerts.SUMMARY_LOG_SHAPES
        ], dashboard.urn
        bound = cfg.release.evaluation_gates.get(metric)
        if bound is None:
            assert "thresholds" not in chart, f"{dashboard.urn}: {metric} has no gate"
        else:
            line = bound.min if bound.min is not None else bound.max
            assert chart["thresholds"] == [{"label": "alert threshold", "value": line}], dashboard.urn


def test_quality_filters_read_literally() -> None:
    """The exact strings Cloud Logging and Monitoring receive for one metric (not rebuilt from the helpers)."""
    shape = next(s for s in alerts.SUMMARY_LOG_SHAPES if s.key == "json")
    assert alerts.quality_log_filter(shape) == (
        'resource.type=("aiplatform.googleapis.com/PipelineJob" OR "ml_job") '
        "AND jsonPayload.quality_summary.metrics.groundedness:*"
    )
    assert alerts.quality_extractor(shape, "toxicity") == "EXTRACT(jsonPayload.quality_summary.metrics.toxicity)"
    assert alerts.log_metric_filter("genai-dev-evaluation-toxicity-json") == (
        'metric.type = "logging.googleapis.com/user/genai-dev-evaluation-toxicity-json"'
    )
