"""Where each serverless workload type keeps its identity, its key and its environment variables.

Cloud Run services and jobs, and Cloud Run functions of both generations, say the same things in different
places (`template.serviceAccount`, `template.template.serviceAccount`, `serviceConfig.serviceAccountEmail`);
rules ask this module and never care which type they look at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from policies import types as t
from policies.values import MISSING, UNKNOWN, is_unknown, lookup


@dataclass(frozen=True)
class Workload:
    """The input paths of one workload type; None where the type has no such setting."""

    service_account: str
    kms_key: str | None
    containers: str | None = None
    """A list of containers, each with `envs: [{name, value, valueSource}]`."""
    env_maps: tuple[str, ...] = ()
    """Plain `{NAME: value}` maps (Cloud Functions)."""


WORKLOADS: Final = {
    t.RUN_SERVICE: Workload("template.serviceAccount", "template.encryptionKey", "template.containers"),
    t.RUN_JOB: Workload(
        "template.template.serviceAccount", "template.template.encryptionKey", "template.template.containers"
    ),
    t.RUN_V1_SERVICE: Workload("template.spec.serviceAccountName", None, "template.spec.containers"),
    t.FUNCTION_V2: Workload(
        "serviceConfig.serviceAccountEmail",
        "kmsKeyName",
        env_maps=("serviceConfig.environmentVariables", "buildConfig.environmentVariables"),
    ),
    t.FUNCTION_V1: Workload(
        "serviceAccountEmail", "kmsKeyName", env_maps=("environmentVariables", "buildEnvironmentVariables")
    ),
}


@dataclass(frozen=True)
class EnvVar:
    """One plain environment variable: where it is, its name, and its literal value (UNKNOWN when computed)."""

    path: str
    name: str
    value: Any


def plain_env_vars(resource_type: str, inputs: Mapping[str, Any]) -> Iterator[EnvVar]:
    """Every environment variable given as a literal value (Secret Manager references are not literal).

    An unknown container list or map yields one EnvVar named UNKNOWN, so callers can report it.
    """
    workload = WORKLOADS[resource_type]
    if workload.containers is not None:
        containers = lookup(inputs, workload.containers)
        if is_unknown(containers):
            yield EnvVar(workload.containers, UNKNOWN, UNKNOWN)
            return
        for index, container in enumerate(containers if isinstance(containers, list) else []):
            envs = container.get("envs") if isinstance(container, Mapping) else None
            if is_unknown(envs):
                yield EnvVar(f"{workload.containers}[{index}].envs", UNKNOWN, UNKNOWN)
                continue
            for position, env in enumerate(envs if isinstance(envs, list) else []):
                if isinstance(env, Mapping) and env.get("value") is not None:
                    path = f"{workload.containers}[{index}].envs[{position}]"
                    yield EnvVar(path, str(env.get("name", UNKNOWN)), env["value"])
    for path in workload.env_maps:
        variables = lookup(inputs, path)
        if variables is MISSING:
            continue
        if is_unknown(variables) or not isinstance(variables, Mapping):
            yield EnvVar(path, UNKNOWN, UNKNOWN)
            continue
        for name, value in variables.items():
            yield EnvVar(f"{path}.{name}", str(name), value)
