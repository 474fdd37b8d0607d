"""`mlops pipelines compile` and `mlops pipelines run NAME --local`: build and try the KFP pipelines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contracts.errors import UserInputError

EXIT_GATE_FAILED = 1


def _parse_params(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserInputError.single(
                "--param", pair, "expected KEY=VALUE, e.g. --param seed=7", summary="invalid --param"
            )
        values[key.strip()] = value
    return values


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Compile the KFP pipelines, or run one locally with kfp.local.", no_args_is_help=True)

    @group.command("compile")
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
    ) -> None:
        """Compile every pipeline to deterministic YAML, versioned by sha256, and validate it offline."""
        from rich.console import Console

        from pipelines.compile import MANIFEST_FILE, compile_all

        if env is not None:
            from infra.release.templates import materialize_templates

            for pinned in materialize_templates(env):
                Console().print(
                    f"[green]pinned[/] {pinned.pipeline:<11} {pinned.digest}  {pinned.path}  (from {pinned.source})",
                    highlight=False, soft_wrap=True,
                )
            return

        if out.exists() and not out.is_dir():
            raise UserInputError.single(
                "--out", str(out), "exists and is not a directory; pass a directory", summary="invalid --out"
            )
        console = Console()
        for item in compile_all(out):
            console.print(
                f"[green]compiled[/] {item.name:<11} {item.version}  {item.path}", highlight=False, soft_wrap=True
            )
        console.print(f"manifest: {out / MANIFEST_FILE}", highlight=False, soft_wrap=True)

    @group.command("run")
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
        from rich.table import Table

        from pipelines.catalog import SAMPLES
        from pipelines.local_run import PipelineRunFailed, run_local

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
        console = Console()
        try:
            result = run_local(name, _parse_params(param or []), sample=sample, out_dir=out, stream_logs=stream_logs)
        except PipelineRunFailed as exc:
            Console(stderr=True).print(f"[bold red]run failed:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_GATE_FAILED) from None
        table = Table(title=f"{name} on the {sample} sample ({result.seconds:.1f} s)")
        for column in ("metric", "value", "threshold"):
            table.add_column(column)
        thresholds = result.report["thresholds"]
        for metric, value in sorted(result.report["metrics"].items()):
            bound = next(
                (
                    f"{'>=' if key.startswith('min_') else '<='} {limit}"
                    for key, limit in thresholds.items()
                    if key.endswith(metric)
                ),
                "",
            )
            table.add_row(metric, f"{value:.4f}", bound)
        console.print(table)
        for label, where in result.outputs.items():
            console.print(f"{label}: {where}", highlight=False, soft_wrap=True)
        console.print(f"component logs: {result.log_file}", highlight=False, soft_wrap=True)
        if result.passed:
            console.print("[bold green]gate passed[/]")
            return
        console.print(
            "[bold red]gate failed:[/] " + "; ".join(result.report["reasons"]), highlight=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_GATE_FAILED)

    app.add_typer(group, name="pipelines")
