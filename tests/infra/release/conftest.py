"""Fixtures of the release tests: a scratch copy of the project with the fixture manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config.loader import load_environment
from infra.config.model import EnvironmentConfig
from tests.checkout import PROJECT
from tests.infra.release.release_project import make_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project: this repository's stack files, the fixture release manifests, a small test program."""
    return make_project(tmp_path / "project")


@pytest.fixture(scope="module")
def dev() -> EnvironmentConfig:
    """This repository's dev environment."""
    return load_environment("dev", PROJECT)


@pytest.fixture(scope="module")
def prod() -> EnvironmentConfig:
    """This repository's prod environment."""
    return load_environment("prod", PROJECT)
