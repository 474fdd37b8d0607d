"""File writes that never leave a half-written file: write a temp file beside the target, then rename."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

ORDINARY_FILE_MODE = 0o644
"""What a written report, snapshot or manifest gets (mkstemp's own 0600 is for secrets, which none of them is)."""


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int = ORDINARY_FILE_MODE) -> Path:
    """Write `data` to `path` atomically (same-directory temp file, fsync, rename), readable as `mode` says."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def canonical_json(document: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline (byte-identical for equal input)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
