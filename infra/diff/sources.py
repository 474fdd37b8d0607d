"""Turn a diff operand into a snapshot: a snapshot file, `ENV` (working tree) or `ENV@GITREF` (a commit)."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.errors import UserInputError
from infra.diff.gitref import repo_root, resolve_commit, worktree_at
from infra.diff.ref_cache import RefSynthCache
from infra.layout import Project
from infra.synth import synth_stack
from infra.synth.api import ChildSynth, start_child_synth
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


class PendingRefSynth:
    """Snapshots of stacks as of a git ref: cached, or being computed in a child process (see
    `synth_at_ref_started`)."""

    def __init__(
        self,
        stacks: list[str],
        child: ChildSynth | None,
        *,
        cached: dict[str, dict[str, Any] | None] | None = None,
        keep: Callable[[dict[str, dict[str, Any]]], None] | None = None,
    ) -> None:
        self.stacks = stacks
        self.child = child
        self.cached = cached
        self._keep = keep

    def result(self) -> dict[str, dict[str, Any] | None]:
        """Per stack its snapshot, or None when the stack has no stack file (or no program) at the ref."""
        if self.cached is not None:
            return dict(self.cached)
        results = self.child.result() if self.child else {}
        if self._keep is not None:
            self._keep({stack: result.document for stack, result in results.items()})
        return {s: (results[s].document if s in results else None) for s in self.stacks}


@contextlib.contextmanager
def synth_at_ref_started(
    stacks: list[str], ref: str, project: Project, every_stack: bool = False
) -> Iterator[PendingRefSynth]:
    """Check out `ref` into a temporary worktree and start synthesising `stacks` of `project` as it was there
    (with `every_stack`, also every other stack that has a stack file there: deleted since); the caller can work
    meanwhile and must call `.result()` inside the block (the worktree is removed when the block exits).
    A commit synthesised before with the same engine is read from the cache instead (`infra.diff.ref_cache`)."""
    project_dir = project.root.resolve()
    repo = repo_root(project_dir)
    commit = resolve_commit(ref, repo)
    relative = project_dir.relative_to(repo)
    cache = RefSynthCache.of(repo, commit, relative)
    cached = cache.load(stacks, every_stack) if cache else None
    if cached is not None:
        yield PendingRefSynth(list(cached), None, cached=cached)
        return
    with worktree_at(commit, repo) as tree:
        tree_project = tree / relative
        present: list[str] = []
        at_commit: list[str] = []
        if (tree_project / "Pulumi.yaml").is_file():
            spec = load_project(tree_project)
            if (spec.main / "__main__.py").is_file():
                at_commit = spec.stacks()
                if every_stack:
                    stacks = [*stacks, *(s for s in at_commit if s not in stacks)]
                present = [s for s in stacks if spec.stack_file(s).is_file()]
        child = start_child_synth(present, Project(tree_project)) if present else None
        keep = functools.partial(cache.store, at_commit) if cache else None
        pending = PendingRefSynth(stacks, child, keep=keep)
        try:
            yield pending
        finally:
            if pending.child is not None:
                pending.child.wait_quietly()


def synth_at_ref(stacks: list[str], ref: str, project: Project) -> dict[str, dict[str, Any] | None]:
    """Snapshots of `stacks` as of git `ref`; None for a stack that has no stack file (or no project) there."""
    with synth_at_ref_started(stacks, ref, project) as pending:
        return pending.result()


def environment_operand(operand: str, project: Project) -> str | None:
    """The environment an operand names when it is a plain `ENV` of the working tree (not a file, not `@REF`)."""
    if "@" in operand or Path(operand).suffix == ".json" or Path(operand).is_file():
        return None
    return operand if operand in project.environments() else None


def resolve_operand(operand: str, project: Project) -> Snapshot:
    """`file.json` | `ENV` | `ENV@GITREF` -> Snapshot (labelled for the report)."""
    candidate = Path(operand)
    if candidate.suffix == ".json" or candidate.is_file():
        if not candidate.is_file():
            raise UserInputError.single(operand, "", "snapshot file not found")
        return Snapshot(load_snapshot_file(candidate), str(candidate))
    if "@" in operand:
        stack, ref = operand.split("@", 1)
        if not stack or not ref:
            raise UserInputError.single(operand, "", "expected ENV@GITREF, e.g. prod@origin/main")
        document = synth_at_ref([stack], ref, project)[stack]
        if document is None:
            raise UserInputError.single(
                operand, "", f"stack {stack!r} has no stack file (or no program) at {ref}", summary="nothing to diff"
            )
        return Snapshot(document, operand)
    return Snapshot(synth_stack(operand, project), f"{operand} (working tree)")
