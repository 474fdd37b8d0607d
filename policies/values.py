"""Reading camelCase inputs safely, and the common shapes of a check (must be true, must be set, ...).

Values come as the engine sees them: unknown values (outputs not known at preview) are the string
"[unknown]" and secrets `{"[secret]": true}` — the snapshot's encoding, which the pack reproduces.
An unknown value is reported as an undetermined finding, never passed silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from policies.model import Finding

UNKNOWN: Final = "[unknown]"
SECRET_KEY: Final = "[secret]"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value == UNKNOWN


def lookup(inputs: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted camelCase path; MISSING when absent or null, UNKNOWN when any step is unknown."""
    current: Any = inputs
    for part in path.split("."):
        if is_unknown(current):
            return UNKNOWN
        if not isinstance(current, Mapping) or part not in current or current[part] is None:
            return MISSING
        current = current[part]
    return current


def undetermined(path: str, fix: str) -> Finding:
    return Finding(
        f"{path} is unknown until the resources it depends on exist, so it cannot be verified; {fix}", undetermined=True
    )


def require_true(inputs: Mapping[str, Any], path: str, fix: str) -> list[Finding]:
    """The secure value is `true` and the cloud's default is not: unset fails."""
    value = lookup(inputs, path)
    if is_unknown(value):
        return [undetermined(path, fix)]
    if value is MISSING:
        return [Finding(f"{path} is unset (the default is not secure); {fix}")]
    if value is not True:
        return [Finding(f"{path} is {value!r}; {fix}")]
    return []


def forbid_true(inputs: Mapping[str, Any], path: str, fix: str) -> list[Finding]:
    """The dangerous value is `true` and the default is false: only an explicit true fails."""
    value = lookup(inputs, path)
    if is_unknown(value):
        return [undetermined(path, fix)]
    if value is True:
        return [Finding(f"{path} is true; {fix}")]
    return []


def require_equal(inputs: Mapping[str, Any], path: str, expected: Any, fix: str) -> list[Finding]:
    value = lookup(inputs, path)
    if is_unknown(value):
        return [undetermined(path, fix)]
    if value is MISSING:
        return [Finding(f"{path} is unset (the default is not {expected!r}); {fix}")]
    if value != expected:
        return [Finding(f"{path} is {value!r}, expected {expected!r}; {fix}")]
    return []


def require_non_empty(inputs: Mapping[str, Any], path: str, fix: str) -> list[Finding]:
    """A reference (key name, network) must be given: unset or empty fails."""
    value = lookup(inputs, path)
    if is_unknown(value):
        return [undetermined(path, fix)]
    if value is MISSING or value == "" or value == [] or value == {}:
        return [Finding(f"{path} is unset; {fix}")]
    return []
