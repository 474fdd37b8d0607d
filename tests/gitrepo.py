"""A throwaway git repository holding a copy of the fixture project (never the project's own repository)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

FIXTURE = Path(__file__).parent / "infra" / "synth" / "fixtures" / "platform"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV})
    return proc.stdout


def fixture_repo(tmp_path: Path, commit: bool = True) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo, ignore=shutil.ignore_patterns("__pycache__", ".pulumi-state"))
    (repo / ".gitignore").write_text("__pycache__/\n.pulumi-state/\n")
    git(repo, "init", "--quiet", "--initial-branch=main")
    if commit:
        git(repo, "add", "-A")
        git(repo, "commit", "--quiet", "-m", "fixture")
    return repo


def set_prod_retention(repo: Path, days: int) -> None:
    path = repo / "stacks" / "Pulumi.prod.yaml"
    text = path.read_text()
    path.write_text(text.replace("fixture-platform:retentionDays: 90", f"fixture-platform:retentionDays: {days}"))
