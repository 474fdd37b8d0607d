"""The approval gate: production needs a recorded approver who is not the promoter."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.promote import promote
from infra.release.store import load_manifest
from tests.infra.release.promotion_cases import (
    NOW,
    SKIP,
    reasons,
    request,
)

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


def test_prod_needs_an_approver_other_than_the_promoter(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"

    missing = promote(request("staging", "prod"), Project(project))
    assert missing.status == "blocked"
    assert [g.gate for g in missing.failed] == ["approval"]
    assert reasons(missing, "approval") == (
        "prod requires an approval (release.require_approval / tier production); pass --approve-by NAME of "
        "the approver",
    )
    self_approved = promote(request("staging", "prod", approve_by="Dana@acme.example"), Project(project))
    assert reasons(self_approved, "approval") == (
        "the approver (Dana@acme.example) is the person promoting; a second person must approve",
    )

    approved = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))
    assert approved.status == "promoted", [g.render() for g in approved.gates]
    prod = load_manifest("prod", load_environment("prod", Project(project)), Project(project))
    assert prod.approval is not None
    assert prod.approval.approved_by == "lee@acme.example"
    assert prod.approval.approved_at == NOW
