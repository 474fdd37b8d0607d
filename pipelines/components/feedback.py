"""Evaluation step: the user feedback of the window, counted for the retraining trigger (pipelines.lib.feedback)."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def count_window_feedback(
    backend: str, feedback_uri: str, window_hours: int, endpoint: str, counts: dsl.Output[dsl.Artifact]
) -> int:
    """Count the feedback of the last `window_hours` (one per message_id, invalid rows apart); returns the valid
    messages. An empty `feedback_uri` reads none (the counts artifact says `read: false`)."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path
    from typing import Any

    from pipelines.lib.feedback import count_feedback, read_feedback

    if not feedback_uri:
        document: dict[str, Any] = {"read": False}
        print("feedback: no feedback_uri given; the feedback trigger has nothing to judge")
    else:
        if backend == "local" and int(window_hours) > 0:
            print(f"feedback: local backend reads the whole file; window_hours={int(window_hours)} applies on Vertex")
        found = count_feedback(read_feedback(backend, feedback_uri, int(window_hours), endpoint))
        document = {"read": True, "source": feedback_uri, "endpoint": endpoint, **found.report()}
        print(
            f"feedback: {found.negative} negative of {found.judged} from {feedback_uri}"
            f" ({found.invalid} invalid, {found.duplicates} duplicate deliveries)"
        )
        for problem in found.problems:
            print(f"feedback: invalid {problem}")
    Path(counts.path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return int(document.get("judged", 0))
