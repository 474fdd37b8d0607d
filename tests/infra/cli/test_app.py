"""CLI conventions: `--version`, `-h`, flags shown as flags, plain text for logs, the project found from the
working directory (an installed `mlops` acts on the checkout it runs in), paths relative to it, 0644 files."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contracts.errors import Problem, UserInputError
from infra.cli import console
from infra.cli.app import main, version
from tests.checkout import ROOT

FIXTURE = ROOT / "tests" / "infra" / "synth" / "fixtures" / "platform"
ANSI = "\x1b["


def mlops(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it: its own process, in `cwd`, stdout and stderr piped (no TTY)."""
    script = Path(sys.executable).with_name("mlops")
    return subprocess.run(
        [str(script), *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, **env}, timeout=300,
    )


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A copy of the fixture project outside this checkout, as another team's checkout would be."""
    copy = tmp_path / "their-checkout"
    shutil.copytree(FIXTURE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_version_prints_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"mlops {version()}\n"
    assert version()[0].isdigit()


def test_dash_h_is_help_and_flags_are_shown_as_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["up", "-h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: mlops up [OPTIONS]")
    yes = next(line for line in out.splitlines() if "--yes" in line)
    assert "<bool>" not in yes, yes
    assert "BOOLEAN" not in yes, yes
    assert "-e, --env <str>" in out
    assert ANSI not in out


def test_a_usage_error_exits_2_in_plain_text() -> None:
    result = mlops("synth", cwd=ROOT)
    assert result.returncode == 2
    assert "Missing option '--env'" in result.stderr
    assert "Try 'mlops synth -h' for help." in result.stderr
    assert ANSI not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_an_installed_mlops_acts_on_the_checkout_it_runs_in(elsewhere: Path) -> None:
    """No --project-dir: the nearest Pulumi.yaml from the working directory (here a subdirectory) upward."""
    result = mlops("synth", "--env", "dev", cwd=elsewhere / "stacks")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["project"] == "fixture-platform"  # the copy's project, not this checkout's genai-mlops
    (elsewhere / "stacks" / "Pulumi.dev.yaml").unlink()
    gone = mlops("synth", "--env", "dev", cwd=elsewhere)
    assert gone.returncode == 2
    assert "stacks/Pulumi.dev.yaml" in gone.stderr


def test_outside_any_project_exits_2_naming_the_fix(tmp_path: Path) -> None:
    result = mlops("validate", "--env", "dev", cwd=tmp_path)
    assert result.returncode == 2
    assert f"  - {tmp_path.resolve()}: no Pulumi.yaml here or in any parent directory" in result.stderr  # not "."
    assert "--project-dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_project_dir_without_pulumi_yaml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--env", "dev", "--project-dir", str(tmp_path)]) == 2
    assert f"no Pulumi.yaml in {tmp_path.resolve()}" in capsys.readouterr().err


def test_messages_show_paths_relative_to_the_working_directory(elsewhere: Path) -> None:
    result = mlops("synth", "--env", "qa", cwd=elsewhere, NO_COLOR="1")
    assert result.returncode == 2
    assert "  - stacks/Pulumi.qa.yaml: no stack file for stack 'qa'" in result.stderr, result.stderr
    assert str(elsewhere) not in result.stderr


def test_written_snapshots_are_ordinary_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dev.json"
    assert main(["synth", "--env", "dev", "--project-dir", str(FIXTURE), "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["dev.json"]  # no temp file left beside it
    assert f"wrote {out}" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_for_a_terminal_that_wants_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert console.wants_colour(Terminal())
    assert not console.wants_colour(io.StringIO())  # a pipe or a log file
    monkeypatch.setenv("NO_COLOR", "1")
    assert not console.wants_colour(Terminal())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not console.wants_colour(Terminal())


def test_an_error_on_a_terminal_is_coloured_and_in_a_log_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    problem = UserInputError([Problem("--env", "", "found 'qa'")], "unknown environment")
    for stream, coloured in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        console.error(problem)
        text = stream.getvalue()
        assert (ANSI in text) is coloured, text
        assert "unknown environment (1 problem):\n  - --env: found 'qa'" in text


def test_temporary_directories_are_removed(tmp_path: Path) -> None:
    """`ENV@GITREF` synthesises a worktree in a child process: worktree and child's files are gone after."""
    from tests.gitrepo import fixture_repo, set_prod_retention

    repo = fixture_repo(tmp_path)
    set_prod_retention(repo, 30)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = mlops("diff", "prod@HEAD", "prod", "--format", "json", cwd=repo, TMPDIR=str(scratch))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changeSummary"]["update"] == 1  # the change was found: the worktree ran
    assert list(scratch.iterdir()) == []


def mentioned_calls() -> list[tuple[str, list[str]]]:
    """Every `mlops ...` the code's messages and docstrings or docs/ tell the user to run, as (file, words)."""
    import re

    sources = [p for package in ("infra", "policies", "pipelines", "serving", "contracts")
               for p in sorted((ROOT / package).rglob("*.py"))]
    calls = []
    for path in [*sources, *sorted((ROOT / "docs").glob("*.md"))]:
        for snippet in re.findall(r"`mlops ([^`]+)`", path.read_text(encoding="utf-8")):
            words = snippet.replace("[", " ").replace("]", " ").split()
            for first in words[0].split("|"):  # `preview|up|destroy`
                rest = words[1:]
                if rest and "|" in rest[0] and not rest[0].startswith("-"):  # `canary finish|abort`
                    calls += [(path.name, [first, alternative, *rest[1:]]) for alternative in rest[0].split("|")]
                else:
                    calls.append((path.name, [first, *rest]))
    return calls


def test_every_command_a_message_names_exists_with_its_options() -> None:
    """Usage lines and hints in messages match the real command tree and option names."""
    from typer.main import get_command

    from infra.cli.app import app as root

    calls = mentioned_calls()
    assert len(calls) >= 40
    for where, words in calls:
        if words[0].startswith("{"):  # `mlops {operation} ...`: the command is filled in at run time
            continue
        target: Any = get_command(root)
        for word in words:
            if word.startswith(("-", "{")) or not hasattr(target, "commands"):
                break
            if word in target.commands:
                target = target.commands[word]
            else:
                raise AssertionError(f"{where}: `mlops {' '.join(words)}`: no command {word!r}")
        options = {name for param in target.params for name in param.opts}
        flags = [w.split("=")[0] for w in words if w.startswith("--")]
        unknown = [f for f in flags if f not in options]
        assert not unknown, f"{where}: `mlops {' '.join(words)}`: {unknown} not options of `{target.name}`"


def test_escape_sequences_in_library_messages_stay_out_of_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    """kfp.local colours its run status; a message quoting it reaches a log file as plain text."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    quoted = "Pipeline \x1b[95m'genai-evaluation'\x1b[0m finished with status \x1b[91mFAILURE\x1b[0m"
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    console.warn(quoted)
    console.error(UserInputError([Problem("run", "", quoted)], "run failed"))
    assert ANSI not in log.getvalue()
    assert "Pipeline 'genai-evaluation' finished with status FAILURE" in log.getvalue()
    assert console.plain(quoted, Terminal()) == quoted  # a person at a terminal sees the colours


def test_help_lists_the_commands_in_the_documented_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-h"]) == 0
    lines = capsys.readouterr().out.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert names == ["validate", "synth", "check", "diff", "plan", "pipelines", "promote", "rollback", "release",
                     "canary", "preview", "up", "destroy", "rehearse", "drift", "eval", "cost", "serve", "approval"]
