"""Entry points of the offline synth (see the package docstring)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.errors import Problem, UserInputError
from contracts.fsutil import atomic_write_text, canonical_json
from infra.layout import Project
from infra.synth.project import load_project, load_stack_config
from infra.synth.runner import run_program
from infra.synth.snapshot import build_snapshot

TOOL_ROOT = Path(__file__).resolve().parents[2]
"""Where this synth's own code is installed (put on a child synth's path for the engine), never a project."""
CHILD_SCRIPT = Path(__file__).resolve().with_name("child.py")


class SynthError(RuntimeError):
    """The program failed for a reason that is not a user-input error (a bug in the program or the synth)."""


@dataclass
class SynthResult:
    stack: str
    document: dict[str, Any]
    unmocked_invokes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    """What the program warned about (`pulumi.log.warn`), in order; not part of the snapshot."""


def synth_result(stack: str, project: Project, *, adapt_sdk: bool = True) -> SynthResult:
    """Run the program of `project` for `stack` in-process and snapshot it.

    `adapt_sdk=False` takes the SDK's stock path (`infra/synth/sdk_compat.py`): slower, same document.
    """
    started = time.perf_counter()
    spec = load_project(project.root.resolve())
    config = load_stack_config(spec, stack)
    run = run_program(spec, stack, config, adapt_sdk=adapt_sdk)
    document = build_snapshot(
        spec.name, stack, list(run.monitor.registrations.values()), run.monitor.stack_outputs, config
    )
    return SynthResult(stack, document, run.unmocked_invokes, time.perf_counter() - started, run.warnings)


def synth_stack(stack: str, project: Project, *, adapt_sdk: bool = True) -> dict[str, Any]:
    """The pinned snapshot document of `stack` (DESIGN.md "Offline synth")."""
    return synth_result(stack, project, adapt_sdk=adapt_sdk).document


def write_snapshot(document: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `document` as canonical JSON, atomically (no half-written snapshot on failure)."""
    return atomic_write_text(path, canonical_json(document))


class ChildSynth:
    """A synth running in a child process (see `start_child_synth`); `result()` waits for it."""

    def __init__(self, stacks: list[str], project: Project) -> None:
        self.project_dir = project.root.resolve()
        self._tmp = tempfile.TemporaryDirectory(prefix="mlops-synth-")
        self._result_file = Path(self._tmp.name) / "result.json"
        cmd = [sys.executable, str(CHILD_SCRIPT), "--tool-root", str(TOOL_ROOT), "--project-dir",
               str(self.project_dir), "--result-file", str(self._result_file), *stacks]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self._finished = False

    def wait_quietly(self) -> None:
        """Make sure the child has ended (and its temp dir is gone), e.g. when the caller failed meanwhile."""
        if self._finished:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.communicate()
        self._finished = True
        self._tmp.cleanup()

    def result(self) -> dict[str, SynthResult]:
        try:
            _, stderr = self._proc.communicate()
            self._finished = True
            if not self._result_file.is_file():
                raise SynthError(f"synth child process exited {self._proc.returncode} without a result:\n"
                                 f"{(stderr or '')[-4000:]}")
            payload = json.loads(self._result_file.read_text(encoding="utf-8"))
        finally:
            self._tmp.cleanup()
        error = payload.get("error")
        if error:
            if error["kind"] == "user_input":
                problems = [Problem(p["file"], p["key_path"], p["message"]) for p in error["problems"]]
                raise UserInputError(problems, error["summary"])
            raise SynthError(f"synth of {self.project_dir} failed: {error['message']}")
        return {
            stack: SynthResult(
                stack, item["document"], item["unmocked_invokes"], item["seconds"], item.get("warnings", [])
            )
            for stack, item in payload["results"].items()
        }


def start_child_synth(stacks: list[str], project: Project) -> ChildSynth:
    """Start synthesising `stacks` of another source tree in one child process whose `infra` package is that
    tree's (in-process, `import infra...` would return this tree's already-imported modules). Runs alongside
    whatever the caller does next; call `.result()` to wait."""
    return ChildSynth(stacks, project)


def synth_stacks_in_subprocess(stacks: list[str], project: Project) -> dict[str, SynthResult]:
    """`start_child_synth(...).result()`: used for `ENV@GITREF` (a temporary worktree)."""
    return start_child_synth(stacks, project).result()
