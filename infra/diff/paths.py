"""Property paths in the syntax of `pulumi preview --json` `detailedDiff` keys: `a.b[0]["key.with.dots"]`.

A path is a tuple of segments (str keys, int indices). Patterns (from `ignoreChanges`, `replaceOnChanges` and
the force-new table) use the same syntax, with `*` matching any single key or index.
"""

from __future__ import annotations

import json
import re

Segment = str | int
Path = tuple[Segment, ...]


class Keyed(int):
    """A list index found by the item's identity (`widgets[title="Latency"]`), not by position: it compares as
    the index (patterns still match), and prints as the identity."""

    label: str

    def __new__(cls, index: int, label: str) -> Keyed:
        item = super().__new__(cls, index)
        item.label = label
        return item


class Order(str):
    """The segment of a keyed list's order (shown when the same items moved)."""

    __slots__ = ()

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOKEN = re.compile(r'\.?([A-Za-z_*][A-Za-z0-9_$*-]*)|\[(\d+|\*)\]|\["((?:[^"\\]|\\.)*)"\]')


def format_path(path: Path) -> str:
    out = ""
    for segment in path:
        if isinstance(segment, Keyed):
            out += f"[{segment.label}]"
        elif isinstance(segment, Order):
            out += " (order)"
        elif isinstance(segment, int):
            out += f"[{segment}]"
        elif _IDENT.match(segment):
            out += f".{segment}" if out else segment
        else:
            out += f"[{json.dumps(segment)}]"
    return out


def parse_path(text: str) -> Path:
    """Parse `a.b[0]["x.y"]`; a string that does not parse is taken as one key."""
    segments: list[Segment] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            return (text,)
        ident, index, quoted = match.groups()
        if ident is not None:
            segments.append(ident)
        elif index is not None:
            segments.append(index if index == "*" else int(index))
        else:
            segments.append(json.loads(f'"{quoted}"'))
        pos = match.end()
    return tuple(segments)


def _segment_matches(pattern: Segment, segment: Segment) -> bool:
    return pattern == "*" or pattern == segment


def covers(pattern: Path, path: Path) -> bool:
    """True when `path` is `pattern` or lies under it (a change inside an ignored/force-new property)."""
    if len(pattern) > len(path):
        return False
    return all(_segment_matches(p, s) for p, s in zip(pattern, path, strict=False))


def overlaps(pattern: Path, path: Path) -> bool:
    """True when one path is a prefix of the other (adding a whole object touches its force-new fields)."""
    return all(_segment_matches(p, s) for p, s in zip(pattern, path, strict=False))
