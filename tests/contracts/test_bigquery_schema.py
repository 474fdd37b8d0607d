"""The evaluation pipeline's BigQuery contract: rows it really writes fit the tables infra creates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.bigquery_schema import (
    DRIFT,
    PREDICTION_EXAMPLES,
    RESULT_TABLES,
    SCORES,
    SUMMARY,
    row_problems,
    table_suffix,
)
from contracts.records import REQUIRED_FIELDS
from infra.components import table_schemas
from tests.pipeline_runs import SharedRuns


@pytest.fixture(scope="module")
def local_results(shared_runs: SharedRuns) -> dict[str, list[dict[str, object]]]:
    """The rows of one real local evaluation run on the bad sample (so the review table gets rows too)."""
    results = shared_runs.get("evaluation", sample="bad").out_dir / "results"
    return {
        table: [json.loads(line) for line in Path(results / f"{table}.jsonl").read_text().splitlines()]
        for table in RESULT_TABLES
    }


@pytest.mark.slow
@pytest.mark.parametrize("table", sorted(RESULT_TABLES))
def test_rows_of_a_local_run_fit_the_table_schema(
    local_results: dict[str, list[dict[str, object]]], table: str
) -> None:
    rows = local_results[table]
    spec = RESULT_TABLES[table]
    assert rows, f"the bad sample writes {table} rows"
    required = {c.name for c in spec.columns if c.mode == "REQUIRED"}
    for row in rows:
        assert required <= set(row), f"{table}: missing {required - set(row)}"
        assert set(row) <= set(spec.column_names()), f"{table}: unknown {set(row) - set(spec.column_names())}"
        assert row_problems(spec, row) == [], f"{table}: {row}"


def test_infra_creates_the_tables_the_pipeline_writes() -> None:
    assert table_schemas.TABLES_BY_DATASET["evaluation"] == (
        RESULT_TABLES["scores"],
        RESULT_TABLES["review"],
        RESULT_TABLES["summary"],
        DRIFT,
    )
    assert DRIFT.table_id == SCORES.table_id + "_drift"
    assert [table_suffix(t) for t in RESULT_TABLES] == ["", "_review", "_summary"]
    assert all(spec.table_id == SCORES.table_id + table_suffix(t) for t, spec in RESULT_TABLES.items())
    ((view, source),) = table_schemas.VIEWS_BY_DATASET["prediction_logs"]
    assert view is PREDICTION_EXAMPLES
    assert source is table_schemas.PREDICTION_LOGS
    assert view.column_names()[: len(REQUIRED_FIELDS)] == list(REQUIRED_FIELDS)


def test_row_problems_names_each_way_a_row_misfits() -> None:
    good = {
        "run": "r",
        "examples": 2,
        "flagged": 1,
        "flagged_share": 0.5,
        "metrics": {"groundedness": 1, "toxicity": 0.0, "relevance": 0.5, "fluency": 0.75},
        "thresholds": {"min_groundedness": 0.8, "max_toxicity": 0.0, "min_relevance": 0.5, "min_fluency": 0.6},
        "passed": False,
        "reasons": ["relevance 0.5 < min 0.6"],
        "evaluated_at": "2026-11-26T05:00:00.000000+00:00",
    }
    assert row_problems(SUMMARY, good) == []
    assert row_problems(SUMMARY, {**good, "reasons": []}) == []
    bad = {
        **good,
        "extra": 1,
        "examples": True,
        "metrics": {**good["metrics"], "fluency": None},  # type: ignore[dict-item]
        "reasons": "one reason",
        "evaluated_at": "yesterday",
    }
    del bad["passed"]
    assert row_problems(SUMMARY, bad) == [
        "extra: no such column",
        "examples: expected INT64, found bool True",
        "metrics.fluency: required column missing",
        "passed: required column missing",
        "reasons: expected a list, found str",
        "evaluated_at: expected TIMESTAMP, found str 'yesterday'",
    ]
