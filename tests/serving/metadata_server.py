"""A loopback GCE metadata server: the access-token route Cloud Run instances use for their identity.

`GET /computeMetadata/v1/instance/service-accounts/default/token` answers `{"access_token", "expires_in",
"token_type": "Bearer"}` only with the header `Metadata-Flavor: Google` (403 otherwise), as the real one does.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response

IDENTITY_ROUTE = r"/computeMetadata/v1/instance/service-accounts/default/token"


class MetadataServer(LoopbackServer):
    def __init__(self, expires_in: int = 3599) -> None:
        self.expires_in = expires_in
        self.issued: list[str] = []
        self._serial = itertools.count(1)
        super().__init__()

    def routes(self) -> list[tuple[str, str, Any]]:
        return [("GET", IDENTITY_ROUTE, self._token)]

    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`, the form `GCE_METADATA_HOST` takes."""
        return self.base_url.removeprefix("http://")

    def __enter__(self) -> MetadataServer:
        self.start()
        return self

    def _token(self, request: Request) -> Response:
        flavor = {k.lower(): v for k, v in request.headers.items()}.get("metadata-flavor")
        if flavor != "Google":
            raise ApiError(403, "Missing Metadata-Flavor:Google header.", "PERMISSION_DENIED")
        token = f"ya29.loopback-{next(self._serial)}"
        self.issued.append(token)
        return Response.of_json({"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"})
