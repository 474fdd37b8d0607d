"""Release history of an environment: the manifests it ran before, so a rollback knows where to go back.

`environments/releases/<env>/` holds a stack of superseded manifests, `NNNN-<release>.yaml`, numbered in the
order they were replaced (highest = the manifest before the current one: the previous release, or the same
release still in its canary after `mlops canary finish`). `mlops rollback` pops the top entry
back into `release.<env>.yaml` and archives the manifest it replaces under `rolled-back/`, so a release that
was rolled back never comes back by a second rollback.

Every change goes through `FileTransaction`: either all files of a promotion or rollback are written, or
none are (each write is atomic; a failure midway restores what was written before).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from contracts.fsutil import atomic_write_bytes, atomic_write_text
from infra.layout import Project

HISTORY_DIR = "releases"
ROLLED_BACK_DIR = "rolled-back"
ENTRY = re.compile(r"^(?P<seq>[0-9]{4,})-(?P<release>[a-z][a-z0-9-]*)\.yaml$")


@dataclass(frozen=True)
class HistoryEntry:
    path: Path
    sequence: int
    release: str


@dataclass(frozen=True)
class History:
    """The history directory of one environment."""

    env: str
    root: Path

    @classmethod
    def of(cls, env: str, project_dir: Path | None = None) -> History:
        return cls(env, (Project(project_dir) if project_dir is not None else Project.find()).release_history(env))

    def entries(self) -> list[HistoryEntry]:
        """Superseded manifests, oldest first."""
        return _entries(self.root)

    def latest(self) -> HistoryEntry | None:
        entries = self.entries()
        return entries[-1] if entries else None

    def next_path(self, release: str) -> Path:
        return _next(self.root, release)

    def rolled_back(self) -> list[HistoryEntry]:
        """Manifests that were rolled back, oldest first."""
        return _entries(self.root / ROLLED_BACK_DIR)

    def next_rolled_back_path(self, release: str) -> Path:
        return _next(self.root / ROLLED_BACK_DIR, release)


def _entries(directory: Path) -> list[HistoryEntry]:
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = ENTRY.match(path.name)
        if match and path.is_file():
            found.append(HistoryEntry(path, int(match["seq"]), match["release"]))
    return sorted(found, key=lambda e: e.sequence)


def _next(directory: Path, release: str) -> Path:
    entries = _entries(directory)
    sequence = entries[-1].sequence + 1 if entries else 1
    return directory / f"{sequence:04d}-{release}.yaml"


@dataclass
class FileTransaction:
    """Atomic file writes and removals, undone in reverse order if the block raises.

    Use as a context manager; on an exception every file touched is put back as it was (content restored,
    created files removed) and the exception propagates.
    """

    _undo: list[tuple[Path, bytes | None]] = field(default_factory=list)

    def write(self, path: Path, text: str) -> None:
        self._remember(path)
        atomic_write_text(path, text)

    def remove(self, path: Path) -> None:
        self._remember(path)
        path.unlink()

    def _remember(self, path: Path) -> None:
        self._undo.append((path, path.read_bytes() if path.is_file() else None))

    def __enter__(self) -> FileTransaction:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            return
        for path, before in reversed(self._undo):
            # Best effort per file: one failed undo must not stop the others.
            with contextlib.suppress(OSError):
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    atomic_write_bytes(path, before)
