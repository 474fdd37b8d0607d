"""`mlops eval score` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli.app import main

CONTEXT = "Prod keeps prediction logs for 400 days. Dev keeps them for 30 days."
ROWS = [
    {"id": "good", "question": "How long does prod keep logs?", "context": CONTEXT,
     "response": "Prod keeps prediction logs for 400 days.", "reference": "400 days.", "source": "kept"},
    {"id": "bad", "question": "How long does prod keep logs?", "context": CONTEXT,
     "response": "Prod keeps them for 30 days, you absolute walnut."},
]  # fmt: skip


def test_scores_every_row_and_keeps_its_keys(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in ROWS) + "\n")
    out = tmp_path / "out" / "scored.jsonl"
    assert main(["eval", "score", "--input", str(source), "--out", str(out)]) == 0
    good, bad = (json.loads(line) for line in out.read_text().splitlines())
    assert {k: good[k] for k in ROWS[0]} == ROWS[0]
    assert set(good) - set(ROWS[0]) == {"groundedness", "toxicity", "relevance", "fluency", "factuality"}
    assert "factuality" not in bad
    assert good["groundedness"] > bad["groundedness"]
    assert bad["toxicity"] > good["toxicity"] == 0.0


def test_a_malformed_row_names_line_and_key_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ROWS[0]) + "\n" + json.dumps({**ROWS[1], "response": 7}) + "\n{not json\n")
    out = tmp_path / "scored.jsonl"
    assert main(["eval", "score", "--input", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{source}:2: response: found 7, expected a non-empty string" in err
    assert f"{source}:3: not valid JSON" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_unknown_backend_and_vertex_without_project_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ROWS[0]) + "\n")
    out = str(tmp_path / "o.jsonl")
    assert main(["eval", "score", "--input", str(source), "--out", out, "--backend", "gpt"]) == 2
    assert "expected one of local, vertex" in capsys.readouterr().err
    assert main(["eval", "score", "--input", str(source), "--out", out, "--backend", "vertex"]) == 2
    assert "--project" in capsys.readouterr().err
