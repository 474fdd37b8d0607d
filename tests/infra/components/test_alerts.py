"""Input drift alerts: log metrics that read the drift line the evaluation pipeline prints, alert policies at the
bounds of `retraining.drift_bounds`, and the dashboard's drift charts; on sample windows that do and do not drift."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest

from contracts.bigquery_schema import DRIFT_METRIC_NAMES
from infra.components import alerts
from infra.components.naming import Naming
from infra.config.model import EnvironmentConfig, InputDriftBounds
from pipelines.catalog import DATA_DIR
from pipelines.lib.drift import DriftBounds, drift_log_line, drift_report, prompts_of

from . import env_refs
from .mocks import Recording
from .test_observability import DASHBOARD, LOG_METRIC, POLICY, _extract, synth


def window(*parts: str) -> list[str]:
    return prompts_of(DATA_DIR.joinpath(*parts).read_text(encoding="utf-8"))[0]


REFERENCE = window("tuning", "good.jsonl")


@pytest.fixture(scope="module", params=("dev", "prod"))
def env(request: pytest.FixtureRequest) -> tuple[EnvironmentConfig, Recording]:
    cfg = env_refs.config(request.param)
    return cfg, synth(cfg)


def test_the_drift_contract_is_the_pipelines() -> None:
    pipeline_bounds = {k: v for k, v in asdict(DriftBounds()).items() if k.startswith("max_")}
    assert InputDriftBounds().model_dump() == pipeline_bounds
    assert tuple(InputDriftBounds().as_metrics()) == DRIFT_METRIC_NAMES


def _fires(cfg: EnvironmentConfig, line: str) -> dict[str, bool]:
    """Per drift metric: would the alert fire for this run's line (the extracted value above its bound)?"""
    bounds = cfg.retraining.drift_bounds.as_metrics()
    fired = {}
    for metric in DRIFT_METRIC_NAMES:
        values = {_extract(shape, metric, line) for shape in alerts.DRIFT_LOG_SHAPES}
        assert len(values) == 1, (metric, values)  # every shape reads the same value
        fired[metric] = values.pop() > bounds[metric]
    return fired


def test_a_drifting_window_fires_every_drift_alert_and_a_stable_one_none() -> None:
    cfg = env_refs.config("dev")
    bounds = DriftBounds(**cfg.retraining.drift_bounds.model_dump())
    stable = drift_log_line(drift_report(REFERENCE, window("evaluation", "good.jsonl"), bounds))
    drifting = drift_log_line(drift_report(REFERENCE, window("drift", "drifting.jsonl"), bounds))
    assert _fires(cfg, stable) == dict.fromkeys(DRIFT_METRIC_NAMES, False)
    assert _fires(cfg, drifting) == dict.fromkeys(DRIFT_METRIC_NAMES, True)


def test_the_text_extractor_reads_the_metric_not_its_bound() -> None:
    report = drift_report(REFERENCE, window("evaluation", "good.jsonl"), DriftBounds())
    line = drift_log_line(report)
    [text] = [s for s in alerts.DRIFT_LOG_SHAPES if s.key == "text"]
    for metric in DRIFT_METRIC_NAMES:
        assert f'"max_{metric}"' in line
        assert _extract(text, metric, line) == report["metrics"][metric], metric


def test_one_log_metric_per_drift_metric_and_shape_and_one_policy_at_its_bound(
    env: tuple[EnvironmentConfig, Recording],
) -> None:
    cfg, rec = env
    naming = Naming(cfg)
    metrics = {m.inputs["name"]: m for m in rec.of_type(LOG_METRIC)}
    policies = {p.name.removeprefix("observability-"): p for p in rec.of_type(POLICY)}
    bounds = cfg.retraining.drift_bounds.as_metrics()
    for metric in DRIFT_METRIC_NAMES:
        names = {}
        for shape in alerts.DRIFT_LOG_SHAPES:
            name = naming.name("drift", metric.replace("_", "-"), shape.key)
            assert metrics[name].inputs["valueExtractor"] == alerts.quality_extractor(shape, metric)
            assert metrics[name].inputs["filter"].endswith(shape.match)
            names[shape.key] = name
        policy = policies[f"drift-{metric.replace('_', '-')}"]
        conditions = policy.inputs["conditions"]
        assert [c["conditionThreshold"]["thresholdValue"] for c in conditions] == [bounds[metric]] * 3
        assert {c["conditionThreshold"]["comparison"] for c in conditions} == {"COMPARISON_GT"}
        assert [c["conditionThreshold"]["filter"] for c in conditions] == [
            alerts.log_metric_filter(names[s.key]) for s in alerts.DRIFT_LOG_SHAPES
        ]
        assert "results_drift" in policy.inputs["documentation"]["content"]


def test_the_dashboard_charts_each_drift_metric_against_its_bound(env: tuple[EnvironmentConfig, Recording]) -> None:
    cfg, rec = env
    [dashboard] = rec.of_type(DASHBOARD)
    widgets: list[dict[str, Any]] = json.loads(dashboard.inputs["dashboardJson"])["gridLayout"]["widgets"]
    charts = {w["title"]: w["xyChart"] for w in widgets if w["title"].startswith("Input drift")}
    bounds = cfg.retraining.drift_bounds.as_metrics()
    assert sorted(charts) == sorted(f"Input drift: {m} (per run)" for m in DRIFT_METRIC_NAMES)
    for metric in DRIFT_METRIC_NAMES:
        chart = charts[f"Input drift: {metric} (per run)"]
        assert chart["thresholds"] == [{"label": "alert threshold", "value": bounds[metric]}]
        assert len(chart["dataSets"]) == len(alerts.DRIFT_LOG_SHAPES)
