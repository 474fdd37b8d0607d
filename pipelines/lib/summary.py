"""The evaluation run's summary document: means, flagged share, thresholds and the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipelines.lib.gate import Thresholds, decide
from pipelines.lib.metrics import summarize


def quality_summary(
    rows: Sequence[dict[str, Any]], flagged_count: int, thresholds: Thresholds, run_name: str
) -> dict[str, Any]:
    """Summary of one evaluation run; `passed` is the gate decision on the mean metrics."""
    decision = decide(summarize(rows), thresholds)
    return {
        "run": run_name,
        "examples": len(rows),
        "flagged": flagged_count,
        "flagged_share": round(flagged_count / len(rows), 4),
        "metrics": decision.metrics,
        "thresholds": decision.thresholds,
        "passed": decision.passed,
        "reasons": decision.reasons,
    }
