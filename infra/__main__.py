"""The Pulumi program as a language host runs it: the Pulumi root (the directory holding Pulumi.yaml) is where
the stack's files live; offline promotion gates synth a scratch copy, so the manifest is read from there."""

from __future__ import annotations

from pathlib import Path

import pulumi

from infra.layout import Project
from infra.program import run, source_tree

project = Project(Path(pulumi.get_root_directory()))
run(project, source_dir=source_tree(project))
