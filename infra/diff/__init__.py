"""Snapshot diff: steps create/update/replace/delete/same with per-property detail, rendered three ways.

`diff_snapshots(old, new)` computes; `render_text`, `render_markdown`, `diff_json` render; `resolve_snapshot`
turns a command-line operand (file, `ENV`, `ENV@GITREF`) into a snapshot.
"""

from __future__ import annotations

from infra.diff.compute import diff_snapshots
from infra.diff.model import OutputDiff, PropertyDiff, StackDiff, Step
from infra.diff.render_json import diff_json
from infra.diff.render_markdown import MARKDOWN_CAP, render_markdown
from infra.diff.render_text import render_text

__all__ = [
    "MARKDOWN_CAP",
    "OutputDiff",
    "PropertyDiff",
    "StackDiff",
    "Step",
    "diff_json",
    "diff_snapshots",
    "render_markdown",
    "render_text",
]
