"""Reading Pulumi.yaml and a stack file into the config strings the language host would pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.synth.project import SECRET_PLACEHOLDER, load_project, load_stack_config


def write_project(root: Path, stack_yaml: str, project_extra: str = "") -> Path:
    header = "name: demo\nruntime: python\nmain: prog/\nstackConfigDir: envs\n"
    (root / "Pulumi.yaml").write_text(header + project_extra)
    (root / "envs").mkdir()
    (root / "envs" / "Pulumi.dev.yaml").write_text(stack_yaml)
    return root


def test_values_are_engine_strings_and_secure_keys_secret(tmp_path: Path) -> None:
    root = write_project(tmp_path, (
        "config:\n  gcp:project: p1\n  flag: true\n  demo:count: 3\n  demo:obj:\n    a: [1, 2]\n"
        "  demo:token:\n    secure: v1:abc\n  demo:nested:\n    inner:\n      secure: v1:def\n"
    ), "config:\n  demo:region:\n    default: eu\n")
    project = load_project(root)
    assert project.main == (root / "prog").resolve()
    assert project.stacks() == ["dev"]
    config = load_stack_config(project, "dev")
    assert config.values["gcp:project"] == "p1"
    assert config.values["demo:flag"] == "true"  # a bare key gets the project namespace
    assert config.values["demo:count"] == "3"
    assert json.loads(config.values["demo:obj"]) == {"a": [1, 2]}
    assert config.values["demo:region"] == "eu"  # Pulumi.yaml default
    assert config.values["demo:token"] == SECRET_PLACEHOLDER
    assert config.values["demo:nested"] == SECRET_PLACEHOLDER
    assert config.secret_keys == {"demo:token", "demo:nested"}
    assert "v1:abc" not in repr(config)


def test_missing_project_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=r"Pulumi\.yaml"):
        load_project(tmp_path)
    root = write_project(tmp_path, "config: [unclosed\n")
    with pytest.raises(UserInputError) as caught:
        load_stack_config(load_project(root), "dev")
    assert caught.value.problems[0].key_path.startswith("line ")


def test_invalid_stack_name(tmp_path: Path) -> None:
    root = write_project(tmp_path, "config: {}\n")
    with pytest.raises(UserInputError, match="not a stack name"):
        load_stack_config(load_project(root), "../etc")


@pytest.mark.parametrize(("written", "named"), [("false", "demo:false"), ("null", "demo:null"), ("12", "demo:12")])
def test_keys_that_yaml_reads_as_other_types_are_named_as_written(tmp_path: Path, written: str, named: str) -> None:
    """`config: {false: null}`: the problem names the key `demo:false`, as validate does, not Python's `False`."""
    root = write_project(tmp_path, f"config:\n  {written}: null\n")
    with pytest.raises(UserInputError) as caught:
        load_stack_config(load_project(root), "dev")
    assert [p.key_path for p in caught.value.problems] == [f"config.{named}"]
    (tmp_path / "envs" / "Pulumi.dev.yaml").write_text(f"config:\n  {written}: 1\n")
    assert load_stack_config(load_project(root), "dev").values[named] == "1"
