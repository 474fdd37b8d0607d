"""Turn the property values a program sends the engine into plain, readable JSON.

Values travel as protobuf Structs in which secrets, unknowns, resource references, assets and archives are
encoded with special signature keys (`pulumi/runtime/rpc.py`). The snapshot keeps their meaning without their
content: a secret becomes `{"[secret]": true}` (its value never leaves this function), an unknown becomes
`"[unknown]"`, a resource reference becomes its URN, and whole-number floats become ints (protobuf carries every
number as a double; `pulumi stack export` prints `3`, not `3.0`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from google.protobuf import json_format, struct_pb2

UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"

SECRET = {"[secret]": True}
UNKNOWN = "[unknown]"


def secret_marker() -> dict[str, bool]:
    return dict(SECRET)


def is_secret_marker(value: Any) -> bool:
    return isinstance(value, dict) and value == SECRET


def struct_to_json(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A registration's property Struct as snapshot JSON (see module docstring for the markers)."""
    raw = json_format.MessageToDict(struct)
    return {key: plain(value) for key, value in sorted(raw.items())}


def _asset(value: dict[str, Any]) -> str:
    if value.get("path"):
        return f"path:{value['path']}"
    if value.get("uri"):
        return f"uri:{value['uri']}"
    if "text" in value:
        return "text sha256:" + hashlib.sha256(str(value["text"]).encode()).hexdigest()
    return f"hash:{value.get('hash', '')}"


def plain(value: Any) -> Any:
    """Recursively decode one property value (markers for secrets/unknowns, URNs for references)."""
    if isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_SENTINEL else value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return secret_marker()
        if sig == RESOURCE_SIG:
            return str(value.get("urn", UNKNOWN))
        if sig == OUTPUT_SIG:
            if value.get("secret"):
                return secret_marker()
            return plain(value["value"]) if "value" in value else UNKNOWN
        if sig == ASSET_SIG:
            return {"[asset]": _asset(value)}
        if sig == ARCHIVE_SIG:
            if "assets" in value:
                return {"[archive]": {k: plain(v) for k, v in sorted(value["assets"].items())}}
            return {"[archive]": _asset(value)}
        return {k: plain(v) for k, v in sorted(value.items())}
    return value
