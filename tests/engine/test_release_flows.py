"""Release flows under the real engine: promote -> up -> canary finish -> up -> rollback -> up, faults midway,
and a release that keeps its model. After each up the loopback Vertex AI holds what the manifest pins."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config.loader import load_environment
from infra.layout import Project
from infra.rehearsal.run import LoopbackClouds, Rehearsal
from infra.rehearsal.vertex_server import VertexServer
from infra.release.bundle import bundle_digest
from infra.release.canary import finish_canary
from infra.release.promote import PromotionRequest, promote
from infra.release.rollback import rollback
from infra.release.store import load_manifest
from tests.checkout import ROOT
from tests.engine.conftest import copy_project, run
from tests.fakes.gcs_server import GcsServer

pytestmark = pytest.mark.engine
R2, R3 = "r2026-11-26-2", "r2026-11-26-3"
MODEL = "projects/acme-genai-prod/locations/europe-west4/models/genai-prod-assistant"
REPORT = {  # the evaluation report r2026-11-26-3's manifest records (the same metrics)
    "examples": 200, "flagged": 4, "flagged_share": 0.02, "passed": True, "reasons": [],
    "metrics": {"fluency": 0.8862, "groundedness": 0.9134, "relevance": 0.8431, "toxicity": 0.0},
    "run": "genai-evaluation-20261126-0500",
    "thresholds": {"max_toxicity": 0.0, "min_fluency": 0.6, "min_groundedness": 0.8, "min_relevance": 0.5},
}


@pytest.fixture
def project(pulumi_cli: str, pinned_templates: None, tmp_path: Path) -> Path:  # noqa: ARG001 - for their effect
    """The platform with prod still on r2026-11-26-2 (its manifest history up to then)."""
    root = copy_project(tmp_path / "project")
    history = root / "environments" / "releases" / "prod"
    shutil.copy2(history / "0003-r2026-11-26-2.yaml", Project(root).release_manifest("prod"))
    for later in ("0003-r2026-11-26-2.yaml", "0004-r2026-11-26-3.yaml"):
        (history / later).unlink()
    return root


@pytest.fixture
def reports(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GcsServer]:
    """The releases bucket holding r2026-11-26-3's evaluation report, read by the promotion's gate; staging's
    manifest pins it by digest."""
    data = json.dumps(REPORT).encode()
    staging = Project(project).release_manifest("staging")
    document = yaml.safe_load(staging.read_text(encoding="utf-8"))
    document["evaluation"]["report_digest"] = "sha256:" + hashlib.sha256(data).hexdigest()
    staging.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    pinned = load_manifest("staging", load_environment("staging", Project(project)), Project(project))
    document["provenance"]["bundle_digest"] = bundle_digest(pinned)  # as its promotion would have recorded
    staging.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with GcsServer() as server:
        server.put("acme-genai-releases", f"evaluation/{R3}/report.json", data)  # type: ignore[attr-defined]
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.base_url)
        yield server  # type: ignore[misc]


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


@pytest.mark.usefixtures("reports")
def test_promote_canary_finish_and_rollback(project: Path, tmp_path: Path) -> None:
    state = tmp_path / "prod"
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R2: ["prod"]}
    assert traffic(vertex(state)) == {R2: 100}
    assert schedules(vertex(state)) == ["genai-prod-evaluation", "genai-prod-tuning"]

    request = PromotionRequest("staging", "prod", promoted_by="dana@acme.example", commit=head(),
                               approve_by="lee@acme.example")
    outcome = promote(request, Project(project))
    assert outcome.status == "promoted", [g.render() for g in outcome.gates]
    canary = applied(run(project, "prod", state))
    assert {s["op"] for s in canary.steps if "ModelVersion" in s["type"]} >= {"create", "update"}
    assert aliases(vertex(state)) == {R3: ["prod"], R2: ["prod-previous"]}
    assert traffic(vertex(state)) == {R3: 10, R2: 90}

    finish_canary("prod", Project(project), "unknown")
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R3: ["prod"]}, "the previous version is undeployed and deleted"
    assert traffic(vertex(state)) == {R3: 100}

    # A rollback undoes one manifest change (back to the canary), a second one returns to the release before.
    rollback("prod", Project(project), "sam@acme.example")
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R3: ["prod"], R2: ["prod-previous"]}
    assert traffic(vertex(state)) == {R3: 10, R2: 90}
    rollback("prod", Project(project), "sam@acme.example")
    applied(run(project, "prod", state))
    assert aliases(vertex(state)) == {R2: ["prod"]}
    assert traffic(vertex(state)) == {R2: 100}
    assert schedules(vertex(state)) == ["genai-prod-evaluation", "genai-prod-tuning"], "no duplicate schedules"


@pytest.mark.usefixtures("reports")
def test_faults_midway_keep_the_previous_release_serving_and_a_rerun_converges(project: Path, tmp_path: Path) -> None:
    state = tmp_path / "prod"
    applied(run(project, "prod", state))
    request = PromotionRequest("staging", "prod", promoted_by="dana@acme.example", commit=head(),
                               approve_by="lee@acme.example", canary_percent=0)
    assert promote(request, Project(project)).status == "promoted"

    def storm(clouds: LoopbackClouds) -> None:
        clouds.vertex.faults.fail(503, times=2, match=r":deployModel")
        clouds.vertex.faults.fail(429, times=1, match=r"models:upload")

    # The deploy keeps failing past the retry budget: the engine stops, prod still serves r2026-11-26-2.
    def outage(clouds: LoopbackClouds) -> None:
        clouds.vertex.faults.fail(503, times=50, match=r":deployModel")

    failed = run(project, "prod", state, clouds_hook=outage)
    assert failed.error is not None, failed.error
    assert "deploy" in failed.error.lower(), failed.error
    assert traffic(vertex(state)) == {R2: 100}, "the previous release keeps serving"

    # A re-run through a burst of 503s and 429s that the providers ride out converges.
    applied(run(project, "prod", state, clouds_hook=storm))
    server = vertex(state)
    assert traffic(server) == {R3: 100}
    assert aliases(server) == {R3: ["prod"]}
    assert len(server.versions(MODEL)) == 1, "no duplicate model versions"
    assert schedules(server) == ["genai-prod-evaluation", "genai-prod-tuning"]
    assert applied(run(project, "prod", state)).change_summary.keys() == {"same"}


def test_a_failed_gcp_create_stops_the_engine_and_a_rerun_converges(project: Path, tmp_path: Path) -> None:
    state = tmp_path / "dev"
    quota = [{"op": "create", "type": "gcp:monitoring/alertPolicy:AlertPolicy", "nth": 2, "error": "quota"}]
    failed = run(project, "dev", state, faults=quota)
    assert failed.error is not None, failed.error
    assert "Quota exceeded" in failed.error, failed.error
    done = applied(run(project, "dev", state, faults=quota))  # the fault fired once (counted across runs)
    assert "create" in done.change_summary
    assert done.change_summary.get("delete", 0) == 0
    assert applied(run(project, "dev", state)).change_summary.keys() == {"same"}


def test_a_release_that_keeps_its_model_keeps_exactly_one_version(project: Path, tmp_path: Path) -> None:
    """Only a pipeline changed (a new release id and schedule): the model version resource and the Vertex
    version stay; nothing is deleted (found in review: the old resource's delete hit the shared version)."""
    state = tmp_path / "prod"
    applied(run(project, "prod", state))
    path = Project(project).release_manifest("prod")
    text = path.read_text(encoding="utf-8").replace(f"release: {R2}", "release: r2026-11-30-1", 1)
    path.write_text(text.replace("cron: 0 3 * * 1", "cron: 0 4 * * 1"), encoding="utf-8")
    result = applied(run(project, "prod", state))
    ops: dict[str, Any] = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in result.steps}
    assert "delete" not in ops.values(), ops
    version = [s for s in result.steps if s["type"].endswith("ModelVersion")]
    assert [s["op"] for s in version] == ["update"], version  # its release label follows the manifest
    assert len(vertex(state).versions(MODEL)) == 1
    assert traffic(vertex(state)) == {"r2026-11-30-1": 100}
