"""Shared pieces of the provider tests: loopback servers, a fast retry policy, compiled templates, and a
driver that calls a dynamic provider the way the Pulumi engine does.

No `from __future__ import annotations` here: kfp reads the component annotations at definition time.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider

from infra.release.providers.retry import RetryPolicy
from tests.fakes.fixtures import kfp_registry, vertex_server  # noqa: F401  (fixtures)

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.005, max_delay=0.02, call_timeout=0.5, operation_timeout=10)
"""Millisecond backoff; a call answered after `call_timeout` counts as a timeout."""

LATE = 1.2
"""Seconds a delayed response takes: longer than FAST_RETRY.call_timeout."""


@dataclass
class Engine:
    """Drives one resource through check / diff / create / update / delete like the engine's step executor
    (replacement is create-before-delete, the engine's default)."""

    provider: ResourceProvider
    id: str = ""
    """The resource id; empty until created."""
    state: dict[str, Any] = field(default_factory=dict)
    operations: list[str] = field(default_factory=list)

    def up(self, inputs: dict[str, Any]) -> dict[str, Any]:
        checked = self.provider.check(self.state, dict(inputs))
        if checked.failures:
            raise AssertionError(f"check failed: {[(f.property, f.reason) for f in checked.failures]}")
        news = checked.inputs
        if not self.id:
            result = self.provider.create(news)
            self.id, self.state = result.id, dict(result.outs or {})
            self.operations.append("create")
            return self.state
        diff = self.provider.diff(self.id, self.state, news)
        if diff.replaces:
            old_id, old_state = self.id, self.state
            result = self.provider.create(news)
            self.id, self.state = result.id, dict(result.outs or {})
            self.provider.delete(old_id, old_state)
            self.operations.append("replace")
        elif diff.changes:
            updated = self.provider.update(self.id, self.state, news)
            self.state = dict(updated.outs or {})
            self.operations.append("update")
        else:
            self.operations.append("same")
        return self.state

    def destroy(self) -> None:
        assert self.id, "nothing to destroy"
        self.provider.delete(self.id, self.state)
        self.id, self.state = "", {}
        self.operations.append("delete")


def _compile(path: Path, default_times: int) -> Path:
    from kfp import compiler, dsl

    @dsl.component(base_image="python:3.11-slim")
    def greet(name: str, times: int) -> str:
        return f"hello, {name}" * times

    @dsl.pipeline(name="train-pipeline", description="release provider test pipeline")
    def train_pipeline(name: str = "world", times: int = default_times) -> None:
        greet(name=name, times=times)

    compiler.Compiler().compile(train_pipeline, str(path))
    return path


@dataclass(frozen=True)
class Template:
    path: str
    digest: str


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, Template]:
    """Two compiled versions of the same pipeline (`train-pipeline`), differing in a parameter default."""
    root = tmp_path_factory.mktemp("templates")
    out = []
    for version in (1, 2):
        path = _compile(root / f"train-v{version}.yaml", version)
        out.append(Template(str(path), "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()))
    return out[0], out[1]
