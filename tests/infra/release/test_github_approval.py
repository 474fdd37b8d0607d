"""The recorded approval is checked against pull request reviews over the GitHub REST protocol (loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contracts.errors import UserInputError
from infra.release.github_approval import GitHubClient, GitHubError, pull_requests_of_commit, verify_approval
from tests.fakes.github_server import GitHubServer

HEAD, OLD = "c0ffee" * 6 + "beef", "ba5eba11" * 5
TOKEN = "ghs_loopback-token"


@pytest.fixture
def github() -> Iterator[GitHubServer]:
    server = GitHubServer(token=TOKEN)
    with server:
        server.add_pull(7, author="sam", head=HEAD)
        yield server


def client(server: GitHubServer, token: str | None = TOKEN) -> GitHubClient:
    return GitHubClient("acme/genai", token, server.base_url)


def test_an_approving_reviewer_who_is_not_the_author_is_verified(github: GitHubServer) -> None:
    github.review(7, "lee", "APPROVED", HEAD)
    check = verify_approval(client(github), "@lee", 7)
    assert check.verified, check.reasons
    assert check.reasons == (f"@lee approved acme/genai#7 at its final commit {HEAD[:12]}",)


def test_an_email_matches_the_reviewers_public_profile(github: GitHubServer) -> None:
    github.review(7, "lee", "APPROVED", HEAD)
    github.users["lee"] = {"login": "lee", "email": "Lee@Acme.example"}
    assert verify_approval(client(github), "lee@acme.example", 7).verified
    assert not verify_approval(client(github), "kim@acme.example", 7).verified


def test_the_author_cannot_approve_their_own_promotion(github: GitHubServer) -> None:
    github.review(7, "sam", "APPROVED", HEAD)
    check = verify_approval(client(github), "sam", 7)
    assert not check.verified
    assert "is its author" in check.reasons[0]


def test_a_later_change_request_replaces_the_approval_but_a_comment_does_not(github: GitHubServer) -> None:
    github.review(7, "lee", "APPROVED", HEAD)
    github.review(7, "lee", "COMMENTED", HEAD)
    assert verify_approval(client(github), "lee", 7).verified
    github.review(7, "lee", "CHANGES_REQUESTED", HEAD)
    check = verify_approval(client(github), "lee", 7)
    assert not check.verified
    assert "approving reviewers: none" in check.reasons[0]


def test_an_approval_of_an_earlier_push_is_stale(github: GitHubServer) -> None:
    github.review(7, "lee", "APPROVED", OLD)
    check = verify_approval(client(github), "lee", 7)
    assert not check.verified
    assert "not at its final commit" in check.reasons[0]


def test_reviews_are_read_across_pages(github: GitHubServer) -> None:
    for index in range(130):
        github.review(7, f"bot{index}", "COMMENTED", HEAD)
    github.review(7, "lee", "APPROVED", HEAD)
    assert verify_approval(client(github), "lee", 7).verified
    assert github.count(r"/pulls/7/reviews") == 2


def test_the_pull_request_of_a_merged_commit_is_found(github: GitHubServer) -> None:
    github.add_pull(9, author="kim", head="d00d" * 10, merged=False)
    assert pull_requests_of_commit(client(github), HEAD) == [7]
    assert pull_requests_of_commit(client(github), "d00d" * 10) == []  # open, not merged


def test_a_refused_request_names_the_url_and_status_never_the_token(github: GitHubServer) -> None:
    with pytest.raises(GitHubError) as error:
        verify_approval(client(github, token="wrong"), "lee", 7)
    assert "HTTP 401" in str(error.value)
    assert "/pulls/7" in str(error.value)
    assert "wrong" not in str(error.value)
    assert TOKEN not in str(error.value)


def test_a_malformed_repository_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="OWNER/NAME"):
        GitHubClient("not a repo")
