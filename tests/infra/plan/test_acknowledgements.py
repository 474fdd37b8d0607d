"""Acknowledgements of dangerous changes: validated with file and key path, matched, stale ones reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.diff.danger import Danger
from infra.plan.acknowledgements import load_acknowledgements, parse_acknowledgements, parse_flag

DANGER = Danger("prod", "urn:pulumi:prod::p::gcp:storage/bucket:Bucket::data", "data",
                "gcp:storage/bucket:Bucket", "replace", "bucket objects")
REASON = "Objects were copied to the new region by transfer job 42."


def test_an_acknowledgement_covers_its_resource_change_and_stacks() -> None:
    acks = parse_acknowledgements({"acknowledgements": [
        {"resource": "data", "change": "replace", "stacks": ["prod"], "reason": REASON},
        {"resource": "data", "change": "delete", "reason": REASON},
        {"resource": DANGER.urn, "stacks": ["staging"], "reason": REASON},
    ]}, "acknowledgements.yaml")
    assert [a.covers(DANGER) for a in acks] == [True, False, False]
    assert parse_flag(f"data={REASON}").covers(DANGER)


def test_bad_entries_are_all_reported_with_their_key_paths(tmp_path: Path) -> None:
    file = tmp_path / "acknowledgements.yaml"
    file.write_text("acknowledgements:\n  - resource: data\n    change: rename\n    reason: ok\n  - {color: red}\n")
    with pytest.raises(UserInputError) as caught:
        load_acknowledgements(tmp_path)
    where = {p.key_path for p in caught.value.problems}
    assert where == {"acknowledgements[0].change", "acknowledgements[0].reason", "acknowledgements[1]",
                     "acknowledgements[1].resource", "acknowledgements[1].reason"}
    assert all(p.file == str(file) for p in caught.value.problems)
    assert "found 'rename'" in str(caught.value)
    with pytest.raises(UserInputError, match="--acknowledge"):
        parse_flag("data=because")


def test_no_file_means_no_acknowledgements(tmp_path: Path) -> None:
    assert load_acknowledgements(tmp_path) == []
