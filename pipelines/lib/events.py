"""Model events: what the tuning pipeline tells the rest of the platform about a candidate.

On Vertex they go to the environment's model-events Pub/Sub topic; offline they are appended, one JSON object
per line, to a local file that stands in for the topic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENT_TYPES = ("candidate_registered", "candidate_rejected")


def model_event(
    event: str, model: str, version: str, metrics: dict[str, float], reasons: list[str], run: str
) -> dict[str, Any]:
    """The event document; the same shape is published to Pub/Sub and written locally."""
    if event not in EVENT_TYPES:
        raise ValueError(f"event must be one of {', '.join(EVENT_TYPES)}, found {event!r}")
    return {"event": event, "model": model, "version": version, "metrics": metrics, "reasons": reasons, "run": run}


def append_local(path: str | Path, event: dict[str, Any]) -> int:
    """Append the event as one line; returns its line number (the local stand-in for a message id)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(event, sort_keys=True) + "\n")
    return sum(1 for _ in target.open(encoding="utf-8"))
