"""An evaluation run asks for retraining: decide from its summary, its drift and earlier runs' rows, then publish.

The request goes to the retraining-requests topic on Vertex (the retraining subscriber, `infra.retraining`,
starts the tuning run the environment's manifest pins) or, locally, is appended to a JSONL file standing in
for the topic. Earlier runs come from the results tables the evaluation pipeline itself writes (summary and
drift rows), so the cool-down needs no other store (`pipelines.lib.retraining.last_request_time`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipelines.lib.results_sink import read_recent_rows
from pipelines.lib.retraining import decide, feedback_of, last_request_time, policy_of

HISTORY_ROWS = 500
"""Earlier runs read back: a daily evaluation over more than a year, far beyond any cool-down."""


def ask_for_retraining(
    *,
    backend: str,
    env: str,
    run: str,
    summary: Mapping[str, Any],
    drift: Mapping[str, Any],
    results_uri: str,
    topic: str,
    policy_overrides: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Decide for the run `run` and publish when asked; returns `{requested, request, published, last_request_at,
    feedback}`.

    `summary` and `drift` are this run's documents (the summary carries the window's feedback counts); its own
    rows (already written) are left out of the history.
    """
    policy = policy_of(policy_overrides)
    summaries = [row for row in read_recent_rows(backend, results_uri, "summary", HISTORY_ROWS) if row["run"] != run]
    drifts = [row for row in read_recent_rows(backend, results_uri, "drift", HISTORY_ROWS) if row["run"] != run]
    last = last_request_time(env, summaries, drifts, policy)
    negative, judged = feedback_of(summary)
    request = decide(
        env=env,
        run=run,
        summaries=[*summaries, summary],
        drift=drift,
        negative_feedback=negative,
        feedback=judged,
        last_request_at=last,
        now=now,
        policy=policy,
    )
    outcome: dict[str, Any] = {
        "requested": request is not None,
        "request": request,
        "published": None,
        "last_request_at": last.isoformat() if last else None,
        "feedback": summary.get("feedback"),
    }
    if request is not None:
        outcome["published"] = publish_request(backend, topic, request)
    return outcome


def publish_request(backend: str, topic: str, request: dict[str, str]) -> str:
    """Publish on the topic (Vertex) or append to the local stand-in file; returns the message id or `file#line`."""
    if backend == "local":
        from pipelines.lib.events import append_local

        return f"{topic}#{append_local(topic, request)}"
    from pipelines.lib import vertex

    attributes = {"request_id": request["request_id"], "env": request["env"]}
    return vertex.publish(topic, request, attributes)
