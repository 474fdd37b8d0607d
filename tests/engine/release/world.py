"""What the release tests under the real engine share: prod's release ids and model, the loopback Vertex AI's
view of a rehearsal's state, and small assertions."""

from __future__ import annotations

import subprocess
from pathlib import Path

from infra.rehearsal.run import Rehearsal
from infra.rehearsal.vertex_server import VertexServer
from tests.checkout import ROOT

R2, R3 = "r2026-11-26-2", "r2026-11-26-3"
MODEL = "projects/acme-genai-prod/locations/europe-west4/models/genai-prod-assistant"
REPORT = {  # the evaluation report r2026-11-26-3's manifest records (the same metrics)
    "examples": 200, "flagged": 4, "flagged_share": 0.02, "passed": True, "reasons": [],
    "metrics": {"fluency": 0.8862, "groundedness": 0.9134, "relevance": 0.8431, "toxicity": 0.0},
    "run": "genai-evaluation-20261126-0500",
    "thresholds": {"max_toxicity": 0.0, "min_fluency": 0.6, "min_groundedness": 0.8, "min_relevance": 0.5},
}


def vertex(state: Path) -> VertexServer:
    """What the loopback Vertex AI holds after a rehearsal (kept in its state directory)."""
    server = VertexServer()
    server.load_state(state / "vertex.state")
    return server


def aliases(server: VertexServer) -> dict[str, list[str]]:
    """release label -> the environment's aliases of that version (the registry's `default` left out)."""
    return {v["labels"]["release"]: sorted(a for a in v["versionAliases"] if a != "default")
            for v in server.versions(MODEL)}


def traffic(server: VertexServer) -> dict[str, int]:
    """release label -> traffic share on prod's endpoint."""
    (endpoint,) = [e for e in server.endpoints.values() if "acme-genai-prod" in e["name"]]
    release_of = {v["versionId"]: v["labels"]["release"] for v in server.versions(MODEL)}
    deployed = {d["id"]: release_of.get(d["modelVersionId"], "?") for d in endpoint["deployedModels"]}
    assert set(deployed) == set(endpoint["trafficSplit"]), "every deployed model is in the split, once"
    return {deployed[k]: int(v) for k, v in endpoint["trafficSplit"].items() if int(v) > 0}


def schedules(server: VertexServer) -> list[str]:
    return sorted(s["displayName"] for s in server.schedules.values())


def applied(result: Rehearsal) -> Rehearsal:
    assert result.error is None, result.error
    return result


def head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
