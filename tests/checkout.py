"""The checkout the tests run in, found once here as every edge finds it (tests are an edge, like the CLI)."""

from __future__ import annotations

from pathlib import Path

from infra.layout import Project

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: the directory holding this checkout's Pulumi.yaml."""

PROJECT = Project.at(ROOT)
"""This checkout as a `Project` (its environments, stack files and release manifests)."""
