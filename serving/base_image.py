"""Is the gateway image built on a base pinned by digest? The release refuses to cut one that is not.

The gateway itself is deployed by digest (`gateway.image` in the release manifest), but its Dockerfile's
`FROM python:3.11-slim` is a tag: two builds of the same commit can run on different bases, and the
manifest's digest then records a base nobody reviewed. The base's digest comes from the registry that serves
it (`docker buildx imagetools inspect python:3.11-slim` prints `Digest: sha256:...`); it is not guessed here.

    python -m serving.base_image serving/Dockerfile     # exit 0 pinned, 1 a FROM is not, 2 unreadable
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

FROM = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?\s*$", re.IGNORECASE)
PINNED = re.compile(r"@sha256:[0-9a-f]{64}$")
FIX = (
    "pin it by digest: FROM <image>:<tag>@sha256:<digest>, taking the digest the registry reports "
    "(`docker buildx imagetools inspect <image>:<tag>`), and commit the Dockerfile"
)


@dataclass(frozen=True)
class Unpinned:
    """A `FROM` line whose image is not pinned by digest (a build stage named earlier is not an image)."""

    line: int
    image: str


def unpinned_bases(text: str) -> list[Unpinned]:
    """Every `FROM` whose image is neither pinned by digest nor an earlier stage of the same file."""
    stages: set[str] = set()
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = FROM.match(line)
        if match is None:
            continue
        image, stage = match.group("image"), match.group("stage")
        if image.lower() not in stages and image != "scratch" and not PINNED.search(image):
            found.append(Unpinned(number, image))
        if stage:
            stages.add(stage.lower())
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m serving.base_image DOCKERFILE", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"{path}: cannot be read ({exc.strerror}); name the gateway's Dockerfile", file=sys.stderr)
        return 2
    found = unpinned_bases(text)
    if not any(FROM.match(line) for line in text.splitlines()):
        print(f"{path}: has no FROM line; expected a Dockerfile", file=sys.stderr)
        return 2
    for base in found:
        print(f"{path}:{base.line}: base image {base.image!r} is not pinned by digest; {FIX}", file=sys.stderr)
    if found:
        return 1
    print(f"{path}: every base image is pinned by digest")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
