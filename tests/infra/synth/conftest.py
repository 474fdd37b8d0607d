"""Snapshots of the fixture program, from the worker's shared synths (`tests/synth_cache.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.layout import Project
from tests.synth_cache import shared_document

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "platform"
FIXTURE = Project.at(FIXTURE_DIR)


@pytest.fixture
def fixture_dir() -> Path:
    return FIXTURE_DIR


@pytest.fixture
def dev_snapshot() -> dict[str, Any]:
    return shared_document("dev", FIXTURE)


@pytest.fixture
def prod_snapshot() -> dict[str, Any]:
    return shared_document("prod", FIXTURE)
