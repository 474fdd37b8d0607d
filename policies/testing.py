"""Build rule inputs from pulumi-gcp arguments exactly as the Python SDK sends them to the engine.

Tests (and rule authors) write resources with pulumi-gcp's snake_case argument names; the SDK's own
serializer (`pulumi.runtime.rpc.serialize_properties` with the resource's `*Args` input type, the path
`Resource.__init__` takes) turns them into the camelCase property struct the engine — and so CrossGuard
and the offline synth — sees. Numbers come back as floats, as they do over gRPC.
"""

from __future__ import annotations

import asyncio
from typing import Any

from google.protobuf import json_format
from pulumi import _types
from pulumi.runtime import rpc


def engine_inputs(args_type: type, **arguments: Any) -> dict[str, Any]:
    """camelCase inputs for `args_type` (e.g. `pulumi_gcp.storage.BucketArgs`) built from snake_case arguments."""
    known = _types.input_type_py_to_pulumi_names(args_type)
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise TypeError(f"{args_type.__name__} has no argument(s) {unknown}")
    # A private loop, not asyncio.run: that one unsets the thread's event loop when done, which breaks the
    # SDK's mock runtime (`set_mocks`) for any test that runs after a module built its inputs at import.
    loop = asyncio.new_event_loop()
    try:
        struct = loop.run_until_complete(rpc.serialize_properties(arguments, {}, typ=args_type))
    finally:
        loop.close()
    inputs: dict[str, Any] = json_format.MessageToDict(struct)
    return inputs
