"""Typed environment configuration: shared defaults + per-stack overrides, validated before any resource."""

from infra.config.loader import load_environment
from infra.config.model import EnvironmentConfig

__all__ = ["EnvironmentConfig", "load_environment"]
