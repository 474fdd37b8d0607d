"""Offline synth: run the Pulumi program under the SDK's mock runtime and write the pinned snapshot.

Public API:
- `synth_stack(stack, project) -> dict`: the snapshot document for one stack of an `infra.layout.Project`.
- `synth_result(stack, project) -> SynthResult`: the same plus what the run could not mock.
- `write_snapshot(document, path)`: canonical JSON, written atomically.
- `start_child_synth(stacks, project)` / `synth_stacks_in_subprocess(...)`: synth another source tree (e.g.
  a git worktree) in a child process, so its `infra` package is the one that runs.

Speed: `sdk_compat` steps around SDK bookkeeping that dominated large synths (each adaptation documented and
pinned to the checked pulumi version); `synth_result(..., adapt_sdk=False)` runs the stock path, and the tests
assert both give byte-identical snapshots.
"""

from __future__ import annotations

from infra.synth.api import (
    ChildSynth,
    SynthResult,
    start_child_synth,
    synth_result,
    synth_stack,
    synth_stacks_in_subprocess,
    write_snapshot,
)

__all__ = [
    "ChildSynth",
    "SynthResult",
    "start_child_synth",
    "synth_result",
    "synth_stack",
    "synth_stacks_in_subprocess",
    "write_snapshot",
]
