"""A loopback server speaking the Cloud Storage JSON API: buckets and objects (metadata, download, upload).

Enough of the protocol for the real `google-cloud-storage` client: `GET /storage/v1/b/B` (a bucket that holds
objects), `GET /storage/v1/b/B/o/NAME` (metadata), `GET /storage/v1/b/B/o?prefix=P` (list, one page),
`GET /download/storage/v1/b/B/o/NAME?alt=media` (bytes), `POST /upload/storage/v1/b/B/o` (`uploadType=media`
with `name`, or `multipart`), `POST .../o/NAME/rewriteTo/b/B2/o/NAME2` (a server-side copy, done in one call)
and `DELETE`; uploads and rewrites honour `ifGenerationMatch` (0: only if absent; 412 otherwise). Point the client
at it as at any emulator (`STORAGE_EMULATOR_HOST=<base_url>`, or `client_options={"api_endpoint": base_url}`).
Objects are kept in memory; `put` seeds them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from email.parser import BytesParser
from email.policy import default

from infra.rehearsal.http_server import Handler
from tests.fakes.loopback import ApiError, LoopbackServer, Request, Response, now_rfc3339

_OBJECT = r"/b/(?P<bucket>[^/]+)/o/(?P<name>.+)"
_REWRITE = r"/b/(?P<bucket>[^/]+)/o/(?P<name>.+?)/rewriteTo/b/(?P<to_bucket>[^/]+)/o/(?P<to_name>.+)"


class GcsServer(LoopbackServer):
    STATE = ("objects",)

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.generations: dict[tuple[str, str], int] = {}
        super().__init__()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/download/storage/v1" + _OBJECT, self._download),
            ("POST", "/storage/v1" + _REWRITE, self._rewrite),
            ("GET", r"/storage/v1/b/(?P<bucket>[^/]+)/o", self._list),
            ("GET", "/storage/v1" + _OBJECT, self._get),
            ("GET", r"/storage/v1/b/(?P<bucket>[^/]+)", self._bucket),
            ("POST", r"/upload/storage/v1/b/(?P<bucket>[^/]+)/o", self._upload),
            ("DELETE", "/storage/v1" + _OBJECT, self._delete),
        ]

    def put(self, bucket: str, name: str, data: bytes) -> None:
        """Store an object (a new generation) as an upload would."""
        with self._lock:
            key = (bucket, name)
            self.objects[key] = data
            self.generations[key] = self.generations.get(key, 0) + 1

    # -- handlers ----------------------------------------------------------------------------------------
    def _found(self, request: Request) -> tuple[tuple[str, str], bytes]:
        key = (request.match["bucket"], request.match["name"])
        if key not in self.objects:
            raise ApiError(404, f"No such object: {key[0]}/{key[1]}", "notFound")
        return key, self.objects[key]

    def _resource(self, key: tuple[str, str], data: bytes) -> dict[str, object]:
        return {
            "kind": "storage#object",
            "bucket": key[0],
            "name": key[1],
            "id": f"{key[0]}/{key[1]}/{self.generations[key]}",
            "size": str(len(data)),
            "generation": str(self.generations[key]),
            "metageneration": "1",
            "md5Hash": base64.b64encode(hashlib.md5(data).digest()).decode(),
            "contentType": "application/json",
            "updated": now_rfc3339(),
        }

    def _bucket(self, request: Request) -> Response:
        bucket = request.match["bucket"]
        if not any(b == bucket for b, _ in self.objects):
            raise ApiError(404, f"The specified bucket does not exist: {bucket}", "notFound")
        return Response.of_json({"kind": "storage#bucket", "id": bucket, "name": bucket, "metageneration": "1"})

    def _get(self, request: Request) -> Response:
        key, data = self._found(request)
        return Response.of_json(self._resource(key, data))

    def _download(self, request: Request) -> Response:
        if request.param("alt") != "media":
            raise ApiError(400, "downloads need alt=media", "invalid")
        _, data = self._found(request)
        return Response(200, data, "application/octet-stream")

    def _precondition(self, request: Request, key: tuple[str, str]) -> None:
        """`ifGenerationMatch`: the destination's generation must be that one (0: it must not exist)."""
        wanted = request.param("ifGenerationMatch")
        current = self.generations[key] if key in self.objects else 0
        if wanted is not None and int(wanted) != current:
            message = f"At least one of the pre-conditions you specified did not hold: {key[1]}"
            raise ApiError(412, message, "conditionNotMet")

    def _list(self, request: Request) -> Response:
        bucket, prefix = request.match["bucket"], request.param("prefix") or ""
        with self._lock:
            keys = sorted(k for k in self.objects if k[0] == bucket and k[1].startswith(prefix))
            items = [self._resource(k, self.objects[k]) for k in keys]
        return Response.of_json({"kind": "storage#objects", "items": items})

    def _rewrite(self, request: Request) -> Response:
        _, data = self._found(request)
        key = (request.match["to_bucket"], request.match["to_name"])
        with self._lock:
            self._precondition(request, key)
            self.put(*key, data)
            resource = self._resource(key, data)
        return Response.of_json(
            {
                "kind": "storage#rewriteResponse",
                "totalBytesRewritten": str(len(data)),
                "objectSize": str(len(data)),
                "done": True,
                "resource": resource,
            }
        )

    def _upload(self, request: Request) -> Response:
        kind = request.param("uploadType")
        if kind == "media" and request.param("name"):
            name, data = str(request.param("name")), request.body
        elif kind == "multipart":
            name, data = _multipart(request)
        else:
            raise ApiError(400, f"uploadType {kind!r} is not supported (media with a name, or multipart)", "invalid")
        key = (request.match["bucket"], name)
        with self._lock:
            self._precondition(request, key)
            self.put(*key, data)
        return Response.of_json(self._resource(key, data))

    def _delete(self, request: Request) -> Response:
        key, _ = self._found(request)
        del self.objects[key]
        return Response(204, b"", "application/json")



def _multipart(request: Request) -> tuple[str, bytes]:
    """A `multipart/related` upload: the object resource (JSON, with `name`), then the media bytes."""
    content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    message = BytesParser(policy=default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if len(parts) != 2:
        raise ApiError(400, f"a multipart upload has 2 parts (metadata, media), found {len(parts)}", "invalid")
    metadata = json.loads(bytes(parts[0].get_payload(decode=True) or b"{}"))
    if not metadata.get("name"):
        raise ApiError(400, "the upload's metadata part has no name", "required")
    return str(metadata["name"]), bytes(parts[1].get_payload(decode=True) or b"")
