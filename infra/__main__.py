"""The Pulumi program: one stack = one environment, read from `environments/` and validated first."""

from __future__ import annotations

import pulumi

from infra.components.environment import Environment, EnvironmentArgs
from infra.config.loader import CONFIG_NAMESPACE, build_environment

settings = pulumi.Config(CONFIG_NAMESPACE).require_object("environment")
cfg = build_environment(pulumi.get_stack(), settings)
environment = Environment(cfg.prefix, EnvironmentArgs(cfg))
for key, value in environment.outputs().items():
    pulumi.export(key, value)
