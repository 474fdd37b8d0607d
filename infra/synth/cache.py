"""Synth results of a project's working tree, kept by everything that determines them, so a plan of unchanged
stacks does not run their programs again.

A stack's synth is a pure function of its inputs: the stack's name; where the project is; every file below the
project's root (path and content; hidden directories, `__pycache__` and `*.egg-info` aside), which holds the
program, `Pulumi.yaml`, the stack files, the release manifests and every file the program reads; the program's
directory when `Pulumi.yaml`'s `main` points outside the root; this tool's own packages (the in-process synth
runs the tool's `infra`, `pipelines`, `policies`, `contracts` and `serving`, not the project's copies); and the
interpreter with every installed distribution. The key hashes exactly those (and whether the SDK adaptations
apply, so a synth on the stock path, which says so, is its own entry), so an entry is never stale: an
edit to any file of the project is a miss for every stack, and a program that reads nothing outside its project
(the shipped one reads no environment variable and no file elsewhere) plans the same from the cache as without.

Only a complete successful synth is stored; a failing stack runs again, to report its error. Entries live in the
machine cache (`contracts.machine_cache`; `MLOPS_CACHE_DIR=off` turns it off) as `synths/<key>.json`, written
atomically; a reader sees a whole entry or none, and an unreadable entry is a miss. The `KEEP` most recently
used entries are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.fsutil import atomic_write_text, canonical_json
from contracts.machine_cache import cache_root, libraries_fingerprint
from infra.layout import Project
from infra.synth.api import SynthResult
from infra.synth.sdk_compat import sdk_matches

CACHE_FORMAT = 1
"""Bump when what is stored changes shape."""
KEEP = 64
"""Entries kept (most recently used first): a few checkouts' worth of three stacks and their recent edits."""
TOOL_ROOT = Path(__file__).resolve().parents[2]
TOOL_PACKAGES = ("contracts", "infra", "pipelines", "policies", "serving")
"""This tool's packages an in-process synth imports from the tool's own install (`infra.synth.runner`)."""


def tree_digest(root: Path, *, skip_top: Iterable[str] = ()) -> str:
    """sha256 over every file below `root` (relative path and content), in a stable order.

    Skipped: hidden and `__pycache__` directories, `*.egg-info`, and the top-level directories in `skip_top`."""
    skipped = frozenset(skip_top)
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        top = os.path.samefile(dirpath, root)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and d != "__pycache__" and not d.endswith(".egg-info")
            and not (top and d in skipped)
        )
        for name in sorted(filenames):
            path = Path(dirpath, name)
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inputs_digest(project: Project) -> str:
    """The hash of everything a synth of any stack of `project` depends on, except the stack's name."""
    root = project.root.resolve()
    parts = [f"format {CACHE_FORMAT}", f"root {root}", f"libraries {libraries_fingerprint()}",
             f"sdk path {'adapted' if sdk_matches() else 'stock'}", f"project {tree_digest(root)}"]
    program = project.program_dir
    if not program.is_relative_to(root):
        parts.append(f"program {program} {tree_digest(program)}")
    if root != TOOL_ROOT:
        parts += [f"tool {package} {tree_digest(TOOL_ROOT / package)}" for package in TOOL_PACKAGES
                  if (TOOL_ROOT / package).is_dir()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class SynthCache:
    """The machine cache's synth results for one project as its files are now (see the module docstring)."""

    directory: Path
    inputs: str
    """`inputs_digest` of the project, computed once: every stack's key adds only its name."""

    @classmethod
    def of(cls, project: Project) -> SynthCache | None:
        """The cache for `project`'s current files; None when the machine cache is off or a file can't be read."""
        root = cache_root()
        if root is None:
            return None
        try:
            return cls(root / "synths", inputs_digest(project))
        except OSError:
            return None

    def entry(self, stack: str) -> Path:
        key = hashlib.sha256(f"{self.inputs}\n{stack}".encode()).hexdigest()
        return self.directory / f"{key}.json"

    def load(self, stack: str) -> SynthResult | None:
        """The stored result of `stack`'s synth with these inputs; None when there is none (or it is unreadable)."""
        path = self.entry(stack)
        try:
            item: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if item["format"] != CACHE_FORMAT or item["stack"] != stack:
                return None
            result = SynthResult(stack, item["document"], list(item["unmocked_invokes"]), 0.0, list(item["warnings"]))
            os.utime(path)  # most recently used: kept longest
            return result
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, result: SynthResult) -> None:
        """Keep a successful synth's result, then drop the least recently used entries beyond `KEEP`."""
        item = {"format": CACHE_FORMAT, "stack": result.stack, "document": result.document,
                "unmocked_invokes": result.unmocked_invokes, "warnings": result.warnings}
        with contextlib.suppress(OSError):  # a read-only cache only costs the next run its speed-up
            atomic_write_text(self.entry(result.stack), canonical_json(item))
            entries = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for stale in entries[KEEP:]:
                stale.unlink(missing_ok=True)
