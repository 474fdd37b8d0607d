"""Acknowledgements of dangerous changes: validated with file and key path, matched, stale ones reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.diff.danger import Danger
from infra.layout import Project
from infra.plan.acknowledgements import load_acknowledgements, parse_acknowledgements, parse_flag

DANGER = Danger(
    "prod",
    "urn:pulumi:prod::p::gcp:storage/bucket:Bucket::data",
    "data",
    "gcp:storage/bucket:Bucket",
    "replace",
    "bucket objects",
)
REASON = "Objects were copied to the new region by transfer job 42."


def project(tmp_path: Path, acknowledgements: str | None = None) -> Project:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\nstackConfigDir: envs\n")
    (tmp_path / "envs").mkdir()
    if acknowledgements is not None:
        (tmp_path / "envs" / "acknowledgements.yaml").write_text(acknowledgements)
    return Project.at(tmp_path)


def test_an_acknowledgement_covers_its_resource_change_and_stacks() -> None:
    acks = parse_acknowledgements(
        {
            "acknowledgements": [
                {"resource": "data", "change": "replace", "stacks": ["prod"], "reason": REASON},
                {"resource": "data", "change": "delete", "reason": REASON},
                {"resource": DANGER.urn, "stacks": ["staging"], "reason": REASON},
            ]
        },
        "acknowledgements.yaml",
    )
    assert [a.covers(DANGER) for a in acks] == [True, False, False]
    assert parse_flag(f"data={REASON}").covers(DANGER)


def test_bad_entries_are_all_reported_with_their_key_paths(tmp_path: Path) -> None:
    root = project(
        tmp_path, "acknowledgements:\n  - resource: data\n    change: rename\n    reason: ok\n  - {color: red}\n"
    )
    file = root.environments_dir / "acknowledgements.yaml"
    with pytest.raises(UserInputError) as caught:
        load_acknowledgements(root)
    where = {p.key_path for p in caught.value.problems}
    assert where == {
        "acknowledgements[0].change",
        "acknowledgements[0].reason",
        "acknowledgements[1]",
        "acknowledgements[1].resource",
        "acknowledgements[1].reason",
    }
    assert all(p.file == str(file) for p in caught.value.problems)
    assert "found 'rename'" in str(caught.value)
    with pytest.raises(UserInputError, match="--acknowledge"):
        parse_flag("data=because")


def test_no_file_means_no_acknowledgements(tmp_path: Path) -> None:
    assert load_acknowledgements(project(tmp_path)) == []


def test_an_empty_file_or_list_means_no_acknowledgements(tmp_path: Path) -> None:
    assert load_acknowledgements(project(tmp_path, "# nothing to acknowledge\n")) == []
    assert parse_acknowledgements({"acknowledgements": None}, "a.yaml") == []


@pytest.mark.parametrize(
    ("text", "key_path", "found"),
    [
        ("- resource: data\n", "", "found a list"),
        ("acknowledgements: {resource: data}\n", "acknowledgements", "found a mapping"),
        ("acknowledgement: []\n", "", "keys ['acknowledgement']"),
        ("acknowledgements:\n  - resource: []\n    reason: " + REASON + "\n", "acknowledgements[0].resource", "a list"),
        (
            "acknowledgements:\n  - resource: data\n    change: [replace]\n    reason: " + REASON + "\n",
            "acknowledgements[0].change",
            "a list",
        ),
        (
            "acknowledgements:\n  - resource: data\n    stacks: prod\n    reason: " + REASON + "\n",
            "acknowledgements[0].stacks",
            "'prod' (text)",
        ),
        ("acknowledgements:\n  - resource: data\n    reason: [a, b, c, d]\n", "acknowledgements[0].reason", "a list"),
        (
            "acknowledgements:\n  - resource: data\n    1: x\n    reason: " + REASON + "\n",
            "acknowledgements[0]",
            "unknown keys ['1']",
        ),
        (
            "acknowledgements:\n  - resource: data\n    resource: other\n    reason: " + REASON + "\n",
            "acknowledgements[0].resource",
            "appears twice",
        ),
        (
            "acknowledgements:\n  - resource: data\n    change: off\n    reason: " + REASON + "\n",
            "acknowledgements[0].change",
            "found 'off'",
        ),
    ],
)
def test_a_malformed_file_names_file_key_path_and_value(tmp_path: Path, text: str, key_path: str, found: str) -> None:
    root = project(tmp_path, text)
    with pytest.raises(UserInputError) as caught:
        load_acknowledgements(root)
    [problem] = caught.value.problems
    assert problem.file == str(root.environments_dir / "acknowledgements.yaml")
    assert problem.key_path == key_path, problem
    assert found in problem.message, problem.message


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    root = project(tmp_path, "acknowledgements:\n  - resource: [unclosed\n")
    with pytest.raises(UserInputError, match="not valid YAML") as caught:
        load_acknowledgements(root)
    [problem] = caught.value.problems
    assert problem.file.endswith("acknowledgements.yaml")
    assert problem.key_path.startswith("line "), problem
