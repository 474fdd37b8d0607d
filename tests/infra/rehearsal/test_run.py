"""The rehearsal's CLI environment (`infra.rehearsal.run.rehearsal_env`): its own home, backend and plugins."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

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


def _ports(clouds: LoopbackClouds) -> dict[str, int]:
    return {"vertex": int(clouds.vertex.base_url.rsplit(":", 1)[1]), "kfp": int(clouds.kfp.base_url.rsplit(":", 1)[1])}


def _ephemeral_low() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


@pytest.mark.skipif(not Path("/proc/sys/net/ipv4/ip_local_port_range").is_file(), reason="Linux's port range")
def test_kept_ports_lie_below_the_ephemeral_range_and_a_taken_one_is_replaced(tmp_path: Path) -> None:
    first = LoopbackClouds(tmp_path)
    first.start()
    ports = _ports(first)
    first.stop()
    assert all(10_000 <= port < _ephemeral_low() for port in ports.values()), ports
    assert json.loads((tmp_path / "loopback.json").read_text()) == {k: str(v) for k, v in ports.items()}

    again = LoopbackClouds(tmp_path)
    again.start()
    assert _ports(again) == ports, "a second run serves on the ports its inputs name"
    again.stop()

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["vertex"]))
        taken.listen()
        third = LoopbackClouds(tmp_path)
        third.start()
        try:
            moved = _ports(third)
        finally:
            third.stop()
    assert moved["vertex"] != ports["vertex"]
    assert 10_000 <= moved["vertex"] < _ephemeral_low()
    assert moved["kfp"] == ports["kfp"]
