"""Run a Pulumi program in-process the way the language host does, against the recording monitor.

Sequence (mirrors `pulumi/automation/_server.py` and `pulumi-language-python-exec`): reset the SDK's settings
with our monitor and a mock engine (preview mode), load the stack's config with its secret keys, then
`run_in_stack(run the program's __main__)` on a fresh event loop; `run_in_stack` waits for every registration
and output before returning and re-raises the program's own exception (original type).

Isolation: the whole run happens inside a copy of the caller's `contextvars` context (the SDK keeps its settings,
config and root resource in context variables), and the program's own modules (files under the project
directory, except the tooling that must keep its identity, such as `infra.errors`) are evicted from
`sys.modules` before and after, so a second run re-executes them from scratch.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import runpy
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime import mocks, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_in_stack

from infra.errors import Problem, UserInputError
from infra.synth.monitor import OfflineMocks, RecordingMonitor
from infra.synth.project import ProjectSpec, StackConfig

KEEP_MODULES = ("infra.errors", "infra.fsutil", "infra.synth", "infra.cli", "infra.diff", "infra.plan", "infra.engine")
"""Tooling modules under the project directory that are never evicted (their classes must keep identity)."""


@dataclass
class ProgramRun:
    monitor: RecordingMonitor
    unmocked_invokes: list[str]


def _installed_prefixes() -> tuple[str, ...]:
    """Where installed libraries live (a project-local `.venv` is under the project dir; never evict those)."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    roots.update(os.path.realpath(p) for p in list(roots))
    return tuple(os.path.join(p, "") for p in roots)


def _evict_program_modules(root: Path) -> None:
    """Drop modules loaded from files under `root` (the program's own code), keeping tooling and libraries.

    Plain string prefixes (no per-module `resolve()`): this runs over every loaded module twice per synth.
    """
    prefixes = tuple({os.path.join(str(root), ""), os.path.join(os.path.realpath(root), "")})
    installed = _installed_prefixes()
    for name, module in list(sys.modules.items()):
        if name in ("infra", "__main__", "__mp_main__") or name.startswith(KEEP_MODULES):
            continue
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.startswith(prefixes) and not path.startswith(installed):
            del sys.modules[name]


@contextlib.contextmanager
def _program_environment(project: ProjectSpec) -> Iterator[None]:
    """cwd = program dir and the program dir first on sys.path, as the language host does; restored after."""
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    old_argv = list(sys.argv)
    root = project.root.resolve()
    _evict_program_modules(root)
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
        _evict_program_modules(root)


def _as_user_input_error(exc: BaseException) -> UserInputError | None:
    """A UserInputError raised by the program, even when it comes from another copy of `infra.errors`."""
    if isinstance(exc, UserInputError):
        return exc
    if type(exc).__name__ == "UserInputError" and hasattr(exc, "problems"):
        problems = [Problem(str(p.file), str(p.key_path), str(p.message)) for p in exc.problems]
        return UserInputError(problems, str(getattr(exc, "summary", "invalid input")))
    return None


def _run_in_fresh_context(project: ProjectSpec, stack: str, config: StackConfig) -> ProgramRun:
    offline = OfflineMocks(config.namespace("gcp"))
    monitor = RecordingMonitor(offline, stack=stack, project=project.name)
    settings.reset_options(
        project=project.name, stack=stack, root_directory=str(project.root), preview=True,
        organization="organization",
    )
    settings.SETTINGS.monitor = monitor
    settings.SETTINGS.engine = mocks.MockEngine(logging.getLogger("infra.synth.program"))
    settings.SETTINGS.monitor_features = set(monitor.GetDeploymentInfo(None).supportedFeatures)
    set_all_config(dict(config.values), sorted(config.secret_keys))

    main_file = project.main / "__main__.py"
    if not main_file.is_file():
        raise UserInputError.single(
            str(project.root / "Pulumi.yaml"), "main",
            f"the program directory {project.main} has no __main__.py; point `main` at the program directory",
        )

    def program() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_in_stack(program))
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                loop.run_until_complete(task)
        loop.close()
    return ProgramRun(monitor=monitor, unmocked_invokes=sorted(offline.unmocked_invokes))


def run_program(project: ProjectSpec, stack: str, config: StackConfig) -> ProgramRun:
    """Run `project`'s program for `stack` once, isolated; program errors keep their type (UserInputError)."""
    with _program_environment(project):
        try:
            return contextvars.copy_context().run(_run_in_fresh_context, project, stack, config)
        except BaseException as exc:
            user_error = _as_user_input_error(exc)
            if user_error is not None and user_error is not exc:
                raise user_error from None
            raise


def registrations_of(run: ProgramRun) -> list[Any]:
    return list(run.monitor.registrations.values())
