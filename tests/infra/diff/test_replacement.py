"""Replacement rules come from one source: the force-new table for gcp types, the providers for release types."""

from __future__ import annotations

from typing import Any

from infra.diff import diff_snapshots
from infra.diff.force_new import force_new_paths
from infra.diff.replacement import RELEASE_PROVIDERS, diff_rules
from infra.release.providers import PipelineScheduleProvider, PipelineTemplateProvider
from tests.infra.diff.helpers import BUCKET, resource, snapshot, urn

TEMPLATE = "pulumi-python:dynamic/release:PipelineTemplate"
SCHEDULE = "pulumi-python:dynamic/release:PipelineSchedule"


def template(digest: str, path: str = "build/tuning.yaml") -> dict[str, Any]:
    return {"__provider": "[dynamic provider: x]", "host": "https://h", "package_name": "tuning",
            "expected_digest": digest, "tags": ["r1"], "template_path": path}


def schedule(cron: str = "0 3 * * 1") -> dict[str, Any]:
    return {"__provider": "[dynamic provider: y]", "project": "p", "location": "l", "cron": cron,
            "display_name": "tuning", "template_uri": "[unknown]", "template_path": "build/tuning.yaml"}


def release(digest: str, path: str = "build/tuning.yaml", cron: str = "0 3 * * 1") -> dict[str, Any]:
    return snapshot("prod", [
        resource("prod", TEMPLATE, "tuning-template", template(digest, path)),
        resource("prod", SCHEDULE, "tuning-schedule", schedule(cron),
                 dependencies=[urn("prod", TEMPLATE, "tuning-template")]),
        resource("prod", BUCKET, "unrelated", {"name": "b", "location": "EU"}),
    ])


def test_release_types_use_the_providers_own_replace_on() -> None:
    assert set(RELEASE_PROVIDERS) == {
        TEMPLATE, SCHEDULE, "pulumi-python:dynamic/release:ModelVersion",
        "pulumi-python:dynamic/release:EndpointDeployment",
    }
    assert diff_rules(TEMPLATE).replace_on == PipelineTemplateProvider.REPLACE_ON
    assert diff_rules(SCHEDULE).replace_on == PipelineScheduleProvider.REPLACE_ON
    assert diff_rules(BUCKET).replace_on == force_new_paths(BUCKET)
    assert "location" in force_new_paths(BUCKET)


def test_template_digest_change_replaces_it_and_its_schedule() -> None:
    diff = diff_snapshots(release("sha256:aa"), release("sha256:bb"))
    ops = {s.name: s.op for s in diff.steps}
    assert ops == {"tuning-template": "replace", "tuning-schedule": "replace", "unrelated": "same"}
    scheduled = next(s for s in diff.steps if s.name == "tuning-schedule")
    assert scheduled.replace_reasons == ["template_uri"]
    assert scheduled.detailed_diff[0].because == "output of replaced tuning-template"


def test_inputs_the_provider_does_not_diff_are_not_changes() -> None:
    # template_path is NOT_DIFFED (the digest pins the content); the provider's diff ignores it, so must we
    diff = diff_snapshots(release("sha256:aa"), release("sha256:aa", path="elsewhere/tuning.yaml"))
    assert {s.op for s in diff.steps} == {"same"}


def test_update_of_a_non_force_new_input_is_an_update_and_does_not_spread() -> None:
    diff = diff_snapshots(release("sha256:aa"), release("sha256:aa", cron="0 4 * * 1"))
    ops = {s.name: s.op for s in diff.steps}
    assert ops == {"tuning-template": "same", "tuning-schedule": "update", "unrelated": "same"}
