"""For any candidate record, the loader returns a valid record or a user error naming the file, never a crash.

Seeded from a record as the tuning pipeline writes it (`pipelines.lib.candidate`): the record with values
replaced, keys deleted, renamed or added; its JSON text with line-level slips; and arbitrary documents over the
record's own key names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import Problem, UserInputError
from infra.release.candidate_record import CandidateRecord, load_candidate
from pipelines.lib.candidate import candidate_record
from tests.infra.release.cut_project import GOOD_METRICS, IMAGE, SHARED_BUCKET, report_bytes
from tests.yaml_fuzz import FUZZ, documents, model_keys, mutated, text_edits

KEYS = model_keys(CandidateRecord)
SEED: dict[str, Any] = candidate_record(
    model="assistant",
    artifact_uri=f"gs://{SHARED_BUCKET}/assistant/run-20261201",
    serving_image=IMAGE,
    tuning_run="genai-tuning-20261201-0300",
    pipeline_digest="sha256:" + "a" * 64,
    dataset_uri="gs://acme-genai-dev-datasets/tuning/train.jsonl",
    dataset_bytes=b'{"id": "1"}\n',
    report_bytes=report_bytes(GOOD_METRICS),
)
SEED_TEXT = json.dumps(SEED, indent=2) + "\n"


def record_texts() -> st.SearchStrategy[str]:
    as_json = st.one_of(mutated(SEED, KEYS), documents(KEYS)).map(lambda doc: json.dumps(doc, indent=2))
    return st.one_of(as_json, text_edits(SEED_TEXT))


@pytest.fixture(scope="module")
def record_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("candidate") / "candidate.json"


def test_the_seed_is_a_valid_record(record_path: Path) -> None:
    record_path.write_text(SEED_TEXT, encoding="utf-8")
    assert load_candidate(record_path).model == "assistant"


@FUZZ
@given(text=record_texts())
def test_any_record_loads_or_is_a_user_error_naming_the_file(record_path: Path, text: str) -> None:
    record_path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    try:
        record = load_candidate(record_path)
    except UserInputError as exc:
        problems = list(exc.problems)
        if not problems:
            pytest.fail("a user error without a problem")
    else:
        assert isinstance(record, CandidateRecord)
    assert all(p.file == str(record_path) for p in problems), problems
    assert all(p.message for p in problems), problems
