"""Last step of evaluation: ask for retraining when quality stayed below its gate or the inputs drifted."""

from typing import Any

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def request_retraining(
    backend: str,
    env: str,
    summary: dsl.Input[dsl.Artifact],
    drift: dsl.Input[dsl.Artifact],
    results_uri: str,
    retraining_topic: str,
    retraining_policy: dict[str, Any],
    run_name: str,
    request: dsl.Output[dsl.Artifact],
) -> bool:
    """Publish a retraining request on `retraining_topic` when the policy says so; returns whether one was sent.

    An empty `retraining_topic` turns requests off; `retraining_policy` overrides RetrainingPolicy fields by name."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from datetime import UTC, datetime
    from pathlib import Path

    from pipelines.lib.retraining_requests import ask_for_retraining

    if not retraining_topic:
        outcome: dict[str, Any] = {"requested": False, "request": None, "published": None, "off": True}
        print("retraining: no retraining_topic given; requests are off")
    else:
        outcome = ask_for_retraining(
            backend=backend,
            env=env,
            run=run_name,
            summary=json.loads(Path(summary.path).read_text(encoding="utf-8")),
            drift=json.loads(Path(drift.path).read_text(encoding="utf-8")),
            results_uri=results_uri,
            topic=retraining_topic,
            policy_overrides=retraining_policy or {},
            now=datetime.now(UTC),
        )
        asked = outcome["request"]
        print(
            f"retraining: requested {asked['request_id']} -> {outcome['published']}: {asked['reason']}"
            if asked
            else "retraining: not requested"
        )
    Path(request.path).write_text(json.dumps(outcome, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return bool(outcome["requested"])
