"""Reading sources and sampling prediction logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.lib.records import QARecord
from pipelines.lib.sources import parse_logs, read_source_text, sample


def test_local_backend_reads_local_files_only(tmp_path: Path) -> None:
    source = tmp_path / "logs.jsonl"
    source.write_text('{"id": "1"}\n')
    assert read_source_text(str(source), "local") == '{"id": "1"}\n'
    with pytest.raises(ValueError, match="local files only"):
        read_source_text("bq://p.d.t", "local")
    with pytest.raises(FileNotFoundError, match="source file not found"):
        read_source_text(str(tmp_path / "missing.jsonl"), "local")


def test_parse_logs_skips_invalid_lines_with_reasons() -> None:
    good = {"id": "1", "question": "q", "context": "c", "response": "r", "latency_ms": 12}
    records, skipped = parse_logs("\n".join([json.dumps(good), "oops", json.dumps({"id": "2"})]))
    assert records == [QARecord("1", "q", "c", "r")]
    assert skipped[0].startswith("line 2: not valid JSON")
    assert skipped[1] == "line 3: missing field 'question'; missing field 'context'; missing field 'response'"


def test_sample_is_deterministic_and_keeps_order() -> None:
    records = [QARecord(str(n), "q", "c", "r") for n in range(20)]
    chosen = sample(records, 5, seed=3)
    assert len(chosen) == 5
    assert [r.id for r in chosen] == sorted((r.id for r in chosen), key=int)
    assert {r.id for r in sample(records, 5, seed=3)} == {r.id for r in sample(records[::-1], 5, seed=3)}
    assert sample(records, 100, seed=3) == records
    with pytest.raises(ValueError, match="sample_size must be at least 1"):
        sample(records, 0, seed=3)
