"""Run a Pulumi program in-process the way the language host does, against the recording monitor.

Sequence (mirrors `pulumi/automation/_server.py` and `pulumi-language-python-exec`): reset the SDK's settings
with our monitor and a mock engine (preview mode), load the stack's config with its secret keys, then
`run_in_stack(run the program's __main__)` on a fresh event loop; `run_in_stack` waits for every registration
and output before returning and re-raises the program's own exception (original type).

Isolation: the whole run happens inside a copy of the caller's `contextvars` context (the SDK keeps its settings,
config and root resource in context variables), and the program's own modules (except the tooling that must keep
its identity, such as `contracts.errors`) are evicted from `sys.modules` before and after (see
`_program_environment`), so a second run re-executes them from scratch. Measured on the platform's program:
re-executing its modules costs ~0.14 s per stack, against ~1.5 s for a fresh process per stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import logging
import os
import pickle
import runpy
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime import mocks, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import engine_pb2
from pulumi.runtime.stack import run_in_stack

from contracts.errors import Problem, UserInputError
from infra.synth.monitor import OfflineMocks, RecordingMonitor
from infra.synth.project import ProjectSpec, StackConfig
from infra.synth.sdk_compat import InlineCallsLoop, settle_outputs, synth_adaptations

KEEP_PACKAGES = ("infra", "pipelines", "policies")
"""This repository's own packages are never evicted: other code in the process (tests, the CLI, the promotion
gates) holds their classes, and Pulumi resolves a component's annotations through `sys.modules`. Their modules
hold no state between runs (the program's state lives in `__main__`, which runs afresh each time); another
source tree with its own copy of them is synthesized in a child process (`synth_stacks_in_subprocess`)."""
PROGRAM_LOGGER = "infra.synth.program"
"""The logger that says what the program warns about (on stderr, as `pulumi preview` shows it)."""


@dataclass
class ProgramRun:
    monitor: RecordingMonitor
    unmocked_invokes: list[str]
    warnings: list[str]
    """What the program said at warning or error level (`pulumi.log.warn`), in order."""


class RecordingEngine(mocks.MockEngine):
    """The SDK's mock engine, also keeping what the program warns about: a plan shows it per stack, also for
    a stack synthesised in a child process (whose stderr nobody sees)."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logger)
        self.warnings: list[str] = []

    def Log(self, request: Any) -> None:  # the engine protocol's method name
        if request.severity in (engine_pb2.WARNING, engine_pb2.ERROR):
            self.warnings.append(str(request.message))
        super().Log(request)  # type: ignore[no-untyped-call]  # the SDK's MockEngine is untyped


def _installed_prefixes() -> tuple[str, ...]:
    """Where installed libraries live (a project-local `.venv` is under the project dir; never evict those)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    roots.update(os.path.realpath(p) for p in list(roots))
    return tuple(os.path.join(p, "") for p in roots)


def _evict_modules(under: Path, only: set[str] | None = None) -> None:
    """Drop modules loaded from files under `under` (restricted to the names in `only` when given), keeping
    tooling and installed libraries. Plain string prefixes (no per-module `resolve()`): this runs over every
    loaded module twice per synth."""
    prefixes = tuple({os.path.join(str(under), ""), os.path.join(os.path.realpath(under), "")})
    installed = _installed_prefixes()
    for name in list(sys.modules if only is None else only & set(sys.modules)):
        if name in ("__main__", "__mp_main__") or name.split(".", 1)[0] in KEEP_PACKAGES:
            continue
        path = getattr(sys.modules[name], "__file__", None)
        if isinstance(path, str) and path.startswith(prefixes) and not path.startswith(installed):
            del sys.modules[name]


@contextlib.contextmanager
def _program_environment(project: ProjectSpec) -> Iterator[None]:
    """cwd = program dir and the project root importable, as the language host does; restored after.

    Before the run, modules of the program's own directory (`main`) are dropped so the program runs them fresh
    even if something imported them earlier; after it, every module the run imported from the project is
    dropped. Modules imported before the run from elsewhere in the project (tests, tooling) are left alone.
    """
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    old_argv = list(sys.argv)
    root = project.root.resolve()
    _evict_modules(project.main)
    before = set(sys.modules)
    try:
        os.chdir(project.main)
        sys.argv = [str(project.main)]
        if str(root) not in sys.path:
            sys.path.append(str(root))
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        sys.argv = old_argv
        _evict_modules(root, only=set(sys.modules) - before)


def _as_user_input_error(exc: BaseException) -> UserInputError | None:
    """A UserInputError raised by the program, even when it comes from another copy of `contracts.errors`."""
    if isinstance(exc, UserInputError):
        return exc
    if type(exc).__name__ == "UserInputError" and hasattr(exc, "problems"):
        problems = [Problem(str(p.file), str(p.key_path), str(p.message)) for p in exc.problems]
        return UserInputError(problems, str(getattr(exc, "summary", "invalid input")))
    return None


def _run_in_fresh_context(project: ProjectSpec, stack: str, config: StackConfig, adapted: bool) -> ProgramRun:
    offline = OfflineMocks(config.namespace("gcp"))
    monitor = RecordingMonitor(offline, stack=stack, project=project.name)
    settings.reset_options(
        project=project.name, stack=stack, root_directory=str(project.root), preview=True,
        organization="organization",
    )
    settings.SETTINGS.monitor = monitor
    engine = RecordingEngine(logging.getLogger(PROGRAM_LOGGER))
    settings.SETTINGS.engine = engine
    info = monitor.GetDeploymentInfo(None)  # type: ignore[no-untyped-call]  # the SDK's MockMonitor is untyped
    settings.SETTINGS.monitor_features = set(info.supportedFeatures)
    set_all_config(dict(config.values), sorted(config.secret_keys))

    main_file = project.main / "__main__.py"
    if not main_file.is_file():
        raise UserInputError.single(
            str(project.root / "Pulumi.yaml"), "main",
            f"the program directory {project.main} has no __main__.py; point `main` at the program directory",
        )

    def program() -> Any:
        runpy.run_path(str(project.main), run_name="__main__")
        # Awaited by `run_in_stack` before the stack finishes: the SDK's own wait then finds nothing pending.
        return settle_outputs() if adapted else None

    loop = InlineCallsLoop() if adapted else asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_in_stack(program))
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                loop.run_until_complete(task)
        loop.close()
    return ProgramRun(monitor=monitor, unmocked_invokes=sorted(offline.unmocked_invokes), warnings=engine.warnings)


@contextlib.contextmanager
def _quiet_unobserved_futures(collect_after_success: bool = True) -> Iterator[None]:
    """When the program fails, sibling futures fail too and asyncio logs each one ("Future exception was never
    retrieved", with a traceback) when it is collected. The language host silences the `asyncio` logger for the
    same reason; here only for the run, collecting the dead futures before the level is restored.

    A successful run leaves no failed future behind (the SDK awaited every one), so with
    `collect_after_success=False` its garbage is left to the collector's normal schedule (a full collection
    costs ~0.1 s per synth of a shipped stack)."""
    logger = logging.getLogger("asyncio")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    failed = True
    try:
        yield
        failed = False
    finally:
        if failed or collect_after_success:
            gc.collect()
        logger.setLevel(level)


def _unwrapped_batch_setitems(method: Any) -> Any:
    """pickle's own `_batch_setitems` under any number of pulumi's sorting wrappers (each a closure over the
    method it wrapped); `method` itself when the chain has another shape. Sorting is idempotent, so one
    wrapper (added by the run's first dynamic resource) pickles exactly what many would."""
    while getattr(method, "__module__", None) != "pickle":
        inner = [c.cell_contents for c in (getattr(method, "__closure__", None) or ()) if callable(c.cell_contents)]
        if len(inner) != 1:
            return method
        method = inner[0]
    return method


@contextlib.contextmanager
def pulumi_pickler_restored() -> Iterator[None]:
    """Undo what pulumi's `serialize_provider` leaves behind on the pure-Python pickler.

    Every dynamic resource serialized wraps `pickle._Pickler._batch_setitems` once more and never restores it
    (pulumi 3.272): a process that serializes providers many times (plan, promotion gates, tests, inline engine
    programs) eventually overflows the stack while pickling. Each run starts from pickle's own method, so
    wrappers left by code outside a synth cannot pile up inside it, and restores the pickler it found.
    """
    pickler: Any = pickle._Pickler
    saved = pickler._batch_setitems, pickler.save_dict
    pickler._batch_setitems = _unwrapped_batch_setitems(saved[0])
    try:
        yield
    finally:
        pickler._batch_setitems, pickler.save_dict = saved


def run_program(project: ProjectSpec, stack: str, config: StackConfig, *, adapt_sdk: bool = True) -> ProgramRun:
    """Run `project`'s program for `stack` once, isolated; program errors keep their type (UserInputError).

    `adapt_sdk=False` runs the SDK's stock path instead of the adaptations of `sdk_compat` (same snapshot).

    A user error leaves without the SDK's traceback (the CLI prints only its message), which also frees the
    failed futures that traceback kept alive, so they are collected while asyncio's logger is quiet.
    """
    # The adaptations enclose the final collection of `_quiet_unobserved_futures`: with what existed before the
    # run still frozen, that collection scans only the run's own objects.
    with (
        _program_environment(project), synth_adaptations(adapt_sdk) as adapted,
        _quiet_unobserved_futures(collect_after_success=not adapted), pulumi_pickler_restored(),
    ):
        try:
            return contextvars.copy_context().run(_run_in_fresh_context, project, stack, config, adapted)
        except BaseException as exc:
            user_error = _as_user_input_error(exc)
            if user_error is None:
                raise
            user_error.__context__ = None
            raise user_error.with_traceback(None) from None
