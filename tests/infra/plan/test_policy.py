"""Policy outcome inside the plan: prod passes every mandatory rule and its exemptions are reported."""

from __future__ import annotations

from pathlib import Path

from infra.layout import Project
from infra.plan.policy import check_policies
from infra.synth import synth_stack

PROJECT = Project.at(Path(__file__).resolve().parents[3])


def test_prod_passes_and_lists_exemptions_with_reasons() -> None:
    outcome = check_policies(synth_stack("prod", PROJECT), "prod", PROJECT.root)
    assert outcome.available
    assert outcome.mandatory == [], outcome.mandatory
    assert any(
        item.startswith("[iam-no-admin-roles-for-service-accounts] genai-prod-project-deployer-storage-admin: ")
        and "protected-branch deploy workflow" in item
        for item in outcome.exemptions
    ), outcome.exemptions


def test_exemptions_are_scoped_to_their_environment() -> None:
    outcome = check_policies(synth_stack("dev", PROJECT), "dev", PROJECT.root)
    assert outcome.exemptions == []
    assert any(item.startswith("[iam-no-admin-roles-for-service-accounts]") for item in outcome.advisory)
