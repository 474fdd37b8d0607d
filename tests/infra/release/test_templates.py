"""Reproducing pinned templates: from the working tree when it matches, else from `built_from` by git."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from contracts.errors import UserInputError
from infra.layout import Project
from infra.release.templates import materialize_templates, sha256_of
from pipelines.compile import compile_all
from tests.checkout import ROOT


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding this project's pipelines, stack files and manifests; one commit."""
    repo = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "pipelines", repo / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "environments", repo / "environments")
    shutil.copy(ROOT / "Pulumi.yaml", repo / "Pulumi.yaml")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "release sources")
    # The copy is a release cut from its own sources: dev pins what they compile to (the project's manifests
    # pin what was compiled at their own built_from, which later library changes no longer reproduce).
    compiled = {c.name: c.version for c in compile_all(tmp_path_factory.mktemp("compiled"))}
    pin_dev_to(repo, git(repo, "rev-parse", "HEAD"), compiled)
    git(repo, "commit", "-qam", "cut dev from these sources")
    return repo


def pin_dev_to(project: Path, commit: str, digests: dict[str, str] | None = None) -> None:
    path = project / "environments" / "release.dev.yaml"
    manifest = yaml.safe_load(path.read_text())
    manifest["provenance"]["built_from"] = commit
    for name, digest in (digests or {}).items():
        manifest["pipelines"][name]["digest"] = digest
    path.write_text(yaml.safe_dump(manifest, sort_keys=False))


def test_working_tree_that_matches_is_used_as_is(project: Path) -> None:
    pin_dev_to(project, git(project, "rev-parse", "HEAD"))
    written = materialize_templates("dev", Project(project))
    assert [(t.pipeline, t.source) for t in written] == [("evaluation", "working tree"), ("tuning", "working tree")]
    for template in written:
        assert sha256_of(template.path.read_bytes()) == template.digest
        assert template.path == project / "build" / "pipelines" / f"{template.pipeline}.yaml"


def test_changed_sources_fall_back_to_built_from(project: Path) -> None:
    commit = git(project, "rev-parse", "HEAD")
    pinned = {t.pipeline: t.digest for t in materialize_templates("dev", Project(project))}
    # A later change to the shared component library changes every compiled template.
    library = project / "pipelines" / "lib" / "text.py"
    library.write_text(library.read_text() + "\n# a later change\n")
    try:
        pin_dev_to(project, commit, pinned)
        written = materialize_templates("dev", Project(project))
        assert {t.pipeline: t.source for t in written} == {
            "evaluation": f"commit {commit[:12]}",
            "tuning": f"commit {commit[:12]}",
        }
        for template in written:
            assert sha256_of(template.path.read_bytes()) == pinned[template.pipeline]
    finally:
        git(project, "checkout", "--", "pipelines")


def test_a_digest_nothing_reproduces_is_an_error(project: Path) -> None:
    commit = git(project, "rev-parse", "HEAD")
    pin_dev_to(project, commit, {"tuning": "sha256:" + "0" * 64})
    with pytest.raises(UserInputError) as caught:
        materialize_templates("dev", Project(project))
    (problem,) = caught.value.problems
    assert problem.key_path == "pipelines.tuning.digest"
    assert problem.message.startswith(f"pins sha256:{'0' * 64}, but neither the working tree (sha256:")
    assert f"built_from {commit[:12]}" in problem.message
