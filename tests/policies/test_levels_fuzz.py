"""For any levels file and any tier in a stack file, `mlops check` exits 0, 1 or 2 and never prints a traceback;
the loaders raise nothing but `UserInputError`, each problem naming the file."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given

from contracts.errors import Problem, UserInputError
from infra.cli.app import main
from infra.layout import Project
from policies.discovery import discover_rules
from policies.levels import DEFAULT_LEVELS_FILE, load_levels
from policies.model import Level
from policies.tier import production_stacks
from tests.checkout import PROJECT, ROOT
from tests.yaml_fuzz import FUZZ, yaml_texts

RULES = discover_rules()
LEVEL_KEYS = sorted(
    {"levels", "exemptions", "rule", "resource", "reason", "environments", "dev", "staging", "prod"}
    | {level.value for level in Level}
    | {rule.id for rule in RULES[:8]}
)
TIER_KEYS = ["config", "genai-mlops:environment", "genai-mlops:tier", "tier", "production", "staging", "development"]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-bucket snapshot: the levels decide, not the synth."""
    path = tmp_path_factory.mktemp("levels-fuzz") / "prod.json"
    bucket = {
        "urn": "urn:pulumi:prod::genai-mlops::gcp:storage/bucket:Bucket::data", "type": "gcp:storage/bucket:Bucket",
        "name": "data", "custom": True, "inputs": {"location": "EU"}, "protect": False,
    }
    path.write_text(json.dumps({"version": 1, "project": "genai-mlops", "stack": "prod", "resources": [bucket]}))
    return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """This project's stack files in a scratch directory (the fuzzed stack file is written there)."""
    root = tmp_path_factory.mktemp("tier-fuzz")
    (root / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    shutil.copytree(PROJECT.environments_dir, root / PROJECT.environments_dir.name)
    return Project.at(root)


def _check(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *args])
    return code, out.getvalue() + err.getvalue()


@FUZZ
@given(text=yaml_texts(DEFAULT_LEVELS_FILE, LEVEL_KEYS))
def test_any_levels_file_exits_0_1_or_2_without_a_traceback(snapshot: Path, tmp_path: Path, text: str) -> None:
    levels = tmp_path / "levels.yaml"
    levels.write_text(text, encoding="utf-8")
    code, printed = _check("--env", "prod", "--snapshot", str(snapshot), "--levels", str(levels))
    assert code in (0, 1, 2), printed
    assert "Traceback" not in printed
    problems = _problems(lambda: load_levels(levels, RULES, PROJECT))
    assert (code == 2) == bool(problems), printed
    assert {p.file for p in problems} <= {str(levels)}, problems


@FUZZ
@given(text=yaml_texts(PROJECT.stack_file("prod"), TIER_KEYS))
def test_any_stack_file_gives_a_tier_or_an_error_naming_it(scratch: Project, text: str) -> None:
    stack_file = scratch.stack_file("prod")
    stack_file.write_text(text, encoding="utf-8")
    stacks: set[str] = set()
    problems = _problems(lambda: stacks.update(production_stacks(scratch)))
    assert {p.file for p in problems} <= {str(stack_file)}, problems
    assert stacks <= {"prod"}, "another stack's tier never changes with this file"


def _problems(load: Callable[[], object]) -> list[Problem]:
    """The problems of the `UserInputError` `load` raises (none when it loads)."""
    try:
        load()
    except UserInputError as exc:
        return list(exc.problems) or [Problem("<no problem listed>", "", str(exc))]
    return []
