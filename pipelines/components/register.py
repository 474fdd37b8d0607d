"""Step 7 of tuning: register the candidate under alias `candidate` (Model Registry, or a local registry dir)."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def register_candidate(
    backend: str,
    model: dsl.Input[dsl.Model],
    decision: dsl.Input[dsl.Artifact],
    model_display_name: str,
    registry_dir: str,
    project: str,
    location: str,
    serving_image: str,
    run_name: str,
) -> str:
    """Returns the registered version; the gate decision travels with it as metadata."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    verdict = json.loads(Path(decision.path).read_text(encoding="utf-8"))
    if not verdict["passed"]:
        raise ValueError(f"refusing to register a candidate that failed its gate: {verdict['reasons']}")
    if backend == "local":
        from pipelines.lib.local_registry import register

        model_json = (Path(model.path) / "model.json").read_text(encoding="utf-8")
        entry = register(
            registry_dir, model_display_name, model_json, {"gate": verdict, "run": run_name, "source": model.uri}
        )
        print(
            f"register: LOCAL BACKEND - wrote candidate bundle to {entry['path']} "
            f"(alias candidate -> {entry['version']}) instead of Vertex Model Registry"
        )
        return entry["version"]

    from pipelines.lib import vertex

    tuned = json.loads((Path(model.path) / "tuned.json").read_text(encoding="utf-8"))
    entry = vertex.register_candidate(
        project, location, model_display_name, tuned, serving_image, labels={"pipeline-run": run_name[:63].lower()}
    )
    print(f"register: Model Registry {entry['model']} version {entry['version']} has alias candidate")
    return entry["version"]
