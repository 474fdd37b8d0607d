"""`mlops plan` over the fixture project in throwaway git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli.app import main
from infra.layout import Project
from infra.plan import build_plan, plan_markdown, plan_text
from tests.gitrepo import fixture_repo, git, set_prod_retention


def test_without_history_everything_is_a_create(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path, commit=False)
    messages: list[str] = []
    plan = build_plan(Project(repo), ["dev", "prod"], progress=messages.append)
    assert plan.base_label == "no commits yet"
    for env in plan.envs:
        summary = env.diff.change_summary()
        assert set(summary) == {"create"}, env.stack
        assert summary["create"] == len(env.document["resources"])
    assert messages == ["synth dev", "check policies dev", "synth prod", "check policies prod"]


def test_default_base_is_the_merge_base_and_a_change_shows_as_one_update(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    git(repo, "checkout", "--quiet", "-b", "feature")
    set_prod_retention(repo, 30)
    plan = build_plan(Project(repo), ["dev", "prod"])
    assert plan.base_label.startswith("merge-base with main")
    dev, prod = plan.envs
    assert dev.diff.change_summary() == {"same": len(dev.document["resources"])}
    assert prod.diff.change_summary()["update"] == 1
    update = next(s for s in prod.diff.steps if s.op == "update")
    assert [d.path for d in update.detailed_diff] == ["lifecycleRules[0].condition.age"]
    assert "lifecycleRules[0].condition.age: 90 => 30" in plan_text(plan)


def test_stack_added_after_the_base_is_all_create(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    (repo / "stacks" / "Pulumi.qa.yaml").write_text((repo / "stacks" / "Pulumi.dev.yaml").read_text())
    plan = build_plan(Project(repo), ["qa"], base="HEAD")
    assert set(plan.envs[0].diff.change_summary()) == {"create"}
    assert "qa does not exist at the base" in plan.envs[0].notes[0]


def test_policy_findings_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = fixture_repo(tmp_path, commit=False)
    plan = build_plan(Project(repo), ["prod"])
    prod = plan.envs[0]
    assert prod.policy is not None
    # The fixture's prod bucket has no CMEK and no versioning: mandatory in prod for the platform's pack.
    assert "storage-bucket-cmek" in {v.rule_id for v in prod.policy.mandatory}
    assert plan.exit_code == 1
    assert ":x: policies:" in plan_markdown(plan)
    assert main(["plan", "--env", "prod", "--project-dir", str(repo), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["exitCode"] == 1
    assert doc["stacks"][0]["stack"] == "prod"
    assert doc["stacks"][0]["changeSummary"] == {"create": len(prod.document["resources"])}


def test_plan_discovers_every_stack_and_rejects_unknown_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = fixture_repo(tmp_path, commit=False)
    (repo / "stacks" / "Pulumi.broken.yaml").unlink()
    main(["plan", "--project-dir", str(repo), "--format", "markdown"])
    captured = capsys.readouterr()
    assert captured.out.count("#### :tropical_drink:") == 2
    assert "synth prod" in captured.err  # progress goes to stderr
    assert main(["plan", "--env", "qa", "--project-dir", str(repo)]) == 2
    assert "no stack file for stack 'qa'" in capsys.readouterr().err


def test_base_that_fails_to_synth_is_reported_not_hidden(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path, commit=False)
    prod_file = repo / "stacks" / "Pulumi.prod.yaml"
    good = prod_file.read_text()
    prod_file.write_text(good.replace("location: EU", "location: MARS"))
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "broken prod")
    prod_file.write_text(good)
    plan = build_plan(Project(repo), ["prod"])
    prod = plan.envs[0]
    assert prod.notes[0].startswith("base could not be synthesised")
    assert set(prod.diff.change_summary()) == {"create"}


def test_base_program_crash_is_reported_with_its_message(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path, commit=False)
    main_file = repo / "program" / "__main__.py"
    good = main_file.read_text()
    main_file.write_text(good + "\nraise RuntimeError('half-finished refactoring')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "crashing program")
    main_file.write_text(good)
    plan = build_plan(Project(repo), ["dev"])
    assert "RuntimeError: half-finished refactoring" in plan.envs[0].notes[0]


def test_clean_checkout_reuses_its_own_synth_as_the_base(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    messages: list[str] = []
    plan = build_plan(Project(repo), ["dev"], progress=messages.append)
    assert plan.envs[0].diff.change_summary() == {"same": len(plan.envs[0].document["resources"])}
    assert messages[0].startswith("working tree equals merge-base with main")
    messages.clear()
    build_plan(Project(repo), ["dev"], progress=messages.append)  # ignored files (__pycache__) do not count
    assert messages[0].startswith("working tree equals")
    (repo / "notes.txt").write_text("untracked files may matter to the program")
    messages.clear()
    build_plan(Project(repo), ["dev"], progress=messages.append)
    assert messages[0].startswith("synth base")


def test_a_deleted_stack_file_shows_the_whole_environment_deleted(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    (repo / "stacks" / "Pulumi.broken.yaml").unlink()
    git(repo, "commit", "--quiet", "-am", "no broken stack")
    (repo / "stacks" / "Pulumi.dev.yaml").unlink()
    plan = build_plan(Project(repo))
    dev = next(env for env in plan.envs if env.stack == "dev")
    assert dev.deleted
    assert set(dev.diff.change_summary()) == {"delete"}
    assert "stack file of dev was deleted" in dev.notes[0]
    assert "stack file deleted" in plan_markdown(plan)


def test_moving_prod_data_fails_the_plan_until_acknowledged(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    prod_file = repo / "stacks" / "Pulumi.prod.yaml"
    prod_file.write_text(prod_file.read_text().replace("location: EU", "location: US"))
    plan = build_plan(Project(repo), ["prod"])
    replaced = {(d.name, d.change) for d in plan.envs[0].dangers}
    assert replaced
    assert all(change == "replace" for _, change in replaced)
    assert plan.unacknowledged
    assert plan.exit_code == 1
    names = [name for name, _ in replaced]
    flags = [f"{name}=The data was copied to the new location first." for name in names]
    assert build_plan(Project(repo), ["prod"], acknowledge=flags).unacknowledged == []


def test_a_fresh_mlops_plan_splits_the_stacks_over_two_processes_and_plans_the_same(tmp_path: Path) -> None:
    """The console script starts cold, so with the base known (cached by the first plan) half of the stacks
    go to a second process; the plan is the one a single process makes (same JSON, byte for byte). The synth
    cache is off for both, so each runs every program."""
    import os
    import subprocess
    import sys

    from contracts.fsutil import canonical_json
    from infra.plan import plan_json

    repo = fixture_repo(tmp_path)
    git(repo, "checkout", "--quiet", "-b", "feature")
    set_prod_retention(repo, 30)
    in_process = build_plan(Project(repo), ["dev", "prod"])
    expected = canonical_json(plan_json(in_process))
    def mlops_plan(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("mlops")), "plan", "-e", "dev", "-e", "prod", "-f", "json", *flags],
            cwd=repo, capture_output=True, text=True, check=False, timeout=300,
            env={**os.environ, "NO_COLOR": "1", "MLOPS_CACHE_DIR": "off"},
        )

    split, single = mlops_plan(), mlops_plan("--one-process")
    assert split.returncode == single.returncode == in_process.exit_code, split.stderr
    if len(os.sched_getaffinity(0)) >= 2:
        assert "synth dev (in a second process)" in split.stderr
    assert "second process" not in single.stderr
    assert split.stdout == single.stdout == expected
    assert '"update"' in expected  # the change is in the plan, not an empty comparison


def test_what_the_program_warns_about_is_a_note_of_its_stack_also_from_the_second_process(tmp_path: Path) -> None:
    """A warning of the program (`pulumi.log.warn`) is part of the plan a reviewer reads, not only stderr; a
    stack synthesised in a child process (whose stderr nobody sees) keeps its warnings too."""
    from infra.synth import synth_stacks_in_subprocess

    repo = fixture_repo(tmp_path)
    main_file = repo / "program" / "__main__.py"
    main_file.write_text(
        main_file.read_text() + "\nimport pulumi as _pulumi\n_pulumi.log.warn(f'{_pulumi.get_stack()}: mind the gap')\n"
    )
    plan = build_plan(Project(repo), ["dev", "prod"])
    assert [[n for n in env.notes if "warns" in n] for env in plan.envs] == [
        ["the program warns: dev: mind the gap"],
        ["the program warns: prod: mind the gap"],
    ]
    assert "the program warns: prod: mind the gap" in plan_text(plan)
    assert synth_stacks_in_subprocess(["prod"], Project(repo))["prod"].warnings == ["prod: mind the gap"]


def test_a_second_plan_of_unchanged_stacks_reads_them_from_the_synth_cache_and_plans_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing changed, nothing runs again: the plan (warnings of the program included) is the same byte for
    byte; an edit to any file of the project synthesises every stack again."""
    import logging

    from contracts.fsutil import canonical_json
    from infra.plan import plan_json
    from infra.synth.runner import PROGRAM_LOGGER

    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "machine-cache"))
    repo = fixture_repo(tmp_path)
    git(repo, "checkout", "--quiet", "-b", "feature")
    main_file = repo / "program" / "__main__.py"
    main_file.write_text(
        main_file.read_text() + "\nimport pulumi as _pulumi\n_pulumi.log.warn(f'{_pulumi.get_stack()}: mind the gap')\n"
    )
    set_prod_retention(repo, 30)

    def planned() -> tuple[list[str], str, list[str]]:
        messages: list[str] = []
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=PROGRAM_LOGGER):
            plan = build_plan(Project(repo), ["dev", "prod"], progress=messages.append)
        said = [r.getMessage() for r in caplog.records if r.name == PROGRAM_LOGGER]
        return [m for m in messages if m.startswith("synth ")], canonical_json(plan_json(plan)), said

    first_synths, first, first_said = planned()
    assert first_synths[1:] == ["synth dev", "synth prod"]  # after the base's
    assert first_said == ["dev: mind the gap", "prod: mind the gap"]
    second_synths, second, second_said = planned()
    assert second_synths[1:] == [f"synth {s}: inputs unchanged, read from the synth cache" for s in ("dev", "prod")]
    assert second == first
    assert second_said == first_said  # stderr says what a run of the program says
    assert "the program warns: prod: mind the gap" in second

    prod_file = repo / "stacks" / "Pulumi.prod.yaml"  # prod's file only: dev's inputs are the whole project too
    prod_file.write_text(prod_file.read_text().replace("retentionDays: 30", "retentionDays: 31"))
    third_synths, third, _ = planned()
    assert third_synths[1:] == ["synth dev", "synth prod"]
    assert third != first


def test_a_stack_that_fails_is_synthesised_again_by_the_next_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contracts.errors import UserInputError

    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "machine-cache"))
    repo = fixture_repo(tmp_path, commit=False)
    prod_file = repo / "stacks" / "Pulumi.prod.yaml"
    prod_file.write_text(prod_file.read_text().replace("location: EU", "location: MARS"))
    for _ in range(2):
        messages: list[str] = []
        with pytest.raises(UserInputError, match="MARS"):
            build_plan(Project(repo), ["dev", "prod"], progress=messages.append)
        assert "synth prod" in messages
