"""What a release change shows its reviewer: the manifest's unified diff and the target's resource diff."""

from __future__ import annotations

import difflib
from pathlib import Path

from infra.layout import Project
from infra.release.gates import GateResult
from infra.release.schema import ReleaseManifest


def manifest_diff(old: str, new: str, path: Path) -> str:
    """Unified diff of the target manifest (what a reviewer reads in the pull request)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path.name}",
        tofile=f"b/{path.name}",
    )
    return "".join(lines)


def resource_diff(policy: GateResult, env: str, project: Project, current: ReleaseManifest | None) -> str:
    """The target's resource diff (synth with the current manifest -> with the candidate), when synthesized."""
    if policy.snapshot is None:
        return "\n(resource diff not computed: the policy gate did not synthesize the target)\n"
    from infra.diff import diff_snapshots, render_text
    from infra.synth import synth_stack

    before = synth_stack(env, project)
    running = current.release if current else "no release"
    return "\n" + render_text(diff_snapshots(before, policy.snapshot, f"{env} ({running})", f"{env} (candidate)"))
