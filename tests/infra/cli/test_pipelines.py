"""`mlops pipelines compile` and `mlops pipelines run NAME --local` through the real CLI entry point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.cli.app import main


def test_compile_writes_templates_and_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pipelines", "compile", "--out", str(tmp_path)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [p["file"] for p in manifest["pipelines"]] == ["tuning.yaml", "evaluation.yaml"]
    out = capsys.readouterr().out
    for entry in manifest["pipelines"]:
        assert (tmp_path / entry["file"]).exists()
        assert entry["version"] in out


@pytest.mark.slow
def test_run_exit_codes_follow_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pipelines", "run", "evaluation", "--local", "--out", str(tmp_path / "good")]) == 0
    out = capsys.readouterr().out
    assert "gate passed" in out
    assert str(tmp_path / "good" / "results" / "scores.jsonl") in out
    assert main(["pipelines", "run", "evaluation", "--local", "--sample", "bad", "--out", str(tmp_path / "bad")]) == 1
    out = capsys.readouterr().out
    assert re.search(r"gate failed: groundedness 0\.\d+ < min 0\.8000; toxicity 0\.\d+ > max", out)


@pytest.mark.slow
def test_run_can_loosen_thresholds_with_params(tmp_path: Path) -> None:
    loose = ["-p", "min_groundedness=0", "-p", "max_toxicity=1", "-p", "min_relevance=0"]
    assert main(["pipelines", "run", "evaluation", "--local", "--sample", "bad", *loose, "--out", str(tmp_path)]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pipelines", "run", "evaluation"], "pass --local"),
        (["pipelines", "run", "evaluation", "--local", "--sample", "ugly"], "expected one of good, bad"),
        (["pipelines", "run", "evaluation", "--local", "-p", "seed"], "expected KEY=VALUE"),
        (["pipelines", "run", "evaluation", "--local", "-p", "seed=-1"], "seed: must be 0 or more, found -1"),
        (["pipelines", "run", "evalution", "--local"], "did you mean 'evaluation'?"),
        (["pipelines", "run", "tuning", "--local", "-p", "backend=vertex-lora"], "a local run uses backend=local"),
    ],
)
def test_invalid_input_exits_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")


def test_compile_refuses_a_file_as_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    assert main(["pipelines", "compile", "--out", str(target)]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err
