"""Step 3 of evaluation: store every scored example (BigQuery on Vertex, a local JSONL file offline)."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def write_results(backend: str, scores: dsl.Input[dsl.Dataset], results_uri: str, run_name: str) -> str:
    """Append the scores tagged with the run name; returns where they went."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.results_sink import write_rows

    rows = [
        {**json.loads(line), "run": run_name}
        for line in Path(scores.path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    where = write_rows(backend, results_uri, "scores", rows)
    local = "LOCAL BACKEND - " if backend == "local" else ""
    print(f"write results: {local}{len(rows)} rows appended to {where}")
    return where
