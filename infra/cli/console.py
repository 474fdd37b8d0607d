"""What the commands print besides their report: notes, warnings and errors, coloured only for a person.

Colour (ANSI escapes) only when the stream is a terminal and neither `NO_COLOR` is set nor `TERM=dumb`, so
redirected output and CI logs stay plain text. Paths in messages are shown relative to the current directory
when they are under it (`infra.layout.relative_to_cwd`).
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

from contracts.errors import Problem, UserInputError
from infra.layout import relative_to_cwd


def wants_colour(stream: TextIO) -> bool:
    """True only for an interactive terminal that has not opted out (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
"""An ANSI control sequence (colours, bold): libraries put them in their messages (kfp.local's run status)."""


def _styled(label: str, colour: str, stream: TextIO) -> str:
    return f"\x1b[1;{colour}m{label}\x1b[0m" if wants_colour(stream) else label


def plain(message: str, stream: TextIO) -> str:
    """`message` as `stream` should get it: without escape sequences unless a person is watching in colour."""
    return message if wants_colour(stream) else ESCAPE_SEQUENCE.sub("", message)


def note(message: str) -> None:
    """A progress or result line for the person running the command (stderr, so stdout stays the report)."""
    print(plain(message, sys.stderr), file=sys.stderr)


def warn(message: str) -> None:
    print(f"{_styled('warning:', '33', sys.stderr)} {plain(message, sys.stderr)}", file=sys.stderr)


def ok(message: str) -> None:
    """A success line on stdout (`mlops validate`)."""
    print(f"{_styled('ok', '32', sys.stdout)} {plain(message, sys.stdout)}")


def error(exc: UserInputError) -> None:
    """The user's mistake as `mlops` reports it: the summary and every problem, paths relative to the cwd."""
    shown = [Problem(relative_to_cwd(p.file) if os.path.isabs(p.file) else p.file, p.key_path, p.message)
             for p in exc.problems]
    text = plain(str(UserInputError(shown, exc.summary)), sys.stderr)
    print(f"{_styled('error:', '31', sys.stderr)} {text}", file=sys.stderr)
