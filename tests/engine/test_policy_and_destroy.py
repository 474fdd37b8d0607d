"""The CLI-run policy pack stops a non-compliant prod before anything is created; `protect` stops prod's destroy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.engine.conftest import copy_project, run

pytestmark = pytest.mark.engine


@pytest.fixture
def project(pulumi_cli: str, pinned_templates: None, tmp_path: Path) -> Path:  # noqa: ARG001 - for their effect
    return copy_project(tmp_path / "project")


def test_a_mandatory_violation_in_prod_stops_up_with_nothing_created(project: Path, tmp_path: Path) -> None:
    stack_file = project / "environments" / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack_file.read_text())
    environment = document["config"]["genai-mlops:environment"]
    environment["serving"]["models"][0]["private_service_connect"] = False
    del environment["serving"]["gateway"]["network"]  # a public endpoint needs no VPC path (a config error)
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    result = run(project, "prod", tmp_path / "state")
    assert result.error is not None, result.error
    assert "vertex-endpoint-private" in result.error, result.error
    assert result.policy["mandatory"] == 1
    assert [r for r in result.resources if r["type"] != "pulumi:pulumi:Stack"] == []
    assert {s["op"] for s in result.steps} == {"create"}, "the steps are the preview's plan, none was applied"


def test_the_same_change_below_production_is_advisory(project: Path, tmp_path: Path) -> None:
    result = run(project, "staging", tmp_path / "state", operation="preview")
    assert result.error is None
    assert result.policy["mandatory"] == 0
    assert result.policy["advisory"] > 0


def test_destroy_of_prod_is_stopped_by_protect_and_dev_destroys_cleanly(project: Path, tmp_path: Path) -> None:
    prod = run(project, "prod", tmp_path / "prod")
    assert prod.error is None, prod.error
    destroyed = run(project, "prod", tmp_path / "prod", operation="destroy")
    assert destroyed.error is not None
    assert "protect" in destroyed.error
    protected = {r["urn"] for r in destroyed.resources if r.get("protect")}
    assert protected, "protected resources survive the destroy"
    assert protected <= {r["urn"] for r in prod.resources if r.get("protect")}

    dev = run(project, "dev", tmp_path / "dev")
    assert dev.error is None, dev.error
    gone = run(project, "dev", tmp_path / "dev", operation="destroy")
    assert gone.error is None, gone.error
    assert gone.resources == []
    assert gone.change_summary == {"delete": dev.change_summary["create"]}
