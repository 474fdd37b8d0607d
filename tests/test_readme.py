"""The README's claims that code can check: commands that exist, the rule count, the quick start."""

from __future__ import annotations

import re
import shlex

import pytest
import typer

from infra.cli.app import app
from policies.discovery import discover_rules
from tests.checkout import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def mlops_calls() -> list[list[str]]:
    """Every `mlops ...` call written in backticks or in a shell block, as words (placeholders kept)."""
    calls = []
    for snippet in re.findall(r"`(?:\.venv/bin/)?(mlops [^`]+)`", README):
        calls.append(shlex.split(snippet.split("|")[0])[1:])
    for line in README.splitlines():
        match = re.match(r"\s*(?:\.venv/bin/)?mlops (.+?)(?:\s+#.*)?$", line)
        if match:
            calls.append(shlex.split(match.group(1)))
    return calls


def test_every_command_in_the_readme_exists() -> None:
    command = typer.main.get_command(app)
    calls = mlops_calls()
    assert len(calls) >= 15
    for words in calls:
        target = command
        for word in words:
            if word.startswith("-") or not hasattr(target, "commands"):
                break
            assert word in target.commands, f"`mlops {' '.join(words)}`: {word!r} is not a command"
            target = target.commands[word]
        options = {name for param in target.params for name in param.opts}
        for word in words:
            flag = word.strip("[]")
            if flag.startswith("--"):
                assert flag in options, f"`mlops {' '.join(words)}`: {flag} is not an option of {target.name}"


def test_rule_count_matches_the_pack() -> None:
    (count,) = re.findall(r"whose (\d+) rules", README)
    assert int(count) == len(discover_rules())


@pytest.mark.parametrize("command", ["pip install -c requirements.lock -e '.[dev]'", ".venv/bin/mlops plan"])
def test_quick_start_is_the_documented_setup(command: str) -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert command in quick_start
    assert ".venv/bin/pytest" in quick_start
    assert ".venv/bin/pytest" in (ROOT / ".ci" / "run").read_text(), "CI runs the README's test command"
