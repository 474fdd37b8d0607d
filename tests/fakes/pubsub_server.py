"""A loopback server speaking the Pub/Sub REST API's publish: `POST /v1/projects/P/topics/T:publish`.

Messages are kept per topic with the ids it assigned (`published[topic]`), data decoded from base64.
"""

from __future__ import annotations

import base64
from typing import Any

from infra.rehearsal.http_server import Handler
from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response


class PubSubServer(LoopbackServer):
    STATE = ("published",)

    def __init__(self) -> None:
        self.published: dict[str, list[dict[str, Any]]] = {}
        self._ids = 0
        super().__init__()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", r"/v1/(?P<topic>projects/[^/]+/topics/[^/:]+):publish", self._publish)]

    def _publish(self, request: Request) -> Response:
        messages = request.json().get("messages")
        if not isinstance(messages, list) or not messages:
            raise ApiError(400, "messages must be a non-empty list", "INVALID_ARGUMENT")
        ids = []
        for message in messages:
            self._ids += 1
            data = base64.b64decode(message.get("data", ""))
            self.published.setdefault(request.match["topic"], []).append(
                {"id": str(self._ids), "data": data, "attributes": message.get("attributes", {})}
            )
            ids.append(str(self._ids))
        return Response.of_json({"messageIds": ids})
