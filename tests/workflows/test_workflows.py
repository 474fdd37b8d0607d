"""The CI workflows parse, call `mlops` commands and options that exist, and keep fork PRs safe."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from infra.cli.app import app

WORKFLOWS = Path(__file__).parents[2] / ".github" / "workflows"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(document, dict), name
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads `on:` as True
    return document


def run_scripts(document: dict[str, Any]) -> list[str]:
    return [step["run"] for job in document["jobs"].values() for step in job["steps"] if "run" in step]


def mlops_invocations(script: str) -> list[list[str]]:
    joined = script.replace("\\\n", " ")
    joined = EXPRESSION.sub("PLACEHOLDER", joined)
    found = []
    for line in joined.splitlines() if "\n" in joined.strip() else [joined.replace("\n", " ")]:
        words = shlex.split(line, comments=True)
        if words and words[0] == "mlops":
            found.append(words[1:])
    return found


ALL = sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_expected_workflows_exist() -> None:
    assert ALL == ["deploy.yml", "drift.yml", "pr-comment.yml", "pr.yml", "preview.yml", "release-candidate.yml"]


@pytest.mark.parametrize("name", ALL)
def test_every_mlops_call_parses_against_the_cli(name: str) -> None:
    group: Any = typer.main.get_command(app)
    calls = [call for script in run_scripts(load(name)) for call in mlops_invocations(script)]
    if name != "pr-comment.yml":
        assert calls, f"{name} calls no mlops command"
    for call in calls:
        command = group.commands.get(call[0])
        assert command is not None, f"{name}: `mlops {call[0]}` is not a command"
        command.make_context(call[0], list(call[1:]))  # raises on an unknown option or a bad value


def test_pr_workflow_is_safe_for_forks() -> None:
    pr = load("pr.yml")
    assert set(pr["on"]) == {"pull_request"}  # never pull_request_target with PR code
    assert pr["permissions"] == {"contents": "read"}
    text = (WORKFLOWS / "pr.yml").read_text()
    assert "secrets." not in text
    plan_calls = [c for s in run_scripts(pr) for c in mlops_invocations(s) if c[0] == "plan"]
    assert plan_calls == [
        [
            "plan", "--base", "origin/PLACEHOLDER", "--format", "markdown",
            "--out", "plan.md", "--full-out", "plan-full.md",
        ]
    ]
    full = [s for s in pr["jobs"]["test-and-plan"]["steps"] if s.get("with", {}).get("name") == "plan-full-report"]
    assert [s["with"]["path"] for s in full] == ["plan-full.md"], "the uncut report is attached as an artifact"


def test_commenter_runs_after_pr_checks_without_checking_out_code() -> None:
    comment = load("pr-comment.yml")
    assert comment["on"]["workflow_run"]["workflows"] == [load("pr.yml")["name"]]
    assert comment["permissions"] == {"actions": "read", "pull-requests": "write"}
    uses = [step.get("uses", "") for job in comment["jobs"].values() for step in job["steps"]]
    assert not any(u.startswith("actions/checkout") for u in uses)
    assert "<!-- mlops-plan-report -->" in (WORKFLOWS / "pr-comment.yml").read_text()


def test_preview_runs_per_stack_only_with_credentials() -> None:
    job = load("preview.yml")["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    assert "vars.GCP_WORKLOAD_IDENTITY_PROVIDER != ''" in job["if"]


def test_drift_runs_daily_per_stack_as_the_read_only_previewer() -> None:
    document = load("drift.yml")
    job = document["jobs"]["drift"]
    assert document["on"]["schedule"]
    assert job["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    assert job["environment"] == "preview-${{ matrix.stack }}", "never the deployer's environment"
    assert document["permissions"] == {"contents": "read", "id-token": "write"}


def test_deploy_goes_dev_then_staging_then_prod_behind_environments() -> None:
    jobs = load("deploy.yml")["jobs"]
    assert [jobs[j]["environment"] for j in ("up-dev", "up-staging", "up-prod")] == ["dev", "staging", "prod"]
    assert jobs["up-staging"]["needs"] == "up-dev"
    assert jobs["up-prod"]["needs"] == "up-staging"
    calls = [c for j in jobs.values() for s in j["steps"] if "run" in s for c in mlops_invocations(s["run"])]
    assert [c[c.index("--env") + 1] for c in calls if c[0] == "up"] == ["dev", "staging", "prod"]
    # the release's templates are read from the compiled YAML: every job compiles before it applies, and prod
    # verifies its recorded approval against the promotion's pull request first
    assert [c[0] for c in calls] == ["pipelines", "up", "pipelines", "up", "approval", "pipelines", "up"]
    assert ["approval", "verify", "--env", "prod", "--commit", "$GITHUB_SHA"] in calls
    assert load("deploy.yml")["permissions"]["pull-requests"] == "read"


def test_only_the_prod_deploy_confirms_with_yes_behind_its_environment_approval() -> None:
    jobs = load("deploy.yml")["jobs"]
    ups = [
        c for j in jobs.values() for s in j["steps"] if "run" in s for c in mlops_invocations(s["run"]) if c[0] == "up"
    ]
    assert [(c[c.index("--env") + 1], "--yes" in c) for c in ups] == [
        ("dev", False),
        ("staging", False),
        ("prod", True),
    ]
    assert jobs["up-prod"]["environment"] == "prod"  # the GitHub environment's reviewers are the confirmation


def test_release_candidates_enter_dev_through_a_pull_request() -> None:
    document = load("release-candidate.yml")
    assert set(document["on"]) == {"workflow_dispatch", "repository_dispatch"}
    assert document["on"]["repository_dispatch"]["types"] == ["release-candidate"]
    job = document["jobs"]["cut"]
    assert job["environment"] == "preview-dev", "reads the record as the previewer, never as the deployer"
    calls = [c for s in run_scripts(document) for c in mlops_invocations(s)]
    assert calls == [
        ["release", "cut", "--env", "dev", "--candidate", "candidate.json"],
        ["plan", "--env", "dev", "--format", "markdown", "--out", "plan.md"],
    ]
    scripts = "\n".join(run_scripts(document))
    assert "gh pr create" in scripts
    assert "--body-file plan.md" in scripts
    assert "inputs.candidate" not in scripts
    assert "client_payload" not in scripts
