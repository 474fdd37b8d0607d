"""The tuning pipeline: ingest -> validate & clean -> split -> tune -> evaluate -> gate -> register -> publish.

A candidate that passes the gate is registered under alias `candidate` and announced as
`candidate_registered`; one that fails is announced as `candidate_rejected` and not registered. `backend`
chooses Vertex supervised tuning of Gemini (`vertex-gemini-sft`), LoRA as a Vertex custom job (`vertex-lora`)
or the offline equivalents (`local`). Steps that read the source or have side effects never reuse cached
results.

The register step also emits the candidate record `mlops release cut` reads (`pipelines.lib.candidate`):
`served_model` names the environment's served model it is a candidate for, and `pipeline_digest` is the
digest of this compiled template (a template cannot contain its own digest, so the run is told it: a
schedule passes the digest its manifest pins, a local run the digest of the same sources compiled). On Vertex
the candidate's files, report and record are copied into `releases_bucket` (the shared bucket every
environment reads releases from, `release.artifacts.bucket`), so the record names artifacts a release may pin.

Every run, passed or not, is recorded beside the gate (`pipelines.lib.experiments`): parameters, dataset
digest and metrics as a JSON artifact and, on Vertex with an `experiment` set, as a run of that Vertex AI
experiment (backed by `experiment_tensorboard`, the environment's TensorBoard, when given).
"""

from typing import Any, NamedTuple

from kfp import dsl

from pipelines.components.evaluate import evaluate_model
from pipelines.components.experiment import log_experiment_run
from pipelines.components.ingest import ingest_examples
from pipelines.components.publish import publish_model_event
from pipelines.components.quality_gate import check_gate
from pipelines.components.register import register_candidate
from pipelines.components.runtime import step
from pipelines.components.split import split_examples
from pipelines.components.tune import tune_model
from pipelines.components.validate_clean import validate_and_clean


class TuningOutputs(NamedTuple):
    """`passed`: the gate verdict; `report`: JSON with the metrics, thresholds and reasons behind it."""

    passed: bool
    report: dsl.Artifact


@dsl.pipeline(name="genai-tuning", description="Tune, evaluate and gate a candidate model; register it as candidate.")
def tuning_pipeline(
    dataset_uri: str,
    events_uri: str,
    backend: str = "vertex-gemini-sft",
    project: str = "",
    location: str = "us-central1",
    base_model: str = "gemini-2.0-flash-001",
    model_display_name: str = "genai-assistant",
    seed: int = 42,
    eval_fraction: float = 0.25,
    max_chars: int = 4000,
    pii_action: str = "redact",
    min_groundedness: float = 0.8,
    max_toxicity: float = 0.05,
    min_relevance: float = 0.5,
    min_fluency: float = 0.6,
    registry_dir: str = "",
    trainer_image: str = "",
    serving_image: str = "",
    served_model: str = "assistant",
    pipeline_digest: str = "",
    experiment: str = "",
    experiment_tensorboard: str = "",
    releases_bucket: str = "",
) -> TuningOutputs:
    ingest = step(ingest_examples(source_uri=dataset_uri, backend=backend), "ingest", cache=False)
    cleaned = step(
        validate_and_clean(raw_examples=ingest.outputs["raw_examples"], max_chars=max_chars, pii_action=pii_action),
        "validate-and-clean",
    )
    splits = step(split_examples(cleaned=cleaned.outputs["cleaned"], eval_fraction=eval_fraction, seed=seed), "split")
    tuned = step(
        tune_model(
            backend=backend,
            train=splits.outputs["train"],
            evaluation=splits.outputs["evaluation"],
            base_model=base_model,
            model_display_name=model_display_name,
            project=project,
            location=location,
            trainer_image=trainer_image,
        ),
        "tune",
    )
    evaluated = step(
        evaluate_model(
            backend=backend,
            model=tuned.outputs["model"],
            evaluation=splits.outputs["evaluation"],
            project=project,
            location=location,
        ),
        "evaluate",
    )
    gate = step(
        check_gate(
            summary=evaluated.outputs["summary"],
            min_groundedness=min_groundedness,
            max_toxicity=max_toxicity,
            min_relevance=min_relevance,
            min_fluency=min_fluency,
        ),
        "gate",
    )
    step(
        log_experiment_run(
            backend=backend,
            experiment=experiment,
            experiment_tensorboard=experiment_tensorboard,
            project=project,
            location=location,
            decision=gate.outputs["decision"],
            raw_examples=ingest.outputs["raw_examples"],
            base_model=base_model,
            seed=seed,
            eval_fraction=eval_fraction,
            max_chars=max_chars,
            pii_action=pii_action,
            dataset_uri=dataset_uri,
            run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        ),
        "log-experiment-run",
        cache=False,
    )

    def announce(event: str, version: Any, task_name: str) -> None:
        """Publish the gate's outcome (`event`, with the registered `version` or "") for downstream consumers."""
        step(
            publish_model_event(
                backend=backend,
                event=event,
                model_display_name=model_display_name,
                version=version,
                decision=gate.outputs["decision"],
                events_uri=events_uri,
                run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
            ),
            task_name,
            cache=False,
        )

    with dsl.If(gate.outputs["Output"] == True, name="gate-passed"):  # noqa: E712 - a KFP condition, not Python
        registered = step(
            register_candidate(
                backend=backend,
                model=tuned.outputs["model"],
                decision=gate.outputs["decision"],
                raw_examples=ingest.outputs["raw_examples"],
                model_display_name=model_display_name,
                served_model=served_model,
                dataset_uri=dataset_uri,
                pipeline_digest=pipeline_digest,
                registry_dir=registry_dir,
                project=project,
                location=location,
                serving_image=serving_image,
                releases_bucket=releases_bucket,
                run_name=dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
            ),
            "register-candidate",
            cache=False,
        )
        announce("candidate_registered", registered.outputs["Output"], "publish-registered")
    with dsl.Else(name="gate-failed"):
        announce("candidate_rejected", "", "publish-rejected")
    return TuningOutputs(passed=gate.outputs["Output"], report=gate.outputs["decision"])
