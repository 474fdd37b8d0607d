"""Evaluation step: has the window of prompts drifted from the reference (the release's evaluation set)?

The report is an artifact, one structured log line (the drift alerts) and one row of the results' drift table.
"""

from typing import Any

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def check_input_drift(
    backend: str,
    sampled: dsl.Input[dsl.Dataset],
    reference_uri: str,
    drift_bounds: dict[str, Any],
    results_uri: str,
    run_name: str,
    report: dsl.Output[dsl.Artifact],
    metrics: dsl.Output[dsl.Metrics],
) -> bool:
    """Write the drift report and its row, log it as one structured line, return whether the window drifted.

    `drift_bounds` overrides DriftBounds fields by name; an empty `reference_uri` skips the comparison."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.drift import DriftBounds, drift_log_line, drift_report, prompts_of
    from pipelines.lib.results_sink import write_rows
    from pipelines.lib.sources import read_source_text

    bounds = DriftBounds(**{k: type(getattr(DriftBounds(), k))(v) for k, v in (drift_bounds or {}).items()})
    current, _ = prompts_of(Path(sampled.path).read_text(encoding="utf-8"))
    if not reference_uri:
        document: dict[str, Any] = {"window_size": len(current), "drifted": False, "reasons": [], "checked": False}
        print("drift: no reference_uri given; input drift not checked")
    else:
        reference, skipped = prompts_of(read_source_text(reference_uri, backend))
        document = {**drift_report(reference, current, bounds), "checked": True, "reference": reference_uri}
        for name, value in document["metrics"].items():
            metrics.log_metric(f"drift_{name}", value)
        print(f"drift: {len(current)} prompts against {len(reference)} of {reference_uri} ({skipped} skipped)")
    Path(report.path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    where = write_rows(backend, results_uri, "drift", [{"run": run_name, **document}])
    print(drift_log_line(document))
    print(f"drift: row -> {where}")
    print(f"drift: {'DRIFTED ' + '; '.join(document['reasons']) if document['drifted'] else 'no drift'}")
    return bool(document["drifted"])
