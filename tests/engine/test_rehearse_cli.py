"""`mlops rehearse` as a user runs it: JSON of the real engine's steps, twice on one state directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli.app import main
from tests.engine.conftest import copy_project

pytestmark = pytest.mark.engine


@pytest.mark.usefixtures("pulumi_cli", "pinned_templates")
def test_rehearse_prod_twice_creates_everything_then_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "project")
    before = (project / "environments" / "Pulumi.prod.yaml").read_bytes()
    args = ["rehearse", "--env", "prod", "--state-dir", str(tmp_path / "state"), "--format", "json",
            "--project-dir", str(project)]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert set(first) == {"stack", "steps", "changeSummary", "policy", "outputs"}
    assert first["stack"] == "prod"
    assert first["policy"]["mandatory"] == 0
    assert {s["op"] for s in first["steps"]} == {"create"}
    assert list(first["changeSummary"]) == ["create"]
    assert first["outputs"]["project_id"] == "acme-genai-prod"
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert {s["op"] for s in second["steps"]} == {"same"}
    assert second["changeSummary"] == {"same": first["changeSummary"]["create"]}
    assert (project / "environments" / "Pulumi.prod.yaml").read_bytes() == before, "the stack file is untouched"


def test_rehearse_without_a_cli_names_the_install_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["rehearse", "--env", "dev"]) == 2
    err = capsys.readouterr().err
    assert "Pulumi CLI not found" in err
    assert "tools/install-pulumi" in err
    assert "Traceback" not in err
