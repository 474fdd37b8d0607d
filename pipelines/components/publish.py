"""Last step of tuning: tell the platform about the candidate (Pub/Sub topic, or a local events file)."""

from kfp import dsl

from pipelines.components.runtime import RUNTIME_IMAGE


@dsl.component(base_image=RUNTIME_IMAGE, install_kfp_package=False)
def publish_model_event(
    backend: str,
    event: str,
    model_display_name: str,
    version: str,
    decision: dsl.Input[dsl.Artifact],
    events_uri: str,
    run_name: str,
) -> str:
    """Publish `candidate_registered` or `candidate_rejected` with the gate's metrics; returns the message id."""
    from pipelines.lib.code_digest import verify_runtime_library

    verify_runtime_library()

    import json
    from pathlib import Path

    from pipelines.lib.events import append_local, model_event

    verdict = json.loads(Path(decision.path).read_text(encoding="utf-8"))
    document = model_event(event, model_display_name, version, verdict["metrics"], verdict["reasons"], run_name)
    if backend == "local":
        line = append_local(events_uri, document)
        print(f"publish: LOCAL BACKEND - appended {event} to {events_uri} (line {line}) instead of Pub/Sub")
        return f"{events_uri}#{line}"

    from pipelines.lib import vertex

    message_id = vertex.publish(events_uri, document)
    print(f"publish: {event} published to {events_uri} as message {message_id}")
    return message_id
