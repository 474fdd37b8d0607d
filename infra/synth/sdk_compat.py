"""Where the offline synth steps around costs of the Pulumi SDK's runtime, each scoped to one run and restored after.

The SDK is built for a program talking to the engine over gRPC; under the in-process mock monitor some of its
bookkeeping dominates the run and grows faster than the program (measured on `benchmarks/plan_benchmark.py`).
Every adaptation below keeps what the program sees and what the monitor records unchanged (the snapshots are
byte-identical either way, asserted by `tests/infra/synth/test_sdk_compat.py`). They were checked against
`CHECKED_SDK_VERSION`; on another SDK version the stock path runs and one line says so on stderr.

1. `settle_outputs` (replaces the work of `pulumi.runtime.stack.wait_for_rpcs`' outputs loop). When the program
   body returns, the SDK's RPC list is still empty (an RPC joins it only once its task first runs), so all
   waiting falls to the loop that, on every wake-up, copies the whole set of tracked outputs, waits for the
   *first* to complete and puts the rest back: O(n^2) in the number of outputs (~11 per resource). Waiting
   for the same outputs in waves (all of them at once, then whatever they created meanwhile) settles them in
   O(n); the SDK's own wait then finds everything done and still re-raises any failure exactly as before.
   Safe because it only waits: nothing is cancelled, resolved or removed from the SDK's set.
2. `_no_stack_trace` (replaces `pulumi.runtime.resource._get_stack_trace`). The SDK walks and formats the
   Python stack for every registration (`traceback.extract_stack`, reading source lines) to fill
   `stackTrace` / `sourcePosition` of the request; the recording monitor never reads either field.
   Safe because those fields reach only the monitor.
3. Garbage collection paused (`gc.freeze()` + `gc.disable()`, restored after). A synth builds a large graph
   of futures, callbacks and outputs that lives until the run ends; the cyclic collector kept re-scanning it,
   and the whole heap of imported modules with it. What existed before the run stays frozen until the runner's
   end-of-run collection (only after a failure; a successful run's garbage goes with the next scheduled
   collection). At the end the run's survivors are frozen too and then, with the rest, handed to the oldest
   generation: left in the youngest, the first allocation after the run would scan them all at once (~0.27 ms
   per resource, a quarter of the synth at 6,000 resources, and the part that grew with size).
   Safe because collection timing has no effect on what is recorded.
4. `InlineCallsLoop` (replaces the thread-pool hop of `loop.run_in_executor(None, ...)` that the SDK makes for
   every monitor call, see the class), with the monitor's plain-data registration path that needs no loop
   (`RecordingMonitor._register_inline`, the stock `MockMonitor.RegisterResource` without `_sync_await`).

5. `_pickler_kept_flat` (wraps `pulumi.dynamic.dynamic.serialize_provider`). To pickle deterministically the SDK
   wraps `pickle._Pickler._batch_setitems` in a sorting closure over the method it finds and never restores
   it, so the k-th dynamic resource of a run pickles each dict through k nested wrappers, each sorting again:
   O(n^2) in dynamic resources, and deep enough at a few thousand to overflow the stack. The wrapper restores
   the pickler's methods after each call, so every serialization wraps pickle's own method once.
   Safe because sorting is idempotent: one sorting wrapper writes exactly the bytes that many would.

Under the real engine (the Automation API's inline program, `infra/engine/workspace.py`) 1, 3 and 5 apply
(`engine_adaptations`, `settle_then_close`): the engine records every resource's stack trace, and its monitor
is a real gRPC server. `MLOPS_SDK_ADAPTATIONS=off` runs that program on the stock path; the engine's state is
the same either way (`tests/engine/test_up.py`).

Measured on 2 cores (CPU seconds of one synth of the benchmark program, stock -> adapted best of 3, side by
side in one run): 605 resources 5.6 -> 0.4, 3,005 39.7 -> 2.0, 6,005 94.9 -> 4.0; the stock path costs 15-18 ms
per added resource, the adapted one 0.58-0.67 ms (growth 1.15x from 100 to 1,000 models), with the same number
of calls per resource at every size.
`benchmarks/plan_benchmark.py` prints the current figures side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import os
import pickle
import sys
from collections.abc import Iterator
from importlib import metadata
from typing import Any

from pulumi.dynamic import dynamic as dynamic_sdk
from pulumi.runtime import mocks
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import SETTINGS

CHECKED_SDK_VERSION = "3.272.0"
"""The pulumi SDK version whose internals the adaptations were read against (pyproject.toml pins it)."""


@functools.cache
def installed_sdk_version() -> str:
    """The installed pulumi SDK's version (the package has no `__version__`)."""
    return metadata.version("pulumi")


def sdk_matches(version: str | None = None) -> bool:
    """True when the SDK (default: the installed one) is the version the adaptations were checked against."""
    return (installed_sdk_version() if version is None else version) == CHECKED_SDK_VERSION


@functools.cache
def _notice_stock_path(version: str) -> None:
    """Said once per process, not once per synth."""
    print(
        f"mlops synth: pulumi {version} is not {CHECKED_SDK_VERSION} (the version the synth's "
        "SDK adaptations were checked against); running the SDK's stock path, slower on large programs",
        file=sys.stderr,
    )


async def settle_outputs() -> None:
    """Wait until every registration and output the SDK tracks has finished, in waves (adaptation 1)."""
    while True:
        with SETTINGS.lock:
            waiting: list[Any] = [task for task in SETTINGS.outputs if not task.done()]
        waiting.extend(rpc for rpc in SETTINGS.rpc_manager.rpcs if not asyncio.isfuture(rpc) or not rpc.done())
        if not waiting:
            return
        await asyncio.wait([asyncio.ensure_future(item) for item in waiting])


def _no_stack_trace() -> source_pb2.StackTrace:
    """An empty stack trace: what the SDK sends when it finds no user frame (adaptation 2)."""
    return source_pb2.StackTrace()


@contextlib.contextmanager
def _stack_traces_skipped() -> Iterator[None]:
    saved = sdk_resource._get_stack_trace
    sdk_resource._get_stack_trace = _no_stack_trace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = saved


@contextlib.contextmanager
def _pickler_kept_flat() -> Iterator[None]:
    saved = dynamic_sdk.serialize_provider
    pickler: Any = pickle._Pickler

    @functools.wraps(saved)
    def serialize_provider(provider: Any) -> str:
        methods = pickler._batch_setitems, pickler.save_dict
        try:
            serialized: str = saved(provider)
            return serialized
        finally:
            pickler._batch_setitems, pickler.save_dict = methods

    dynamic_sdk.serialize_provider = serialize_provider
    try:
        yield
    finally:
        dynamic_sdk.serialize_provider = saved


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    caller_froze = gc.get_freeze_count() > 0
    gc.freeze()  # what exists before the run (imports, the caller's objects) is not scanned during it
    gc.disable()
    try:
        yield
    finally:
        # The run's survivors join the frozen set before collection resumes: otherwise they would all still
        # count as the youngest generation, and the first allocation after `gc.enable()` would scan every one
        # of them (a quarter of an adapted synth's time at 6,000 resources).
        gc.freeze()
        if not caller_froze:  # a caller that froze objects itself keeps them (and ours) frozen
            gc.unfreeze()  # everything frozen goes to the oldest generation, left to the full collections
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def synth_adaptations(enabled: bool = True, sdk_version: str | None = None) -> Iterator[bool]:
    """Apply adaptations 2, 3 and 5 for the block; yields whether they (and the runner's use of 1 and 4) apply.

    Off when `enabled` is False (the stock SDK path, for comparison) or when the SDK (`sdk_version`, default the
    installed one) is not the checked version.
    """
    if not _adaptations_apply(enabled, sdk_version):
        yield False
        return
    with _stack_traces_skipped(), _pickler_kept_flat(), _collector_paused():
        yield True


def _adaptations_apply(enabled: bool, sdk_version: str | None) -> bool:
    """Whether to adapt: asked to, and the SDK (`sdk_version`, default the installed one) is the checked
    version; on another version the stock path runs and the notice is said."""
    if not enabled:
        return False
    version = installed_sdk_version() if sdk_version is None else sdk_version
    if not sdk_matches(version):
        _notice_stock_path(version)
        return False
    return True


STOCK_SWITCH = "MLOPS_SDK_ADAPTATIONS"
"""Set to `off` to run the real engine's inline program on the SDK's stock path (to compare, or to rule the
adaptations out when something looks wrong)."""


@contextlib.contextmanager
def engine_adaptations(enabled: bool = True, sdk_version: str | None = None) -> Iterator[bool]:
    """Apply adaptations 3 and 5 for a program the real engine runs (the Automation API's inline program);
    yields whether they, and the program's use of 1 (`settle_outputs`), apply.

    The O(n^2) outputs loop and the collector's rescans cost a program under the real engine what they cost a
    synth: measured side by side, a rehearsal of prod (preview and up) 26.4 -> 22.4 s, 35.1 -> 28.4 s of CPU
    with the engine and providers. Adaptations 2 and 4 stay off: the engine records each resource's source
    position, which it reads from the stack trace, and its monitor is a real gRPC server that the executor hop
    must not block. Off when `enabled` is False, when `MLOPS_SDK_ADAPTATIONS`
    is `off`, or on another SDK version (with the one-line notice)."""
    switched_off = os.environ.get(STOCK_SWITCH, "").lower() == "off"
    if not _adaptations_apply(enabled and not switched_off, sdk_version):
        yield False
        return
    with _pickler_kept_flat(), _collector_paused():
        yield True


async def settle_then_close(adaptations: contextlib.ExitStack) -> None:
    """What the engine's adapted inline program returns, for the SDK's `run_in_stack` to await on its loop: the
    program's outputs settled in waves (adaptation 1), then `adaptations` (`engine_adaptations`) closed. The
    SDK's own wait then finds the outputs done and re-raises any failure as before."""
    with adaptations:
        await settle_outputs()


class InlineCallsLoop(asyncio.SelectorEventLoop):
    """An event loop whose default executor runs each call at once, on the loop's own thread (adaptation 4).

    Replaces the hop the SDK makes for every monitor call (`loop.run_in_executor(None, do_rpc_call)` in
    `pulumi/runtime/resource.py`, `invoke.py`, `settings.py`, `stack.py`): a thread-pool hand-off, a wake-up of
    the loop through its self-pipe, and, in the stock mock monitor, a private event loop per call. Against the
    in-process monitor each call is a few microseconds of Python, so the hop is most of its cost.
    Safe because the recording monitor's methods never wait on this loop: while `inline_call` is set they
    finish without an event loop, or run the stock method on a worker thread with a private loop, exactly as
    the executor thread would (`RecordingMonitor._off_loop`). A call given an explicit executor keeps it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.inline_call = False

    def run_in_executor(self, executor: Any, func: Any, *args: Any) -> Any:  # type: ignore[override]
        if executor is not None:
            return super().run_in_executor(executor, func, *args)
        future: asyncio.Future[Any] = self.create_future()
        outer, self.inline_call = self.inline_call, True
        try:
            future.set_result(func(*args))
        except Exception as exc:  # delivered through the future, as the executor would
            future.set_exception(exc)
        finally:
            self.inline_call = outer
        return future


def in_inline_call() -> bool:
    """True inside a call that `InlineCallsLoop` runs on its own thread (the loop is running: no `_sync_await`)."""
    loop = asyncio.events._get_running_loop()
    return isinstance(loop, InlineCallsLoop) and loop.inline_call


def complete_now(coroutine: Any) -> Any:
    """The result of a coroutine that never suspends (serializing plain values), run without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a value the synth took for plain data had to wait for a future")


def registered_transforms(callbacks: Any) -> list[Any]:
    """The transform functions a registration's callbacks name, resolved as the stock mock monitor resolves them
    (`pulumi.runtime.mocks._resolve_callbacks`), for the inline registration path of adaptation 4."""
    resolved: list[Any] = mocks._resolve_callbacks(callbacks)
    return resolved
