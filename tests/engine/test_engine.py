"""What runs without the Pulumi CLI: settings, stack selection, preflight messages, exit codes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.cli.app import main
from infra.engine import resolve_settings
from infra.engine.preflight import require_cli, require_gcp_credentials, require_passphrase
from tests.checkout import ROOT
from tests.gitrepo import FIXTURE
from tests.infra.release.release_project import make_project


@pytest.fixture
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


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the platform's stacks (dev, staging, prod tiers) with the project's own policy pack."""
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    project = make_project(tmp_path / "platform")
    (project / "policies").symlink_to(ROOT / "policies", target_is_directory=True)
    return project


def engine(operation: str, env: str, project: Path, *extra: str) -> int:
    return main([operation, "--env", env, "--project-dir", str(project), *extra])


@pytest.mark.usefixtures("no_cli")
@pytest.mark.parametrize("operation", ["preview", "up"])
def test_cli_without_pulumi_exits_2_after_choosing_the_policy_pack(
    operation: str, platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert engine(operation, "dev", platform) == 2
    err = capsys.readouterr().err
    assert "Pulumi CLI not found" in err
    assert "Traceback" not in err
    assert f"(development tier; backend {(platform / '.pulumi-state').resolve().as_uri()}" in err
    assert f"policy pack {(ROOT / 'policies').resolve()})" in err  # by default, without --policy-pack
    assert not (platform / ".pulumi-state").exists()


@pytest.mark.usefixtures("no_cli")
def test_up_of_production_needs_yes_and_never_prompts(
    platform: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.StringIO("y\nyes\n")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert engine("up", "prod", platform) == 2
    err = capsys.readouterr().err
    assert "confirmation required" in err
    assert "re-run with --yes" in err
    assert "Pulumi CLI not found" not in err
    assert "changes a production-tier environment" in err
    assert stdin.tell() == 0  # nothing was read: no prompt
    assert engine("up", "prod", platform, "--yes") == 2
    assert "Pulumi CLI not found" in capsys.readouterr().err  # confirmed: on to the preflight
    assert engine("destroy", "prod", platform, "--yes") == 2
    err = capsys.readouterr().err
    assert "policy packs do not run on destroy" in err
    assert "Pulumi CLI not found" in err


@pytest.mark.usefixtures("no_cli")
@pytest.mark.parametrize("env", ["dev", "staging"])
def test_up_below_production_needs_no_yes(env: str, platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert engine("up", env, platform) == 2
    assert "Pulumi CLI not found" in capsys.readouterr().err


@pytest.mark.usefixtures("no_cli")
def test_opting_out_of_the_policy_pack_only_below_production(
    platform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert engine("preview", "prod", platform, "--no-policy-pack") == 2
    err = capsys.readouterr().err
    assert "policy pack required in production" in err
    assert "drop --no-policy-pack" in err
    assert engine("up", "prod", platform, "--yes", "--no-policy-pack") == 2
    assert "policy pack required in production" in capsys.readouterr().err
    assert engine("preview", "dev", platform, "--no-policy-pack") == 2
    err = capsys.readouterr().err
    assert "no policy pack)" in err
    assert "Pulumi CLI not found" in err
    assert engine("preview", "dev", platform, "--no-policy-pack", "--policy-pack", "policies") == 2
    assert "conflicts with --policy-pack" in capsys.readouterr().err


@pytest.mark.usefixtures("no_cli")
def test_a_missing_policy_pack_stops_the_run(platform: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (platform / "policies").unlink()
    assert engine("preview", "dev", platform) == 2
    err = capsys.readouterr().err
    assert f"{(platform / 'policies').resolve()} is not a policy pack (no PulumiPolicy.yaml)" in err
    assert "--no-policy-pack to run without one (non-production only)" in err
    assert engine("up", "prod", platform, "--yes") == 2
    err = capsys.readouterr().err
    assert "policy pack not found" in err
    assert "--no-policy-pack" not in err
    assert engine("preview", "dev", platform, "--policy-pack", str(platform)) == 2
    assert "--policy-pack: " in capsys.readouterr().err
    assert engine("preview", "dev", platform, "--policy-pack", str(ROOT / "policies")) == 2
    assert "Pulumi CLI not found" in capsys.readouterr().err


def test_a_stack_without_platform_config_gets_the_production_safeguards(capsys: pytest.CaptureFixture[str]) -> None:
    assert engine("up", "dev", FIXTURE) == 2
    err = capsys.readouterr().err
    assert "has no genai-mlops:environment: tier unknown, treated as production" in err
    assert "--yes" in err
    assert engine("preview", "dev", FIXTURE, "--no-policy-pack") == 2
    assert "policy pack required in production" in capsys.readouterr().err


def test_destroy_requires_confirmation_and_a_known_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["destroy", "--env", "dev", "--project-dir", str(FIXTURE)]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert main(["preview", "--env", "qa", "--project-dir", str(FIXTURE)]) == 2
    assert "Pulumi.qa.yaml" in capsys.readouterr().err


def test_workspace_reads_and_writes_stack_settings_in_stack_config_dir(tmp_path: Path) -> None:
    """The override the Automation API needs for `stackConfigDir` (pulumi#10305), checked without the CLI."""
    from pulumi import automation as auto

    from infra.engine.workspace import StackConfigDirWorkspace, settings_document

    stock = object.__new__(auto.LocalWorkspace)
    stock.work_dir = str(FIXTURE)
    with pytest.raises(FileNotFoundError):  # the stock workspace looks beside Pulumi.yaml only
        stock.stack_settings("dev")

    workspace = object.__new__(StackConfigDirWorkspace)
    workspace.work_dir = str(FIXTURE)
    workspace._stack_config_dir = FIXTURE / "stacks"
    settings = workspace.stack_settings("dev")
    assert settings.config is not None
    assert settings.config["gcp:project"] == "fixture-dev"

    workspace._stack_config_dir = tmp_path / "envs"
    workspace.save_stack_settings("organization/demo/qa", settings)
    assert "fixture-dev" in (tmp_path / "envs" / "Pulumi.qa.yaml").read_text()
    assert settings_document(workspace.stack_settings("qa")) == settings_document(settings)


@pytest.mark.usefixtures("no_cli")
def test_production_runs_only_the_projects_own_pack(
    platform: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lenient = tmp_path / "lenient-pack"
    lenient.mkdir()
    (lenient / "PulumiPolicy.yaml").write_text("runtime: python\n")
    assert engine("preview", "prod", platform, "--policy-pack", str(lenient)) == 2
    err = capsys.readouterr().err
    assert "policy pack fixed in production" in err
    assert "only the project's own pack" in err
    assert engine("preview", "dev", platform, "--policy-pack", str(lenient)) == 2
    assert "Pulumi CLI not found" in capsys.readouterr().err, "below production another pack may run"
