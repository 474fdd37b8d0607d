"""Turn a diff operand into a snapshot: a snapshot file, `ENV` (working tree) or `ENV@GITREF` (a commit)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.diff.gitref import repo_root, resolve_commit, worktree_at
from infra.errors import UserInputError
from infra.synth import default_project_dir, synth_stack, synth_stacks_in_subprocess
from infra.synth.project import load_project


@dataclass
class Snapshot:
    document: dict[str, Any] | None
    """None when the stack did not exist there (no stack file or no program at that commit)."""
    label: str


def load_snapshot_file(path: Path) -> dict[str, Any]:
    """Read and shape-check a snapshot JSON file (UserInputError naming the file otherwise)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError.single(str(path), "", f"cannot read the snapshot: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UserInputError.single(str(path), f"line {exc.lineno}", f"not JSON: {exc.msg}") from None
    if not isinstance(document, dict):
        raise UserInputError.single(str(path), "", "expected a snapshot object (from `mlops synth --out`)")
    problems = [key for key in ("version", "project", "stack", "resources") if key not in document]
    if problems:
        raise UserInputError.single(
            str(path), ", ".join(problems), "missing in the snapshot; write one with `mlops synth --env ENV --out FILE`"
        )
    if document["version"] != 1:
        raise UserInputError.single(str(path), "version", f"found {document['version']!r}, expected 1")
    return document


def synth_at_ref(stacks: list[str], ref: str, project_dir: Path) -> dict[str, dict[str, Any] | None]:
    """Snapshots of `stacks` as of git `ref`; None for a stack that has no stack file (or no project) there."""
    project_dir = project_dir.resolve()
    repo = repo_root(project_dir)
    commit = resolve_commit(ref, repo)
    relative = project_dir.relative_to(repo)
    with worktree_at(commit, repo) as tree:
        tree_project = tree / relative
        if not (tree_project / "Pulumi.yaml").is_file():
            return dict.fromkeys(stacks)
        project = load_project(tree_project)
        present = [s for s in stacks if project.stack_file(s).is_file()]
        if not (project.main / "__main__.py").is_file():
            present = []
        results = synth_stacks_in_subprocess(present, tree_project) if present else {}
    return {s: (results[s].document if s in results else None) for s in stacks}


def resolve_operand(operand: str, project_dir: Path | None = None) -> Snapshot:
    """`file.json` | `ENV` | `ENV@GITREF` -> Snapshot (labelled for the report)."""
    project_dir = Path(project_dir or default_project_dir())
    candidate = Path(operand)
    if candidate.suffix == ".json" or candidate.is_file():
        if not candidate.is_file():
            raise UserInputError.single(operand, "", "snapshot file not found")
        return Snapshot(load_snapshot_file(candidate), str(candidate))
    if "@" in operand:
        stack, ref = operand.split("@", 1)
        if not stack or not ref:
            raise UserInputError.single(operand, "", "expected ENV@GITREF, e.g. prod@origin/main")
        document = synth_at_ref([stack], ref, project_dir)[stack]
        if document is None:
            raise UserInputError.single(
                operand, "", f"stack {stack!r} has no stack file (or no program) at {ref}", summary="nothing to diff"
            )
        return Snapshot(document, operand)
    return Snapshot(synth_stack(operand, project_dir), f"{operand} (working tree)")
