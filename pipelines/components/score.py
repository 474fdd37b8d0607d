"""Step 2 of evaluation: groundedness, toxicity, relevance and fluency of each sampled response."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def score_responses(
    backend: str, sampled: dsl.Input[dsl.Dataset], project: str, location: str, scores: dsl.Output[dsl.Dataset]
):
    """Offline metrics (local) or the Gen AI evaluation service (Vertex), one JSONL row per example."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    from pathlib import Path

    from pipelines.lib.records import read_records, to_jsonl
    from pipelines.lib.scoring import score_records

    records = read_records(sampled.path)
    values = score_records(backend, records, project=project, location=location)
    rows = [{**r.as_dict(), **v} for r, v in zip(records, values, strict=True)]
    Path(scores.path).write_text(to_jsonl(rows), encoding="utf-8")
    scores.metadata["examples"] = len(rows)
    print(f"score: scored {len(rows)} responses")
