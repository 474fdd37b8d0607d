"""Composes the `mlops` commands and turns user errors into exit code 2 without a traceback.

Each command group is a module-level Typer app in its own module (`infra/cli/<group>.py`); this module only
composes them, adds `--version` and `-h`, and keeps help and errors plain text (no ANSI escapes in logs).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
import threading
from typing import Annotated, NoReturn

import typer

from contracts.errors import UserInputError
from infra.cli import console

EXIT_INVALID = 2
DISTRIBUTION = "genai-mlops"

COMMAND_GROUPS: tuple[tuple[str, str | None], ...] = (
    ("validate", None),
    ("synth", None),
    ("check", None),
    ("diff", None),
    ("plan", None),
    ("pipelines", "pipelines"),
    ("release", None),
    ("engine", None),
    ("rehearse", None),
    ("drift", None),
    ("eval", "eval"),
    ("cost", None),
    ("serve", None),
    ("approval", "approval"),
)
"""(module under infra.cli, group name), in the order `mlops -h` lists them (DESIGN.md's table): None merges the
module's commands into `mlops` itself."""

app = typer.Typer(
    name="mlops",
    help="GenAI MLOps platform on Google Cloud: validate, synth, check, diff, plan, promote and deploy environments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def version() -> str:
    """The installed distribution's version (what `pip show genai-mlops` reports)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        print(f"mlops {version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """GenAI MLOps platform on Google Cloud."""


def compose(root: typer.Typer) -> None:
    """Add every command group to `root`, in the order `mlops -h` lists them."""
    for module_name, group in COMMAND_GROUPS:
        module = importlib.import_module(f"infra.cli.{module_name}")
        register = getattr(module, "register", None)
        if register is not None:  # a module that registers several commands and groups itself
            commands = typer.Typer()
            register(commands)
            root.add_typer(commands)
        else:
            root.add_typer(module.app, name=group)


compose(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    Typer runs in standalone mode (usage errors exit 2, `typer.Exit(code)` exits with code); a
    `UserInputError` raised by any command, or an OSError on a path the user named (a file that is not
    there, an output directory that cannot be created), is printed as a message and becomes exit code 2.
    """
    try:
        app(args=argv, prog_name="mlops")
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    except UserInputError as exc:
        console.error(exc)
        return EXIT_INVALID
    except OSError as exc:
        if exc.filename is None:  # not about a path the user gave: a bug or the machine, keep the traceback
            raise
        console.error(UserInputError.single(str(exc.filename), "", exc.strerror or str(exc), summary="cannot use path"))
        return EXIT_INVALID
    return 0


def run() -> NoReturn:
    """The console script: `main`, then leave without tearing the interpreter down.

    A plan or synth leaves hundreds of thousands of objects (imported provider modules, snapshots) that an
    orderly interpreter exit deallocates one by one: ~0.6 s of a 3.5 s `mlops plan`, for nothing the user
    sees. Output is flushed and the `atexit` handlers run (logging flushes there) before `os._exit`; while a
    thread other than the main one is still alive the orderly exit runs instead, so nothing waits unjoined.
    """
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
