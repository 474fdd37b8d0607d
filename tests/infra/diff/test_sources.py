"""Operands `ENV@GITREF` (a temporary worktree of a throwaway repository), `ENV` and snapshot files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.cli.app import main
from infra.diff.sources import load_snapshot_file, resolve_operand
from infra.layout import Project
from infra.synth import write_snapshot
from tests.gitrepo import fixture_repo, git, set_prod_retention


def test_one_line_config_change_is_exactly_one_update(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = fixture_repo(tmp_path)
    set_prod_retention(repo, 120)
    assert main(["diff", "prod@HEAD", "prod", "--project-dir", str(repo), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    changed = [s for s in doc["steps"] if s["op"] != "same"]
    assert len(changed) == 1
    assert changed[0]["op"] == "update"
    assert changed[0]["detailedDiff"] == {"lifecycleRules[0].condition.age": {"kind": "update", "inputDiff": True}}
    assert doc["changeSummary"]["update"] == 1
    assert git(repo, "worktree", "list").count("\n") == 1  # the temporary worktree is gone


def test_unknown_ref_and_missing_stack_at_ref_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = fixture_repo(tmp_path)
    assert main(["diff", "prod@no-such-branch", "prod", "--project-dir", str(repo)]) == 2
    assert "no commit named 'no-such-branch'" in capsys.readouterr().err
    (repo / "stacks" / "Pulumi.qa.yaml").write_text((repo / "stacks" / "Pulumi.dev.yaml").read_text())
    assert main(["diff", "qa@HEAD", "qa", "--project-dir", str(repo)]) == 2
    assert "has no stack file" in capsys.readouterr().err


def test_snapshot_files_and_two_environments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = fixture_repo(tmp_path, commit=False)
    dev = resolve_operand("dev", Project(repo))
    assert dev.document is not None
    path = write_snapshot(dev.document, tmp_path / "dev.json")
    assert load_snapshot_file(path) == dev.document
    assert main(["diff", str(path), "prod", "--project-dir", str(repo)]) == 0
    text = capsys.readouterr().out
    assert "Previewing update (fixture-platform/prod)" in text
    assert "+ gcp:vertex/aiEndpoint:AiEndpoint: (create)" in text  # prod serves one more model
    assert main(["diff", "dev", "prod", "--project-dir", str(repo), "--format", "markdown"]) == 0
    assert "#### :tropical_drink: `mlops plan` on fixture-platform/prod" in capsys.readouterr().out


def test_bad_snapshot_file_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "stack": "dev"}')
    with pytest.raises(UserInputError) as caught:
        load_snapshot_file(bad)
    assert caught.value.problems[0].key_path == "project, resources"
    bad.write_text("{not json")
    with pytest.raises(UserInputError, match="not JSON"):
        load_snapshot_file(bad)
