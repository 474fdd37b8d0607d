"""Composes the `mlops` commands and turns user errors into exit code 2 without a traceback.

Each command group lives in its own module and exposes `register(app)`; this module only composes them.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from contracts.errors import UserInputError

EXIT_INVALID = 2

app = typer.Typer(
    name="mlops",
    help="GenAI MLOps platform on Google Cloud: validate, synth, check, diff, plan, promote and deploy environments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    from infra.cli import (
        approval,
        check,
        cost,
        diff,
        drift,
        engine,
        eval,
        pipelines,
        plan,
        rehearse,
        release,
        serve,
        synth,
        validate,
    )

    for module in (validate, synth, check, diff, release, pipelines, plan, engine, rehearse, drift, serve, eval, cost):
        module.register(app)
    app.add_typer(approval.app, name="approval")


@app.callback()
def _root() -> None:
    """GenAI MLOps platform on Google Cloud."""


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    Typer runs in standalone mode (usage errors exit 2, `typer.Exit(code)` exits with code); a
    `UserInputError` raised by any command is printed as a message and becomes exit code 2.
    """
    try:
        app(args=argv, prog_name="mlops")
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    except UserInputError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
        return EXIT_INVALID
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
