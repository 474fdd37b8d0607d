"""Step 5 of tuning: answer the eval split with the candidate and score the answers."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def evaluate_model(
    backend: str,
    model: dsl.Input[dsl.Model],
    evaluation: dsl.Input[dsl.Dataset],
    project: str,
    location: str,
    scores: dsl.Output[dsl.Dataset],
    summary: dsl.Output[dsl.Artifact],
    metrics: dsl.Output[dsl.Metrics],
):
    """Per-example scores (JSONL), their means (JSON) and the same means as KFP metrics for the UI."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.metrics import score_example, summarize
    from pipelines.lib.records import QARecord, read_records, to_jsonl

    eval_set = read_records(evaluation.path)
    if backend == "local":
        from pipelines.lib.local_model import NearestNeighbourResponder

        print("evaluate: LOCAL BACKEND - answers from the local responder, offline lexical metrics")
        fitted = NearestNeighbourResponder.from_dict(
            json.loads((Path(model.path) / "model.json").read_text(encoding="utf-8"))
        )
        answered = [QARecord(r.id, r.question, r.context, fitted.respond(r.question, r.context)) for r in eval_set]
        example_scores = [score_example(r.question, r.context, r.response).as_dict() for r in answered]
    else:
        from pipelines.lib import vertex

        tuned = json.loads((Path(model.path) / "tuned.json").read_text(encoding="utf-8"))
        if tuned.get("endpoint"):
            responses = vertex.generate_responses(project, location, tuned["endpoint"], eval_set)
        else:  # LoRA: the custom job answered the eval questions itself
            responses = vertex.lora_eval_predictions(tuned["artifact_uri"], eval_set)
        answered = [QARecord(r.id, r.question, r.context, text) for r, text in zip(eval_set, responses, strict=True)]
        example_scores = [s.as_dict() for s in vertex.score_with_gen_ai_evaluation(project, location, answered)]
    rows = [{**r.as_dict(), **s} for r, s in zip(answered, example_scores, strict=True)]
    Path(scores.path).write_text(to_jsonl(rows), encoding="utf-8")
    means = summarize(example_scores)
    Path(summary.path).write_text(json.dumps(means, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name, value in means.items():
        metrics.log_metric(name, value)
    print(f"evaluate: {len(rows)} examples, means {means}")
