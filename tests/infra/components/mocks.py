"""Run a piece of Pulumi program under the SDK's mock runtime and keep what it registered.

`run(build)` installs `RecordingMocks` (outputs echo the inputs, ids are `<name>_id`) with a monitor that also
keeps the registration options the stock mocks drop (parent, protect, dependencies), runs `build()` in a
Pulumi program, waits for every registration, and returns a `Recording`. Assertions then run in plain pytest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks


@dataclass
class Recorded:
    """One registered resource (custom or component) as the engine received it."""

    type: str
    name: str
    inputs: dict[str, Any]
    provider: str | None = None
    custom: bool = True
    urn: str = ""
    parent: str = ""
    protect: bool = False
    dependencies: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # short, so assertion messages stay readable
        return f"<{self.type} {self.name}>"


class RecordingMocks(mocks.Mocks):
    """Answers every resource with its own inputs and a deterministic id; records (type, name, inputs, provider)."""

    def __init__(self) -> None:
        self.resources: list[Recorded] = []

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(
            Recorded(type=args.typ, name=args.name, inputs=dict(args.inputs), provider=args.provider or None)
        )
        return f"{args.name}_id", dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """Data sources: `getProject` answers with a fixed project number; others with nothing."""
        if args.token == "gcp:organizations/getProject:getProject":
            return {"projectId": args.args.get("projectId"), "number": "123456789012"}, []
        return {}, []


class RecordingMonitor(mocks.MockMonitor):
    """Keeps the options of each registration (the stock monitor forwards only type/name/inputs)."""

    def __init__(self, recorder: RecordingMocks) -> None:
        super().__init__(recorder)
        self.recorder = recorder
        self.options: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # the SDK's MockMonitor
        self.options[response.urn] = {
            "name": request.name,
            "type": request.type,
            "custom": bool(request.custom),
            "parent": request.parent,
            "protect": bool(request.protect),
            "dependencies": sorted(set(request.dependencies)),
        }
        return response


@dataclass
class Recording:
    """What a program registered, in registration order, plus whatever `build` returned (resolved)."""

    resources: list[Recorded]
    value: Any = None

    def of_type(self, type_: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> Recorded:
        found = [r for r in self.resources if r.name == name]
        assert len(found) == 1, f"expected one resource named {name!r}, found {found}"
        return found[0]

    def by_urn(self, urn: str) -> Recorded:
        found = [r for r in self.resources if r.urn == urn]
        assert len(found) == 1, f"expected one resource with URN {urn!r}, found {found}"
        return found[0]

    def children_of(self, parent: Recorded) -> list[Recorded]:
        return [r for r in self.resources if r.parent == parent.urn]

    def custom(self) -> list[Recorded]:
        return [r for r in self.resources if r.custom]


def run(build: Callable[[], Any], *, project: str = "genai-mlops", stack: str = "test") -> Recording:
    """Run `build()` as a Pulumi program under mocks; return every registration and `build()`'s resolved value.

    `build` may return any Input (an Output, a dict of Outputs, ...); it is resolved before `run` returns, so a
    test can read component outputs without `apply` callbacks.
    """
    # Each run gets its own event loop: `pulumi.runtime.test` drives the current one, and other code in the
    # same process (the offline synth, asyncio.run) may have closed or unset it.
    asyncio.set_event_loop(asyncio.new_event_loop())
    recorder = RecordingMocks()
    monitor = RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project=project, stack=stack, preview=False, monitor=monitor)
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        return pulumi.Output.from_input(build()).apply(lambda v: resolved.setdefault("value", v))

    program()
    by_key = {(r.type, r.name): r for r in recorder.resources}
    resources: list[Recorded] = []
    for urn, opts in monitor.options.items():
        key = (opts["type"], opts["name"])
        record = by_key.get(key) or Recorded(type=opts["type"], name=opts["name"], inputs={})
        record.custom = opts["custom"]
        record.urn = urn
        record.parent = opts["parent"]
        record.protect = opts["protect"]
        record.dependencies = opts["dependencies"]
        resources.append(record)
    return Recording(resources=resources, value=resolved.get("value"))
