"""The quality metrics of one example, each a number in [0, 1]: the local backend's scores.

One module per metric says what it catches and what it cannot (`groundedness`, `relevance`, `toxicity`,
`fluency`; `diversity` for a set). They are a deterministic stand-in that runs offline; on Vertex AI the Gen
AI evaluation service fills the same names (`pipelines.lib.vertex`) and is the production judge.
`factuality` (agreement with a reference answer) is scored only for examples that have a reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from contracts.metrics import METRIC_NAMES, REFERENCE_METRIC
from pipelines.lib.fluency import fluency
from pipelines.lib.groundedness import factuality, groundedness
from pipelines.lib.relevance import relevance
from pipelines.lib.toxicity import toxicity

__all__ = [
    "METRIC_NAMES",
    "REFERENCE_METRIC",
    "ExampleScores",
    "factuality",
    "fluency",
    "groundedness",
    "relevance",
    "score_example",
    "summarize",
    "toxicity",
]


@dataclass(frozen=True)
class ExampleScores:
    """The metric values of one example; `factuality` is None without a reference answer."""

    groundedness: float
    toxicity: float
    relevance: float
    fluency: float
    factuality: float | None = None

    def as_dict(self) -> dict[str, float]:
        """The values by name, rounded to 4 places; `factuality` only when it was scored."""
        values = {k: round(v, 4) for k, v in asdict(self).items() if v is not None}
        return values


def score_example(question: str, context: str, response: str, reference: str | None = None) -> ExampleScores:
    """All metrics for one (question, context, response[, reference]) example."""
    return ExampleScores(
        groundedness=groundedness(response, context),
        toxicity=toxicity(response),
        relevance=relevance(response, question, context),
        fluency=fluency(response),
        factuality=factuality(response, reference, context) if reference else None,
    )


def summarize(scores: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Mean of each gated metric over the examples, rounded to 4 places (stable across platforms)."""
    rows = list(scores)
    if not rows:
        raise ValueError("cannot summarize an empty set of scores")
    return {name: round(sum(row[name] for row in rows) / len(rows), 4) for name in METRIC_NAMES}
