"""A stand-in for `pulumi up` in tests: runs a program and drives the dynamic providers as the engine does.

The program runs under the SDK's mock runtime, but the mocks are an engine: each registration (made once
its inputs are resolved, so outputs of dependencies are real) deserializes the resource's `__provider` the
way the dynamic provider host does, then calls check, and create, or diff + update, or create for a
replacement. State persists in a `StackState` across applies, step by step like Pulumi's checkpoint, so a
failure midway keeps what was done. After the program, resources it no longer declares (and replaced ones)
are deleted, newest first. A failed step fails the apply before any delete, as the engine stops.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dill
import pulumi
from pulumi.dynamic import ResourceProvider
from pulumi.runtime import mocks

from infra.synth.values import SECRET_SIG, SIG_KEY  # the protocol's secret signature

PROVIDER_KEY = "__provider"


@dataclass
class Entry:
    """One resource in the state: its provider-assigned id and the outputs the provider returned."""

    name: str
    type: str
    id: str
    outputs: dict[str, Any]


@dataclass
class StackState:
    """The state of one stack (what Pulumi's backend keeps between runs)."""

    resources: dict[str, Entry] = field(default_factory=dict)
    """Live resources by logical name, in creation order."""
    pending_delete: list[Entry] = field(default_factory=list)
    """Replaced resources whose delete has not happened yet."""


@dataclass
class Step:
    op: str  # create | update | same | replace | delete
    name: str


def provider_of(outputs_or_inputs: dict[str, Any]) -> ResourceProvider:
    """The provider the engine would run: the resource's serialized `__provider` (a secret by default)."""
    blob = outputs_or_inputs[PROVIDER_KEY]
    if isinstance(blob, dict) and blob.get(SIG_KEY) == SECRET_SIG:
        blob = blob["value"]
    provider = dill.loads(base64.b64decode(blob))
    assert isinstance(provider, ResourceProvider)
    return provider


class EngineMocks(mocks.Mocks):
    """Mocks that perform each registration's step against the real providers."""

    def __init__(self, state: StackState) -> None:
        self.state = state
        self.declared: set[str] = set()
        self.steps: list[Step] = []
        self._lock = threading.Lock()

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not args.custom:
            return "", {}
        inputs = dict(args.inputs)  # as the engine sends them: every number a float (protobuf Struct)
        provider = provider_of(inputs)
        with self._lock:
            self.declared.add(args.name)
            old = self.state.resources.get(args.name)
        checked = provider.check(old.outputs if old else {}, inputs)
        if checked.failures:
            raise RuntimeError(f"{args.name}: check failed: {[(f.property, f.reason) for f in checked.failures]}")
        news = {**checked.inputs, PROVIDER_KEY: inputs[PROVIDER_KEY]}
        if old is None:
            created = provider.create(news)
            return self._record(args, created.id, created.outs, "create")
        diff = provider.diff(old.id, old.outputs, news)
        if diff.replaces:
            created = provider.create(news)
            with self._lock:
                self.state.pending_delete.append(old)
            return self._record(args, created.id, created.outs, "replace")
        if diff.changes:
            updated = provider.update(old.id, old.outputs, news)
            return self._record(args, old.id, updated.outs, "update")
        return self._record(args, old.id, old.outputs, "same")

    def _record(
        self, args: mocks.MockResourceArgs, id_: str, outs: dict[str, Any] | None, op: str
    ) -> tuple[str, dict[str, Any]]:
        outputs = {**(outs or {}), PROVIDER_KEY: args.inputs[PROVIDER_KEY]}
        with self._lock:
            self.state.resources.pop(args.name, None)
            self.state.resources[args.name] = Entry(args.name, args.typ, id_, outputs)
            self.steps.append(Step(op, args.name))
        return id_, outputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, []


def apply(state: StackState, program: Callable[[], Any], stack: str, project: str = "genai-mlops") -> list[Step]:
    """Run `program` as `pulumi up` would against `state`; returns the steps taken (raises if one failed)."""
    engine = EngineMocks(state)
    pulumi.runtime.set_mocks(engine, project=project, stack=stack, preview=False)

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        program()
        return pulumi.Output.from_input(True)

    try:
        run()
    except Exception as exc:
        # The SDK re-raises one failed step through every output that depends on it, growing the same
        # exception's traceback each time; report the failure once, as the engine's `error:` line does.
        raise exc.with_traceback(None) from None
    for entry in reversed(list(state.resources.values())):
        if entry.name not in engine.declared:
            provider_of(entry.outputs).delete(entry.id, entry.outputs)
            del state.resources[entry.name]
            engine.steps.append(Step("delete", entry.name))
    while state.pending_delete:
        entry = state.pending_delete[-1]
        provider_of(entry.outputs).delete(entry.id, entry.outputs)
        state.pending_delete.pop()
        engine.steps.append(Step("delete-replaced", entry.name))
    return engine.steps
