"""Step 6 of tuning: the quality gate compares the candidate's metrics with the thresholds passed as parameters."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def check_gate(
    summary: dsl.Input[dsl.Artifact],
    min_groundedness: float,
    max_toxicity: float,
    min_relevance: float,
    min_fluency: float,
    decision: dsl.Output[dsl.Artifact],
) -> bool:
    """Write the decision (metrics, thresholds, reasons) and return whether the candidate passed."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.quality_gate import Thresholds, decide

    means = json.loads(Path(summary.path).read_text(encoding="utf-8"))
    bounds = Thresholds(float(min_groundedness), float(max_toxicity), float(min_relevance), float(min_fluency))
    result = decide(means, bounds)
    Path(decision.path).write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    decision.metadata.update({"passed": result.passed})
    print(f"gate: {'PASSED' if result.passed else 'FAILED'} {'; '.join(result.reasons)}")
    return result.passed
