"""The environment as the running Pulumi program receives it, validated exactly as `mlops validate` does.

The engine (or the offline synth) hands the program every config key as a string, objects as JSON, plus the
keys it holds secret. This module turns that back into the stack file's shape and runs the one validation
path (`infra.config.loader.validate_stack_config`), so `synth`, `check`, `diff`, `plan`, the promotion gates
and `pulumi preview` / `up` refuse exactly what `validate` refuses, with the same messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contracts.errors import UserInputError
from contracts.yamlfile import string_keys
from infra.config.loader import CONFIG_KEY, read_yaml, validate_stack_config
from infra.config.model import EnvironmentConfig
from infra.layout import Project


def runtime_config() -> tuple[dict[str, str], frozenset[str]]:
    """Every `ns:key` the engine passed to this program, and the secret ones."""
    from pulumi.runtime import config as runtime

    values = {**runtime.get_config_env(), **runtime.CONFIG.get()}
    secret = set(runtime.get_config_secret_keys_env()) | {k for k in values if runtime.is_config_secret(k)}
    return {str(k): str(v) for k, v in values.items()}, frozenset(secret)


def decode(values: Mapping[str, str], secret_keys: frozenset[str], stack_path: Path) -> dict[str, Any]:
    """The config as the stack file wrote it: the environment block decoded from JSON. A secret block (a
    `secure:` value inside it) cannot be read; the stack file, when there, shows where the `secure:` is."""
    config: dict[str, Any] = dict(values)
    raw = values.get(CONFIG_KEY)
    if raw is None:
        return config
    if CONFIG_KEY in secret_keys:
        config[CONFIG_KEY] = _block_from_file(stack_path)
        return config
    try:
        config[CONFIG_KEY] = json.loads(raw)
    except ValueError:
        config[CONFIG_KEY] = raw  # a plain string: the validation says a mapping is expected
    return config


def _block_from_file(stack_path: Path) -> Any:
    try:
        document = read_yaml(stack_path)
    except UserInputError:
        return None
    section = document.get("config")
    return string_keys(section.get(CONFIG_KEY)) if isinstance(section, dict) else None


def load_program_environment(env: str, project: Project) -> EnvironmentConfig:
    """The running program's environment config, validated (raises UserInputError)."""
    values, secret_keys = runtime_config()
    path = project.stack_file(env)
    return validate_stack_config(
        env, decode(values, secret_keys, path), project, stack_path=path, secret_keys=secret_keys
    )
