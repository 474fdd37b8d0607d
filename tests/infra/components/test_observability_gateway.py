"""The serving gateway's observability: its answers counted by source, the fallback-share alert, two tiles."""

from __future__ import annotations

import json

from infra.components import alerts
from infra.components.naming import Naming
from infra.config.model import EnvironmentConfig
from serving.answer_log import ANSWER_LOG_KEY, AnswerRecord, JsonLineSink

from . import env_refs
from .test_observability import DASHBOARD, LOG_METRIC, POLICY, condition, synth


def gateway_metric_name(cfg: EnvironmentConfig) -> str:
    return Naming(cfg).name("gateway-answers")


def test_answers_are_counted_by_source_from_the_gateway_log_line() -> None:
    cfg = env_refs.config("prod")
    rec = synth(cfg)
    (metric,) = [m for m in rec.of_type(LOG_METRIC) if m.inputs["name"] == gateway_metric_name(cfg)]
    assert 'resource.type="cloud_run_revision"' in metric.inputs["filter"], metric.urn
    assert f'resource.labels.service_name="{cfg.prefix}-gateway"' in metric.inputs["filter"], metric.urn
    assert metric.inputs["labelExtractors"] == {"source": f"EXTRACT(jsonPayload.{ANSWER_LOG_KEY}.source)"}
    assert metric.inputs["metricDescriptor"]["valueType"] == "INT64", metric.urn


def test_the_metric_reads_the_line_the_gateway_writes() -> None:
    """The filter's and extractor's path is the one JsonLineSink writes (Cloud Run puts the line in jsonPayload)."""
    import io

    stream = io.StringIO()
    JsonLineSink(stream)(AnswerRecord("r1", "rules", 3.2, None, "prod", "projects/p/locations/l/endpoints/1", 2))
    json_payload = json.loads(stream.getvalue())
    key, field = alerts.GATEWAY_SOURCE_EXTRACTOR.removeprefix("EXTRACT(jsonPayload.").rstrip(")").split(".")
    assert json_payload[key][field] == "rules"
    assert json_payload["severity"] == "WARNING"  # a fallback answer is a warning in the log


def test_the_fallback_share_alert_fires_above_the_configured_share() -> None:
    for env in ("dev", "staging", "prod"):
        cfg = env_refs.config(env)
        rec = synth(cfg)
        name = gateway_metric_name(cfg)
        (policy,) = [p for p in rec.of_type(POLICY) if "gateway" in p.name]
        c = condition(policy)
        assert c["filter"] == (
            f'metric.type = "logging.googleapis.com/user/{name}" '
            'AND metric.labels.source = one_of("previous", "rules", "canned")'
        ), policy.urn
        assert c["denominatorFilter"] == f'metric.type = "logging.googleapis.com/user/{name}"', policy.urn
        assert c["thresholdValue"] == cfg.serving.gateway.fallback_alert_share, policy.urn
        assert c["comparison"] == "COMPARISON_GT", policy.urn
        assert "mlops canary abort --env" in policy.inputs["documentation"]["content"], policy.urn
        (metric,) = [m for m in rec.of_type(LOG_METRIC) if m.inputs["name"] == name]
        assert metric.urn in policy.dependencies, f"{policy.urn}: the metric must exist before the alert"


def test_the_dashboard_has_the_gateway_tiles() -> None:
    cfg = env_refs.config("staging")
    (dashboard,) = synth(cfg).of_type(DASHBOARD)
    widgets = json.loads(dashboard.inputs["dashboardJson"])["gridLayout"]["widgets"]
    by_title = {w["title"]: w for w in widgets}
    share = by_title["Gateway: fallback share (answers not from the model)"]["xyChart"]
    assert share["thresholds"] == [{"label": "alert threshold", "value": cfg.serving.gateway.fallback_alert_share}]
    ratio = share["dataSets"][0]["timeSeriesQuery"]["timeSeriesFilterRatio"]
    assert "one_of(" in ratio["numerator"]["filter"]
    assert "one_of(" not in ratio["denominator"]["filter"]
    sources = by_title["Gateway: answers by source"]["xyChart"]["dataSets"][0]
    assert sources["timeSeriesQuery"]["timeSeriesFilter"]["aggregation"]["groupByFields"] == ["metric.label.source"]


def test_no_gateway_no_metric_alert_or_tiles() -> None:
    base = env_refs.config("dev")
    serving = base.serving.model_copy(update={"gateway": base.serving.gateway.model_copy(update={"enabled": False})})
    cfg = base.model_copy(update={"serving": serving})
    rec = synth(cfg)
    assert not [m for m in rec.of_type(LOG_METRIC) if m.inputs["name"] == gateway_metric_name(cfg)]
    assert not [p for p in rec.of_type(POLICY) if "gateway" in p.name]
    (dashboard,) = rec.of_type(DASHBOARD)
    assert "Gateway:" not in dashboard.inputs["dashboardJson"]
