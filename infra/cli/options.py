"""Options every command group shares, and the one place a command finds its project.

A command resolves `--project-dir` (or, without it, the nearest `Pulumi.yaml` from the current directory
upward, as `pulumi` and `git` do) exactly once, through `find_project`, and passes the `Project` down.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from infra.layout import Project


class TextOrJson(StrEnum):
    """`--format` of the commands that print either a report for people or a document for tools."""

    TEXT = "text"
    JSON = "json"


ProjectDirOption = Annotated[
    Path | None,
    typer.Option(
        "--project-dir",
        help="Directory holding Pulumi.yaml (default: the nearest one from the current directory upward).",
    ),
]
EnvOption = Annotated[str, typer.Option("--env", "-e", help="Environment (stack) name: dev, staging, prod.")]
FormatOption = Annotated[TextOrJson, typer.Option("--format", help="text or json.")]


def find_project(project_dir: Path | None) -> Project:
    """`--project-dir DIR` when given, else the project around the current directory (exit 2 when none)."""
    return Project.at(project_dir) if project_dir is not None else Project.find()
