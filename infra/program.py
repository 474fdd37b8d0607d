"""The Pulumi program's body: one stack = one environment, read from the project's files and validated first.

Two callers: `infra/__main__.py` (a language host runs it, the Pulumi root is the project) and the engine's
inline program (`infra.engine.workspace`: the Automation API's own language server runs it in-process, told
the project root and, for a rehearsal, where the release's Google API calls go).
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from contracts.errors import UserInputError
from infra.components.environment import Environment, EnvironmentArgs
from infra.config.program import load_program_environment
from infra.layout import Project
from infra.release.endpoints import ServiceEndpoints
from infra.release.store import find_manifest

PROGRAM_DIR = Path(__file__).resolve().parent
"""This program's own directory: a project whose `main` is this directory runs this program."""


def source_tree(project: Project) -> Path:
    """The tree holding the program `project` runs: the parent of its `main` directory (`<tree>/infra`). A
    promotion gate's scratch copy holds only the stack files and points `main` back at the real tree, so its
    compiled templates are found there."""
    return project.program_dir.parent


class ProgramInputError(UserInputError, pulumi.RunError):
    """Invalid config under the real engine: Pulumi prints a RunError's message without a stack trace."""


def run(project: Project, service_endpoints: ServiceEndpoints | None = None, *, source_dir: Path,
        working_dir: Path | None = None) -> Environment:
    """Declare the stack's environment from the stack config and the manifest found in `project`.

    source_dir: the source tree the manifest's compiled templates are relative to (`source_tree`); working_dir:
    where the engine runs the release providers (default this process's working directory).
    """
    try:
        # The same validation as `mlops validate`: stack-key typos, the provider's project, the merged model.
        cfg = load_program_environment(pulumi.get_stack(), project)
        manifest = find_manifest(cfg.name, cfg, project)
    except UserInputError as invalid:
        raise ProgramInputError(invalid.problems, invalid.summary) from None
    environment = Environment(
        cfg.prefix,
        EnvironmentArgs(
            cfg,
            release=manifest,
            source_dir=source_dir,
            service_endpoints=service_endpoints or ServiceEndpoints(),
            working_dir=working_dir,
        ),
    )
    for key, value in environment.outputs().items():
        pulumi.export(key, value)
    return environment
