"""The key under which an evaluation run logs its one-line quality summary (log metrics and alerts match it)."""

from __future__ import annotations

SUMMARY_LOG_KEY = "quality_summary"
