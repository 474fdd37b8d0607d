"""Step 7 of tuning: register the candidate under alias `candidate` (Model Registry, or a local registry dir)
and emit its candidate record (`candidate.json` + `report.json`, see pipelines.lib.candidate).

On Vertex the tuned model's files are first copied into the shared releases bucket (`releases_bucket`, the
environments' `release.artifacts.bucket`) with the report and record beside them
(pipelines.lib.candidate_bundle), and the Model Registry version is labelled `release-stage: candidate`."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def register_candidate(
    backend: str,
    model: dsl.Input[dsl.Model],
    decision: dsl.Input[dsl.Artifact],
    raw_examples: dsl.Input[dsl.Dataset],
    model_display_name: str,
    served_model: str,
    dataset_uri: str,
    pipeline_digest: str,
    registry_dir: str,
    project: str,
    location: str,
    serving_image: str,
    releases_bucket: str,
    run_name: str,
    candidate: dsl.Output[dsl.Artifact],
) -> str:
    """Returns the registered version; the gate decision travels with it as metadata and is the record's report."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.candidate import REPORT_FILE, candidate_record, write_candidate

    report_bytes = Path(decision.path).read_bytes()
    verdict = json.loads(report_bytes)
    if not verdict["passed"]:
        raise ValueError(f"refusing to register a candidate that failed its gate: {verdict['reasons']}")

    def record_for(artifact_uri: str, report: str = REPORT_FILE) -> dict:
        return candidate_record(
            model=served_model,
            artifact_uri=artifact_uri,
            serving_image=serving_image,
            tuning_run=run_name,
            pipeline_digest=pipeline_digest,
            dataset_uri=dataset_uri,
            dataset_bytes=Path(raw_examples.path).read_bytes(),
            report_bytes=report_bytes,
            report=report,
        )

    if backend == "local":
        from pipelines.lib.local_registry import register

        model_json = (Path(model.path) / "model.json").read_text(encoding="utf-8")
        entry = register(
            registry_dir, model_display_name, model_json, {"gate": verdict, "run": run_name, "source": model.uri}
        )
        record = record_for(Path(entry["path"]).resolve().as_uri())
        write_candidate(entry["path"], record, report_bytes)
        write_candidate(candidate.path, record, report_bytes)
        print(
            f"register: LOCAL BACKEND - wrote candidate bundle and record to {entry['path']} "
            f"(alias candidate -> {entry['version']}) instead of Vertex Model Registry"
        )
        return entry["version"]

    import re

    from pipelines.lib import vertex
    from pipelines.lib.candidate_bundle import candidate_prefix, publish_candidate

    if not releases_bucket:
        raise ValueError("releases_bucket is empty: on Vertex a candidate is copied to the shared releases bucket "
                         "(release.artifacts.bucket); pass it in the tuning schedule's parameters")
    tuned = json.loads((Path(model.path) / "tuned.json").read_text(encoding="utf-8"))
    published = publish_candidate(
        source_uri=tuned.get("artifact_uri") or model.uri,
        prefix=candidate_prefix(releases_bucket, served_model, run_name),
        record_for=record_for,
        report_bytes=report_bytes,
    )
    print(f"register: {published.copied} file(s) copied, {published.kept} already in {published.artifact_uri}")
    entry = vertex.register_candidate(
        project,
        location,
        model_display_name,
        tuned,
        serving_image,
        labels={"pipeline-run": re.sub(r"[^a-z0-9_-]+", "-", run_name.lower())[:63]},
        artifact_uri=published.artifact_uri,
    )
    write_candidate(candidate.path, published.record, report_bytes)
    print(f"register: Model Registry {entry['model']} version {entry['version']} has alias candidate")
    print(f"register: candidate record {published.record_uri} (mlops release cut --candidate)")
    return entry["version"]
