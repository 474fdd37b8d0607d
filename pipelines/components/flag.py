"""Step 4 of evaluation: put the examples that miss a threshold on the review list, with the reasons."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def flag_examples(
    backend: str,
    scores: dsl.Input[dsl.Dataset],
    results_uri: str,
    run_name: str,
    min_groundedness: float,
    max_toxicity: float,
    min_relevance: float,
    min_fluency: float,
    flagged: dsl.Output[dsl.Dataset],
) -> int:
    """Returns how many examples were flagged; they are also appended to the review table."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.flags import flag_rows
    from pipelines.lib.quality_gate import Thresholds
    from pipelines.lib.records import to_jsonl
    from pipelines.lib.results_sink import write_rows

    rows = [json.loads(line) for line in Path(scores.path).read_text(encoding="utf-8").splitlines() if line]
    bounds = Thresholds(float(min_groundedness), float(max_toxicity), float(min_relevance), float(min_fluency))
    review = [{**row, "run": run_name} for row in flag_rows(rows, bounds)]
    Path(flagged.path).write_text(to_jsonl(review), encoding="utf-8")
    for row in review:
        print(f"flag: {row['id']}: {'; '.join(row['reasons'])}")
    if review:
        where = write_rows(backend, results_uri, "review", review)
        print(f"flag: {len(review)} of {len(rows)} examples flagged for review -> {where}")
    else:
        print(f"flag: none of {len(rows)} examples flagged")
    return len(review)
