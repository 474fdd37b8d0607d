"""Production is decided by the stack file's tier, never by the stack's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from contracts.tier import is_production
from infra.layout import Project
from policies.discovery import discover_rules
from policies.levels import load_levels
from policies.model import Level
from policies.tier import production_stacks

RULES = {r.id: r for r in discover_rules()}


def project(tmp_path: Path, stacks: dict[str, str | None], default_tier: str | None = None) -> Project:
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\nstackConfigDir: envs\n")
    envs = tmp_path / "envs"
    envs.mkdir()
    if default_tier:
        (envs / "defaults.yaml").write_text(f"tier: {default_tier}\n")
    for name, tier in stacks.items():
        body = f"config:\n  shop:environment:\n    tier: {tier}\n" if tier else "config:\n  gcp:project: x\n"
        (envs / f"Pulumi.{name}.yaml").write_text(body)
    return Project.at(tmp_path)


def test_tier_not_name_makes_a_stack_production(tmp_path: Path) -> None:
    root = project(tmp_path, {"prod": "staging", "prod-eu": "staging", "live": "production", "dev": None})
    assert production_stacks(root) == {"live"}
    levels = load_levels(None, RULES.values(), root)
    versioning = RULES["storage-bucket-versioning"]  # a data-loss rule: mandatory in production
    assert levels.level(versioning, "live") is Level.MANDATORY
    assert levels.level(versioning, "prod") is Level.ADVISORY
    assert levels.level(versioning, "prod-eu") is Level.ADVISORY


def test_shared_default_tier_applies_where_a_stack_sets_none(tmp_path: Path) -> None:
    root = project(tmp_path, {"a": None, "b": "development"}, default_tier="production")
    assert production_stacks(root) == {"a"}


def test_the_repository_s_own_prod_is_production_by_its_tier() -> None:
    stacks = production_stacks(Project.at(Path(__file__).resolve().parents[2]))
    assert "prod" in stacks
    assert "dev" not in stacks


def test_only_the_production_tier_is_production() -> None:
    assert is_production("production")
    assert not any(is_production(tier) for tier in ("staging", "development", "prod", None))


@pytest.mark.parametrize(
    ("body", "key_path", "found"),
    [
        ("config:\n  shop:environment:\n    tier: prod\n", "config.shop:environment.tier", "'prod' (text)"),
        ("config:\n  shop:environment:\n    tier: []\n", "config.shop:environment.tier", "a list"),
        ("config:\n  shop:tier: true\n", "config.shop:tier", "true (a boolean)"),
        ("config: [a]\n", "config", "a list"),
    ],
)
def test_a_malformed_tier_is_an_error_naming_file_key_and_value(
    tmp_path: Path, body: str, key_path: str, found: str
) -> None:
    root = project(tmp_path, {"dev": "development"})
    (root.environments_dir / "Pulumi.live.yaml").write_text(body)
    with pytest.raises(UserInputError) as caught:
        production_stacks(root)
    [problem] = caught.value.problems
    assert problem.file.endswith("Pulumi.live.yaml"), problem
    assert problem.key_path == key_path, problem
    assert found in problem.message, problem.message


def test_a_repeated_key_in_a_stack_file_is_refused_not_last_wins(tmp_path: Path) -> None:
    root = project(tmp_path, {"dev": "development"})
    (root.environments_dir / "Pulumi.live.yaml").write_text(
        "config:\n  shop:environment:\n    tier: production\n    tier: staging\n"
    )
    with pytest.raises(UserInputError, match="appears twice"):
        production_stacks(root)


def test_yaml_1_1_words_are_text_not_tiers(tmp_path: Path) -> None:
    root = project(tmp_path, {"dev": "development"}, default_tier="off")
    with pytest.raises(UserInputError) as caught:
        production_stacks(root)
    assert "'off' (text)" in str(caught.value)
