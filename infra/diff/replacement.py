"""One source for replacement rules: which input changes make the engine replace a resource.

- gcp types: the maintained force-new table (`infra.diff.force_new`, from the provider schema).
- The release dynamic resources: the providers' own `REPLACE_ON`, read from the provider classes the engine runs,
  so the offline diff and the providers cannot disagree. Their `diff` compares only the declared `INPUTS` minus
  `NOT_DIFFED` (local file paths whose content a digest already pins); the offline diff compares the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.diff.force_new import force_new_paths
from infra.release.providers import (
    EndpointDeployment,
    EndpointDeploymentProvider,
    ModelVersion,
    ModelVersionProvider,
    PipelineSchedule,
    PipelineScheduleProvider,
    PipelineTemplate,
    PipelineTemplateProvider,
)
from infra.release.providers.base import ReleaseProvider


def _type_token(resource_class: type) -> str:
    """The type the engine records for a dynamic resource class (`pulumi-python:dynamic/<module>:<Name>`)."""
    return f"pulumi-python:{resource_class._resource_type_name}"  # type: ignore[attr-defined]


RELEASE_PROVIDERS: dict[str, type[ReleaseProvider]] = {
    _type_token(resource): provider
    for resource, provider in (
        (PipelineTemplate, PipelineTemplateProvider),
        (PipelineSchedule, PipelineScheduleProvider),
        (ModelVersion, ModelVersionProvider),
        (EndpointDeployment, EndpointDeploymentProvider),
    )
}


@dataclass(frozen=True)
class DiffRules:
    """How one resource type is diffed: paths that force a replace, and the top-level inputs compared at all
    (None: every input)."""

    replace_on: tuple[str, ...]
    compared: frozenset[str] | None = None


def diff_rules(resource_type: str) -> DiffRules:
    provider = RELEASE_PROVIDERS.get(resource_type)
    if provider is None:
        return DiffRules(force_new_paths(resource_type))
    compared = frozenset(name for name in provider.INPUTS if name not in provider.NOT_DIFFED)
    return DiffRules(tuple(provider.REPLACE_ON), compared)
