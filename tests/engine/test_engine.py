"""What runs without the Pulumi CLI: settings, stack selection, preflight messages, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli.app import main
from infra.engine import resolve_settings
from infra.engine.preflight import require_cli, require_gcp_credentials, require_passphrase
from infra.errors import UserInputError
from tests.gitrepo import FIXTURE


@pytest.fixture()
def no_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_backend_defaults_to_a_project_local_file_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    settings = resolve_settings("dev", FIXTURE)
    assert settings.backend_url == (FIXTURE / ".pulumi-state").resolve().as_uri()
    assert settings.backend_source == "project-local default"
    assert not (FIXTURE / ".pulumi-state").exists()  # nothing is created before the engine runs


def test_backend_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: p\nruntime: python\nbackend:\n  url: gs://team-state/p\n")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    assert resolve_settings("dev", project).backend_url == "gs://team-state/p"
    monkeypatch.setenv("PULUMI_BACKEND_URL", "file:///srv/state")
    assert resolve_settings("dev", project).backend_source == "PULUMI_BACKEND_URL"
    assert resolve_settings("dev", project, backend_url="gs://other").backend_url == "gs://other"
    with pytest.raises(UserInputError, match="not a backend URL"):
        resolve_settings("dev", project, backend_url="bucket-name")


def test_secrets_provider_and_stack_validation() -> None:
    kms = "gcpkms://projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"
    assert resolve_settings("prod", FIXTURE, secrets_provider=kms).uses_gcp_backend_or_kms
    with pytest.raises(UserInputError, match="gcpkms://"):
        resolve_settings("prod", FIXTURE, secrets_provider="awskms://alias/x")
    with pytest.raises(UserInputError, match=r"Pulumi\.qa\.yaml"):
        resolve_settings("qa", FIXTURE)


@pytest.mark.usefixtures("no_cli")
def test_missing_cli_gives_the_install_step() -> None:
    with pytest.raises(UserInputError) as caught:
        require_cli()
    assert "get.pulumi.com" in caught.value.problems[0].message


def test_missing_passphrase_and_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    with pytest.raises(UserInputError, match="PULUMI_CONFIG_PASSPHRASE"):
        require_passphrase(resolve_settings("dev", FIXTURE))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "")
    require_passphrase(resolve_settings("dev", FIXTURE))  # an empty passphrase is a valid choice
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    with pytest.raises(UserInputError) as caught:
        require_gcp_credentials()
    assert "gcloud auth application-default login" in caught.value.problems[0].message


@pytest.mark.usefixtures("no_cli")
@pytest.mark.parametrize("operation", ["preview", "up"])
def test_cli_without_pulumi_exits_2(operation: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([operation, "--env", "dev", "--project-dir", str(FIXTURE)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi CLI not found" in err and "Traceback" not in err
    assert not (FIXTURE / ".pulumi-state").exists()


def test_destroy_requires_confirmation_and_a_known_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["destroy", "--env", "dev", "--project-dir", str(FIXTURE)]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert main(["preview", "--env", "qa", "--project-dir", str(FIXTURE)]) == 2
    assert "Pulumi.qa.yaml" in capsys.readouterr().err


def test_workspace_reads_and_writes_stack_settings_in_stack_config_dir(tmp_path: Path) -> None:
    """The override the Automation API needs for `stackConfigDir` (pulumi#10305), checked without the CLI."""
    from pulumi import automation as auto

    from infra.engine.workspace import StackConfigDirWorkspace

    stock = object.__new__(auto.LocalWorkspace)
    stock.work_dir = str(FIXTURE)
    with pytest.raises(FileNotFoundError):  # the stock workspace looks beside Pulumi.yaml only
        stock.stack_settings("dev")

    workspace = object.__new__(StackConfigDirWorkspace)
    workspace.work_dir = str(FIXTURE)
    workspace._stack_config_dir = FIXTURE / "stacks"
    settings = workspace.stack_settings("dev")
    assert settings.config is not None and settings.config["gcp:project"] == "fixture-dev"

    workspace._stack_config_dir = tmp_path / "envs"
    workspace.save_stack_settings("organization/demo/qa", settings)
    assert "fixture-dev" in (tmp_path / "envs" / "Pulumi.qa.yaml").read_text()
    assert workspace.stack_settings("qa")._serialize() == settings._serialize()
