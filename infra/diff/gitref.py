"""Check out a commit into a temporary `git worktree` (removed afterwards) to synth the code as it was there.

The main working tree, its index and HEAD are never touched; only the worktree bookkeeping under `.git/worktrees`
is added and removed again.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from contracts.errors import UserInputError


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("git") is None:
        raise UserInputError.single("git", "", "git is not installed; install git to compare against a commit")
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def repo_root(path: Path) -> Path:
    proc = _git(["rev-parse", "--show-toplevel"], path)
    if proc.returncode != 0:
        raise UserInputError.single(
            str(path), "", "not inside a git repository, so a GITREF cannot be resolved; use a snapshot file instead",
            summary="no git repository",
        )
    return Path(proc.stdout.strip()).resolve()


def resolve_commit(ref: str, repo: Path) -> str:
    """The full commit id of `ref`, or a UserInputError naming the ref."""
    proc = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise UserInputError.single(
            "GITREF", ref, f"no commit named {ref!r} in {repo} (try a branch, tag, commit id or origin/main "
            "after `git fetch`)", summary="unknown git ref",
        )
    return proc.stdout.strip()


def has_commits(repo: Path) -> bool:
    return _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], repo).returncode == 0


def merge_base(ref_a: str, ref_b: str, repo: Path) -> str | None:
    proc = _git(["merge-base", ref_a, ref_b], repo)
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def default_branch_ref(repo: Path) -> str | None:
    """`origin/HEAD`'s target, else origin/main, origin/master, main, master — the first that exists."""
    proc = _git(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], repo)
    candidates = [proc.stdout.strip()] if proc.returncode == 0 and proc.stdout.strip() else []
    candidates += ["origin/main", "origin/master", "main", "master"]
    for ref in candidates:
        if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo).returncode == 0:
            return ref
    return None


def working_tree_matches(commit: str, repo: Path) -> bool:
    """True when the working tree has exactly `commit`'s content: no tracked change, no untracked file.

    Then a synth of the commit would equal the synth of the working tree, and the worktree can be skipped.
    """
    if _git(["diff", "--quiet", commit, "--"], repo).returncode != 0:
        return False
    untracked = _git(["ls-files", "--others", "--exclude-standard"], repo)
    return untracked.returncode == 0 and not untracked.stdout.strip()


@contextlib.contextmanager
def worktree_at(commit: str, repo: Path) -> Iterator[Path]:
    """A detached worktree of `commit` in a temporary directory; removed (and pruned) on exit."""
    parent = Path(tempfile.mkdtemp(prefix="mlops-worktree-"))
    tree = parent / "tree"
    proc = _git(["worktree", "add", "--detach", "--quiet", str(tree), commit], repo)
    if proc.returncode != 0:
        shutil.rmtree(parent, ignore_errors=True)
        raise UserInputError.single("GITREF", commit, f"git worktree add failed: {proc.stderr.strip()}")
    try:
        yield tree
    finally:
        _git(["worktree", "remove", "--force", str(tree)], repo)
        _git(["worktree", "prune"], repo)
        shutil.rmtree(parent, ignore_errors=True)
