"""The engine tier: the real Pulumi CLI, a `file://` backend, the loopback gcp provider and loopback Vertex AI.

`pulumi` is taken from PATH, else from `.tools/bin` (what `bash tools/install-pulumi` builds). Without it the
tier skips with the install step, except in CI (`CI=true`), where a skipped engine tier is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from infra.engine import resolve_settings
from infra.engine.settings import EngineSettings
from infra.rehearsal.run import Rehearsal, rehearse
from tests.checkout import ROOT

TOOLS_BIN = ROOT / ".tools" / "bin"
NO_CLI = (
    "the Pulumi CLI is not installed: run `bash tools/install-pulumi` (builds it from the Go module proxy into "
    ".tools/bin) or install the official CLI"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engine: runs the real Pulumi CLI (tests/engine)")


@pytest.fixture(scope="session")
def pulumi_cli() -> Iterator[str]:
    """The CLI's path, with its directory first on PATH for the whole session."""
    found = shutil.which("pulumi") or (str(TOOLS_BIN / "pulumi") if (TOOLS_BIN / "pulumi").is_file() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the engine tier: {NO_CLI}")
        pytest.skip(NO_CLI)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.pathsep.join([str(Path(found).parent), os.environ.get("PATH", "")]))
        patch.delenv("PULUMI_BACKEND_URL", raising=False)
        patch.setenv("PULUMI_CONFIG_PASSPHRASE", "engine-tier")
        yield found


def copy_project(target: Path) -> Path:
    """The platform as a user's checkout would hold it: Pulumi.yaml (main: this repository's program), the
    stack files, manifests and history, the pinned templates, the policy pack, the platform's code (the
    retraining function deploys its own source) and the lock file its pins come from."""
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    document["main"] = str(ROOT / "infra")
    target.mkdir(parents=True, exist_ok=True)
    (target / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    shutil.copytree(ROOT / "environments", target / "environments")
    shutil.copytree(ROOT / "build" / "pipelines", target / "build" / "pipelines")
    (target / "policies").symlink_to(ROOT / "policies", target_is_directory=True)
    (target / "infra").symlink_to(ROOT / "infra", target_is_directory=True)
    shutil.copy2(ROOT / "requirements.lock", target / "requirements.lock")
    return target


@pytest.fixture(scope="session")
def pinned_templates() -> None:
    """The templates the shipped manifests pin, written once into this repository's build/ (gitignored)."""
    from infra.engine.templates import prepare_templates

    for env in ("dev", "staging", "prod"):
        prepare_templates(resolve_settings(env, ROOT))


def settings_for(project: Path, env: str) -> EngineSettings:
    return resolve_settings(env, project)


def run(project: Path, env: str, state: Path, operation: str = "up", **kwargs: object) -> Rehearsal:
    """A rehearsal of `env` with the project's own policy pack, state kept in `state`."""
    return rehearse(settings_for(project, env), project / "policies", state, operation, **kwargs)  # type: ignore[arg-type]
