"""An Automation API workspace on the project directory that honours `stackConfigDir` and runs the program inline.

The program runs through the Automation API's own language server, in this process (`infra.program.run`): the
CLI is started with `--client` and needs no Python language host (the Go module proxy here does not serve one;
with the official CLI the result is the same program, the same resources). The project's `Pulumi.yaml` is still
what the CLI reads (`stackConfigDir`, backend), so stack files, config and secrets are the CLI's own.

`LocalWorkspace.stack_settings()` / `save_stack_settings()` build the stack file path from `work_dir` and ignore
`stackConfigDir` (pulumi#10305); the subclass points them at `<stackConfigDir>/Pulumi.<stack>.yaml`, the file
the CLI itself reads.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pulumi import automation as auto
from pulumi.automation import StackSettings

from infra.engine.settings import EngineSettings
from infra.release.endpoints import ServiceEndpoints

_SETTINGS_KEYS = (
    ("secrets_provider", "secretsprovider"),
    ("encrypted_key", "encryptedkey"),
    ("encryption_salt", "encryptionsalt"),
)
"""StackSettings attribute -> stack file key, as the CLI writes them."""


def settings_from_document(document: Mapping[str, object]) -> StackSettings:
    """A stack file's settings through StackSettings' public constructor (a `secure:` value stays a mapping)."""
    config = document.get("config")
    return StackSettings(
        **{attribute: document.get(key) for attribute, key in _SETTINGS_KEYS},  # type: ignore[arg-type]
        config=dict(config) if isinstance(config, Mapping) else None,
    )


def settings_document(settings: StackSettings) -> dict[str, object]:
    """The stack file document of `settings` (the CLI's keys; secure values written back as `{secure: ...}`)."""
    document: dict[str, object] = {key: getattr(settings, attribute) for attribute, key in _SETTINGS_KEYS}
    document = {key: value for key, value in document.items() if value}
    if settings.config:
        document["config"] = {
            key: {"secure": value.secure} if hasattr(value, "secure") else value
            for key, value in settings.config.items()
        }
    return document


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
        return settings_from_document(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def save_stack_settings(self, stack_name: str, settings: StackSettings) -> None:
        path = self._stack_file(stack_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(settings_document(settings), sort_keys=False), encoding="utf-8")


@dataclass(frozen=True)
class CliProject:
    """Where the CLI runs: the directory of the Pulumi.yaml it reads, its stackConfigDir, its `main`."""

    work_dir: Path
    stack_config_dir: Path
    provider_dir: Path


def engine_env(settings: EngineSettings) -> dict[str, str]:
    """Environment for the CLI: the chosen backend (a local file backend directory is created), and the
    virtualenv the dynamic providers' `pulumi-resource-pulumi-python` launcher runs."""
    if settings.backend_url.startswith("file://"):
        Path(settings.backend_url[len("file://") :]).mkdir(parents=True, exist_ok=True)
    return {
        "PULUMI_BACKEND_URL": settings.backend_url,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_RUNTIME_VIRTUALENV": sys.prefix,
    }


def inline_program(
    settings: EngineSettings, provider_dir: Path, service_endpoints: ServiceEndpoints | None = None
) -> auto.PulumiFn:
    """The project's program (`main` of its Pulumi.yaml), told its root as a language host would.

    The platform's own program is called with the rehearsal's service endpoints and the directory the engine
    starts providers in (`provider_dir`); another `main` (a project of its own) runs its `__main__.py`.
    """
    root, main = settings.project.root, settings.project.main.resolve()

    def program() -> Awaitable[None] | None:
        from pulumi.runtime import settings as sdk_settings

        from infra.layout import Project
        from infra.program import PROGRAM_DIR, run
        from infra.synth.sdk_compat import engine_adaptations, settle_then_close

        sdk_settings.SETTINGS.root_directory = str(root)
        # The program runs here, on the frames the stock path has (the engine records them as stack traces);
        # its outputs settle in what it returns, which `run_in_stack` awaits, and the adaptations end there.
        adaptations = contextlib.ExitStack()
        adapted = adaptations.enter_context(engine_adaptations())
        try:
            if main == PROGRAM_DIR:
                run(Project(root), service_endpoints, source_dir=root, working_dir=provider_dir)
            else:
                runpy.run_path(str(main / "__main__.py"), run_name="__main__")
        except BaseException:
            adaptations.close()
            raise
        if adapted:
            return settle_then_close(adaptations)
        adaptations.close()
        return None

    return program


def open_stack(
    settings: EngineSettings,
    extra_env: Mapping[str, str] | None = None,
    service_endpoints: ServiceEndpoints | None = None,
    cli_project: CliProject | None = None,
) -> auto.Stack:
    """Select (or create) the stack in the chosen backend with the chosen secrets provider.

    cli_project: the Pulumi.yaml and stack file the CLI reads; default the project's own (a rehearsal gives
    a scratch copy, so the CLI's `encryptionsalt` never lands in the real stack file).
    """
    env = {**engine_env(settings), **{k: v for k, v in os.environ.items() if k.startswith("PULUMI_CONFIG_")}}
    env.update(extra_env or {})
    # The engine starts providers in the program directory (`main` of the Pulumi.yaml the CLI reads).
    cli = cli_project or CliProject(settings.project.root, settings.project.stack_config_dir, settings.project.main)
    workspace = StackConfigDirWorkspace(
        cli.stack_config_dir,
        work_dir=str(cli.work_dir),
        program=inline_program(settings, cli.provider_dir, service_endpoints),
        env_vars=env,
        secrets_provider=settings.secrets_provider,
    )
    return auto.Stack.create_or_select(settings.stack, workspace)
