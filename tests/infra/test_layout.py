"""The project is found from the current directory upward, and every path derives from its Pulumi.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.layout import Project


def _project(root: Path, stack_config_dir: str | None = "environments") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    line = f"stackConfigDir: {stack_config_dir}\n" if stack_config_dir else ""
    (root / "Pulumi.yaml").write_text(f"name: p\nruntime: python\n{line}")
    return root


def test_find_walks_up_from_a_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "repo")
    deep = root / "pipelines" / "lib"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert Project.find().root == root.resolve()


def test_find_outside_any_project_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as error:
        Project.find(tmp_path)
    assert "no Pulumi.yaml here or in any parent directory" in str(error.value)
    assert "--project-dir" in str(error.value)


def test_at_refuses_a_directory_without_pulumi_yaml(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=r"no Pulumi\.yaml in"):
        Project.at(tmp_path)


def test_paths_follow_stack_config_dir(tmp_path: Path) -> None:
    project = Project.at(_project(tmp_path / "repo", "envs"))
    assert project.stack_file("dev") == project.root / "envs" / "Pulumi.dev.yaml"
    assert project.release_manifest("prod") == project.root / "envs" / "release.prod.yaml"
    assert project.release_history("staging") == project.root / "envs" / "releases" / "staging"
    assert Project.at(_project(tmp_path / "flat", None)).environments_dir == (tmp_path / "flat").resolve()


def test_environments_in_promotion_order(tmp_path: Path) -> None:
    project = Project.at(_project(tmp_path / "repo"))
    project.environments_dir.mkdir()
    for name in ("prod", "qa", "dev", "staging", "load"):
        (project.environments_dir / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    assert project.environments() == ["dev", "staging", "prod", "load", "qa"]


def test_display_is_relative_under_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project.at(_project(tmp_path / "repo"))
    monkeypatch.chdir(project.root)
    assert project.display(project.stack_file("dev")) == "environments/Pulumi.dev.yaml"
    assert project.display(tmp_path / "elsewhere.json") == str(tmp_path / "elsewhere.json")
