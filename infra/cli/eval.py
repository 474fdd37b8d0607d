"""`mlops eval score`: score any JSONL file of examples with the local metrics or the Gen AI evaluation service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from contracts.errors import Problem, UserInputError

app = typer.Typer(help="Score examples with the evaluation metrics.", no_args_is_help=True)


def read_rows(input_path: Path) -> list[dict[str, Any]]:
    """The rows of `input_path`; UserInputError naming every malformed line and key, or an empty file."""
    from pipelines.lib.eval_rows import parse_rows

    try:
        text = input_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserInputError.single(str(input_path), "", f"cannot read it as UTF-8 text: {err}") from err
    rows, problems = parse_rows(text)
    if problems:
        raise UserInputError(
            [Problem(f"{input_path}:{p.line}", p.key, p.message) for p in problems],
            summary=f"{input_path}: malformed rows, nothing written",
        )
    if not rows:
        raise UserInputError.single(str(input_path), "", "no rows; expected one JSON object per line")
    return rows


def _check_backend(backend: str, project: str) -> None:
    from pipelines.lib.scoring import BACKENDS

    if backend not in BACKENDS:
        raise UserInputError.single("--backend", "", f"found {backend!r}, expected one of {', '.join(BACKENDS)}")
    if backend == "vertex" and not project:
        raise UserInputError.single("--project", "", "the vertex backend needs --project PROJECT_ID")


@app.command("score")
def score(
    input_path: Annotated[
        Path, typer.Option("--input", help="JSONL rows {id, question, context, response, reference?}.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Where to write the rows plus one number per metric (JSONL).")],
    backend: Annotated[
        str, typer.Option("--backend", help="local (offline metrics) or vertex (evaluation service).")
    ] = "local",
    project: Annotated[str, typer.Option("--project", help="GCP project of the evaluation service (vertex).")] = "",
    location: Annotated[
        str, typer.Option("--location", help="Region of the evaluation service (vertex).")
    ] = "europe-west4",
) -> None:
    """Score every row; a malformed row exits 2 naming its line and key, and nothing is written."""
    from pipelines.lib.records import QARecord, to_jsonl
    from pipelines.lib.scoring import score_records

    _check_backend(backend, project)
    rows = read_rows(input_path)
    records = [QARecord(r["id"], r["question"], r["context"], r["response"]) for r in rows]
    references = [r.get("reference") or None for r in rows]
    values = score_records(backend, records, references, project=project, location=location)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_jsonl({**row, **scores} for row, scores in zip(rows, values, strict=True)), encoding="utf-8")
    typer.echo(f"scored {len(rows)} rows with the {backend} backend -> {out}")
