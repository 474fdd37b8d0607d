"""Synth results shared by the tests that only read them (the `shared_synths` fixture).

A stack's synth is deterministic in its inputs: the stack, where the project is, and the files its program can
read. Tests that only read a snapshot take it from here, one synth per distinct key in a worker's session, as a
deep copy (a test that edits its copy changes nobody else's). The determinism, stock-vs-adapted, child-process
and error-path tests synthesise for themselves.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from infra.layout import Project
from infra.synth import SynthResult, synth_result
from infra.synth.cache import tree_digest

NOT_READ_BY_THE_PROGRAM = frozenset({"tests", "docs", "benchmarks", "build"})
"""Top-level directories of a project tree that no Pulumi program of it reads (left out of the key)."""


def project_digest(root: Path) -> str:
    """sha256 over every file the program could read below `root` (`infra.synth.cache.tree_digest`, without the
    top-level `NOT_READ_BY_THE_PROGRAM`)."""
    return tree_digest(root, skip_top=NOT_READ_BY_THE_PROGRAM)


class SharedSynths:
    """In-process synths, one per (stack, project root, project files) in a worker's session; copies handed out."""

    def __init__(self) -> None:
        self._results: dict[tuple[str, str, str], SynthResult] = {}
        self.synthesised = 0
        """How many synths ran (the rest of the calls were served from the cache)."""

    def result(self, stack: str, project: Project) -> SynthResult:
        root = project.root.resolve()
        key = (stack, str(root), project_digest(root))
        if key not in self._results:
            self._results[key] = synth_result(stack, project)
            self.synthesised += 1
        return copy.deepcopy(self._results[key])

    def document(self, stack: str, project: Project) -> dict[str, Any]:
        return self.result(stack, project).document


SHARED = SharedSynths()
"""The worker's cache (also the `shared_synths` fixture), for module-level helpers of tests that only read."""


def shared_document(stack: str, project: Project) -> dict[str, Any]:
    """A copy of `stack`'s snapshot from the worker's cache (see `SharedSynths`)."""
    return SHARED.document(stack, project)
