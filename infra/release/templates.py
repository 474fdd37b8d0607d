"""Reproduce the compiled templates an environment's manifest pins, byte for byte, before `pulumi up`.

A manifest pins each pipeline template by the sha256 of its compiled bytes. Staging and prod often run a
bundle built from an older commit than the one being deployed, so compiling the working tree is not enough:
each pinned template is taken from the working tree when it compiles to the pinned digest, and otherwise
compiled at the manifest's `provenance.built_from` commit in a temporary git worktree (KFP compilation is
byte-deterministic for a pinned kfp). A template that reproduces nowhere is an error naming both digests,
so `pulumi up` never uploads something other than what was evaluated and promoted.
Compiles of a tree whose sources were compiled before come from the template cache (`template_cache`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from contracts.errors import Problem, UserInputError
from contracts.fsutil import atomic_write_bytes
from infra.config.loader import load_environment
from infra.diff.gitref import repo_root, resolve_commit, worktree_at
from infra.layout import Project
from infra.release.schema import ReleaseManifest
from infra.release.store import find_manifest
from infra.release.template_cache import cached_compile

# Compiles the pipelines of the tree in the current directory (first on sys.path) into argv[1].
_COMPILE_IN_TREE = "import sys; from pipelines.compile import compile_all; compile_all(sys.argv[1])"


@dataclass(frozen=True)
class PinnedTemplate:
    """One template written where the manifest says (`path`), with where its bytes came from."""

    pipeline: str
    digest: str
    path: Path
    source: str
    """`working tree` or `commit <sha>`."""


def sha256_of(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def compile_templates(root: Path) -> dict[str, bytes]:
    """The compiled bytes of every pipeline of the tree at `root`, by pipeline name."""
    with tempfile.TemporaryDirectory(prefix="mlops-cut-") as tmp:
        return _compile_tree(root, Path(tmp) / "compiled")


def materialize_templates(env: str, project: Project) -> list[PinnedTemplate]:
    """Write every template `env`'s manifest pins to its `compiled` path; UserInputError when one can't be."""
    root, path = project.root, project.release_manifest(env)
    cfg = load_environment(env, project)
    manifest = find_manifest(env, cfg, project)
    if manifest is None:
        raise UserInputError.single(
            str(path), "", f"environment {env!r} has no release manifest: nothing is pinned",
            summary="no release manifest",
        )
    with tempfile.TemporaryDirectory(prefix="mlops-templates-") as tmp:
        working = _compile_tree(root, Path(tmp) / "working-tree")
        written: list[PinnedTemplate] = []
        pending: dict[str, str] = {}
        for name, spec in sorted(manifest.pipelines.items()):
            data = working.get(name)
            if data is not None and sha256_of(data) == spec.digest:
                written.append(_write(name, spec.digest, root / spec.compiled, data, "working tree"))
            else:
                pending[name] = spec.digest
        if pending:
            written += _from_built_from(manifest, pending, working, path, root, Path(tmp) / "built-from")
    return sorted(written, key=lambda t: t.pipeline)


def _from_built_from(
    manifest: ReleaseManifest, pending: dict[str, str], working: dict[str, bytes], path: Path, root: Path, out: Path
) -> list[PinnedTemplate]:
    """The templates the working tree does not reproduce, compiled at `provenance.built_from`."""
    commit = manifest.provenance.built_from
    built = _compile_at(commit, root, out)
    problems, written = [], []
    for name, digest in pending.items():
        data = built.get(name)
        if data is None or sha256_of(data) != digest:
            found = sha256_of(data) if data is not None else "no such pipeline"
            problems.append(Problem(
                str(path), f"pipelines.{name}.digest",
                f"pins {digest}, but neither the working tree ({_digest_or_none(working.get(name))}) nor "
                f"built_from {commit[:12]} ({found}) compiles to it; cut a new release from a commit "
                "whose compile matches, or correct provenance.built_from",
            ))
            continue
        spec = manifest.pipelines[name]
        written.append(_write(name, digest, root / spec.compiled, data, f"commit {commit[:12]}"))
    if problems:
        raise UserInputError(problems, summary=f"pinned templates of {manifest.environment!r} cannot be reproduced")
    return written


def _digest_or_none(data: bytes | None) -> str:
    return sha256_of(data) if data is not None else "no such pipeline"


def _write(name: str, digest: str, path: Path, data: bytes, source: str) -> PinnedTemplate:
    atomic_write_bytes(path, data)
    return PinnedTemplate(name, digest, path, source)


def _compile_tree(tree: Path, out: Path) -> dict[str, bytes]:
    """The compiled pipelines of `tree`: from the template cache when these sources were compiled before."""
    return cached_compile(tree, _COMPILE_IN_TREE, lambda: _compile_in_child(tree, out))


def _compile_in_child(tree: Path, out: Path) -> dict[str, bytes]:
    """Compile the pipelines of `tree` in a child process (so its `pipelines` package is the one compiled)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run(
        [sys.executable, "-c", _COMPILE_IN_TREE, str(out)], cwd=tree, env=env, capture_output=True, text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise UserInputError.single(str(tree), "pipelines", f"compiling the pipelines failed:\n{tail}")
    return {path.stem: path.read_bytes() for path in sorted(out.glob("*.yaml"))}


def _compile_at(commit: str, root: Path, out: Path) -> dict[str, bytes]:
    repo = repo_root(root)
    full = resolve_commit(commit, repo)
    with worktree_at(full, repo) as tree:
        return _compile_tree(tree / root.resolve().relative_to(repo), out)
