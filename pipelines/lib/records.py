"""The one record shape both pipelines read: a question, the context it was answered from, and the response.

Tuning examples carry the desired response; prediction-log samples carry what the endpoint answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from contracts.records import REQUIRED_FIELDS


@dataclass(frozen=True)
class QARecord:
    """One example; `id` is stable across runs so splits and flags can be traced back to the source."""

    id: str
    question: str
    context: str
    response: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def schema_problems(document: object) -> list[str]:
    """What keeps a parsed JSON value from being a QARecord (empty when it is one)."""
    if not isinstance(document, dict):
        return [f"expected a JSON object, found {type(document).__name__}"]
    problems = [f"missing field '{name}'" for name in REQUIRED_FIELDS if name not in document]
    problems += [
        f"field '{name}' must be a string, found {type(document[name]).__name__}"
        for name in REQUIRED_FIELDS
        if name in document and not isinstance(document[name], str)
    ]
    return problems


def from_dict(document: dict[str, object]) -> QARecord:
    """Build a record from a document that passed `schema_problems`; extra keys are ignored."""
    return QARecord(**{name: str(document[name]) for name in REQUIRED_FIELDS})


def read_records(path: str | Path) -> list[QARecord]:
    """Read a JSONL file written by `write_records` (already validated, so any error is a bug upstream)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [from_dict(json.loads(line)) for line in lines if line.strip()]


def to_jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    """One canonical JSON object per line (sorted keys), newline-terminated."""
    return "".join(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n" for row in rows)


def write_records(path: str | Path, records: Iterable[QARecord]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(to_jsonl(record.as_dict() for record in records), encoding="utf-8")
