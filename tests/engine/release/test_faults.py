"""Faults under the real engine: a deploy failing past its retry budget midway and a Google create refused;
the previous release keeps serving and a re-run converges."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.layout import Project
from infra.rehearsal.run import LoopbackClouds
from infra.release.promote import PromotionRequest, promote
from tests.engine.conftest import run
from tests.engine.release.world import MODEL, R2, R3, aliases, applied, head, schedules, traffic, vertex

pytestmark = pytest.mark.engine


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
