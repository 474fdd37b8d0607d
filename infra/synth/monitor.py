"""A resource monitor that records every registration the way the engine would see it.

The SDK's stock `MockMonitor` passes only type/name/inputs to `Mocks.new_resource`, builds URNs with the last
parent type segment plus the Stack type, and drops `RegisterResourceOutputs` (so stack outputs are lost). This
subclass keeps the full `RegisterResourceRequest` (parent, dependencies, options, aliases, provider), builds the
engine's URNs, and captures the root stack's outputs.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import pickletools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import resource_pb2

from contracts.errors import UserInputError
from infra.synth import urns
from infra.synth.derived import derive_outputs
from infra.synth.invokes import answer_invoke
from infra.synth.sdk_compat import complete_now, in_inline_call, registered_transforms
from infra.synth.values import SECRET_SIG, SIG_KEY, struct_to_json

DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic"
"""`pulumi-python:dynamic:Resource`, or `pulumi-python:dynamic/<module>:<Name>` for a named subclass."""
DYNAMIC_PROVIDER_KEY = "__provider"


@dataclass
class Registration:
    """One registered resource, already in snapshot terms (no protobuf, no secret values)."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    provider: str | None
    provider_version: str
    protect: bool
    retain_on_delete: bool
    dependencies: list[str]
    ignore_changes: list[str]
    replace_on_changes: list[str]
    aliases: list[str]
    inputs: dict[str, Any] = field(default_factory=dict)


def _pickle_class_name(data: bytes) -> str | None:
    """The provider's class path from pickle opcodes, without unpickling (nothing of the blob is executed).

    Tracks pushed strings and the memo: a class pickled by reference is the first non-dill `STACK_GLOBAL`
    that gets instantiated; a class dill pickled by value carries `__module__` and `__qualname__` in its dict
    (its methods carry longer `<Class>.<method>` qualnames).
    """
    pushed: list[str | None] = []
    memo: dict[int, str | None] = {}
    found: list[str] = []
    by_value: dict[str, list[str]] = {"__module__": [], "__qualname__": []}
    for opcode, arg, _pos in pickletools.genops(data):
        name = opcode.name
        if name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            if pushed and pushed[-1] in by_value:
                by_value[str(pushed[-1])].append(str(arg))
            pushed.append(str(arg))
        elif name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[int(str(arg))] = pushed[-1] if pushed else None
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            value = memo.get(int(str(arg)))
            if pushed and pushed[-1] in by_value and value is not None:
                by_value[str(pushed[-1])].append(value)
            pushed.append(value)
        elif name == "STACK_GLOBAL" and len(pushed) >= 2:
            found.append(f"{pushed[-2]}.{pushed[-1]}")
            pushed.append(None)
        elif name == "GLOBAL":
            found.append(str(arg).replace(" ", "."))
            pushed.append(None)
        elif name in ("NEWOBJ", "NEWOBJ_EX") and found and not found[-1].startswith(("dill.", "builtins.")):
            return found[-1]
    if by_value["__module__"] and by_value["__qualname__"]:
        # The class's qualname is the shortest: its methods' are `<Class>.<method>`.
        return f"{by_value['__module__'][0]}.{min(by_value['__qualname__'], key=len)}"
    return None


def dynamic_provider_marker(blob: Any) -> str:
    """A short stable stand-in for a dynamic resource's pickled provider: `[dynamic provider: module.Class]`."""
    if not isinstance(blob, str):
        return "[dynamic provider]"
    try:
        class_name = _pickle_class_name(base64.b64decode(blob))
    except Exception:  # a provider blob we cannot read still gets a stable marker
        return "[dynamic provider]"
    return f"[dynamic provider: {class_name}]" if class_name else "[dynamic provider]"


def _unwrap_secret(value: Any) -> Any:
    """The dynamic provider blob is sent as a secret (`serialize_as_secret_always`); read the wrapped string."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return value.get("value")
    return value


def _with_private_event_loop(call: Callable[[Any], Any], request: Any) -> Any:
    """Run a stock monitor method on an executor thread with its own event loop, closed afterwards.

    The stock methods call `_ensure_event_loop()`, which leaves an unclosed loop on every executor thread; at
    interpreter exit those loops' finalizers print a traceback. A loop we create and close avoids that. On the
    main thread (synchronous invokes run there, inside the running loop) the stock behaviour is kept, so the
    caller's thread state is never changed.
    """
    if threading.current_thread() is threading.main_thread():
        return call(request)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return call(request)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _on_worker_thread(call: Callable[[Any], Any], request: Any) -> Any:
    """`_with_private_event_loop` on a thread of its own, waited for: a stock monitor method called inline on the
    loop thread (`sdk_compat.InlineCallsLoop`) sees what it would on an executor thread, never the running loop."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = _with_private_event_loop(call, request)
        except BaseException as exc:  # re-raised on the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=contextvars.copy_context().run, args=(work,), name="synth-monitor-call")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _off_loop(call: Callable[[Any], Any], request: Any) -> Any:
    """Run a stock monitor method (it may `_sync_await`) where no running event loop is in its way."""
    if in_inline_call():
        return _on_worker_thread(call, request)
    return _with_private_event_loop(call, request)


def _holds_live_values(struct: struct_pb2.Struct) -> bool:
    """Whether a property Struct holds anything that deserializes to a live object (resource reference, output
    value, asset, archive) rather than plain data (secrets of plain data are plain)."""
    pending: list[Any] = list(struct.fields.values())
    while pending:
        value = pending.pop()
        kind = value.WhichOneof("kind")
        if kind == "struct_value":
            fields = value.struct_value.fields
            sig = fields.get(SIG_KEY)
            if sig is not None and sig.string_value != SECRET_SIG:
                return True
            pending.extend(fields.values())
        elif kind == "list_value":
            pending.extend(value.list_value.values)
    return False


class OfflineMocks(mocks.Mocks):
    """Answers like a preview: outputs echo the inputs plus what GCP derives from them (`derived.py`); other
    ids and outputs stay unknown; data sources come from the table in `invokes.py`."""

    def __init__(self, gcp_config: dict[str, str]) -> None:
        self.gcp_config = gcp_config
        self.unmocked_invokes: set[str] = set()

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return derive_outputs(args.typ, args.inputs, self.gcp_config.get("project", ""))

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        answer = answer_invoke(args.token, args.args, self.gcp_config)
        if answer is None:
            self.unmocked_invokes.add(args.token)
            return {}, []
        return answer, []


class RecordingMonitor(mocks.MockMonitor):
    """MockMonitor that records full registrations, builds engine URNs and keeps the stack outputs."""

    def __init__(self, mocks_: OfflineMocks, stack: str, project: str) -> None:
        super().__init__(mocks_)
        self.stack = stack
        self.project = project
        self.registrations: dict[str, Registration] = {}
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn = urns.make_urn(stack, project, "", urns.STACK_TYPE, f"{project}-{stack}")
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return urns.make_urn(self.stack, self.project, parent, type_, name)

    def _alias_urns(self, request: Any, parent: str) -> list[str]:
        found: list[str] = []
        for alias in request.aliases:
            if alias.HasField("urn"):
                found.append(alias.urn)
                continue
            spec = alias.spec
            alias_parent = "" if spec.noParent else (spec.parentUrn or parent)
            found.append(
                urns.make_urn(
                    spec.stack or self.stack,
                    spec.project or self.project,
                    alias_parent,
                    spec.type or request.type,
                    spec.name or request.name,
                )
            )
        found.extend(request.aliasURNs)
        # Aliases inherited from the parent (the engine derives them; the SDK sends only the resource's own).
        parent_reg = self.registrations.get(parent)
        if parent_reg is not None:
            for parent_alias in parent_reg.aliases:
                name = request.name
                if name.startswith(parent_reg.name):
                    name = urns.urn_name(parent_alias) + name[len(parent_reg.name) :]
                found.append(urns.make_urn(self.stack, self.project, parent_alias, request.type, name))
        return sorted(set(found))

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == urns.STACK_TYPE:
            self._record(urn, request, inputs={})
            return resource_pb2.RegisterResourceResponse(urn=urn)
        response = self._register_inline(urn, request) if in_inline_call() else None
        if response is None:
            response = _off_loop(super().RegisterResource, request)
        inputs = struct_to_json(request.object)
        if request.type.startswith(DYNAMIC_TYPE_PREFIX) and DYNAMIC_PROVIDER_KEY in request.object.fields:
            inputs[DYNAMIC_PROVIDER_KEY] = dynamic_provider_marker(
                _unwrap_secret(json_format.MessageToDict(request.object.fields[DYNAMIC_PROVIDER_KEY]))
            )
        self._record(urn, request, inputs=inputs)
        return response

    def _register_inline(self, urn: str, request: Any) -> Any:
        """`MockMonitor.RegisterResource` (pulumi 3.272.0, `runtime/mocks.py`) for plain-data inputs, without an
        event loop, on the loop thread (`sdk_compat` adaptation 4); None when the inputs hold live values."""
        if _holds_live_values(request.object):
            return None
        resource_args = mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=rpc.deserialize_properties(request.object),
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
            transforms=registered_transforms(request.transforms),
        )
        id_, state = self.mocks.new_resource(resource_args)
        obj_proto = complete_now(rpc.serialize_properties(state, {}))
        # A None id stays None (unset in the response), exactly as the stock method passes it on.
        registration: Any = mocks.MockMonitor.ResourceRegistration
        self.resources[urn] = registration(urn, id_, state)
        response: Any = resource_pb2.RegisterResourceResponse
        return response(urn=urn, id=id_, object=obj_proto)

    def _record(self, urn: str, request: Any, inputs: dict[str, Any]) -> None:
        is_provider = request.type.startswith(urns.PROVIDER_TYPE_PREFIX)
        if request.provider:
            provider: str | None = urns.strip_provider_id(request.provider)
        elif request.custom and not is_provider:
            provider = urns.default_provider_urn(
                self.stack, self.project, urns.package_of(request.type), request.version
            )
        else:
            provider = None
        registration = Registration(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent or None,
            provider=provider,
            provider_version=request.version,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            dependencies=sorted(set(request.dependencies)),
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            aliases=self._alias_urns(request, request.parent),
            inputs=inputs,
        )
        with self._lock:
            if urn in self.registrations:
                raise UserInputError.single(
                    "Pulumi program", urn, "two resources have this URN; give one of them a different name",
                    summary="duplicate resource URN",
                )
            self.registrations[urn] = registration

    def Invoke(self, request: Any) -> Any:
        return _off_loop(super().Invoke, request)

    def ReadResource(self, request: Any) -> Any:
        return _off_loop(super().ReadResource, request)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn == self.stack_urn:
            self.stack_outputs = struct_to_json(request.outputs)
        return empty_pb2.Empty()

