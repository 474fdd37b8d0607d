"""Score examples on either backend: the one call the pipeline components and `mlops eval score` share.

`local` runs the offline metrics (`pipelines.lib.metrics`) and says so; `vertex` asks the Gen AI evaluation
service (`pipelines.lib.vertex`). Both return, per example, the same metric names in the same
[0, 1] ranges, with `factuality` only where the example has a reference answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.lib.records import QARecord

BACKENDS = ("local", "vertex")


def score_records(
    backend: str,
    records: Sequence[QARecord],
    references: Sequence[str | None] | None = None,
    *,
    project: str = "",
    location: str = "",
) -> list[dict[str, float]]:
    """One dict of metric values per record, in order."""
    refs = list(references) if references is not None else [None] * len(records)
    if len(refs) != len(records):
        raise ValueError(f"{len(refs)} references for {len(records)} records")
    if backend == "local":
        from pipelines.lib.metrics import score_example

        print(
            "score: LOCAL BACKEND - offline metrics (claims, relevance, classifier) instead of the evaluation service"
        )
        return [
            score_example(r.question, r.context, r.response, ref).as_dict()
            for r, ref in zip(records, refs, strict=True)
        ]
    if backend == "vertex":
        from pipelines.lib.vertex import score_with_gen_ai_evaluation

        return [s.as_dict() for s in score_with_gen_ai_evaluation(project, location, records, refs)]
    raise ValueError(f"unknown scoring backend {backend!r}; expected one of {', '.join(BACKENDS)}")
