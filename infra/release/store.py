"""Where a project keeps its releases: each environment's manifest, the history behind it, atomic writes.

`environments/release.<env>.yaml` is what the environment runs. `environments/releases/<env>/` holds a stack
of superseded manifests, `NNNN-<release>.yaml`, numbered in the order they were replaced (highest = the
manifest before the current one: the previous release, or the same release still in its canary after
`mlops canary finish`). `mlops rollback` pops the top entry back into `release.<env>.yaml` and archives the
manifest it replaces under `rolled-back/`, so a release that was rolled back never comes back by a second
rollback.

Every change goes through `FileTransaction`: either all files of a promotion or rollback are written, or
none are (each write is atomic; a failure midway restores what was written before). Reading validates the
manifest against its environment and reports every problem at once with file and key path.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from contracts.errors import UserInputError
from contracts.fsutil import atomic_write_bytes, atomic_write_text
from infra.config.loader import model_problems, read_yaml
from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release.checks import check_against_environment
from infra.release.schema import ReleaseManifest

ROLLED_BACK_DIR = "rolled-back"
ENTRY = re.compile(r"^(?P<seq>[0-9]{4,})-(?P<release>[a-z][a-z0-9-]*)\.yaml$")


# --- the manifest -------------------------------------------------------------------------------------------


def load_manifest(env: str, cfg: EnvironmentConfig, project: Project) -> ReleaseManifest:
    """Read and validate `environments/release.<env>.yaml` against the environment's config."""
    path = project.release_manifest(env)
    if not path.is_file():
        raise UserInputError.single(
            str(path),
            "",
            f"no release manifest for environment {env!r}; promote a release into it "
            f"(`mlops promote --from <env> --to {env}`) or write one",
            summary="missing release manifest",
        )
    return parse_manifest(read_yaml(path), path, cfg, project)


def find_manifest(env: str, cfg: EnvironmentConfig, project: Project) -> ReleaseManifest | None:
    """The environment's manifest, or None when it has none yet (an environment with nothing released)."""
    if not project.release_manifest(env).is_file():
        return None
    return load_manifest(env, cfg, project)


def read_manifest(path: Path, cfg: EnvironmentConfig, project: Project) -> ReleaseManifest:
    """A manifest file anywhere in the project (a history entry, the target of a promotion), validated."""
    return parse_manifest(read_yaml(path), path, cfg, project)


def parse_manifest(
    data: Mapping[str, Any], path: Path, cfg: EnvironmentConfig, project: Project
) -> ReleaseManifest:
    """Validate a manifest document; every problem is reported at once with its key path."""
    summary = f"invalid release manifest for environment {cfg.name!r}"
    try:
        manifest = ReleaseManifest.model_validate(data)
    except ValidationError as exc:
        raise UserInputError(model_problems(exc, data, str(path), ReleaseManifest), summary=summary) from None
    problems = check_against_environment(manifest, cfg, path, project)
    if problems:
        raise UserInputError(problems, summary=summary)
    return manifest


def dump_manifest(manifest: ReleaseManifest) -> str:
    """The manifest as YAML, in the model's field order, without unset optional keys."""
    header = (
        f"# Release manifest of environment {manifest.environment!r}: what it runs, pinned by digest.\n"
        "# Written by `mlops release cut` / `mlops promote` / `mlops rollback`; see docs/releases.md.\n"
    )
    body = yaml.safe_dump(
        manifest.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True, width=110
    )
    return header + body


# --- the history --------------------------------------------------------------------------------------------


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
    def of(cls, env: str, project: Project) -> History:
        return cls(env, project.release_history(env))

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


# --- atomic writes ------------------------------------------------------------------------------------------


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
