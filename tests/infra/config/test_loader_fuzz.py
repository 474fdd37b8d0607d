"""For any stack file or defaults.yaml, `mlops validate` exits 0 or 2 without a traceback, and the running
program (what synth, check, diff, plan and the engine run) reaches the same verdict, naming only problems
`validate` names too."""

from __future__ import annotations

import contextlib
import contextvars
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from pulumi.runtime import config as runtime

from contracts.errors import UserInputError
from infra.cli.app import main
from infra.config.loader import load_environment
from infra.config.model import EnvironmentConfig
from infra.config.program import load_program_environment
from infra.layout import Project
from infra.release.schema import ReleaseManifest
from infra.synth.project import load_project, load_stack_config
from tests.checkout import ROOT
from tests.yaml_fuzz import FUZZ, model_keys, scratch_project, yaml_texts

KEYS = model_keys(EnvironmentConfig, ReleaseManifest)
ENVIRONMENTS = ROOT / "environments"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scratch_project(tmp_path_factory.mktemp("fuzz") / "project")


def validate(project: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--env", "dev", "--project-dir", str(project)])
    return code, out.getvalue() + err.getvalue()


def verdict(load: object) -> list[tuple[str, str]] | None:
    """None when the config loads, else the (file, key path) of every problem."""
    try:
        load()  # type: ignore[operator]
    except UserInputError as exc:
        return sorted((p.file, p.key_path) for p in exc.problems)
    return None


def in_program(project: Path) -> None:
    """What the running program does with the config the engine (here the offline synth) passes it."""
    config = load_stack_config(load_project(project), "dev")

    def run() -> None:
        runtime.set_all_config(config.values, sorted(config.secret_keys))
        load_program_environment("dev", Project(project))

    contextvars.copy_context().run(run)


def stack_wrapper(document: object) -> object:
    return {"config": {"gcp:project": "acme-genai-dev", "genai-mlops:environment": document}}


@FUZZ
@given(text=yaml_texts(ENVIRONMENTS / "Pulumi.dev.yaml", KEYS, stack_wrapper))
def test_any_stack_file_exits_0_or_2_and_the_program_agrees(project: Path, text: str) -> None:
    (project / "environments" / "Pulumi.dev.yaml").write_text(text, encoding="utf-8")
    code, printed = validate(project)
    assert code in (0, 2), printed
    assert "Traceback" not in printed, printed
    by_file = verdict(lambda: load_environment("dev", Project(project)))
    by_program = verdict(lambda: in_program(project))
    # The program stops at its first failing stage (reading the stack file), so it may report fewer problems,
    # but never a different verdict and never a problem validate does not report.
    assert (by_program is None) == (by_file is None), (by_program, by_file)
    assert set(by_program or []) <= set(by_file or []), (by_program, by_file)


@FUZZ
@given(text=yaml_texts(ENVIRONMENTS / "defaults.yaml", KEYS))
def test_any_defaults_file_exits_0_or_2(project: Path, text: str) -> None:
    shutil.copy(ENVIRONMENTS / "Pulumi.dev.yaml", project / "environments" / "Pulumi.dev.yaml")
    (project / "environments" / "defaults.yaml").write_text(text, encoding="utf-8")
    try:
        code, printed = validate(project)
    finally:
        shutil.copy(ENVIRONMENTS / "defaults.yaml", project / "environments" / "defaults.yaml")
    assert code in (0, 2), printed
    assert "Traceback" not in printed, printed
