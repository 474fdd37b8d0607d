"""The synth cache: a stack's result is read back whole while every input is unchanged, and never after."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from infra.layout import Project
from infra.synth import SynthResult, synth_result
from infra.synth import cache as synth_cache
from infra.synth.cache import SynthCache, inputs_digest
from tests.gitrepo import FIXTURE


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "machine-cache"))
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", ".pulumi-state"))
    return Project.at(root)


def _cache(project: Project) -> SynthCache:
    cache = SynthCache.of(project)
    assert cache is not None
    return cache


def test_a_stored_synth_is_read_back_whole_while_the_project_is_unchanged(project: Project) -> None:
    assert _cache(project).load("dev") is None
    result = synth_result("dev", project)
    _cache(project).store(result)
    hit = _cache(project).load("dev")
    assert hit is not None
    assert (hit.stack, hit.document, hit.unmocked_invokes, hit.warnings) == (
        "dev", result.document, result.unmocked_invokes, result.warnings
    )
    assert _cache(project).load("prod") is None  # another stack is another entry


@pytest.mark.parametrize(
    "edit",
    ["stacks/Pulumi.prod.yaml", "program/__main__.py", "notes.txt"],
    ids=["another stack's file", "the program", "a new file anywhere"],
)
def test_any_edit_of_the_project_is_a_miss_for_every_stack(project: Project, edit: str) -> None:
    _cache(project).store(SynthResult("dev", {"resources": []}))
    path = project.root / edit
    path.write_text((path.read_text() if path.exists() else "") + "\n# edited\n")
    assert _cache(project).load("dev") is None


def test_hidden_directories_and_bytecode_are_not_inputs(project: Project) -> None:
    _cache(project).store(SynthResult("dev", {"resources": []}))
    (project.root / ".pulumi-state").mkdir()
    (project.root / ".pulumi-state" / "state.json").write_text("{}")
    (project.root / "program" / "__pycache__").mkdir(exist_ok=True)
    (project.root / "program" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert _cache(project).load("dev") is not None


def test_a_program_outside_the_project_is_part_of_the_key(tmp_path: Path, project: Project) -> None:
    outside = tmp_path / "program-elsewhere"
    shutil.move(project.root / "program", outside)
    pulumi_yaml = project.root / "Pulumi.yaml"
    pulumi_yaml.write_text(pulumi_yaml.read_text().replace("main: program/", f"main: {outside}"))
    before = inputs_digest(Project(project.root))
    (outside / "__main__.py").write_text((outside / "__main__.py").read_text() + "\n# edited\n")
    assert inputs_digest(Project(project.root)) != before


def test_the_machine_cache_turned_off_keeps_nothing(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_CACHE_DIR", "off")
    assert SynthCache.of(project) is None


def test_an_unreadable_entry_is_a_miss_not_an_error(project: Project) -> None:
    cache = _cache(project)
    cache.store(SynthResult("dev", {"resources": []}))
    cache.entry("dev").write_text('{"format": 1, "stack": "dev", "docum')
    assert cache.load("dev") is None
    cache.entry("dev").write_text('{"format": 1, "stack": "prod", "document": {}, "unmocked_invokes": [], '
                                  '"warnings": []}')
    assert cache.load("dev") is None  # an entry of another stack under this key is not this stack's


def test_only_the_most_recently_used_entries_are_kept(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth_cache, "KEEP", 2)
    cache = _cache(project)
    for age, stack in enumerate(["a", "b"]):
        cache.store(SynthResult(stack, {"resources": []}))
        os.utime(cache.entry(stack), (1_000 + age, 1_000 + age))
    assert cache.load("a") is not None  # used now: the most recent
    cache.store(SynthResult("c", {"resources": []}))
    assert [s for s in "abc" if cache.entry(s).exists()] == ["a", "c"]
