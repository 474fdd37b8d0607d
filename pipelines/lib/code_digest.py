"""Tie a compiled template to the library code its components import.

Components import `pipelines.lib` from the runtime image, so the template bytes alone would not change when
that code does. The compile step stamps every task with the digest of this package's sources (an environment
variable, so it is part of the template and of its sha256 version); at run time each component compares it
with the code it actually imports and refuses to run on a mismatch (an image built from other sources).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

LIBRARY_DIGEST_ENV = "PIPELINES_LIBRARY_DIGEST"
LIBRARY_DIR = Path(__file__).resolve().parent


def library_digest(root: Path = LIBRARY_DIR) -> str:
    """`sha256:<hex>` over the relative paths and contents (LF line endings) of the `.py` files under root."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return f"sha256:{digest.hexdigest()}"


def verify_runtime_library() -> None:
    """Raise when the template was compiled against other library code than the one importable here."""
    expected = os.environ.get(LIBRARY_DIGEST_ENV)
    if not expected:
        print(f"{LIBRARY_DIGEST_ENV} is not set (component run outside a compiled pipeline); not checked")
        return
    actual = library_digest()
    if actual != expected:
        raise RuntimeError(
            f"the runtime image carries pipelines.lib {actual}, but this template was compiled against "
            f"{expected}; rebuild the image from the commit the template came from (pipelines/Dockerfile)"
        )
