"""What every release provider shares: its retry policy, the engine's property bags, small diff helpers.

Pulumi serializes a dynamic provider with dill into the resource's `__provider` input and runs it in the
provider host; a provider therefore holds only plain, picklable data (its `RetryPolicy`) and builds clients
per call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, ResourceProvider

from infra.release.providers.retry import RetryPolicy


class ReleaseInputError(ValueError):
    """A resource input that can never work (caught before any remote call)."""


def inputs_only(props: Mapping[str, Any], input_names: Iterable[str]) -> dict[str, Any]:
    """The declared inputs of a property bag (drops the engine's `__provider` and previous outputs)."""
    return {name: props.get(name) for name in input_names}


def changed(olds: Mapping[str, Any], news: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """Names whose value differs between the previous state and the new inputs, in the given order."""
    return [name for name in names if _normal(olds.get(name)) != _normal(news.get(name))]


def contains_unknown(value: Any) -> bool:
    """True when a value (or anything inside it) is a preview's unknown placeholder."""
    from pulumi.output import Unknown
    from pulumi.runtime import rpc

    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == rpc.UNKNOWN
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False


def _unknown_at(props: Mapping[str, Any], path: str) -> bool:
    """Whether the value at `path` ("deployments[0].model_version", "labels.team") contains an unknown."""
    value: Any = props
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            break
    return contains_unknown(value)


def _normal(value: Any) -> Any:
    """Compare lists/tuples and mappings by content (the engine hands back lists for tuples)."""
    if isinstance(value, Mapping):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return value


class ReleaseProvider(ResourceProvider):
    """Base of the release providers: validation in `check`, diff from declared replace/update keys."""

    INPUTS: tuple[str, ...] = ()
    REPLACE_ON: tuple[str, ...] = ()
    """Inputs whose change needs a new remote object (force-new). Never a way of reaching the same object
    (such as `api_endpoint`): the replacement's create would adopt the object its delete then removes."""
    NOT_DIFFED: tuple[str, ...] = ()
    """Inputs that locate local material only (a file path whose content a digest already pins)."""

    def __init__(self, retry: RetryPolicy | None = None) -> None:
        super().__init__()
        self.retry = retry or RetryPolicy()

    def validate(self, props: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(property, reason) for every invalid input; empty when valid."""
        return []

    def require_valid(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The declared inputs, or ReleaseInputError naming every problem at once."""
        news = inputs_only(props, self.INPUTS)
        problems = self.validate(news)
        if problems:
            raise ReleaseInputError("; ".join(f"{prop}: {reason}" for prop, reason in problems))
        return news

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate what is known; during a preview an input computed by another resource is unknown and is
        validated again by create/update."""
        props = inputs_only(news, self.INPUTS)
        failures = [CheckFailure(p, r) for p, r in self.validate(props) if not _unknown_at(props, p)]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        differences = changed(olds, news, [n for n in self.INPUTS if n not in self.NOT_DIFFED])
        replaces = [name for name in differences if name in self.REPLACE_ON]
        return DiffResult(changes=bool(differences), replaces=replaces, delete_before_replace=False)
