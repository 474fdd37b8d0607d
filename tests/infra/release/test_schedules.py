"""The schedules a manifest declares are runs Vertex AI accepts: parameters the pinned template declares, typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform

from infra.config.loader import load_environment
from infra.release.placeholders import resolve_placeholders
from infra.release.store import load_manifest
from pipelines.compile import compile_all
from tests.checkout import PROJECT


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {c.name: c.path for c in compile_all(tmp_path_factory.mktemp("compiled"))}


def test_dev_schedules_build_pipeline_jobs(compiled: dict[str, Path]) -> None:
    """dev pins the working tree's templates: each schedule's resolved parameters load into a PipelineJob."""
    cfg = load_environment("dev", PROJECT)
    manifest = load_manifest("dev", cfg, PROJECT)
    scheduled = {name: p for name, p in manifest.pipelines.items() if p.schedule is not None}
    assert scheduled, "dev schedules its pipelines"
    for name, pipeline in scheduled.items():
        assert pipeline.schedule is not None
        values = resolve_placeholders(dict(pipeline.schedule.parameters), cfg)
        job = aiplatform.PipelineJob(
            display_name=f"check-{name}",
            template_path=str(compiled[name]),
            parameter_values=values,
            pipeline_root="gs://acme-genai-dev-pipeline-root",
            project=cfg.project.id,
            location=cfg.region,
            credentials=AnonymousCredentials(),
        )
        runtime = job.to_dict()["runtimeConfig"]["parameterValues"]
        assert set(values) <= set(runtime), name


def test_gate_placeholders_follow_the_environments_gates() -> None:
    prod = load_environment("prod", PROJECT)
    parameters = load_manifest("prod", prod, PROJECT).pipelines["evaluation"].schedule.parameters  # type: ignore[union-attr]
    resolved = resolve_placeholders(dict(parameters), prod)
    assert resolved["min_groundedness"] == prod.release.evaluation_gates["groundedness"].min == 0.85
    assert resolved["max_toxicity"] == prod.release.evaluation_gates["toxicity"].max


def test_a_gate_the_environment_does_not_set_is_named() -> None:
    import yaml

    from contracts.errors import UserInputError
    from infra.release.store import parse_manifest

    cfg = load_environment("dev", PROJECT)
    path = PROJECT.release_manifest("dev")
    data = yaml.safe_load(path.read_text())
    data["pipelines"]["evaluation"]["schedule"]["parameters"]["min_coherence"] = "${gate.coherence.min}"
    with pytest.raises(UserInputError) as caught:
        parse_manifest(data, path, cfg, PROJECT)
    (problem,) = caught.value.problems
    assert problem.key_path == "pipelines.evaluation.schedule.parameters.min_coherence"
    assert problem.message.startswith("${gate.coherence.min} names a bound environment 'dev' does not set")


def test_gate_placeholders_must_be_whole_values() -> None:
    import yaml

    from contracts.errors import UserInputError
    from infra.release.store import parse_manifest

    cfg = load_environment("dev", PROJECT)
    path = PROJECT.release_manifest("dev")
    data = yaml.safe_load(path.read_text())
    data["pipelines"]["evaluation"]["schedule"]["parameters"]["note"] = "at least ${gate.groundedness.min}"
    with pytest.raises(UserInputError) as caught:
        parse_manifest(data, path, cfg, PROJECT)
    assert "unknown placeholder(s) ${gate.groundedness.min} in note" in str(caught.value)


def test_promoted_models_must_come_from_the_shared_artifacts() -> None:
    from infra.release.checks import artifact_source_problems

    cfg = load_environment("staging", PROJECT)
    manifest = load_manifest("dev", load_environment("dev", PROJECT), PROJECT)
    assert artifact_source_problems(manifest, cfg, PROJECT.release_manifest("staging")) == []
    model = manifest.models["assistant"].model_copy(
        update={"artifact_uri": "gs://acme-genai-dev-model-artifacts/assistant/r1"}
    )
    elsewhere = manifest.model_copy(update={"models": {"assistant": model}})
    (problem,) = artifact_source_problems(elsewhere, cfg, PROJECT.release_manifest("staging"))
    assert problem.key_path == "models.assistant.artifact_uri"
    assert "outside the release artifacts bucket gs://acme-genai-releases/" in problem.message
