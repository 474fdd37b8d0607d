"""The BigQuery contract of the evaluation pipeline: the tables it writes and the log view it reads.

One definition serves both sides: `pipelines.lib.results_sink` checks every row against these specs before
it is written (locally too, so a local run proves the rows fit), and the infrastructure
(`infra/components/table_schemas.py`, `infra/components/data.py`) creates exactly these tables and the view.
It lives in `contracts/`, which the pipeline runtime image carries next to `pipelines/` (never `infra/`).

Evaluation tables (one family per results location `bq://p.d.<base>`): `<base>` holds per-example scores,
`<base>_review` the flagged examples with reasons, `<base>_summary` one row per run.

Prediction-log view: Vertex AI request-response logging writes `request_payload` / `response_payload` as
repeated JSON strings (one instance / one prediction each). The view flattens them into the columns the
pipeline reads (`id`, `question`, `context`, `response`), given this payload contract of the serving
container: each instance is `{"question": "...", "context": "..."}` and the prediction at the same position
is either `{"response": "..."}` or a bare JSON string. A request with several instances gives one row per
instance, `id` = request_id (single instance) or `request_id-<position>`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from contracts.metrics import METRIC_NAMES
from contracts.records import REQUIRED_FIELDS

Mode = Literal["REQUIRED", "NULLABLE", "REPEATED"]


@dataclass(frozen=True)
class Column:
    """One column; `fields` makes it a RECORD (nested columns)."""

    name: str
    type: str
    description: str
    mode: Mode = "NULLABLE"
    fields: tuple[Column, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "mode": self.mode,
            "description": self.description,
        }
        if self.fields:
            entry["fields"] = [f.as_dict() for f in self.fields]
        return entry


@dataclass(frozen=True)
class TableSpec:
    """One table: its id inside the dataset, its columns, the daily partition column and clustering columns."""

    table_id: str
    description: str
    columns: tuple[Column, ...]
    partition_field: str
    clustering: tuple[str, ...] = ()

    def schema_json(self) -> str:
        """The schema as canonical JSON (stable bytes, so an unchanged schema never shows as a diff)."""
        return json.dumps([c.as_dict() for c in self.columns], sort_keys=True, separators=(",", ":"))

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# --- rows the evaluation pipeline writes ------------------------------------------------------------------

EVALUATED_AT = "evaluated_at"
"""Stamped on every row by `results_sink.write_rows`; the daily partition column of the three tables."""

_RUN = Column("run", "STRING", "Vertex AI pipeline job name of the evaluation run.", "REQUIRED")
_WHEN = Column(EVALUATED_AT, "TIMESTAMP", "When the row was written (UTC).", "REQUIRED")
_EXAMPLE = tuple(Column(name, "STRING", f"The logged example's {name}.", "REQUIRED") for name in REQUIRED_FIELDS)
_SCORES = tuple(
    Column(name, "FLOAT64", f"{name.capitalize()} of the response, in [0, 1].", "REQUIRED") for name in METRIC_NAMES
)
_REASONS = Column("reasons", "STRING", "Why the example (or run) misses the thresholds, one reason each.", "REPEATED")
_THRESHOLD_NAMES = ("min_groundedness", "max_toxicity", "min_relevance", "min_fluency")

SCORES = TableSpec(
    table_id="results",
    description="Per-example quality scores of sampled prediction logs, one row per (evaluation run, example).",
    columns=(*_EXAMPLE, *_SCORES, _RUN, _WHEN),
    partition_field=EVALUATED_AT,
    clustering=("run",),
)
REVIEW = TableSpec(
    table_id="results_review",
    description="Examples flagged for human review: scores that miss a threshold, with the reasons.",
    columns=(*_EXAMPLE, *_SCORES, _REASONS, _RUN, _WHEN),
    partition_field=EVALUATED_AT,
    clustering=("run",),
)
FEEDBACK_COUNTS = (
    ("judged", "Valid feedback messages of the window (negative + neutral + positive), one per message_id."),
    ("negative", "Messages rated -1."),
    ("neutral", "Messages rated 0."),
    ("positive", "Messages rated 1."),
    ("invalid", "Messages whose rating or score is out of range or disagrees: reported, not judged."),
    ("duplicates", "Redeliveries of a message_id already counted."),
)
"""The summary's feedback counts (pipelines.lib.feedback), each an INT64 of the `feedback` record."""

SUMMARY = TableSpec(
    table_id="results_summary",
    description="One row per evaluation run: mean metrics, flagged share, thresholds and the verdict.",
    columns=(
        _RUN,
        Column("examples", "INT64", "Examples scored.", "REQUIRED"),
        Column("flagged", "INT64", "Examples flagged for review.", "REQUIRED"),
        Column("flagged_share", "FLOAT64", "flagged / examples.", "REQUIRED"),
        Column(
            "metrics",
            "RECORD",
            "Mean of each metric over the examples.",
            "REQUIRED",
            tuple(Column(n, "FLOAT64", f"Mean {n}.", "REQUIRED") for n in METRIC_NAMES),
        ),
        Column(
            "thresholds",
            "RECORD",
            "Bounds the run was judged against.",
            "REQUIRED",
            tuple(Column(n, "FLOAT64", f"Threshold {n}.", "REQUIRED") for n in _THRESHOLD_NAMES),
        ),
        Column("passed", "BOOL", "Whether the mean metrics meet every threshold.", "REQUIRED"),
        _REASONS,
        _WHEN,
        Column(
            "feedback",
            "RECORD",
            "User feedback over the run's window (contracts.feedback); null when the run read none. Added after "
            "the table existed: NULLABLE, an in-place schema update.",
            "NULLABLE",
            tuple(Column(name, "INT64", text) for name, text in FEEDBACK_COUNTS),
        ),
    ),
    partition_field=EVALUATED_AT,
    clustering=("run",),
)

DRIFT_METRIC_NAMES = ("length_psi", "token_js", "script_js", "empty_share", "oversized_share")
"""The input drift report's metrics (`pipelines.lib.drift.drift_report`), each with a `max_<name>` bound."""
DRIFT = TableSpec(
    table_id="results_drift",
    description=(
        "One row per evaluation run: input drift of the run's window of prompts against the reference "
        "(the release's evaluation set), its metrics, the bounds and whether it drifted."
    ),
    columns=(
        _RUN,
        Column("checked", "BOOL", "Whether the window was compared at all (false without a reference).", "REQUIRED"),
        Column("reference", "STRING", "URI of the reference set the window was compared with."),
        Column("reference_size", "INT64", "Prompts in the reference."),
        Column("window_size", "INT64", "Prompts in the window.", "REQUIRED"),
        Column(
            "metrics",
            "RECORD",
            "Drift metrics: length PSI, token and script Jensen-Shannon, empty and oversized shares.",
            "NULLABLE",
            tuple(
                Column(n, "FLOAT64", f"{n} of the window against the reference.", "REQUIRED")
                for n in DRIFT_METRIC_NAMES
            ),
        ),
        Column(
            "bounds",
            "RECORD",
            "Bounds the run was judged against.",
            "NULLABLE",
            (
                *(Column(f"max_{n}", "FLOAT64", f"Highest acceptable {n}.", "REQUIRED") for n in DRIFT_METRIC_NAMES),
                Column("oversized_chars", "INT64", "Characters above which a prompt is oversized.", "REQUIRED"),
            ),
        ),
        Column("drifted", "BOOL", "Whether any metric is above its bound.", "REQUIRED"),
        _REASONS,
        _WHEN,
    ),
    partition_field=EVALUATED_AT,
    clustering=("run",),
)
"""Sibling of the results tables (`<base>_drift`); not in RESULT_TABLES, whose rows every run writes."""

RESULT_TABLES: dict[str, TableSpec] = {"scores": SCORES, "review": REVIEW, "summary": SUMMARY}
"""Logical results table -> spec. The ids share the base name `results`: the schedules' `results_uri` names
`bq://<project>.<evaluation dataset>.results` and the siblings are derived by suffix."""


EVALUATION_TABLES: dict[str, TableSpec] = {**RESULT_TABLES, "drift": DRIFT}
"""Every table the evaluation pipeline writes under one results location: the result tables and the drift table."""


def table_suffix(table: str) -> str:
    """`""`, `"_review"`, `"_summary"`, `"_drift"`: what a logical table adds to the results location's base name."""
    return EVALUATION_TABLES[table].table_id.removeprefix(SCORES.table_id)


def _type_problem(column: Column, value: object, path: str) -> list[str]:
    kind = column.type
    if kind == "RECORD":
        if not isinstance(value, Mapping):
            return [f"{path}: expected an object, found {type(value).__name__}"]
        return _problems(column.fields, value, f"{path}.")
    ok = {
        "STRING": isinstance(value, str),
        "FLOAT64": isinstance(value, int | float) and not isinstance(value, bool),
        "INT64": isinstance(value, int) and not isinstance(value, bool),
        "BOOL": isinstance(value, bool),
        "TIMESTAMP": isinstance(value, str) and _is_timestamp(value),
    }.get(kind)
    if ok is None:
        return [f"{path}: column type {kind} is not checked here; add it to bigquery_schema"]
    return [] if ok else [f"{path}: expected {kind}, found {type(value).__name__} {value!r:.40}"]


def _is_timestamp(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _problems(columns: tuple[Column, ...], row: Mapping[str, Any], prefix: str) -> list[str]:
    known = {c.name: c for c in columns}
    found = [f"{prefix}{name}: no such column" for name in row if name not in known]
    for column in columns:
        path = f"{prefix}{column.name}"
        value = row.get(column.name)
        if value is None:
            if column.mode == "REQUIRED":
                found.append(f"{path}: required column missing")
            continue
        if column.mode == "REPEATED":
            if not isinstance(value, list):
                found.append(f"{path}: expected a list, found {type(value).__name__}")
                continue
            for i, item in enumerate(value):
                found += _type_problem(column, item, f"{path}[{i}]")
        else:
            found += _type_problem(column, value, path)
    return found


def row_problems(spec: TableSpec, row: Mapping[str, Any]) -> list[str]:
    """Why BigQuery would reject `row` for `spec` (unknown column, missing required column, wrong type)."""
    return _problems(spec.columns, row, "")


# --- the prediction-log view the evaluation pipeline reads -------------------------------------------------


@dataclass(frozen=True)
class ViewSpec:
    """A view: its id, description and the (SQL expression, column) pairs it selects."""

    table_id: str
    description: str
    select: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def column_names(self) -> list[str]:
        return [name for _, name in self.select]

    def query(self, source_table: str) -> str:
        """Standard SQL over `project.dataset.table` (the request-response logging table)."""
        columns = ",\n  ".join(f"{expression} AS {name}" for expression, name in self.select)
        return (
            f"SELECT\n  {columns}\n"
            f"FROM `{source_table}` AS logs,\n"
            "  UNNEST(logs.request_payload) AS instance WITH OFFSET AS position"
        )


PAYLOAD_CONTRACT = (
    'Each request instance is {"question": "...", "context": "..."}; the prediction at the same position is '
    '{"response": "..."} or a bare JSON string. Several instances give one row each, id = request_id '
    "(one instance) or request_id-<position>."
)
_PREDICTION = "logs.response_payload[SAFE_OFFSET(position)]"
PREDICTION_EXAMPLES = ViewSpec(
    table_id="prediction_examples",
    description=(
        "Logged prediction requests flattened into the evaluation pipeline's examples (id, question, context, "
        f"response). Payload contract of the serving container: {PAYLOAD_CONTRACT}"
    ),
    select=(
        (
            "IF(ARRAY_LENGTH(logs.request_payload) = 1, CAST(logs.request_id AS STRING), "
            "CONCAT(CAST(logs.request_id AS STRING), '-', CAST(position AS STRING)))",
            "id",
        ),
        ("JSON_VALUE(instance, '$.question')", "question"),
        ("JSON_VALUE(instance, '$.context')", "context"),
        (f"COALESCE(JSON_VALUE({_PREDICTION}, '$.response'), JSON_VALUE({_PREDICTION}, '$'))", "response"),
        ("logs.endpoint", "endpoint"),
        ("logs.deployed_model_id", "deployed_model_id"),
        ("logs.logging_time", "logging_time"),
    ),
)
"""`bq://<project>.<prediction-logs dataset>.prediction_examples` is the evaluation schedules' `logs_uri`."""
