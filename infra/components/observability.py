"""Observability: who is notified, what pages them, and the one dashboard of the environment.

E-mail channels for the on-call (plus a Pub/Sub channel automation can subscribe to), alert policies per
endpoint (p99 latency, 5xx ratio), per dead-lettering subscription (dead letters, oldest unacked message),
for failed pipeline runs (a log-based metric) and for evaluation quality (log-based metrics of the
evaluation pipeline's summary line, against the environment's `release.evaluation_gates`) and for the
serving gateway's fallback share (a log-based metric of its answer lines by `source`) and for input drift
(log-based metrics of the evaluation pipeline's drift line, against `retraining.drift_bounds`); each alert carries a
runbook. Thresholds come from the
environment config, per served model where the model overrides them. Conditions and runbooks live in
`alerts.py`, the dashboard layout in `dashboard.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

import pulumi
import pulumi_gcp as gcp

from contracts.bigquery_schema import DRIFT_METRIC_NAMES
from contracts.metrics import METRIC_NAMES
from infra.components import alerts, dashboard
from infra.components.naming import Naming, type_token
from infra.components.refs import ProjectRefs
from infra.config.model import AlertThresholds, EnvironmentConfig

COMPONENT = "observability"
GATEWAY_SERVICE = "gateway"
"""The gateway's service is `<app>-<env>-gateway`; its answer log lines are counted under that name."""
CONSOLE = "https://console.cloud.google.com"


@dataclass(frozen=True)
class ObservabilityArgs:
    """Inputs of the Observability component.

    cfg: the environment's validated config: `cfg.observability` (e-mails, automation channel, thresholds)
        and `cfg.serving.models[*].alerts` (per-model thresholds; the environment's otherwise).
    naming: names and labels.
    project: the project; policies depend on its enabled services, and its Cloud Monitoring notification
        agent is allowed to publish to the automation topic.
    endpoints: served model name -> endpoint id (or full endpoint resource name); each gets both alerts.
    subscriptions: logical name -> subscription name (or id) of every subscription with a dead-letter policy;
        each gets a dead-letter and an oldest-unacked alert. Default: none.
    automation_topic: Pub/Sub topic id (`projects/<p>/topics/<t>`) notified alongside e-mail when
        `cfg.observability.automation_channel` is on. Default: no automation channel.
    """

    cfg: EnvironmentConfig
    naming: Naming
    project: ProjectRefs
    endpoints: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    subscriptions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    automation_topic: pulumi.Input[str] | None = None


def _last_segment(value: str) -> str:
    """`projects/p/locations/l/endpoints/123` -> `123`; a bare id is returned as is."""
    return value.rstrip("/").rsplit("/", 1)[-1]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Observability(pulumi.ComponentResource):
    """Channels, alert policies (`alert_policies[key]`), the log-based pipeline metric and the dashboard."""

    channels: dict[str, gcp.monitoring.NotificationChannel]
    """`email:<address>` per on-call address, plus `pubsub` for automation when enabled."""
    alert_policies: dict[str, gcp.monitoring.AlertPolicy]
    """Keys: `endpoint-latency:<model>`, `endpoint-errors:<model>`, `dead-letters:<sub>`,
    `oldest-unacked:<sub>`, `pipeline-failures`, `evaluation-quality:<metric>-<min|max>`, `input-drift:<metric>`,
    `gateway-fallback:<model>` (when `serving.gateway` is on)."""
    pipeline_failures_metric: gcp.logging.Metric
    gateway_answers_metric: gcp.logging.Metric | None
    """The gateway's answers by `source`; None without a gateway."""
    quality_metrics: dict[str, dict[str, gcp.logging.Metric]]
    """Evaluation metric -> summary log shape (`json`, `text`) -> log-based metric of its value per run."""
    drift_metrics: dict[str, dict[str, gcp.logging.Metric]]
    """Input drift metric -> drift log shape -> log-based metric of its value per run."""
    dashboard: gcp.monitoring.Dashboard
    dashboard_url: pulumi.Output[str]

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("Observability"), name, None, opts)
        cfg = args.cfg
        self._args = args
        self._name = name
        self._labels = args.naming.labels(COMPONENT)
        self._api: list[pulumi.Resource] = list(args.project.services)
        project_id = args.project.project_id

        self.channels = self._channels()
        channel_ids = [c.id for c in self.channels.values()]

        metric_name = args.naming.name("pipeline-failures")
        self.pipeline_failures_metric = gcp.logging.Metric(
            f"{name}-pipeline-failures",
            name=metric_name,
            project=project_id,
            description="Vertex AI pipeline jobs that logged errors (failed runs), by pipeline job id.",
            filter=alerts.PIPELINE_FAILURE_LOG_FILTER,
            metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                metric_kind="DELTA",
                value_type="INT64",
                unit="1",
                display_name=f"{cfg.prefix} failed pipeline runs",
                labels=[
                    gcp.logging.MetricMetricDescriptorLabelArgs(
                        key="pipeline_job_id", value_type="STRING", description="Vertex AI pipeline job id."
                    )
                ],
            ),
            label_extractors={"pipeline_job_id": "EXTRACT(resource.labels.pipeline_job_id)"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
        )

        self.gateway_answers_metric = self._gateway_metric()

        self.dashboard_name = f"{cfg.prefix} GenAI platform"
        endpoints = {model: pulumi.Output.from_input(e).apply(_last_segment) for model, e in args.endpoints.items()}
        subscriptions = {k: pulumi.Output.from_input(s).apply(_last_segment) for k, s in args.subscriptions.items()}
        self.dashboard = self._dashboard(endpoints, subscriptions, metric_name)
        self.dashboard_url = pulumi.Output.all(self.dashboard.id, project_id).apply(
            lambda v: f"{CONSOLE}/monitoring/dashboards/builder/{_last_segment(v[0])}?project={v[1]}"
        )

        self.alert_policies = {}
        for model, endpoint_id in sorted(endpoints.items()):
            t = self.thresholds_for(model)
            self.alert_policies[f"endpoint-latency:{model}"] = self._policy(
                f"{model}-latency",
                alerts.latency_runbook(model, t),
                endpoint_id.apply(partial(alerts.latency_condition, model=model, t=t)),
                "WARNING",
                channel_ids,
            )
            self.alert_policies[f"endpoint-errors:{model}"] = self._policy(
                f"{model}-errors",
                alerts.error_ratio_runbook(model, t),
                endpoint_id.apply(partial(alerts.error_ratio_condition, model=model, t=t)),
                "CRITICAL",
                channel_ids,
            )
        env_t = cfg.observability.thresholds
        for logical, subscription_id in sorted(subscriptions.items()):
            self.alert_policies[f"dead-letters:{logical}"] = self._policy(
                f"{logical}-dead-letters",
                alerts.dead_letter_runbook(logical, env_t),
                subscription_id.apply(partial(alerts.dead_letter_condition, logical=logical, t=env_t)),
                "WARNING",
                channel_ids,
            )
            self.alert_policies[f"oldest-unacked:{logical}"] = self._policy(
                f"{logical}-oldest-unacked",
                alerts.oldest_unacked_runbook(logical, env_t),
                subscription_id.apply(partial(alerts.oldest_unacked_condition, logical=logical, t=env_t)),
                "WARNING",
                channel_ids,
            )
        self.alert_policies["pipeline-failures"] = self._policy(
            "pipeline-failures",
            alerts.pipeline_failure_runbook(env_t),
            pulumi.Output.from_input(alerts.pipeline_failure_condition(metric_name, env_t)),
            "ERROR",
            channel_ids,
            depends_on=[self.pipeline_failures_metric],
        )

        gateway_model = cfg.serving.gateway_model
        if self.gateway_answers_metric is not None and gateway_model is not None:
            share = cfg.serving.gateway.fallback_alert_share
            self.alert_policies[f"gateway-fallback:{gateway_model}"] = self._policy(
                f"{gateway_model}-gateway-fallback",
                alerts.gateway_fallback_runbook(gateway_model, share, env_t),
                self.gateway_answers_metric.name.apply(
                    partial(alerts.gateway_fallback_condition, model=gateway_model, share=share, t=env_t)
                ),
                "WARNING",
                channel_ids,
                depends_on=[self.gateway_answers_metric],
            )

        self.quality_metrics = {metric: self._quality_metrics(metric) for metric in METRIC_NAMES}
        self.alert_policies.update(self._quality_policies(channel_ids))
        self.drift_metrics = {metric: self._drift_metrics(metric) for metric in DRIFT_METRIC_NAMES}
        self.alert_policies.update(self._drift_policies(channel_ids))

        self.register_outputs(
            {
                "dashboard_url": self.dashboard_url,
                "channel_ids": {k: c.id for k, c in self.channels.items()},
                "alert_policy_names": {k: p.name for k, p in self.alert_policies.items()},
            }
        )

    def _quality_policies(self, channel_ids: list[pulumi.Output[str]]) -> dict[str, gcp.monitoring.AlertPolicy]:
        """One policy per bound of `release.evaluation_gates` on a metric the evaluation summary logs."""
        policies: dict[str, gcp.monitoring.AlertPolicy] = {}
        for metric, bound in sorted(self._args.cfg.release.evaluation_gates.items()):
            if metric not in self.quality_metrics:
                continue  # a gate on a metric the evaluation pipeline does not log has nothing to alert on
            log_metrics = self.quality_metrics[metric]
            names = pulumi.Output.all(**{shape: m.name for shape, m in log_metrics.items()})
            sides: tuple[tuple[alerts.Bound, float | None], ...] = (("min", bound.min), ("max", bound.max))
            for side, threshold in sides:
                if threshold is None:
                    continue
                policies[f"evaluation-quality:{metric}-{side}"] = self._policy(
                    f"quality-{metric}-{side}",
                    alerts.quality_runbook(metric, side, threshold),
                    names.apply(partial(alerts.quality_condition, metric, side, threshold)),
                    "ERROR" if side == "max" else "WARNING",
                    channel_ids,
                    depends_on=list(log_metrics.values()),
                )
        return policies

    def _drift_policies(self, channel_ids: list[pulumi.Output[str]]) -> dict[str, gcp.monitoring.AlertPolicy]:
        """One policy per input drift metric, above its bound in `retraining.drift_bounds`."""
        bounds = self._args.cfg.retraining.drift_bounds.as_metrics()
        policies: dict[str, gcp.monitoring.AlertPolicy] = {}
        for metric, log_metrics in sorted(self.drift_metrics.items()):
            names = pulumi.Output.all(**{shape: m.name for shape, m in log_metrics.items()})
            policies[f"input-drift:{metric}"] = self._policy(
                f"drift-{metric.replace('_', '-')}",
                alerts.drift_runbook(metric, bounds[metric]),
                names.apply(partial(alerts.drift_condition, metric, bounds[metric])),
                "WARNING",
                channel_ids,
                depends_on=list(log_metrics.values()),
            )
        return policies

    def _drift_metric_name(self, metric: str, shape: alerts.SummaryLogShape) -> str:
        return self._args.naming.name("drift", metric.replace("_", "-"), shape.key)

    def _drift_metrics(self, metric: str) -> dict[str, gcp.logging.Metric]:
        """Log-based metrics of one input drift metric's value, one per shape the drift line may take."""
        cfg = self._args.cfg
        slug = metric.replace("_", "-")
        return {
            shape.key: gcp.logging.Metric(
                f"{self._name}-drift-{slug}-{shape.key}",
                name=self._drift_metric_name(metric, shape),
                project=self._args.project.project_id,
                description=f"Input drift {metric} of each evaluation run, from its drift log line ({shape.key}).",
                filter=alerts.quality_log_filter(shape),
                value_extractor=alerts.quality_extractor(shape, metric),
                metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                    metric_kind="DELTA",
                    value_type="DISTRIBUTION",
                    unit="1",
                    display_name=f"{cfg.prefix} input drift {metric} ({shape.key})",
                ),
                bucket_options=gcp.logging.MetricBucketOptionsArgs(
                    linear_buckets=gcp.logging.MetricBucketOptionsLinearBucketsArgs(
                        num_finite_buckets=20, width=0.05, offset=0.0
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
            for shape in alerts.DRIFT_LOG_SHAPES
        }

    def _gateway_metric(self) -> gcp.logging.Metric | None:
        """Counts the gateway's answers by the stage that gave them (its answer log line's `source`)."""
        cfg = self._args.cfg
        if cfg.serving.gateway_model is None:
            return None
        return gcp.logging.Metric(
            f"{self._name}-gateway-answers",
            name=self._args.naming.name("gateway-answers"),
            project=self._args.project.project_id,
            description="Answers of the serving gateway by source (model, previous, rules, canned).",
            filter=alerts.gateway_answers_log_filter(self._args.naming.name(GATEWAY_SERVICE)),
            metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                metric_kind="DELTA",
                value_type="INT64",
                unit="1",
                display_name=f"{cfg.prefix} gateway answers",
                labels=[
                    gcp.logging.MetricMetricDescriptorLabelArgs(
                        key="source",
                        value_type="STRING",
                        description="Which stage answered: model, previous, rules or canned.",
                    )
                ],
            ),
            label_extractors={"source": alerts.GATEWAY_SOURCE_EXTRACTOR},
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
        )

    def _quality_metric_name(self, metric: str, shape: alerts.SummaryLogShape) -> str:
        return self._args.naming.name("evaluation", metric, shape.key)

    def _quality_metrics(self, metric: str) -> dict[str, gcp.logging.Metric]:
        """Log-based metrics of one evaluation metric's value, one per shape the summary line may take."""
        cfg = self._args.cfg
        found = {}
        for shape in alerts.SUMMARY_LOG_SHAPES:
            found[shape.key] = gcp.logging.Metric(
                f"{self._name}-quality-{metric}-{shape.key}",
                name=self._quality_metric_name(metric, shape),
                project=self._args.project.project_id,
                description=(
                    f"Mean {metric} of each evaluation pipeline run, from its summary log line ({shape.key})."
                ),
                filter=alerts.quality_log_filter(shape),
                value_extractor=alerts.quality_extractor(shape, metric),
                metric_descriptor=gcp.logging.MetricMetricDescriptorArgs(
                    metric_kind="DELTA",
                    value_type="DISTRIBUTION",
                    unit="1",
                    display_name=f"{cfg.prefix} evaluation {metric} ({shape.key})",
                ),
                bucket_options=gcp.logging.MetricBucketOptionsArgs(
                    linear_buckets=gcp.logging.MetricBucketOptionsLinearBucketsArgs(
                        num_finite_buckets=20, width=0.05, offset=0.0
                    )
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
        return found

    def thresholds_for(self, model: str) -> AlertThresholds:
        """The served model's own thresholds when it sets them, the environment's otherwise."""
        for served in self._args.cfg.serving.models:
            if served.name == model and served.alerts is not None:
                return served.alerts
        return self._args.cfg.observability.thresholds

    def _channels(self) -> dict[str, gcp.monitoring.NotificationChannel]:
        cfg, project_id = self._args.cfg, self._args.project.project_id
        channels: dict[str, gcp.monitoring.NotificationChannel] = {}
        for address in cfg.observability.notification_emails:
            channels[f"email:{address}"] = gcp.monitoring.NotificationChannel(
                f"{self._name}-email-{_slug(address)}",
                project=project_id,
                type="email",
                display_name=f"{cfg.prefix} on-call: {address}",
                labels={"email_address": address},
                user_labels=self._labels,
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
        topic = self._args.automation_topic
        if cfg.observability.automation_channel and topic is not None:
            grant = gcp.pubsub.TopicIAMMember(
                f"{self._name}-automation-monitoring-publisher",
                project=project_id,
                topic=topic,
                role="roles/pubsub.publisher",
                member=self._args.project.agent("monitoring"),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
            )
            channels["pubsub"] = gcp.monitoring.NotificationChannel(
                f"{self._name}-automation",
                project=project_id,
                type="pubsub",
                display_name=f"{cfg.prefix} automation (Pub/Sub)",
                description="Alert notifications for automation: retraining and rollback bots subscribe here.",
                labels={"topic": topic},
                user_labels=self._labels,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[*self._api, grant]),
            )
        return channels

    def _dashboard(
        self, endpoints: dict[str, pulumi.Output[str]], subscriptions: dict[str, pulumi.Output[str]], metric: str
    ) -> gcp.monitoring.Dashboard:
        cfg = self._args.cfg
        models = sorted(endpoints)
        keys = sorted(subscriptions)
        intro = (
            f"**{cfg.prefix}** ({cfg.tier}). Alerts page {', '.join(cfg.observability.notification_emails)}. "
            "Each alert's documentation holds its runbook. Roll back a bad release with "
            f"`{alerts.ROLLBACK_COMMAND.format(env=cfg.name)}`."
        )

        quality_names = {m: [self._quality_metric_name(m, s) for s in alerts.SUMMARY_LOG_SHAPES] for m in METRIC_NAMES}
        gateway_metric = self._args.naming.name("gateway-answers") if self.gateway_answers_metric is not None else None
        drift_names = {m: [self._drift_metric_name(m, s) for s in alerts.DRIFT_LOG_SHAPES] for m in DRIFT_METRIC_NAMES}
        gates = cfg.release.evaluation_gates
        quality_gates: dict[str, float] = {}
        for m in METRIC_NAMES:
            bound = gates.get(m)
            line = None if bound is None else bound.min if bound.min is not None else bound.max
            if line is not None:
                quality_gates[m] = line

        def build(values: list[str]) -> str:
            ids = dict(zip(models, values[: len(models)], strict=True))
            subs = dict(zip(keys, values[len(models) :], strict=True))
            return dashboard.dashboard_json(
                dashboard.definition(
                    display_name=self.dashboard_name,
                    intro_markdown=intro,
                    endpoints=ids,
                    endpoint_thresholds={m: self.thresholds_for(m) for m in models},
                    subscriptions=subs,
                    pipeline_metric=metric,
                    thresholds=cfg.observability.thresholds,
                    quality_metrics=quality_names,
                    quality_thresholds=quality_gates,
                    gateway_metric=gateway_metric,
                    gateway_fallback_share=cfg.serving.gateway.fallback_alert_share,
                    drift_metrics=drift_names,
                    drift_thresholds=cfg.retraining.drift_bounds.as_metrics(),
                )
            )

        outputs = [endpoints[m] for m in models] + [subscriptions[k] for k in keys]
        return gcp.monitoring.Dashboard(
            f"{self._name}-dashboard",
            project=self._args.project.project_id,
            dashboard_json=pulumi.Output.all(*outputs).apply(build),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._api),
        )

    def _dashboard_reference(self, project: str) -> str:
        """Where the runbooks send the on-call: the dashboard by name in the project's dashboard list.

        Not the dashboard's own URL: that needs the dashboard id, unknown until it exists, which would leave
        every alert's documentation unknown in previews and offline plans.
        """
        return f"*{self.dashboard_name}* in {CONSOLE}/monitoring/dashboards?project={project}"

    def _policy(
        self,
        key: str,
        runbook: alerts.Runbook,
        condition: pulumi.Output[gcp.monitoring.AlertPolicyConditionArgs]
        | pulumi.Output[list[gcp.monitoring.AlertPolicyConditionArgs]],
        severity: str,
        channel_ids: list[pulumi.Output[str]],
        depends_on: list[pulumi.Resource] | None = None,
    ) -> gcp.monitoring.AlertPolicy:
        env = self._args.cfg.name
        return gcp.monitoring.AlertPolicy(
            f"{self._name}-{key}",
            project=self._args.project.project_id,
            display_name=f"[{env}] {runbook.title}",
            combiner="OR",
            conditions=condition.apply(lambda c: c if isinstance(c, list) else [c]),
            severity=severity,
            notification_channels=channel_ids,
            documentation=gcp.monitoring.AlertPolicyDocumentationArgs(
                subject=f"[{env}] {runbook.title}"[:255],
                content=self._args.project.project_id.apply(
                    lambda project: runbook.markdown(env, self._dashboard_reference(project))
                ),
                mime_type="text/markdown",
            ),
            alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(auto_close="86400s"),
            user_labels=self._labels,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self._api, *(depends_on or [])]),
        )
