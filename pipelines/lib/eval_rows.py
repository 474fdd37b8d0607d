"""The rows `mlops eval score` reads: `{id, question, context, response, reference?}` per JSONL line.

Every problem of every line is collected (line number, key, value found, what is expected) so one run
reports all of them; extra keys are kept and written back unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

REQUIRED = ("id", "question", "context", "response")
OPTIONAL = ("reference",)


@dataclass(frozen=True)
class RowProblem:
    line: int
    key: str
    message: str


def _describe(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _field_problems(number: int, row: dict[str, Any]) -> list[RowProblem]:
    """What is wrong with one row's keys: a missing or non-string required key, a non-string reference."""
    problems = []
    for key in REQUIRED:
        if key not in row:
            problems.append(RowProblem(number, key, "missing; every row needs id, question, context, response"))
        elif key in ("id", "response") and not (isinstance(row[key], str) and row[key].strip()):
            problems.append(RowProblem(number, key, f"found {_describe(row[key])}, expected a non-empty string"))
        elif not isinstance(row[key], str):
            problems.append(RowProblem(number, key, f"found {_describe(row[key])}, expected a string"))
    for key in OPTIONAL:
        if key in row and row[key] is not None and not isinstance(row[key], str):
            problems.append(RowProblem(number, key, f"found {_describe(row[key])}, expected a string or null"))
    return problems


def _duplicate_ids(numbered: list[tuple[int, dict[str, Any]]]) -> list[RowProblem]:
    seen: dict[str, int] = {}
    problems = []
    for number, row in numbered:
        ident = row.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            problems.append(RowProblem(number, "id", f"duplicate id {ident!r} (first on line {seen[ident]})"))
        seen.setdefault(ident, number)
    return problems


def parse_rows(text: str) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """The rows of a JSONL text (blank lines skipped) and the problems that make any of them unusable."""
    numbered: list[tuple[int, dict[str, Any]]] = []
    problems: list[RowProblem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(RowProblem(number, "", f"not valid JSON ({err.msg} at column {err.colno})"))
            continue
        if not isinstance(row, dict):
            problems.append(RowProblem(number, "", f"expected a JSON object, found {type(row).__name__}"))
            continue
        problems += _field_problems(number, row)
        numbered.append((number, row))
    problems += _duplicate_ids(numbered)
    return [row for _, row in numbered], sorted(problems, key=lambda p: p.line)
