"""The evaluation run's summary document: means, flagged share, thresholds and the verdict.

The summary step also prints it as one JSON line, `{"quality_summary": {...}}`: Cloud Monitoring's log-based
metrics (`infra/components/alerts.py`) extract the mean metrics from that line and alert on them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from contracts.bigquery_schema import FEEDBACK_COUNTS
from contracts.summary import SUMMARY_LOG_KEY
from pipelines.lib.metrics import summarize
from pipelines.lib.quality_gate import Thresholds, decide


def summary_log_line(document: Mapping[str, Any]) -> str:
    """The structured log line of a summary: compact enough for one log entry, keys sorted."""
    return json.dumps({SUMMARY_LOG_KEY: document}, sort_keys=True)


def feedback_row(counts: Mapping[str, Any]) -> dict[str, int] | None:
    """The summary's `feedback` record from the feedback step's counts; None when the run read no feedback."""
    if not counts.get("read"):
        return None
    return {name: int(counts[name]) for name, _ in FEEDBACK_COUNTS}


def quality_summary(
    rows: Sequence[dict[str, Any]],
    flagged_count: int,
    thresholds: Thresholds,
    run_name: str,
    feedback: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Summary of one evaluation run; `passed` is the gate decision on the mean metrics, `feedback` the window's
    feedback counts (None: not read)."""
    decision = decide(summarize(rows), thresholds)
    return {
        "feedback": dict(feedback) if feedback is not None else None,
        "run": run_name,
        "examples": len(rows),
        "flagged": flagged_count,
        "flagged_share": round(flagged_count / len(rows), 4),
        "metrics": decision.metrics,
        "thresholds": decision.thresholds,
        "passed": decision.passed,
        "reasons": decision.reasons,
    }
