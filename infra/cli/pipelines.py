"""`mlops pipelines compile` and `mlops pipelines run NAME --local`: build and try the KFP pipelines."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from contracts.errors import UserInputError
from infra.cli.options import ProjectDirOption, find_project

if TYPE_CHECKING:
    from rich.table import Table

    from pipelines.local_run import LocalRunResult

EXIT_GATE_FAILED = 1

app = typer.Typer(help="Compile the KFP pipelines, or run one locally with kfp.local.", no_args_is_help=True)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs from `--param`; exit 2 naming the malformed one."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserInputError.single(
                "--param", pair, "expected KEY=VALUE, e.g. --param seed=7", summary="invalid --param"
            )
        values[key.strip()] = value
    return values


def _print(text: str) -> None:
    from rich.console import Console

    Console().print(text, highlight=False, soft_wrap=True)


def _compile_pinned(env: str, project_dir: Path | None) -> None:
    from infra.release.templates import materialize_templates

    for pinned in materialize_templates(env, find_project(project_dir)):
        _print(f"[green]pinned[/] {pinned.pipeline:<11} {pinned.digest}  {pinned.path}  (from {pinned.source})")


def _compile_tree(out: Path) -> None:
    from pipelines.compile import MANIFEST_FILE, compile_all

    if out.exists() and not out.is_dir():
        raise UserInputError.single(
            "--out", str(out), "exists and is not a directory; pass a directory", summary="invalid --out"
        )
    for item in compile_all(out):
        _print(f"[green]compiled[/] {item.name:<11} {item.version}  {item.path}")
    _print(f"manifest: {out / MANIFEST_FILE}")


@app.command("compile")
def compile_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for the YAML templates and manifest.json.")] = Path(
        "build/pipelines"
    ),
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            help="Instead, write the templates ENV's release manifest pins (from the working tree when it "
            "matches, else compiled at the manifest's built_from commit); run before `pulumi up`.",
        ),
    ] = None,
    project_dir: ProjectDirOption = None,
) -> None:
    """Compile every pipeline to deterministic YAML, versioned by sha256, and validate it offline."""
    if env is not None:
        _compile_pinned(env, project_dir)
    else:
        _compile_tree(out)


def _check_run_options(local_run: bool, sample: str) -> None:
    from pipelines.catalog import SAMPLES

    if not local_run:
        raise UserInputError.single(
            "mlops pipelines run",
            "--local",
            "only local runs are supported from the CLI; pass --local (on Vertex the environment's "
            "schedules run the compiled templates)",
            summary="missing --local",
        )
    if sample not in SAMPLES:
        raise UserInputError.single(
            "mlops pipelines run",
            "--sample",
            f"expected one of {', '.join(SAMPLES)}, found {sample!r}",
            summary="invalid --sample",
        )


def _bound(metric: str, thresholds: Mapping[str, Any]) -> str:
    """`>= 0.8` / `<= 0.05`: the threshold parameter that bounds `metric`, if any."""
    for key, limit in thresholds.items():
        if key.endswith(metric):
            return f"{'>=' if key.startswith('min_') else '<='} {limit}"
    return ""


def metrics_table(name: str, sample: str, result: LocalRunResult) -> Table:
    """The run's mean metrics next to the bounds they were judged by."""
    from rich.table import Table

    table = Table(title=f"{name} on the {sample} sample ({result.seconds:.1f} s)")
    for column in ("metric", "value", "threshold"):
        table.add_column(column)
    for metric, value in sorted(result.report["metrics"].items()):
        table.add_row(metric, f"{value:.4f}", _bound(metric, result.report["thresholds"]))
    return table


@app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="Pipeline to run: tuning or evaluation.")],
    local_run: Annotated[bool, typer.Option("--local", help="Run with kfp.local (required).")] = False,
    sample: Annotated[str, typer.Option("--sample", help="Sample data in pipelines/data: good or bad.")] = "good",
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Override a parameter: KEY=VALUE (repeatable).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Run output directory (default build/local-runs/NAME-SAMPLE).")
    ] = None,
    stream_logs: Annotated[
        bool, typer.Option("--stream-logs", help="Show component logs instead of writing them to a file.")
    ] = False,
) -> None:
    """Run pipeline NAME end to end on sample data; exit 1 when its gate fails or a step fails."""
    from rich.console import Console

    from pipelines.local_run import PipelineRunFailed, run_local

    _check_run_options(local_run, sample)
    try:
        result = run_local(name, parse_params(param or []), sample=sample, out_dir=out, stream_logs=stream_logs)
    except PipelineRunFailed as exc:
        Console(stderr=True).print(f"[bold red]run failed:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_GATE_FAILED) from None
    Console().print(metrics_table(name, sample, result))
    for label, where in result.outputs.items():
        _print(f"{label}: {where}")
    _print(f"component logs: {result.log_file}")
    if not result.passed:
        _print("[bold red]gate failed:[/] " + "; ".join(result.report["reasons"]))
        raise typer.Exit(EXIT_GATE_FAILED)
    _print("[bold green]gate passed[/]")
