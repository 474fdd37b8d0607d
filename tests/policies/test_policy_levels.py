"""Levels per environment and exemptions: defaults, overrides, and every invalid file rejected clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from contracts.errors import UserInputError
from infra.layout import Project
from policies.discovery import discover_rules
from policies.levels import DEFAULT_LEVELS_FILE, load_levels, parse_levels
from policies.model import Level

RULE_IDS = {r.id for r in discover_rules()}
RULES = {r.id: r for r in discover_rules()}
REASON = "Scratch shards are rebuilt by every pipeline run."
PRODUCTION = frozenset({"prod"})
PROJECT = Project.at(Path(__file__).resolve().parents[2])


def test_shipped_levels_file_is_valid() -> None:
    config = load_levels(DEFAULT_LEVELS_FILE, discover_rules(), PROJECT)
    assert config.source == str(DEFAULT_LEVELS_FILE)


def test_defaults_follow_category_and_environment() -> None:
    config = parse_levels({}, RULE_IDS, "levels.yaml", PRODUCTION)
    assert config.level(RULES["storage-bucket-versioning"], "prod") is Level.MANDATORY  # data-loss
    assert config.level(RULES["storage-bucket-uniform-access"], "prod") is Level.MANDATORY  # security
    assert config.level(RULES["labels-required"], "prod") is Level.ADVISORY  # hygiene
    assert config.level(RULES["storage-bucket-uniform-access"], "dev") is Level.ADVISORY


def test_override_and_exemption() -> None:
    config = parse_levels(
        {
            "levels": {"dev": {"protection-stateful-protected": "disabled"}, "prod": {"labels-required": "mandatory"}},
            "exemptions": [
                {"rule": "storage-bucket-versioning", "resource": "scratch", "reason": REASON, "environments": ["prod"]}
            ],
        },
        RULE_IDS,
        "levels.yaml",
        PRODUCTION,
    )
    assert config.level(RULES["protection-stateful-protected"], "dev") is Level.DISABLED
    assert config.level(RULES["labels-required"], "prod") is Level.MANDATORY
    assert config.exemption_for("storage-bucket-versioning", "urn:x", "scratch", "prod") is not None
    assert config.exemption_for("storage-bucket-versioning", "urn:x", "scratch", "dev") is None
    assert config.exemption_for("storage-bucket-cmek", "urn:x", "scratch", "prod") is None


@pytest.mark.parametrize(
    ("document", "key_path"),
    [
        ({"levels": {"prod": {"no-such-rule": "advisory"}}}, "levels.prod.no-such-rule"),
        ({"levels": {"prod": {"labels-required": "blocking"}}}, "levels.prod.labels-required"),
        ({"exemptions": [{"rule": "labels-required", "resource": "x", "reason": "because"}]}, "exemptions[0].reason"),
        ({"exemptions": [{"rule": "labels-required", "resource": "x"}]}, "exemptions[0].reason"),
        ({"exemptions": [{"rule": "nope", "resource": "x", "reason": REASON}]}, "exemptions[0].rule"),
        ({"exemptions": [{"rule": "labels-required", "resource": "", "reason": REASON}]}, "exemptions[0].resource"),
        (
            {"exemptions": [{"rule": "labels-required", "resource": "x", "reason": REASON, "until": "x"}]},
            "exemptions[0]",
        ),
        ({"level": {}}, "level"),
        ({"exemptions": [{"rule": [], "resource": "x", "reason": REASON}]}, "exemptions[0].rule"),
        ({"exemptions": [{"rule": {"a": 1}, "resource": "x", "reason": REASON}]}, "exemptions[0].rule"),
        ({"exemptions": [{"rule": "labels-required", "resource": ["x"], "reason": REASON}]}, "exemptions[0].resource"),
        ({"exemptions": [{"rule": "labels-required", "resource": "x", "reason": REASON, 1: 2}]}, "exemptions[0]"),
        (
            {"exemptions": [{"rule": "labels-required", "resource": "x", "reason": REASON, "environments": "prod"}]},
            "exemptions[0].environments",
        ),
        ({"exemptions": ["labels-required"]}, "exemptions[0]"),
        ({"exemptions": {"rule": "labels-required"}}, "exemptions"),
        ({"levels": {"prod": {"labels-required": ["advisory"]}}}, "levels.prod.labels-required"),
        ({"levels": {"prod": ["labels-required"]}}, "levels.prod"),
        ({"levels": ["prod"]}, "levels"),
    ],
)
def test_invalid_levels_are_rejected_with_key_path(document: object, key_path: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_levels(document, RULE_IDS, "levels.yaml", PRODUCTION)
    assert key_path in [p.key_path for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "key_path", "found"),
    [
        ("exemptions:\n  - rule: []\n    resource: x\n    reason: " + REASON + "\n", "exemptions[0].rule", "a list"),
        ("levels:\n  prod:\n    labels-required: off\n", "levels.prod.labels-required", "'off' (text)"),
        ("levels:\n  prod: {}\n  prod: {}\n", "levels.prod", "appears twice"),
        ("- levels\n", "", "found a list"),
    ],
)
def test_a_malformed_file_names_file_key_path_and_value(tmp_path: Path, text: str, key_path: str, found: str) -> None:
    bad = tmp_path / "levels.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(UserInputError) as caught:
        load_levels(bad, discover_rules(), PROJECT)
    [problem] = caught.value.problems
    assert (problem.file, problem.key_path) == (str(bad), key_path), problem
    assert found in problem.message, problem.message


def test_invalid_yaml_file(tmp_path: Path) -> None:
    bad = tmp_path / "levels.yaml"
    bad.write_text("levels: [unclosed\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="not valid YAML"):
        load_levels(bad, discover_rules(), PROJECT)


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    file = tmp_path / "levels.yaml"
    file.write_text(yaml.safe_dump({"levels": {"staging": {"kms-key-rotation": "mandatory"}}}), encoding="utf-8")
    config = load_levels(file, discover_rules(), PROJECT)
    assert config.level(RULES["kms-key-rotation"], "staging") is Level.MANDATORY
