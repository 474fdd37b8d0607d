"""Promotion's direction: releases move forward; against the environments' order only when asked explicitly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.promote import PromotionRequest, backward_reason, promote
from tests.infra.release.release_project import make_project, tree_bytes

NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
COMMIT = "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"
SKIP = "policy gate covered by its own tests"

pytestmark = pytest.mark.usefixtures("release_reports")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(make_project(tmp_path / "project"))


def request(source: str, target: str, **extra: object) -> PromotionRequest:
    fields: dict[str, object] = {"promoted_by": "dana@acme.example", "commit": COMMIT, "now": NOW, **extra}
    return PromotionRequest(source_env=source, target_env=target, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "target", "reason"),
    [
        ("staging", "dev", "dev is tier development, less protected than staging's staging"),
        ("prod", "dev", "dev is tier development, less protected than prod's production"),
        ("prod", "staging", "staging is tier staging, less protected than prod's production"),
    ],
)
def test_a_move_against_the_order_is_refused_naming_it(
    project: Project, source: str, target: str, reason: str
) -> None:
    before = tree_bytes(project.root)
    with pytest.raises(UserInputError) as refused:
        promote(request(source, target, skip_policy_check=SKIP), project)
    (problem,) = refused.value.problems
    assert (problem.file, problem.key_path) == ("--to", target)
    assert problem.message == (
        f"{source} -> {target} goes against the environments' order: {reason}; releases move forward (check "
        "--from and --to), or pass --allow-backward to do this on purpose"
    )
    assert tree_bytes(project.root) == before


def test_forward_moves_have_no_backward_reason(project: Project) -> None:
    dev, staging, prod = (load_environment(env, project) for env in ("dev", "staging", "prod"))
    assert backward_reason(project, dev, staging) is None
    assert backward_reason(project, staging, prod) is None
    assert backward_reason(project, dev, prod) is None  # forward; the lineage gate refuses skipping staging


def test_up_the_promote_from_chain_is_backward_within_one_tier(project: Project) -> None:
    prod = load_environment("prod", project)
    same_tier = prod.model_copy(update={"name": "prod-eu", "tier": "staging"})  # a staging-tier stack named prod-eu
    staging = load_environment("staging", project)
    twin = staging.model_copy(
        update={"release": staging.release.model_copy(update={"promote_from": "prod-eu"}), "name": "staging"}
    )
    assert backward_reason(project, twin, same_tier) == (
        "staging takes its releases from prod-eu (staging <- prod-eu, release.promote_from)"
    )


def test_allow_backward_promotes_and_the_record_says_so(project: Project) -> None:
    outcome = promote(request("staging", "dev", skip_policy_check=SKIP, allow_backward=True), project)
    assert outcome.status == "promoted", [g.render() for g in outcome.gates]
    assert outcome.record_path is not None
    assert (
        "- promoted against the environments' order (staging -> dev) with --allow-backward"
        in outcome.record_path.read_text(encoding="utf-8")
    )
