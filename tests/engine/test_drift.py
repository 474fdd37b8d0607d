"""`mlops drift`: a refresh preview through the real engine finds a change made outside Pulumi, and only it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli.app import main
from tests.engine.conftest import copy_project, run

pytestmark = pytest.mark.engine


@pytest.mark.usefixtures("pulumi_cli", "pinned_templates")
def test_drift_reports_a_label_changed_by_hand_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, state = copy_project(tmp_path / "project"), tmp_path / "state"
    assert run(project, "dev", state).error is None
    args = ["drift", "--env", "dev", "--state-dir", str(state), "--format", "json", "--project-dir", str(project)]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == {"stack": "dev", "drifted": []}

    # Someone edits a bucket's labels in the console: the loopback provider's record of the live resource.
    provider_state = state / "gcp-provider.json"
    live = json.loads(provider_state.read_text())
    (urn,) = [u for u in live["resources"] if u.endswith("::genai-dev-data-datasets")]
    live["resources"][urn]["outputs"]["labels"]["owner"] = "edited-by-hand"
    provider_state.write_text(json.dumps(live))

    assert main(args) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["drifted"] == [
        {"urn": urn, "type": "gcp:storage/bucket:Bucket", "op": "update", "properties": ["labels"]}
    ]
    # Read-only: the recorded state still holds the declared labels, so the program previews as unchanged
    # (a refresh that had written the hand edit would make the bucket an update here).
    preview = run(project, "dev", state, operation="preview")
    assert preview.error is None, preview.change_summary
    assert set(preview.change_summary) == {"same"}, preview.change_summary


@pytest.mark.usefixtures("pulumi_cli")
def test_drift_needs_a_rehearsal_in_the_state_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", "--env", "dev", "--state-dir", str(tmp_path / "empty")]) == 2
    assert "run `mlops rehearse --env ENV --state-dir DIR` first" in capsys.readouterr().err
