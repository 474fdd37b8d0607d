"""A loopback server speaking the part of the GitHub REST API the approval check reads.

`GET /repos/{owner}/{repo}/pulls/{n}`, `.../pulls/{n}/reviews` (paginated with `per_page`/`page` and a
`Link: rel="next"` header, as GitHub pages), `.../commits/{sha}/pulls` and `GET /users/{login}`. Requests without
`Authorization: Bearer <token>` get 401 when a token is set, as a private repository answers.
"""

from __future__ import annotations

from typing import Any

from infra.rehearsal.http_server import Handler
from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response

_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


class GitHubServer(LoopbackServer):
    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.pulls: dict[int, dict[str, Any]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.commit_pulls: dict[str, list[int]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        super().__init__()

    # -- seeding ----------------------------------------------------------------------------------------------
    def add_pull(self, number: int, author: str, head: str, merged: bool = True) -> None:
        self.pulls[number] = {
            "number": number,
            "user": {"login": author},
            "head": {"sha": head},
            "merged_at": "2026-11-30T10:00:00Z" if merged else None,
        }
        self.reviews.setdefault(number, [])
        self.commit_pulls.setdefault(head, []).append(number)

    def review(self, number: int, login: str, state: str, commit: str) -> None:
        reviews = self.reviews[number]
        reviews.append({"id": len(reviews) + 1, "user": {"login": login}, "state": state, "commit_id": commit})

    # -- protocol ---------------------------------------------------------------------------------------------
    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", _REPO + r"/pulls/(?P<number>\d+)/reviews", self._reviews),
            ("GET", _REPO + r"/pulls/(?P<number>\d+)", self._pull),
            ("GET", _REPO + r"/commits/(?P<sha>[0-9a-f]+)/pulls", self._pulls_of_commit),
            ("GET", r"/users/(?P<login>[^/]+)", self._user),
        ]

    def _authorize(self, request: Request) -> None:
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            raise ApiError(401, "Requires authentication")

    def _pull(self, request: Request) -> Response:
        self._authorize(request)
        number = int(request.match["number"])
        if number not in self.pulls:
            raise ApiError(404, "Not Found")
        return Response.of_json(self.pulls[number])

    def _reviews(self, request: Request) -> Response:
        self._authorize(request)
        number = int(request.match["number"])
        if number not in self.pulls:
            raise ApiError(404, "Not Found")
        return self._page(request, self.reviews[number])

    def _pulls_of_commit(self, request: Request) -> Response:
        self._authorize(request)
        return self._page(request, [self.pulls[n] for n in self.commit_pulls.get(request.match["sha"], [])])

    def _user(self, request: Request) -> Response:
        self._authorize(request)
        login = request.match["login"]
        return Response.of_json(self.users.get(login, {"login": login, "email": None}))

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        size = int(request.param("per_page") or 30)
        page = int(request.param("page") or 1)
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items):
            path = request.path
            headers["Link"] = f'<{self.base_url}{path}?per_page={size}&page={page + 1}>; rel="next"'
        return Response(200, Response.of_json(chunk).body, headers=headers)
