"""For any acknowledgements file, loading it gives acknowledgements or a `UserInputError` naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from contracts.errors import Problem, UserInputError
from infra.layout import Project
from infra.plan.acknowledgements import FILE_NAME, Acknowledgement, load_acknowledgements
from tests.yaml_fuzz import FUZZ, yaml_texts

SEED = Path(__file__).parent / "fixtures" / FILE_NAME
KEYS = ["acknowledgements", "resource", "change", "stacks", "reason", "replace", "delete", "grant", "prod"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("acknowledgements-fuzz")
    (root / "Pulumi.yaml").write_text("name: p\nruntime: python\nstackConfigDir: envs\n")
    (root / "envs").mkdir()
    return Project.at(root)


@FUZZ
@given(text=yaml_texts(SEED, KEYS))
def test_any_file_loads_or_is_an_error_naming_it(project: Project, text: str) -> None:
    file = project.environments_dir / FILE_NAME
    file.write_text(text, encoding="utf-8")
    acknowledgements, problems = _load(project)
    assert {p.file for p in problems} <= {str(file)}, problems
    assert all(a.resource.strip() for a in acknowledgements)
    assert all(len(a.reason.split()) >= 4 for a in acknowledgements)


def _load(project: Project) -> tuple[list[Acknowledgement], list[Problem]]:
    """What loading gives: the acknowledgements, or (none and) the problems of its `UserInputError`."""
    try:
        return load_acknowledgements(project), []
    except UserInputError as exc:
        return [], list(exc.problems) or [Problem("<no problem listed>", "", str(exc))]


def test_the_seed_is_valid(project: Project) -> None:
    (project.environments_dir / FILE_NAME).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    assert [a.change for a in load_acknowledgements(project)] == ["replace", None]
