"""`mlops approval verify` reads the manifest's recorded approver and checks it against the pull request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.cli.app import main
from tests.fakes.github_server import GitHubServer

ROOT = Path(__file__).resolve().parents[3]
HEAD = "ab" * 20
TOKEN = "ghs_cli-test-token"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    server = GitHubServer(token=TOKEN)
    with server:
        server.add_pull(12, author="sam", head=HEAD)
        server.users["lee"] = {"login": "lee", "email": "lee@acme.example"}  # prod's recorded approver
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/genai")
        monkeypatch.setenv("GITHUB_API_URL", server.base_url)
        yield server


def verify(*args: str) -> int:
    return main(["approval", "verify", "--env", "prod", "--project-dir", str(ROOT), *args])


def test_verified_by_commit(github: GitHubServer, capsys: pytest.CaptureFixture[str]) -> None:
    github.review(12, "lee", "APPROVED", HEAD)
    assert verify("--commit", HEAD) == 0
    out = capsys.readouterr().out
    assert "approval verified: lee@acme.example approved acme/genai#12" in out
    assert TOKEN not in out


def test_not_verified_exits_1_with_the_reason(github: GitHubServer, capsys: pytest.CaptureFixture[str]) -> None:
    github.review(12, "kim", "APPROVED", HEAD)
    assert verify("--pr", "12") == 1
    assert "has no approving review on acme/genai#12 (approving reviewers: kim)" in capsys.readouterr().out


@pytest.mark.usefixtures("github")
def test_bad_input_exits_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert verify() == 2  # neither --pr nor --commit
    assert verify("--commit", "ef" * 20) == 2  # no merged pull request
    assert verify("--pr", "404") == 2  # the API answers 404
    err = capsys.readouterr().err
    assert "pass exactly one of --pr N or --commit SHA" in err
    assert "no merged pull request contains" in err
    assert "HTTP 404" in err
    assert "Traceback" not in err
    assert TOKEN not in err


@pytest.mark.usefixtures("github")
def test_an_environment_without_a_recorded_approval_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["approval", "verify", "--env", "dev", "--project-dir", str(ROOT), "--pr", "12"]) == 2
    assert "no approval is recorded" in capsys.readouterr().err
