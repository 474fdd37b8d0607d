"""The shared synths hand out what a fresh synth gives, as copies, and synthesise again when the tree changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra.layout import Project
from infra.synth import synth_stack
from tests.synth_cache import SharedSynths, project_digest

FIXTURE_DIR = Path(__file__).parent / "infra" / "synth" / "fixtures" / "platform"


def copy_of_fixture(tmp_path: Path) -> Project:
    shutil.copytree(FIXTURE_DIR, tmp_path / "platform")
    return Project.at(tmp_path / "platform")


def test_a_second_read_is_served_from_the_cache_and_equals_a_fresh_synth(tmp_path: Path) -> None:
    project = copy_of_fixture(tmp_path)
    synths = SharedSynths()
    first = synths.document("dev", project)
    second = synths.document("dev", project)
    assert synths.synthesised == 1
    assert first == second == synth_stack("dev", project)


def test_each_reader_gets_its_own_copy(tmp_path: Path) -> None:
    project = copy_of_fixture(tmp_path)
    synths = SharedSynths()
    first = synths.document("dev", project)
    first["resources"].clear()
    first["outputs"]["injected"] = True
    again = synths.document("dev", project)
    assert again["resources"]
    assert "injected" not in again["outputs"]


def test_another_stack_or_a_changed_file_is_synthesised_anew(tmp_path: Path) -> None:
    project = copy_of_fixture(tmp_path)
    synths = SharedSynths()
    synths.document("dev", project)
    synths.document("prod", project)
    assert synths.synthesised == 2
    stack_file = next((project.root / "stacks").glob("Pulumi.dev.yaml"))
    stack_file.write_text(stack_file.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    synths.document("dev", project)
    assert synths.synthesised == 3


def test_the_key_follows_content_and_leaves_out_what_the_program_never_reads(tmp_path: Path) -> None:
    project = copy_of_fixture(tmp_path)
    before = project_digest(project.root)
    (project.root / "tests").mkdir()
    (project.root / "tests" / "test_x.py").write_text("x = 1\n", encoding="utf-8")
    (project.root / "program" / "__pycache__").mkdir(exist_ok=True)
    (project.root / "program" / "__pycache__" / "stale.pyc").write_bytes(b"\0")
    assert project_digest(project.root) == before
    (project.root / "program" / "extra.py").write_text("y = 2\n", encoding="utf-8")
    assert project_digest(project.root) != before
