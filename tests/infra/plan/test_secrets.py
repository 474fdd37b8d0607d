"""No secret value reaches any output: snapshot, diff (text, markdown, json), plan (text, markdown, json)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.fsutil import canonical_json
from infra.cli.app import main
from infra.layout import Project
from infra.plan import build_plan, plan_json, plan_markdown, plan_text
from tests.gitrepo import fixture_repo, set_prod_retention

SECRET_VALUES = ("plain-but-secret-dev-T0KEN", "plain-but-secret-prod-T0KEN", "c2VjcmV0LXRva2VuLWNpcGhlcnRleHQ=",
                 "cHJvZC1zZWNyZXQtY2lwaGVydGV4dA==")


def test_no_secret_in_any_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_CACHE_DIR", str(tmp_path / "machine-cache"))
    repo = fixture_repo(tmp_path)
    set_prod_retention(repo, 45)
    stack_files = "".join(p.read_text() for p in (repo / "stacks").glob("Pulumi.*.yaml"))
    assert all(value in stack_files for value in SECRET_VALUES)  # the fixture really holds them
    dev_file, prod_file = str(tmp_path / "dev.json"), str(tmp_path / "prod.json")

    runs = [["synth", "--env", "dev"], ["synth", "--env", "dev", "--out", dev_file],
            ["synth", "--env", "prod", "--out", prod_file]]
    runs += [["diff", dev_file, prod_file, "--format", fmt] for fmt in ("text", "markdown", "json")]
    runs += [["plan", "--env", "dev", "--env", "prod", "--format", "markdown"]]
    for args in runs:
        code = main([*args, "--project-dir", str(repo)])
        captured = capsys.readouterr()
        assert code in (0, 1), (args, captured.err)
        written = Path(args[args.index("--out") + 1]).read_text() if "--out" in args else ""
        assert captured.out or written, args
        for value in SECRET_VALUES:
            for text in (captured.out, captured.err, written):
                assert value not in text, (args, value)
        if args[0] == "synth":
            assert '"[secret]": true' in captured.out + written

    plan = build_plan(Project(repo), ["dev", "prod"])  # against HEAD: the base side went through the child
    for text in (plan_text(plan), plan_markdown(plan), canonical_json(plan_json(plan))):
        assert "lifecycleRules[0].condition.age" in text
        for value in SECRET_VALUES:
            assert value not in text
    kept = sorted((tmp_path / "machine-cache" / "synths").glob("*.json"))
    assert kept  # the plan kept its synths
    for entry in kept:
        assert not any(value in entry.read_text() for value in SECRET_VALUES), entry
