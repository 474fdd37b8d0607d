"""What a VPC firewall rule opens to the whole internet: the (protocol, ports) of its allows, from /0 sources.

Ingress rules without source ranges, tags or service accounts apply to `0.0.0.0/0`, as the Compute API does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from policies.values import MISSING, is_unknown, lookup

ANYWHERE: Final = frozenset({"0.0.0.0/0", "::/0"})
ALL_PROTOCOLS: Final = frozenset({"all"})
PORTED_PROTOCOLS: Final = frozenset({"tcp", "udp", "sctp", "6", "17", "132"})
TCP: Final = frozenset({"tcp", "6"})


class Unknown(Exception):
    """A value the answer depends on is unknown offline."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class Opening:
    """One allow entry reachable from anywhere; `ports` None means every port of the protocol."""

    protocol: str
    ports: tuple[tuple[int, int], ...] | None

    @property
    def every_port(self) -> bool:
        return self.protocol in ALL_PROTOCOLS or (self.protocol in PORTED_PROTOCOLS and self.ports is None)

    def opens(self, port: int, protocols: frozenset[str] = TCP) -> bool:
        if self.protocol not in protocols:
            return False
        return self.ports is None or any(low <= port <= high for low, high in self.ports)

    def describe(self) -> str:
        if self.ports is None:
            return f"{self.protocol} (every port)"
        spans = ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in self.ports)
        return f"{self.protocol} {spans}"


def _ports(value: Any, index: int) -> tuple[tuple[int, int], ...] | None:
    if value is MISSING or value is None or value == []:
        return None
    if is_unknown(value):
        raise Unknown(f"allows[{index}].ports")
    spans = []
    for item in value:
        if is_unknown(item):
            raise Unknown(f"allows[{index}].ports")
        low, _, high = str(item).partition("-")
        spans.append((int(low), int(high or low)))
    return tuple(spans)


def public_openings(inputs: Mapping[str, Any]) -> list[Opening]:
    """The allows of an enabled ingress rule whose sources include anywhere; raises Unknown when unknowable."""
    for path in ("direction", "disabled", "sourceRanges", "allows"):
        if is_unknown(lookup(inputs, path)):
            raise Unknown(path)
    if lookup(inputs, "disabled") is True or lookup(inputs, "direction") == "EGRESS":
        return []
    ranges = lookup(inputs, "sourceRanges")
    if ranges is MISSING or ranges == []:
        narrowed = any(lookup(inputs, p) not in (MISSING, []) for p in ("sourceTags", "sourceServiceAccounts"))
        if narrowed:
            return []
        ranges = ["0.0.0.0/0"]
    if any(is_unknown(r) for r in ranges):
        raise Unknown("sourceRanges")
    if not ANYWHERE & set(ranges):
        return []
    allows = lookup(inputs, "allows")
    openings = []
    for index, allow in enumerate(allows if isinstance(allows, list) else []):
        protocol = allow.get("protocol") if isinstance(allow, Mapping) else None
        if is_unknown(protocol):
            raise Unknown(f"allows[{index}].protocol")
        ports = _ports(allow.get("ports", MISSING), index)
        openings.append(Opening(str(protocol).lower(), ports))
    return openings
