"""The machine's cache directory and the fingerprints its entries are keyed by (shared by every cache in it).

Entries are content-addressed: each key hashes everything that determines what the entry holds, so an entry is
never stale, and every checkout of the machine shares them; deleting the directory is always safe.
`$MLOPS_CACHE_DIR` says where it is (default `$XDG_CACHE_HOME/mlops`, else `~/.cache/mlops`); `off` turns
every cache in it off.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from importlib import metadata
from pathlib import Path

CACHE_ENV = "MLOPS_CACHE_DIR"


def cache_root() -> Path | None:
    """Where the machine's cache lives; None when turned off (`MLOPS_CACHE_DIR=off`)."""
    configured = os.environ.get(CACHE_ENV, "")
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mlops"


@functools.cache
def libraries_fingerprint() -> str:
    """Hash of the interpreter and every installed distribution (name and version), each once: a checkout on
    `sys.path` (as under pytest) shows its own editable install a second time."""
    names = sorted(
        {f"{dist.metadata['Name']} {dist.version}" for dist in metadata.distributions() if dist.metadata["Name"]}
    )
    return hashlib.sha256("\n".join([f"python {sys.version}", *names]).encode()).hexdigest()
