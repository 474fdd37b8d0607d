"""`mlops approval verify`: check ENV's recorded approval against the pull request that promoted it (GitHub API).

Exit codes: 0 verified, 1 not verified (the reasons are printed), 2 invalid input or the API could not answer.
The token is read from $GITHUB_TOKEN only (never a flag, so it shows in no process list or log).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from contracts.errors import UserInputError
from infra.cli.options import ProjectDirOption, find_project
from infra.layout import Project
from infra.release.github_approval import DEFAULT_API_URL, GitHubClient, GitHubError, pull_requests_of_commit
from infra.release.github_approval import verify_approval as check_approval

EXIT_NOT_VERIFIED = 1

app = typer.Typer(help="Verify recorded release approvals where the platform can (GitHub pull request reviews).")


@app.command("verify")
def verify(
    env: Annotated[str, typer.Option("--env", help="Environment whose release manifest records the approval.")],
    pull_request: Annotated[
        int | None, typer.Option("--pr", help="Pull request number that carried the promotion.")
    ] = None,
    commit: Annotated[
        str | None, typer.Option("--commit", help="Merged commit; its pull request is looked up (e.g. $GITHUB_SHA).")
    ] = None,
    repository: Annotated[
        str | None, typer.Option("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY).")
    ] = None,
    api_url: Annotated[
        str | None, typer.Option("--api-url", help="GitHub API URL (default: $GITHUB_API_URL, else api.github.com).")
    ] = None,
    project_dir: ProjectDirOption = None,
) -> None:
    """Is ENV's recorded approver an approving reviewer, not the author, of the promotion's pull request?"""
    project = find_project(project_dir)
    approver = recorded_approver(project, env)
    repo = repository or os.environ.get("GITHUB_REPOSITORY") or ""
    api = api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    client = GitHubClient(repo, os.environ.get("GITHUB_TOKEN"), api)
    try:
        numbers = _pull_requests(client, pull_request, commit)
        checks = [check_approval(client, approver, number) for number in numbers]
    except GitHubError as exc:
        raise UserInputError.single("GitHub API", "", f"{exc}; check --repo, --api-url and $GITHUB_TOKEN") from None
    for check in checks:
        mark = "verified" if check.verified else "NOT verified"
        for reason in check.reasons:
            typer.echo(f"approval {mark}: {reason}")
    if not any(check.verified for check in checks):
        raise typer.Exit(EXIT_NOT_VERIFIED)


def recorded_approver(project: Project, env: str) -> str:
    """The approver ENV's manifest records (validated the one way every command validates it)."""
    from infra.config.loader import load_environment
    from infra.release.store import load_manifest

    manifest = load_manifest(env, load_environment(env, project), project)
    if manifest.approval is None:
        raise UserInputError.single(
            project.display(project.release_manifest(env)),
            "approval",
            "no approval is recorded; promote with `mlops promote --approve-by NAME` first",
        )
    return str(manifest.approval.approved_by)


def _pull_requests(client: GitHubClient, pull_request: int | None, commit: str | None) -> list[int]:
    if (pull_request is None) == (commit is None):
        raise UserInputError.single("--pr/--commit", "", "pass exactly one of --pr N or --commit SHA")
    if pull_request is not None:
        return [pull_request]
    numbers = pull_requests_of_commit(client, str(commit))
    if not numbers:
        raise UserInputError.single(
            "--commit", "", f"no merged pull request contains {commit} in {client.repository}; pass --pr N"
        )
    return numbers
