"""The rehearsal's CLI environment (`infra.rehearsal.run.rehearsal_env`): its own home, backend and plugins."""

from __future__ import annotations

import json
from pathlib import Path

from infra.rehearsal.gcp_provider import FAULTS_ENV, STATE_ENV
from infra.rehearsal.run import LoopbackClouds, rehearsal_env


def test_the_rehearsal_saves_its_scratch_state_once_per_operation(tmp_path: Path) -> None:
    clouds = LoopbackClouds(tmp_path)
    clouds.start()
    try:
        env = rehearsal_env(tmp_path, clouds, [{"type": "gcp:storage/bucket:Bucket"}])
    finally:
        clouds.stop()
    assert env["PULUMI_SKIP_CHECKPOINTS"] == "true"
    assert env["PULUMI_HOME"] == str(tmp_path / "home")
    assert env["PATH"].split(":")[0] == str(tmp_path / "bin")
    assert env[STATE_ENV] == str(tmp_path / "gcp-provider.json")
    assert json.loads(env[FAULTS_ENV]) == [{"type": "gcp:storage/bucket:Bucket"}]


def test_an_engine_run_against_google_keeps_a_checkpoint_per_step() -> None:
    from infra.engine import resolve_settings
    from infra.engine.workspace import engine_env
    from tests.checkout import ROOT

    assert "PULUMI_SKIP_CHECKPOINTS" not in engine_env(resolve_settings("prod", ROOT))
