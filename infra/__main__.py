"""The Pulumi program: one stack = one environment, read from `environments/` and validated first."""

from __future__ import annotations

from pathlib import Path

import pulumi

from infra.components.environment import Environment, EnvironmentArgs
from infra.config.loader import PROJECT_ROOT
from infra.config.program import load_program_environment
from infra.errors import UserInputError
from infra.release.manifest import find_manifest

# The Pulumi root (the directory holding Pulumi.yaml) is where the stack's files live; offline promotion
# gates synth a scratch copy, so the manifest is read from there rather than from this file's checkout.
root = Path(pulumi.get_root_directory() or PROJECT_ROOT)


class ProgramInputError(UserInputError, pulumi.RunError):
    """Invalid config under the real engine: Pulumi prints a RunError's message without a stack trace."""


try:
    # The same validation as `mlops validate`: stack-key typos, the provider's project, the merged model.
    cfg = load_program_environment(pulumi.get_stack(), root)
    manifest = find_manifest(cfg.name, cfg, root)
except UserInputError as invalid:
    raise ProgramInputError(invalid.problems, invalid.summary) from None
# Compiled templates belong to the source tree of this program (a promotion gate's scratch copy holds only
# the stack files and points `main` back here).
source_dir = Path(__file__).resolve().parent.parent
environment = Environment(cfg.prefix, EnvironmentArgs(cfg, release=manifest, source_dir=source_dir))
for key, value in environment.outputs().items():
    pulumi.export(key, value)
