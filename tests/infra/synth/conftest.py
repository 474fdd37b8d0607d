"""Shared synth results of the fixture program (synthesised once per session: each run costs ~0.1-0.5 s)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from infra.layout import Project

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "platform"
FIXTURE = Project.at(FIXTURE_DIR)


@functools.cache
def _synth(stack: str) -> dict[str, Any]:
    from infra.synth import synth_stack

    return synth_stack(stack, FIXTURE)


@pytest.fixture
def fixture_dir() -> Path:
    return FIXTURE_DIR


@pytest.fixture
def dev_snapshot() -> dict[str, Any]:
    return _synth("dev")


@pytest.fixture
def prod_snapshot() -> dict[str, Any]:
    return _synth("prod")
