"""The real Pulumi engine through the Automation API: `mlops preview|up|destroy --env ENV`."""

from __future__ import annotations

from infra.engine.run import OPERATIONS, run_operation
from infra.engine.settings import EngineSettings, resolve_backend, resolve_settings

__all__ = ["OPERATIONS", "EngineSettings", "resolve_backend", "resolve_settings", "run_operation"]
