"""Tuning step beside registration: record the run in the environment's Vertex AI experiment."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def log_experiment_run(
    backend: str,
    experiment: str,
    experiment_tensorboard: str,
    project: str,
    location: str,
    decision: dsl.Input[dsl.Artifact],
    raw_examples: dsl.Input[dsl.Dataset],
    base_model: str,
    seed: int,
    eval_fraction: float,
    max_chars: int,
    pii_action: str,
    dataset_uri: str,
    run_name: str,
    record: dsl.Output[dsl.Artifact],
) -> str:
    """Write the run's record (parameters, dataset digest, metrics, gate verdict) and, on Vertex with an
    `experiment`, log it there; returns the experiment run's resource name ("" when not logged)."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.experiments import log_to_vertex, run_record

    verdict = json.loads(Path(decision.path).read_text(encoding="utf-8"))
    parameters = {
        "backend": backend,
        "base_model": base_model,
        "seed": int(seed),
        "eval_fraction": float(eval_fraction),
        "max_chars": int(max_chars),
        "pii_action": pii_action,
        "dataset_uri": dataset_uri,
        **verdict["thresholds"],
    }
    metrics = {**verdict["metrics"], "gate_passed": int(verdict["passed"])}
    document = run_record(experiment, run_name, parameters, metrics, Path(raw_examples.path).read_bytes())
    Path(record.path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if backend == "local" or not experiment:
        print(f"experiment: record written ({'local backend' if backend == 'local' else 'no experiment set'})")
        return ""
    name = log_to_vertex(document, project=project, location=location, tensorboard=experiment_tensorboard)
    print(f"experiment: run {document['run']} logged to {experiment} as {name}")
    return name
