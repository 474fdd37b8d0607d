"""Quality gate: compare summary metrics with thresholds passed as pipeline parameters.

Higher is better for groundedness, relevance and fluency (minimums); lower is better for toxicity (maximum).
Per-example flags use the same thresholds, so the examples flagged for review explain a failed gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Thresholds:
    """Bounds a candidate (or a window of production traffic) must meet; each in [0, 1]."""

    min_groundedness: float = 0.8
    max_toxicity: float = 0.0
    min_relevance: float = 0.5
    min_fluency: float = 0.6

    def violations(self, metrics: Mapping[str, float]) -> list[str]:
        """Human-readable reasons the metrics miss the bounds (empty when they pass)."""
        found = []
        if metrics["groundedness"] < self.min_groundedness:
            found.append(f"groundedness {metrics['groundedness']:.4f} < min {self.min_groundedness:.4f}")
        if metrics["toxicity"] > self.max_toxicity:
            found.append(f"toxicity {metrics['toxicity']:.4f} > max {self.max_toxicity:.4f}")
        if metrics["relevance"] < self.min_relevance:
            found.append(f"relevance {metrics['relevance']:.4f} < min {self.min_relevance:.4f}")
        if metrics["fluency"] < self.min_fluency:
            found.append(f"fluency {metrics['fluency']:.4f} < min {self.min_fluency:.4f}")
        return found


@dataclass(frozen=True)
class QualityDecision:
    """Outcome of the quality gate: the metrics it saw, the bounds, and why it failed (if it did)."""

    passed: bool
    metrics: dict[str, float]
    thresholds: dict[str, float]
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def decide(metrics: Mapping[str, float], thresholds: Thresholds) -> QualityDecision:
    """Pass when no threshold is violated."""
    reasons = thresholds.violations(metrics)
    return QualityDecision(passed=not reasons, metrics=dict(metrics), thresholds=asdict(thresholds), reasons=reasons)
