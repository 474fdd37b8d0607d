"""Access tokens of the service's own identity, from the metadata server every Cloud Run instance has.

`GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token` with the
header `Metadata-Flavor: Google` answers `{"access_token", "expires_in", "token_type"}`. Standard library only
(no google-auth in the image); `GCE_METADATA_HOST` points it elsewhere, as it does for Google's own clients.
A token is reused until a minute before it expires.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Callable, Mapping

from serving.predict import TokenUnavailable

METADATA_HOST = "metadata.google.internal"
HOST_VARIABLE = "GCE_METADATA_HOST"
IDENTITY_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"
REFRESH_MARGIN_SECONDS = 60.0


class TokenError(TokenUnavailable):
    """The metadata server gave no usable token (the gateway then counts the call as a connection failure)."""


class MetadataTokenSource:
    """Callable returning a bearer token; thread-safe, one fetch per token lifetime."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout_seconds: float = 2.0,
    ) -> None:
        self.host = (environ if environ is not None else os.environ).get(HOST_VARIABLE) or METADATA_HOST
        self._clock = clock
        self._timeout = timeout_seconds
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0
        """How many tokens were fetched (for health and tests)."""

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_SECONDS:
                self._token, lifetime = self._fetch()
                self._expires_at = self._clock() + lifetime
                self.fetches += 1
            return self._token

    def _fetch(self) -> tuple[str, float]:
        host, _, port = self.host.partition(":")
        conn = http.client.HTTPConnection(host, int(port) if port else None, timeout=self._timeout)
        try:
            conn.request("GET", IDENTITY_PATH, headers={"Metadata-Flavor": "Google"})
            response = conn.getresponse()
            payload, status = response.read(), response.status
        except (OSError, http.client.HTTPException) as exc:
            raise TokenError(f"metadata server {self.host} unreachable: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        if status != 200:
            raise TokenError(f"metadata server {self.host} answered HTTP {status} for the access token")
        try:
            data = json.loads(payload)
            token, lifetime = data["access_token"], float(data["expires_in"])
        except (ValueError, KeyError, TypeError):
            raise TokenError(f"metadata server {self.host} sent no access_token / expires_in") from None
        if not isinstance(token, str) or not token:
            raise TokenError(f"metadata server {self.host} sent an empty access token")
        return token, lifetime
