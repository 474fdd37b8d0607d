"""`mlops synth`: stdout or --out, exit 2 with the key path on invalid config, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.fsutil import canonical_json
from infra.cli.app import main

FIXTURE = Path(__file__).parents[1] / "synth" / "fixtures" / "platform"


def test_synth_to_stdout_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--env", "dev", "--project-dir", str(FIXTURE)]) == 0
    printed = capsys.readouterr().out
    doc = json.loads(printed)
    assert doc["stack"] == "dev"
    assert printed == canonical_json(doc)
    out = tmp_path / "dev.json"
    assert main(["synth", "--env", "dev", "--project-dir", str(FIXTURE), "--out", str(out)]) == 0
    assert out.read_text() == printed
    assert "wrote" in capsys.readouterr().err


def test_invalid_config_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "broken.json"
    assert main(["synth", "--env", "broken", "--project-dir", str(FIXTURE), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "fixture-platform:settings.location" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_unknown_env_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--env", "qa", "--project-dir", str(FIXTURE)]) == 2
    assert "Pulumi.qa.yaml" in capsys.readouterr().err
