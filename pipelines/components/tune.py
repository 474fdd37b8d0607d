"""Step 4 of tuning: Vertex supervised tuning of Gemini, LoRA as a Vertex custom job, or the local responder."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def tune_model(
    backend: str,
    train: dsl.Input[dsl.Dataset],
    evaluation: dsl.Input[dsl.Dataset],
    base_model: str,
    model_display_name: str,
    project: str,
    location: str,
    trainer_image: str,
    model: dsl.Output[dsl.Model],
):
    """Produce the candidate model; `model` holds the fitted model (local) or the tuned model's references."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.records import read_records, to_jsonl

    train_set, eval_set = read_records(train.path), read_records(evaluation.path)
    Path(model.path).mkdir(parents=True, exist_ok=True)
    if backend == "local":
        from pipelines.lib.local_model import MODEL_KIND, NearestNeighbourResponder

        print(
            f"tune: LOCAL BACKEND - no Vertex tuning job is started; fitting a {MODEL_KIND} on "
            f"{len(train_set)} training examples as the offline stand-in for tuning {base_model}"
        )
        fitted = NearestNeighbourResponder.fit(train_set)
        (Path(model.path) / "model.json").write_text(
            json.dumps(fitted.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        model.metadata.update({"backend": backend, "kind": MODEL_KIND, "base_model": base_model})
        return

    from pipelines.lib import vertex

    rows = {"train.jsonl": train_set, "eval.jsonl": eval_set}
    for name, records in rows.items():
        content = (
            vertex.gemini_tuning_rows(records) if backend == "vertex-gemini-sft" else [r.as_dict() for r in records]
        )
        (Path(model.path) / name).write_text(to_jsonl(content), encoding="utf-8")
    train_uri, eval_uri = f"{model.uri}/train.jsonl", f"{model.uri}/eval.jsonl"
    if backend == "vertex-gemini-sft":
        print(f"tune: starting Vertex supervised tuning of {base_model} on {train_uri}")
        tuned = vertex.tune_gemini(project, location, base_model, train_uri, eval_uri, model_display_name)
    elif backend == "vertex-lora":
        print(f"tune: starting LoRA custom job for {base_model} with {trainer_image}")
        tuned = vertex.tune_lora(
            project, location, base_model, train_uri, eval_uri, f"{model.uri}/adapter", trainer_image
        )
    else:
        raise ValueError(f"unknown backend {backend!r}; expected local, vertex-gemini-sft or vertex-lora")
    (Path(model.path) / "tuned.json").write_text(json.dumps(tuned, sort_keys=True) + "\n", encoding="utf-8")
    model.metadata.update({"backend": backend, "base_model": base_model, **tuned})
    print(f"tune: finished {tuned}")
