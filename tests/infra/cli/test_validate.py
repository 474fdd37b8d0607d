"""`mlops validate`: exit 0 on the real environments, exit 2 with the key path and no traceback otherwise."""

from __future__ import annotations

import pytest

from infra.cli.app import main


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_validate_real_environments(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--env", env]) == 0
    out = capsys.readouterr().out
    assert f"ok {env}: project acme-genai-{env}, region europe-west4, release r" in out


def test_validate_unknown_env_exits_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--env", "qa"]) == 2
    err = capsys.readouterr().err
    assert "no stack file for environment 'qa'" in err
    assert "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 2
    assert "--env" in capsys.readouterr().err
