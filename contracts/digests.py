"""The content digest every versioned artifact is named by: `sha256:` and 64 lower-case hex digits.

Pipeline templates, bundles, reports, datasets and images are pinned this way across manifests, candidate
records and providers; one pattern, so a digest one side writes is one the other side accepts.
"""

from __future__ import annotations

import re

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
"""A whole value that is a content digest."""
