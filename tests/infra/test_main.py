"""The program entry point: invalid config stops it with the message only, under both engines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pulumi
import pytest

from contracts.errors import UserInputError
from infra.layout import Project
from infra.synth import synth_stack
from tests.checkout import ROOT


def test_invalid_config_is_a_run_error_with_the_key_path(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    (tmp_path / "infra").symlink_to(ROOT / "infra")
    stack = tmp_path / "environments" / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("max_replicas: 1", "max_replicas: 0"))
    with pytest.raises(UserInputError) as caught:
        synth_stack("dev", Project.at(tmp_path))
    # A RunError is what the Pulumi language host prints without a stack trace under `pulumi up`.
    assert isinstance(caught.value, pulumi.RunError)
    (problem,) = caught.value.problems
    assert problem.key_path == "config.genai-mlops:environment.serving.models[0].max_replicas"
