"""Production is decided by the stack file's tier, never by the stack's name."""

from __future__ import annotations

from pathlib import Path

from policies.discovery import discover_rules
from policies.levels import load_levels
from policies.model import Level
from policies.tier import production_stacks

RULES = {r.id: r for r in discover_rules()}


def project(tmp_path: Path, stacks: dict[str, str | None], default_tier: str | None = None) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\nstackConfigDir: envs\n")
    envs = tmp_path / "envs"
    envs.mkdir()
    if default_tier:
        (envs / "defaults.yaml").write_text(f"tier: {default_tier}\n")
    for name, tier in stacks.items():
        body = f"config:\n  shop:environment:\n    tier: {tier}\n" if tier else "config:\n  gcp:project: x\n"
        (envs / f"Pulumi.{name}.yaml").write_text(body)
    return tmp_path


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
    assert "prod" in production_stacks()
    assert "dev" not in production_stacks()
