"""Pulumi dynamic resources for what pulumi-gcp lacks: pipeline templates and schedules, model versions and
endpoint deployments. Each module holds one Resource and its ResourceProvider."""

from infra.release.providers.endpoint_deployment import Deployment, EndpointDeployment, EndpointDeploymentProvider
from infra.release.providers.model_version import ModelVersion, ModelVersionProvider
from infra.release.providers.pipeline_schedule import PipelineSchedule, PipelineScheduleProvider
from infra.release.providers.pipeline_template import PipelineTemplate, PipelineTemplateProvider
from infra.release.providers.retry import RetryPolicy

__all__ = [
    "Deployment",
    "EndpointDeployment",
    "EndpointDeploymentProvider",
    "ModelVersion",
    "ModelVersionProvider",
    "PipelineSchedule",
    "PipelineScheduleProvider",
    "PipelineTemplate",
    "PipelineTemplateProvider",
    "RetryPolicy",
]
