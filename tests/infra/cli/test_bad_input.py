"""Realistic configuration mistakes, each run through every command that reads the config.

Every case edits one file of a copy of the project, then `validate`, `synth`, `check`, `diff`, `plan` and
`promote` (its gates) must all exit 2 with the same message: the file, the key path, the value found, what
is expected and the fix, and never a traceback. The program and the CLI share one validation path, so no
command goes further on input `validate` refuses.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from infra.cli.app import main
from tests.checkout import ROOT

Edit = Callable[[Path], None]


def replace(relative: str, old: str, new: str, count: int = 1) -> Edit:
    """Replace `old` by `new` in one file of the project (the text must be there: the case would test nothing)."""

    def edit(project: Path) -> None:
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {relative}; the case no longer applies"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def write(relative: str, text: str) -> Edit:
    def edit(project: Path) -> None:
        (project / relative).write_text(text, encoding="utf-8")

    return edit


DEV = "environments/Pulumi.dev.yaml"
DEFAULTS = "environments/defaults.yaml"
MANIFEST = "environments/release.dev.yaml"
BLOCK = "config.genai-mlops:environment"


@dataclass(frozen=True)
class Mistake:
    id: str
    edit: Edit
    file: str
    key_path: str
    says: tuple[str, ...]
    """Fragments of the message: the value found, what is expected and how to fix it."""


MISTAKES = [
    Mistake("empty stack file", write(DEV, ""), DEV, BLOCK,
            ("missing", "the environment's settings live under this key (a mapping)")),
    Mistake("namespace typo", replace(DEV, "genai-mlops:environment:", "genai-mlop:environment:"), DEV, BLOCK,
            ("missing", "found 'genai-mlop:environment'", "rename it to 'genai-mlops:environment'")),
    Mistake("block is a list", write(DEV, "config:\n  genai-mlops:environment:\n    - tier: development\n"), DEV, BLOCK,
            ("expected a mapping of the environment's settings", "found a list")),
    Mistake("secure value in the block",
            replace(DEV, "billing_account: 01A2B3-C4D5E6-F7A8B9", "billing_account: {secure: v1:AAAbbb}"),
            DEV, f"{BLOCK}.project.billing_account", ("`secure:` value", "write the plain value here")),
    Mistake("gcp key typo", replace(DEV, "gcp:region:", "gcp:regoin:"), DEV, "config.gcp:regoin",
            ("unknown key 'gcp:regoin'", "did you mean 'gcp:region'?")),
    Mistake("gcp project of another environment",
            replace(DEV, "gcp:project: acme-genai-dev", "gcp:project: acme-genai-prod"), DEV, "config.gcp:project",
            ("is 'acme-genai-prod'", "project.id is 'acme-genai-dev'", "set both to the same value")),
    Mistake("gate metric typo", replace(DEV, "    observability:\n",
                                        "    release:\n      evaluation_gates:\n        groundness: {min: 0.9}\n"
                                        "    observability:\n"),
            DEV, f"{BLOCK}.release.evaluation_gates.groundness",
            ("'groundness' is not a metric the evaluation pipeline reports", "did you mean 'groundedness'?")),
    Mistake("replicas beyond Vertex AI", replace(DEV, "max_replicas: 1", "max_replicas: 99999999999"),
            DEV, f"{BLOCK}.serving.models[0].max_replicas", ("less than or equal to 2147483647", "found 99999999999")),
    Mistake("repeated key", replace(DEV, "    tier: development\n", "    tier: development\n    tier: production\n"),
            DEV, f"{BLOCK}.tier", ("appears twice", "lines 6 and 7", "keep one")),
    Mistake("quoted number", replace(DEV, "max_replicas: 1", 'max_replicas: "1"'),
            DEV, f"{BLOCK}.serving.models[0].max_replicas",
            ("expected a whole number", "found '1' (text)", "write 1 without quotes")),
    Mistake("yes for a boolean", replace(DEV, "    observability:\n", "    pipelines:\n      tensorboard: yes\n"
                                                                      "    observability:\n"),
            DEV, f"{BLOCK}.pipelines.tensorboard",
            ("expected true or false", "found 'yes' (text)", "write true without quotes")),
    Mistake("boolean where a word is meant", replace(DEV, "    observability:\n", "    labels:\n      spot: true\n"
                                                                                 "    observability:\n"),
            DEV, f"{BLOCK}.labels.spot", ("expected text", "found true (a boolean)", "quote the word")),
    Mistake("empty field of a model merged by name",
            replace(DEV, "        - name: assistant\n          max_replicas: 1\n",
                    "        - name: summarizer\n        - name: assistant\n          machine_type:\n"),
            DEV, f"{BLOCK}.serving.models[1].machine_type", ("expected text", "found null")),
    Mistake("removing a model defaults.yaml lacks",
            replace(DEV, "        - name: assistant\n          max_replicas: 1\n",
                    "        - name: asistant\n          remove: true\n"),
            DEV, f"{BLOCK}.serving.models[0].name", ("'asistant'", "does not define", "did you mean 'assistant'?")),
    Mistake("unknown promote_from", replace(DEV, "    observability:\n", "    release:\n      promote_from: sandbox\n"
                                                                        "    observability:\n"),
            DEV, f"{BLOCK}.release.promote_from", ("found 'sandbox'", "not an environment of this project",
                                                   "with a stack file: staging, prod")),
    Mistake("quoted number in defaults", replace(DEFAULTS, "max_delivery_attempts: 5", 'max_delivery_attempts: "5"'),
            DEFAULTS, "messaging.max_delivery_attempts", ("found '5' (text)", "write 5 without quotes")),
    Mistake("empty defaults.yaml", write(DEFAULTS, ""), DEFAULTS, "app",
            ("required key is missing", "defaults.yaml is empty", "restore it")),
    Mistake("tab in YAML", replace(DEV, "    tier: development", "\ttier: development"), DEV, "line 6",
            ("not valid YAML",)),
    Mistake("manifest pipeline typo", replace(MANIFEST, "\n  tuning:\n", "\n  tunning:\n"), MANIFEST,
            "pipelines.tunning", ("'tunning' is not a pipeline of this project", "did you mean 'tuning'?")),
    Mistake("manifest promoted_from unknown", replace(MANIFEST, "provenance:\n", "provenance:\n  promoted_from: qa\n"),
            MANIFEST, "provenance.promoted_from", ("found 'qa'", "not another environment", "staging, prod")),
    Mistake("manifest quoted traffic share", replace(MANIFEST, "current: 100", 'current: "100"'), MANIFEST,
            "models.assistant.deployment.traffic_split.current", ("found '100' (text)", "write 100 without quotes")),
    Mistake("manifest repeated key", replace(MANIFEST, "environment: dev\n", "environment: dev\nenvironment: dev\n"),
            MANIFEST, "environment", ("appears twice",)),
    Mistake("manifest timestamp as a number", replace(MANIFEST, "promoted_at: '2026-11-26T05:30:00Z'",
                                                      "promoted_at: 1764135000"),
            MANIFEST, "provenance.promoted_at", ("ISO 8601 timestamp", "found 1764135000")),
]

COMMANDS = {
    "validate": ["validate", "--env", "dev"],
    "synth": ["synth", "--env", "dev"],
    "check": ["check", "--env", "dev"],
    "diff": ["diff", "dev", "dev"],
    "plan": ["plan", "--env", "dev"],
    "promote": ["promote", "--from", "dev", "--to", "staging", "--dry-run", "--by", "dana@acme.example",
                "--commit", "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"],
}


def scratch_project(tmp_path: Path) -> Path:
    """The project's stack files with `main` pointing back at this checkout's program (like a promotion gate)."""
    project = tmp_path / "project"
    project.mkdir()
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    document["main"] = str(ROOT / "infra")
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    shutil.copytree(ROOT / "environments", project / "environments")
    return project


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One edited copy of the project per mistake (shared by the commands)."""
    made = {}
    for mistake in MISTAKES:
        project = scratch_project(tmp_path_factory.mktemp(mistake.id.replace(" ", "-")))
        mistake.edit(project)
        made[mistake.id] = project
    return made


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_every_command_exits_2_naming_file_key_value_and_fix(
    mistake: Mistake, command: str, projects: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project = projects[mistake.id]
    code = main([*COMMANDS[command], "--project-dir", str(project)])
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())  # the console wraps long lines
    assert code == 2, f"{command} exited {code}:\n{captured.err}\n{captured.out[-2000:]}"
    assert "Traceback" not in captured.err + captured.out
    assert f"{project / mistake.file}: {mistake.key_path}" in err, err
    for fragment in mistake.says:
        assert fragment in err, f"{fragment!r} not in: {err}"


def test_the_unedited_copy_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The baseline the mistakes start from passes, so each failure above is the mistake's own."""
    assert main(["validate", "--env", "dev", "--project-dir", str(scratch_project(tmp_path))]) == 0
    assert "ok dev" in capsys.readouterr().out


def test_yaml_1_1_boolean_words_are_words(tmp_path: Path) -> None:
    """`off` where a word is meant stays the word (YAML 1.2, as the engine reads it), not `false`."""
    project = scratch_project(tmp_path)
    replace(DEV, "    observability:\n", "    labels:\n      night-mode: off\n      region: no\n    observability:\n")(
        project
    )
    assert main(["validate", "--env", "dev", "--project-dir", str(project)]) == 0
    from infra.config.loader import load_environment
    from infra.layout import Project

    assert load_environment("dev", Project(project)).labels == {
        "team": "ml-platform", "cost-center": "genai-assistant", "night-mode": "off", "region": "no"
    }


COMMIT = "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"
PER_COMMAND = {
    # command: (arguments after `mlops`, where the problem is, what the message says); {project} is a scratch copy
    "validate": (["validate", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for environment 'qa'"),
    "synth": (["synth", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for stack 'qa'"),
    "check": (["check", "--env", "dev", "--snapshot", "{project}/missing.json"], "missing.json", "file not found"),
    "diff": (["diff", "{project}/missing.json", "dev"], "missing.json", "snapshot file not found"),
    "plan": (["plan", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for stack 'qa'"),
    "promote": (["promote", "--from", "dev", "--to", "qa", "--commit", COMMIT, "--by", "dana@acme.example"],
                "Pulumi.qa.yaml", "no stack file for environment 'qa'"),
    "rollback": (["rollback", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for environment 'qa'"),
    "release cut": (["release", "cut", "--env", "dev", "--candidate", "{project}/candidate.json"], "candidate.json",
                    "candidate record not found"),
    "canary finish": (["canary", "finish", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for environment 'qa'"),
    "canary abort": (["canary", "abort", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for environment 'qa'"),
    "pipelines run": (["pipelines", "run", "nosuch", "--local"], "pipeline name", "known: tuning, evaluation"),
    "pipelines compile": (["pipelines", "compile", "--out", "{project}/Pulumi.yaml/compiled"], "Pulumi.yaml",
                          "Not a directory"),
    "preview": (["preview", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for stack 'qa'"),
    "up": (["up", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for stack 'qa'"),
    "destroy": (["destroy", "--env", "dev"], "--yes", "add --yes to confirm"),
    "rehearse": (["rehearse", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for stack 'qa'"),
    "drift": (["drift", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for stack 'qa'"),
    "serve": (["serve", "--env", "dev", "--local", "--port", "70000"], "--port", "found 70000; expected 0-65535"),
    "eval score": (["eval", "score", "--input", "{project}/rows.jsonl", "--out", "{project}/scored.jsonl"],
                   "rows.jsonl", "No such file or directory"),
    "cost": (["cost", "--env", "qa"], "Pulumi.qa.yaml", "no stack file for stack 'qa'"),
    "approval verify": (["approval", "verify", "--env", "qa", "--pr", "1", "--repo", "acme/genai"],
                        "Pulumi.qa.yaml", "no stack file for environment 'qa'"),
}
TAKES_NO_PROJECT = {"pipelines run", "pipelines compile", "eval score"}


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scratch_project(tmp_path_factory.mktemp("per-command"))


def test_every_command_is_covered() -> None:
    """A new command gets its bad-input case here (the list is the `mlops` command tree)."""
    from typer.main import get_command

    from infra.cli.app import app as root

    group = get_command(root)
    names = set()
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names |= {f"{name} {sub}" for sub in subcommands} if subcommands else {name}
    assert names == set(PER_COMMAND)


@pytest.mark.parametrize("command", list(PER_COMMAND))
def test_each_command_refuses_bad_input_with_exit_2(
    command: str, project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args, where, says = PER_COMMAND[command]
    argv = [a.format(project=project_copy) for a in args]
    if command not in TAKES_NO_PROJECT:
        argv += ["--project-dir", str(project_copy)]
    code = main(argv)
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert code == 2, f"{command} exited {code}:\n{captured.err}\n{captured.out[-2000:]}"
    assert "Traceback" not in captured.err + captured.out
    assert "error: " in err, err
    assert where in err, err
    assert says in err, err
