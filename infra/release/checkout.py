"""What a release reads from the project's git checkout: HEAD, uncommitted pipeline sources, the user's name.

Every call is `git -C <project root> ...`; a missing git or a directory that is not a checkout reads as None
(or nothing uncommitted), and the caller decides whether that is an error.
"""

from __future__ import annotations

import getpass
import subprocess

from infra.layout import Project


def git(project: Project, *args: str) -> str | None:
    """`git -C <root> ARGS`'s stripped output, or None when git is missing, fails, or prints nothing."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(project.root), *args],
            capture_output=True, text=True, check=False,
        )
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def head(project: Project) -> str | None:
    """The checkout's HEAD commit, or None outside a checkout with a commit."""
    return git(project, "rev-parse", "HEAD")


def uncommitted(project: Project, path: str) -> list[str]:
    """Files under `path` with uncommitted changes (none when git cannot tell)."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(project.root), "status", "--porcelain", "--", path],
            capture_output=True, text=True, check=False,
        )
    except OSError:
        return []
    return [line[3:] for line in proc.stdout.splitlines() if line.strip()] if proc.returncode == 0 else []


def who(project: Project, given: str | None) -> str:
    """Who acts: `given`, else git's user.email, else the login name."""
    return given or git(project, "config", "user.email") or getpass.getuser()
