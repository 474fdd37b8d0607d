"""Which scored examples need a human look, and why (the gate's thresholds applied to each example)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipelines.lib.quality_gate import Thresholds


def flag_rows(rows: Iterable[dict[str, Any]], thresholds: Thresholds) -> list[dict[str, Any]]:
    """The rows that violate any threshold, each with a `reasons` list."""
    return [{**row, "reasons": reasons} for row in rows if (reasons := thresholds.violations(row))]
