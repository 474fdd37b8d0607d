"""The keys under which an evaluation run logs its structured lines (log-based metrics and alerts match them)."""

from __future__ import annotations

SUMMARY_LOG_KEY = "quality_summary"
"""Top-level key of the run's one-line quality summary."""

DRIFT_LOG_KEY = "input_drift"
"""Top-level key of the run's one-line input drift report."""
