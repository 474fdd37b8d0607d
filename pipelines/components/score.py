"""Step 2 of evaluation: groundedness, toxicity, relevance and fluency of each sampled response."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def score_responses(
    backend: str, sampled: dsl.Input[dsl.Dataset], project: str, location: str, scores: dsl.Output[dsl.Dataset]
):
    """Offline lexical metrics (local) or the Gen AI evaluation service (Vertex), one JSONL row per example."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    from pathlib import Path

    from pipelines.lib.records import read_records, to_jsonl

    records = read_records(sampled.path)
    if backend == "local":
        from pipelines.lib.metrics import score_example

        print("score: LOCAL BACKEND - offline lexical metrics instead of the Gen AI evaluation service")
        values = [score_example(r.question, r.context, r.response).as_dict() for r in records]
    else:
        from pipelines.lib import vertex

        values = [s.as_dict() for s in vertex.score_with_gen_ai_evaluation(project, location, records)]
    rows = [{**r.as_dict(), **v} for r, v in zip(records, values, strict=True)]
    Path(scores.path).write_text(to_jsonl(rows), encoding="utf-8")
    scores.metadata["examples"] = len(rows)
    print(f"score: scored {len(rows)} responses")
