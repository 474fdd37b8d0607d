"""The running program validates the config the engine hands it exactly as `mlops validate` reads the file."""

from __future__ import annotations

import contextvars
import json
from pathlib import Path

import pytest
from pulumi.runtime import config as runtime

from contracts.errors import UserInputError
from infra.config.loader import CONFIG_KEY, load_environment
from infra.config.model import EnvironmentConfig
from infra.config.program import decode, load_program_environment, runtime_config
from infra.layout import Project
from infra.synth.project import load_project, load_stack_config
from tests.checkout import PROJECT, ROOT


def in_program(env: str, project: Project) -> EnvironmentConfig:
    """`load_program_environment` with the config the offline synth (like the engine) passes for `env`."""
    config = load_stack_config(load_project(project.root), env)

    def run() -> EnvironmentConfig:
        runtime.set_all_config(config.values, sorted(config.secret_keys))
        return load_program_environment(env, project)

    return contextvars.copy_context().run(run)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_program_sees_what_validate_sees(env: str) -> None:
    assert in_program(env, PROJECT) == load_environment(env, PROJECT)


def test_runtime_config_reads_keys_and_secrets() -> None:
    def run() -> tuple[dict[str, str], frozenset[str]]:
        runtime.set_all_config({"gcp:project": "p", "demo:token": "[secret]"}, ["demo:token"])
        return runtime_config()

    values, secret = contextvars.copy_context().run(run)
    assert values == {"gcp:project": "p", "demo:token": "[secret]"}
    assert secret == {"demo:token"}


def test_decode_reads_the_block_as_json_and_keeps_plain_strings(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    assert decode({CONFIG_KEY: json.dumps({"tier": "development"})}, frozenset(), path)[CONFIG_KEY] == {
        "tier": "development"
    }
    assert decode({CONFIG_KEY: "development"}, frozenset(), path)[CONFIG_KEY] == "development"
    assert decode({"gcp:project": "p"}, frozenset(), path) == {"gcp:project": "p"}


def test_a_secret_block_is_located_from_the_stack_file(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "environments").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (project / "environments" / "defaults.yaml").write_text((ROOT / "environments/defaults.yaml").read_text())
    dev = (ROOT / "environments" / "Pulumi.dev.yaml").read_text()
    secured = dev.replace("folder_id: \"123456789012\"", "folder_id: {secure: v1:x}")
    Project(project).stack_file("dev").write_text(secured)
    with pytest.raises(UserInputError) as caught:
        in_program("dev", Project(project))
    (problem,) = caught.value.problems
    assert problem.key_path == f"config.{CONFIG_KEY}.project.folder_id"
    assert "`secure:` value" in problem.message
