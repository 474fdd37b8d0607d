"""Snapshots of a commit's stacks, kept by what determines them, so an unchanged base is synthesised once.

A base snapshot is a pure function of the project's tree at that commit, of the synth engine that records it
(this tool's `infra/synth`, `contracts` and layout code) and of the installed Python, pulumi and pulumi-gcp.
The key hashes exactly those; any change to one is a different key, so a cached snapshot is never stale. Only
complete successful runs are stored (a failed synth is retried next time). The cache lives in the repository's
git directory (`<git dir>/mlops/synth-cache/`), shared by worktrees, never committed; deleting it is always safe.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from contracts.fsutil import atomic_write_text, canonical_json

CACHE_FORMAT = 1
"""Bump when what is stored changes shape."""
ENGINE_SOURCES = ("infra/synth", "contracts", "infra/layout.py")
"""This tool's code that shapes a recorded snapshot (relative to the tool's root)."""
TOOL_ROOT = Path(__file__).resolve().parents[2]
INDEX = "stacks.json"


@functools.cache
def engine_fingerprint() -> str:
    """Hash of the synth engine's sources and the libraries whose behaviour is recorded."""
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\npython {sys.version}\n".encode())
    for package in ("pulumi", "pulumi_gcp"):
        digest.update(f"{package} {metadata.version(package)}\n".encode())
    for source in ENGINE_SOURCES:
        path = TOOL_ROOT / source
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(f"{file.relative_to(TOOL_ROOT)}\n".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _git(repo: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


@dataclass(frozen=True)
class RefSynthCache:
    """The cache entry of one project directory at one commit."""

    directory: Path

    @classmethod
    def of(cls, repo: Path, commit: str, relative: Path) -> RefSynthCache | None:
        """The entry for `relative` (the project inside `repo`) at `commit`; None outside a usable git repo."""
        inside = "" if relative == Path(".") else relative.as_posix()
        tree = _git(repo, "rev-parse", f"{commit}:{inside}")
        git_dir = _git(repo, "rev-parse", "--git-common-dir")
        if tree is None or git_dir is None:
            return None
        key = hashlib.sha256(f"{tree}\n{engine_fingerprint()}".encode()).hexdigest()
        return cls((repo / git_dir).resolve() / "mlops" / "synth-cache" / key)

    def load(self, stacks: list[str], every_stack: bool) -> dict[str, dict[str, Any] | None] | None:
        """Per stack its cached snapshot (None: no such stack at the commit); None when anything is missing."""
        try:
            present = json.loads((self.directory / INDEX).read_text(encoding="utf-8"))["stacks"]
            wanted = [*stacks, *(s for s in present if s not in stacks)] if every_stack else stacks
            return {
                stack: json.loads((self.directory / f"{stack}.json").read_text(encoding="utf-8"))
                if stack in present
                else None
                for stack in wanted
            }
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, stacks_at_commit: list[str], documents: dict[str, dict[str, Any]]) -> None:
        """Keep the snapshots of a successful run, then the index of every stack the commit has (a later load of
        a stack that was not synthesised then misses, and synthesises)."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for stack, document in documents.items():
                atomic_write_text(self.directory / f"{stack}.json", canonical_json(document))
            atomic_write_text(self.directory / INDEX, canonical_json({"stacks": sorted(stacks_at_commit)}))
        except OSError:
            return  # a read-only git directory only costs the next run its speed-up
