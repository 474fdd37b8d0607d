"""Verify a recorded production approval against the pull request that carried the promotion.

`mlops promote --approve-by NAME` records a name; on its own that is a claim. Where the promotion merged through
a GitHub pull request, the deploy workflow checks the claim with the GitHub REST API, as branch protection would:
the approver's latest review of the pull request is APPROVED, on the commit that was merged (a later push makes it
stale), and the approver is not the pull request's author. The recorded name is a GitHub login (`lee` or `@lee`)
or an e-mail that one approving reviewer shows publicly on their profile.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from contracts.errors import UserInputError

DEFAULT_API_URL = "https://api.github.com"
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_FINAL_STATES = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}
"""Review states that replace a reviewer's earlier verdict (a plain comment does not)."""


class GitHubError(RuntimeError):
    """The GitHub API refused or failed a request (message names the URL and the status, never the token)."""


@dataclass(frozen=True)
class ApprovalCheck:
    """The verdict on one recorded approval, with the reasons a reviewer reads."""

    verified: bool
    pull_request: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class GitHubClient:
    """The few GitHub REST calls the check needs; `token` goes only into the Authorization header."""

    repository: str
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.api_url.startswith(("https://", "http://")):
            raise UserInputError.single("--api-url", "", f"expected an http(s) URL, got {self.api_url!r}")
        if not _REPOSITORY.match(self.repository):
            raise UserInputError.single(
                "--repo", "", f"expected OWNER/NAME (as in $GITHUB_REPOSITORY), got {self.repository!r}"
            )

    def get(self, path: str) -> Any:
        return self._fetch(f"{self.api_url.rstrip('/')}{path}")[0]

    def get_all(self, path: str) -> Iterator[Any]:
        """Every item of a paginated list, following the `Link: rel="next"` headers."""
        url: str | None = f"{self.api_url.rstrip('/')}{path}{'&' if '?' in path else '?'}per_page=100"
        while url:
            page, headers = self._fetch(url)
            yield from page
            found = _NEXT_LINK.search(headers.get("Link", ""))
            url = found.group(1) if found else None

    def _fetch(self, url: str) -> tuple[Any, dict[str, str]]:
        request = urllib.request.Request(url, headers=self._headers())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null"), dict(response.headers)
        except urllib.error.HTTPError as exc:
            raise GitHubError(f"GET {url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise GitHubError(f"GET {url}: {exc}") from None

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


def pull_requests_of_commit(client: GitHubClient, commit: str) -> list[int]:
    """The merged pull requests that brought `commit` in (GET /repos/{repo}/commits/{sha}/pulls)."""
    pulls = client.get_all(f"/repos/{client.repository}/commits/{commit}/pulls")
    return sorted(int(p["number"]) for p in pulls if p.get("merged_at"))


def verify_approval(client: GitHubClient, approver: str, pull_request: int) -> ApprovalCheck:
    """Is `approver` an approving reviewer (not the author) of `pull_request`, on its final commit?"""
    pull = client.get(f"/repos/{client.repository}/pulls/{pull_request}")
    author = str(pull["user"]["login"])
    head = str(pull["head"]["sha"])
    verdicts: dict[str, dict[str, Any]] = {}
    for review in client.get_all(f"/repos/{client.repository}/pulls/{pull_request}/reviews"):
        if review.get("user") and review.get("state") in _FINAL_STATES:
            verdicts[str(review["user"]["login"]).lower()] = review  # the API lists reviews oldest first
    login = _login_of(client, approver, [r for r in verdicts.values() if r["state"] == "APPROVED"])
    where = f"{client.repository}#{pull_request}"
    if login is None:
        approving = sorted(str(r["user"]["login"]) for r in verdicts.values() if r["state"] == "APPROVED")
        return ApprovalCheck(
            False,
            pull_request,
            (f"{approver} has no approving review on {where} (approving reviewers: {', '.join(approving) or 'none'})",),
        )
    if login.lower() == author.lower():
        return ApprovalCheck(False, pull_request, (f"{login} approved {where} but is its author",))
    review = verdicts[login.lower()]
    if review.get("commit_id") != head:
        return ApprovalCheck(
            False,
            pull_request,
            (f"{login} approved {where} at {str(review.get('commit_id'))[:12]}, not at its final commit {head[:12]}",),
        )
    return ApprovalCheck(True, pull_request, (f"{approver} approved {where} at its final commit {head[:12]}",))


def _login_of(client: GitHubClient, approver: str, approvals: list[dict[str, Any]]) -> str | None:
    """The approving reviewer `approver` names: by login, or by the public e-mail on their profile."""
    name = approver.strip().removeprefix("@")
    for review in approvals:
        if str(review["user"]["login"]).lower() == name.lower():
            return str(review["user"]["login"])
    if "@" not in name:
        return None
    for review in approvals:
        profile = client.get(f"/users/{review['user']['login']}")
        if str(profile.get("email") or "").lower() == name.lower():
            return str(review["user"]["login"])
    return None
