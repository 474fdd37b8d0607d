"""Compiled pipeline templates, kept by what determines their bytes, so an unchanged tree is compiled once.

KFP compilation is byte-deterministic for pinned libraries: a template is a pure function of the tree's
`pipelines/` and `contracts/` sources (all the compile imports of the tree) and of the installed Python and
libraries. The key hashes exactly those (every file under both directories, and every installed distribution's
name and version), so a cached template is never stale; only complete successful compiles are stored. A
compile costs a child process and ~4 s (importing kfp and aiplatform); release cuts, template materialization
before `pulumi up` and the tests repeat it over identical trees.

Entries live in the machine cache (`contracts.machine_cache`: `$MLOPS_CACHE_DIR`, default
`$XDG_CACHE_HOME/mlops`, else `~/.cache/mlops`) in `templates/<key>/`, written to a temporary directory and
renamed into place, so a reader sees a whole entry or none. Content-addressed, they are shared by every
checkout of the machine; deleting them is always safe. `MLOPS_CACHE_DIR=off` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from contracts.machine_cache import CACHE_ENV, cache_root, libraries_fingerprint

__all__ = ["CACHE_ENV", "cache_root", "cached_compile", "libraries_fingerprint", "tree_key"]

CACHE_FORMAT = 1
"""Bump when what is stored changes shape."""
SOURCE_DIRS = ("pipelines", "contracts")
"""The tree's directories the compile imports (relative to the tree's root)."""
_SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


def tree_key(tree: Path, recipe: str) -> str:
    """The key of `tree`'s templates compiled by `recipe` (the compile's command): sources, libraries, format."""
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n{recipe}\n{libraries_fingerprint()}\n".encode())
    for source in SOURCE_DIRS:
        root = tree / source
        files = sorted(p for p in root.rglob("*") if p.is_file() and not _SKIPPED_PARTS & set(p.parts))
        for file in files:
            digest.update(f"{file.relative_to(tree).as_posix()}\n".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _read(entry: Path) -> dict[str, bytes] | None:
    try:
        return {path.stem: path.read_bytes() for path in sorted(entry.glob("*.yaml"))} or None
    except OSError:
        return None


def _store(entry: Path, templates: dict[str, bytes]) -> None:
    """Write the entry whole or not at all (a concurrent writer of the same key wins harmlessly)."""
    with contextlib.suppress(OSError):
        entry.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{entry.name[:12]}-", dir=entry.parent))
        try:
            for name, data in templates.items():
                (scratch / f"{name}.yaml").write_bytes(data)
            os.rename(scratch, entry)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)


def cached_compile(tree: Path, recipe: str, compile_tree: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
    """`compile_tree()`'s templates of `tree`, from the cache when the same sources were compiled before."""
    root = cache_root()
    if root is None:
        return compile_tree()
    entry = root / "templates" / tree_key(tree, recipe)
    cached = _read(entry)
    if cached is not None:
        return cached
    templates = compile_tree()
    if templates:
        _store(entry, templates)
    return templates
