"""Feedback of a window: one count per message_id, invalid rows reported apart; the local file and the
BigQuery query (the real client against a loopback jobs.query server) give the same counts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from contracts.bigquery_schema import FEEDBACK_COUNTS
from pipelines.catalog import DATA_DIR
from pipelines.lib import vertex
from pipelines.lib.feedback import COLUMNS, count_feedback, feedback_query, read_feedback
from tests.fakes.bigquery_server import BigQueryServer

MANY = DATA_DIR / "feedback" / "many_negative.jsonl"
FEW = DATA_DIR / "feedback" / "few_negative.jsonl"
TABLE = "genai-dev-1234.genai_dev_feedback.feedback"


def rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_each_message_counts_once_and_invalid_rows_are_reported_not_judged() -> None:
    counts = count_feedback(
        [
            {"message_id": "1", "rating": -1},
            {"message_id": "1", "rating": -1},  # a redelivery
            {"message_id": "2", "rating": 1, "score": 5},
            {"message_id": "3", "rating": 4},  # a grade sent as the rating
            {"message_id": "4", "rating": 1, "score": 1},  # disagreeing score
            {"rating": -1},  # no message id
            {"message_id": "5", "rating": 0},
        ]
    )
    assert counts.as_row() == {
        "judged": 3, "negative": 1, "neutral": 1, "positive": 1, "invalid": 3, "duplicates": 1,
    }
    assert counts.problems == (
        "message 3: rating 4 is not one of -1, 0, 1",
        "message 4: score 1 goes with rating -1, not 1",
        "message ?: no message_id (every row the subscription writes has one)",
    )
    assert list(counts.as_row()) == [name for name, _ in FEEDBACK_COUNTS]


def test_the_labelled_windows_count_as_labelled() -> None:
    many = count_feedback(read_feedback("local", str(MANY), 24, ""))
    assert (many.negative, many.judged, many.invalid, many.duplicates) == (12, 30, 1, 1)
    few = count_feedback(read_feedback("local", str(FEW), 24, "assistant"))
    assert (few.negative, few.judged, few.invalid) == (2, 30, 7)
    # Read as negatives, the invalid rows would push the share over the default 0.15 bound.
    assert (few.negative + few.invalid) / (few.judged + few.invalid) > 0.15
    everyone = count_feedback(read_feedback("local", str(FEW), 24, ""))
    assert everyone.negative == 4  # the other endpoint's two complaints


def test_a_local_file_that_is_not_jsonl_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "feedback.jsonl"
    bad.write_text('{"message_id": "1", "rating": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"feedback.jsonl line 2: expected a JSON object, found list"):
        read_feedback("local", str(bad), 0, "")
    with pytest.raises(FileNotFoundError, match="feedback file not found"):
        read_feedback("local", str(tmp_path / "missing.jsonl"), 0, "")


def test_the_query_filters_by_window_and_endpoint_with_parameters() -> None:
    query, parameters = feedback_query(TABLE, 24, "assistant")
    expected = (
        f"SELECT {', '.join(COLUMNS)} FROM `{TABLE}` WHERE "  # noqa: S608 - the expected text of the test
        "publish_time >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL @hours HOUR) AND endpoint = @endpoint "
        "ORDER BY publish_time, message_id"
    )
    assert query == expected
    assert parameters == {"hours": ("INT64", 24), "endpoint": ("STRING", "assistant")}
    everything, none = feedback_query(TABLE, 0, "")
    assert "WHERE" not in everything
    assert none == {}


@pytest.fixture
def bigquery_server() -> Iterator[BigQueryServer]:
    server = BigQueryServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_on_vertex_the_window_is_queried_through_the_bigquery_client(bigquery_server: BigQueryServer) -> None:
    types = {"message_id": "STRING", "rating": "INT64", "score": "INT64", "endpoint": "STRING"}
    local = rows_of(MANY)
    bigquery_server.seed(TABLE, [(c, types.get(c, "TIMESTAMP")) for c in COLUMNS], local)
    client = bigquery.Client(
        project="genai-dev-1234",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call, unused-ignore]
        client_options={"api_endpoint": bigquery_server.base_url},
    )
    query, parameters = feedback_query(TABLE, 24, "assistant")
    rows = vertex.query_bigquery(query, parameters, client=client)
    (sent,) = bigquery_server.queries
    assert sent["query"] == query
    assert sent["useLegacySql"] is False
    assert {p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"]) for p in sent["queryParameters"]} == {
        "hours": ("INT64", "24"),
        "endpoint": ("STRING", "assistant"),
    }
    assert rows[0]["rating"] == local[0]["rating"]
    assert isinstance(rows[0]["rating"], int)
    assert rows[0]["publish_time"].startswith("2026-11-30T06:00:00")
    assert count_feedback(rows) == count_feedback(local)
