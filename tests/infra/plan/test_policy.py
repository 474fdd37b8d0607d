"""Policy outcome inside the plan: prod passes every mandatory rule and its exemptions are reported."""

from __future__ import annotations

from pathlib import Path

from infra.layout import Project
from infra.plan.policy import advisory_lines, check_policies, policy_json
from tests.synth_cache import shared_document

PROJECT = Project.at(Path(__file__).resolve().parents[3])


def test_prod_passes_and_lists_exemptions_with_reasons() -> None:
    report, note = check_policies(shared_document("prod", PROJECT), "prod", PROJECT)
    assert report is not None, note
    assert report.mandatory == (), report.mandatory
    assert any(
        item.startswith("[iam-no-admin-roles-for-service-accounts] genai-prod-project-deployer-storage-admin: ")
        and "protected-branch deploy workflow" in item
        for item in report.exemption_lines()
    ), report.exemption_lines()


def test_exemptions_are_scoped_to_their_environment() -> None:
    report, _ = check_policies(shared_document("dev", PROJECT), "dev", PROJECT)
    assert report is not None
    assert report.exemption_lines() == []
    assert any(item.startswith("[iam-no-admin-roles-for-service-accounts]") for item in advisory_lines(report))


def test_a_plan_without_the_pack_says_why_in_its_json() -> None:
    assert policy_json(None, "policy pack not available") == {
        "available": False, "mandatory": [], "advisory": [], "exemptions": [], "note": "policy pack not available",
    }
