"""User feedback over an evaluation window, counted for the retraining trigger (`pipelines.lib.retraining`).

The rows are those of the feedback table (`infra/components/table_schemas.py` FEEDBACK, written by a Pub/Sub
BigQuery subscription): on Vertex a query of the table over the window, optionally for one endpoint; locally a
JSONL file of the same rows. Pub/Sub delivers at least once, so a message_id is counted once, whichever copy
comes first; what `rating` and `score` mean is `contracts.feedback`. Rows that break that contract are
counted as invalid and reported (a few examples each run), never judged negative or positive, so a client
sending 1-5 grades in `rating` shows up as invalid feedback instead of as a wave of complaints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from contracts.bigquery_schema import FEEDBACK_COUNTS
from contracts.feedback import judge

COLUMNS = ("message_id", "rating", "score", "endpoint", "publish_time")
"""The feedback table's columns the count reads."""
EXAMPLES_KEPT = 5
"""Invalid rows described in the counts (the rest are only counted)."""


@dataclass(frozen=True)
class FeedbackCounts:
    """Feedback of one window: valid messages by verdict, plus what was left out and why."""

    negative: int = 0
    neutral: int = 0
    positive: int = 0
    invalid: int = 0
    duplicates: int = 0
    problems: tuple[str, ...] = field(default=())
    """Up to `EXAMPLES_KEPT` invalid rows, each as `message <id>: <why>`."""

    @property
    def judged(self) -> int:
        """Valid messages: what the negative share is a share of."""
        return self.negative + self.neutral + self.positive

    def as_row(self) -> dict[str, int]:
        """The summary's `feedback` record (`contracts.bigquery_schema.FEEDBACK_COUNTS`)."""
        values = {**asdict(self), "judged": self.judged}
        return {name: int(values[name]) for name, _ in FEEDBACK_COUNTS}

    def report(self) -> dict[str, Any]:
        """The counts with the invalid examples, for the step's artifact and log."""
        return {**self.as_row(), "problems": list(self.problems)}


def count_feedback(rows: Iterable[Mapping[str, Any]]) -> FeedbackCounts:
    """Count `rows` (feedback table rows), one per message_id, in the order given."""
    seen: set[str] = set()
    tally = {"negative": 0, "neutral": 0, "positive": 0, "invalid": 0, "duplicates": 0}
    problems: list[str] = []
    for row in rows:
        message = row.get("message_id")
        if not message:
            verdict, why = None, "no message_id (every row the subscription writes has one)"
        elif str(message) in seen:
            tally["duplicates"] += 1
            continue
        else:
            seen.add(str(message))
            verdict, why = judge(row.get("rating"), row.get("score"))
        if verdict is None:
            tally["invalid"] += 1
            if len(problems) < EXAMPLES_KEPT:
                problems.append(f"message {message or '?'}: {why}")
            continue
        tally[verdict] += 1
    return FeedbackCounts(**tally, problems=tuple(problems))


def feedback_query(table: str, window_hours: int, endpoint: str) -> tuple[str, dict[str, tuple[str, Any]]]:
    """Standard SQL over the feedback table `project.dataset.table`, and its parameters (name -> (type, value)).

    `window_hours` > 0 keeps messages published in that many recent hours (`publish_time` is the table's
    partition column, so the window also bounds the bytes read); a non-empty `endpoint` keeps that endpoint's
    feedback. Rows come oldest first, so the first copy of a redelivered message is the one counted."""
    conditions: list[str] = []
    parameters: dict[str, tuple[str, Any]] = {}
    if window_hours > 0:
        conditions.append("publish_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @hours HOUR)")
        parameters["hours"] = ("INT64", window_hours)
    if endpoint:
        conditions.append("endpoint = @endpoint")
        parameters["endpoint"] = ("STRING", endpoint)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    # The table is an identifier (the validated feedback_uri); values are query parameters.
    query = f"SELECT {', '.join(COLUMNS)} FROM `{table}`{where} ORDER BY publish_time, message_id"  # noqa: S608
    return query, parameters


def read_feedback(backend: str, uri: str, window_hours: int, endpoint: str) -> list[dict[str, Any]]:
    """The window's feedback rows: a local JSONL file (the whole file, `endpoint` applied) or a BigQuery query
    of `bq://project.dataset.table`."""
    if backend == "local":
        path = Path(uri)
        if not path.is_file():
            raise FileNotFoundError(f"feedback file not found: {path}")
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path} line {number}: expected a JSON object, found {type(row).__name__}")
            rows.append(row)
        return [row for row in rows if not endpoint or row.get("endpoint") == endpoint]
    from pipelines.lib import vertex

    query, parameters = feedback_query(uri.removeprefix("bq://"), window_hours, endpoint)
    return vertex.query_bigquery(query, parameters)
