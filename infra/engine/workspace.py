"""An Automation API workspace on the project directory that honours `stackConfigDir`.

`LocalWorkspace.stack_settings()` / `save_stack_settings()` build the stack file path from `work_dir` and ignore
`stackConfigDir` (pulumi#10305); this subclass points them at `<stackConfigDir>/Pulumi.<stack>.yaml`, the file
the CLI itself reads.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pulumi import automation as auto
from pulumi.automation._stack_settings import StackSettings

from infra.engine.settings import EngineSettings


class StackConfigDirWorkspace(auto.LocalWorkspace):
    """LocalWorkspace whose stack settings live in the project's `stackConfigDir`."""

    def __init__(self, stack_config_dir: Path, **kwargs: object) -> None:
        self._stack_config_dir = Path(stack_config_dir)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def _stack_file(self, stack_name: str) -> Path:
        return self._stack_config_dir / f"Pulumi.{stack_name.split('/')[-1]}.yaml"

    def stack_settings(self, stack_name: str) -> StackSettings:
        path = self._stack_file(stack_name)
        if not path.is_file():
            raise FileNotFoundError(f"no stack settings file {path}")
        return StackSettings._deserialize(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def save_stack_settings(self, stack_name: str, settings: StackSettings) -> None:
        path = self._stack_file(stack_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(settings._serialize(), sort_keys=False), encoding="utf-8")


def engine_env(settings: EngineSettings) -> dict[str, str]:
    """Environment for the CLI: the chosen backend (a local file backend directory is created)."""
    if settings.backend_url.startswith("file://"):
        Path(settings.backend_url[len("file://") :]).mkdir(parents=True, exist_ok=True)
    return {"PULUMI_BACKEND_URL": settings.backend_url, "PULUMI_SKIP_UPDATE_CHECK": "true"}


def open_stack(settings: EngineSettings) -> auto.Stack:
    """Select (or create) the stack in the chosen backend with the chosen secrets provider."""
    workspace = StackConfigDirWorkspace(
        settings.project.stack_config_dir,
        work_dir=str(settings.project.root),
        env_vars={**engine_env(settings), **{k: v for k, v in os.environ.items() if k.startswith("PULUMI_CONFIG_")}},
        secrets_provider=settings.secrets_provider,
    )
    return auto.Stack.create_or_select(settings.stack, workspace)
