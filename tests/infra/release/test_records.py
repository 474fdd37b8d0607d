"""Release records: one Markdown page per cut, promotion, canary end and rollback, written with the manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.layout import Project
from infra.release.canary import abort_canary, finish_canary
from infra.release.promote import promote
from infra.release.records import record_paths
from infra.release.rollback import rollback
from tests.infra.release.promotion_cases import COMMIT, NOW, SKIP, request
from tests.infra.release.release_project import tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")


def test_a_promotion_writes_its_record_with_gates_evaluation_lineage_and_previous(project: Path) -> None:
    outcome = promote(request("dev", "staging"), Project(project))
    assert outcome.status == "promoted"
    assert outcome.record_path is not None
    assert outcome.record_path == project / "environments/releases/staging/records/0001-promotion-r2026-11-25-1.md"
    text = outcome.record_path.read_text()
    assert text.startswith("# Release r2026-11-25-1 promoted dev -> staging\n")
    assert "| previous release | r2026-11-18-1 |" in text
    assert "| by | dana@acme.example |" in text
    assert "| groundedness | 0.9134 | >= 0.8 |" in text
    assert "| toxicity | 0.0000 | <= 0.0 |" in text
    for gate in ("evaluation", "policy", "lineage", "approval"):
        assert f"- **{gate}**: passed" in text
    assert "verified: digest sha256:3fdbaacd" in text  # the gs:// report, read and checked
    assert f"| built from | `{COMMIT}` |" in text
    assert "| promoted from | dev |" in text
    assert "| tuned by assistant | tuning run genai-tuning-20261124-0300 |" in text
    assert "- **evaluation**: `0 5 * * *` (Europe/Amsterdam)" in text
    assert "## Previous release\n\n| | |\n|---|---|\n| release | r2026-11-18-1 |" in text


def test_a_blocked_promotion_writes_no_record(project: Path) -> None:
    snapshot = tree_bytes(project)
    assert promote(request("dev", "prod"), Project(project)).status == "blocked"  # lineage and approval
    assert tree_bytes(project) == snapshot
    assert record_paths("prod", Project(project)) == []


def test_canary_finish_abort_and_rollback_each_leave_a_numbered_record(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    prod = request("staging", "prod", approve_by="lee@acme.example", canary_percent=10)
    assert promote(prod, Project(project)).status == "promoted"
    finished = finish_canary("prod", Project(project), "lee@acme.example", NOW)
    assert finished.record_path is not None
    text = finished.record_path.read_text()
    assert text.startswith("# Canary of release r2026-11-25-1 finished in prod\n")
    assert "| traffic assistant | 100% this release, 0% previous |" in text
    assert "approved by lee@acme.example" in text
    assert "(recorded, not verified)" in text
    back = rollback("prod", Project(project), "sam@acme.example", NOW)
    assert back.record_path is not None
    rolled = back.record_path.read_text()
    assert rolled.startswith("# prod rolled back to release r2026-11-25-1\n")  # the canary manifest
    assert "archived at environments/releases/prod/rolled-back/" in rolled
    assert [p.name for p in record_paths("prod", Project(project))] == [
        "0001-promotion-r2026-11-25-1.md",
        "0002-canary-finish-r2026-11-25-1.md",
        "0003-rollback-r2026-11-25-1.md",
    ]
    aborted = abort_canary("prod", Project(project), "sam@acme.example", NOW)
    assert aborted.record_path is not None
    assert aborted.record_path.name == "0004-canary-abort-r2026-11-18-1.md"
    assert aborted.record_path.read_text().startswith("# Canary in prod aborted: back to release r2026-11-18-1\n")
