"""Value rules of a manifest: each rule's exact message at its key path, with the fix."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.config.model import EnvironmentConfig
from infra.release.store import parse_manifest
from tests.checkout import PROJECT
from tests.infra.release.manifest_documents import (
    FILE,
    problems_of,
    valid_document,
    with_change,
)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "pipelines.tuning.schedul",
            {},
            "pipelines.tuning.schedul: unknown key 'schedul'; did you mean 'schedule'? "
            "(allowed: compiled, digest, package, schedule)",
        ),
        (
            "pipelines.tuning.digest",
            "sha256:abc",
            "pipelines.tuning.digest: 'sha256:abc' is not a sha256 digest: expected 'sha256:' followed by 64 "
            "lowercase hex characters",
        ),
        (
            "pipelines.tuning.compiled",
            "/abs/tuning.yaml",
            "pipelines.tuning.compiled: '/abs/tuning.yaml' is not a compiled pipeline path: expected a relative "
            "path to the compiled YAML inside the project, e.g. 'build/pipelines/tuning.yaml'",
        ),
        (
            "pipelines.tuning.schedule.cron",
            "0 3 * *",
            "pipelines.tuning.schedule.cron: cron '0 3 * *' is invalid: expected 5 fields 'minute hour "
            "day-of-month month day-of-week', e.g. '0 3 * * 1' (03:00 every Monday)",
        ),
        (
            "pipelines.tuning.schedule.cron",
            "TZ=Europe/Paris 0 3 * * 1",
            "pipelines.tuning.schedule.cron: cron 'TZ=Europe/Paris 0 3 * * 1' carries a time zone; move it to "
            "`time_zone` and keep the 5 cron fields here",
        ),
        (
            "pipelines.tuning.schedule.time_zone",
            "Europe/Amsterdm",
            "pipelines.tuning.schedule.time_zone: time zone 'Europe/Amsterdm' is not an IANA time zone name "
            "(e.g. 'UTC', 'Europe/Amsterdam'); did you mean 'Europe/Amsterdam'?",
        ),
        (
            "pipelines.tuning.schedule.parameters",
            {"project": "${projet}"},
            "pipelines.tuning.schedule.parameters: unknown placeholder(s) ${projet} in project; use ${project}, "
            "${region}, ${env}, ${app}, ${prefix} or, as a whole value, ${gate.<metric>.min|max}, "
            "${retraining.topic}, ${retraining.policy}, ${retraining.drift_bounds}, ${feedback.table}",
        ),
        (
            "models.assistant.serving_image",
            "europe-docker.pkg.dev/acme/images/assistant-server:v3",
            "models.assistant.serving_image: serving image 'europe-docker.pkg.dev/acme/images/assistant-server:v3' "
            "uses the tag ':v3'; tags move, so pin the image by digest: "
            "'europe-docker.pkg.dev/acme/images/assistant-server@sha256:<64 hex>' "
            "(find it with `gcloud artifacts docker images describe`)",
        ),
        (
            "models.assistant.serving_image",
            "europe-docker.pkg.dev/acme/images/assistant-server:v3@sha256:" + "c" * 64,
            "models.assistant.serving_image: serving image 'europe-docker.pkg.dev/acme/images/assistant-server:v3"
            "@sha256:" + "c" * 64 + "' uses the tag ':v3'; tags move, so pin the image by digest: "
            "'europe-docker.pkg.dev/acme/images/assistant-server@sha256:<64 hex>' "
            "(find it with `gcloud artifacts docker images describe`)",
        ),
        (
            "models.assistant.serving_image",
            "europe-docker.pkg.dev/acme/images/assistant-server",
            "models.assistant.serving_image: serving image 'europe-docker.pkg.dev/acme/images/assistant-server' "
            "has no digest; pin it as 'europe-docker.pkg.dev/acme/images/assistant-server@sha256:<64 hex>'",
        ),
        (
            "models.assistant.artifact_uri",
            "s3://bucket/model",
            "models.assistant.artifact_uri: 's3://bucket/model' is not a Cloud Storage URI: expected "
            "'gs://<bucket>/<path>'",
        ),
        (
            "models.assistant.deployment.traffic_split",
            {"current": 90, "previous": 20},
            "models.assistant.deployment.traffic_split: traffic shares must sum to 100; found current 90 + "
            "previous 20 = 110",
        ),
        (
            "models.assistant.deployment.traffic_split",
            {"current": 0, "previous": 100},
            "models.assistant.deployment.traffic_split: current is 0: the release's own version must receive "
            "traffic (at least 1)",
        ),
        (
            "models.assistant.deployment.traffic_split",
            {"current": 90, "previous": 10},
            "models.assistant: deployment.traffic_split.previous is 10 but no previous version is recorded; set "
            "traffic_split to {current: 100, previous: 0} or add `previous`",
        ),
        (
            "models.assistant.tuned_model",
            {"pipeline": "training", "run": "x"},
            "models.assistant.tuned_model.pipeline: 'training' is not a pipeline of this manifest (pipelines: "
            "evaluation, tuning)",
        ),
        (
            "evaluation.metrics",
            {"groundedness": 1.2},
            "evaluation.metrics.groundedness: Input should be less than or equal to 1; found 1.2",
        ),
        (
            "provenance.promoted_at",
            "2026-11-25T09:12:00",
            "provenance.promoted_at: the timestamp needs a time zone ('Z' or an offset such as '+01:00'), found "
            "'2026-11-25T09:12:00' (text)",
        ),
        (
            "release",
            "R1",
            "release: release id 'R1' is invalid: use 3-40 characters of lowercase letters, digits and hyphens, "
            "starting with a letter (e.g. 'r2026-11-26-1'); it becomes a label value and part of resource names",
        ),
        ("evaluation", ..., "evaluation: required key is missing"),
    ],
)
def test_each_rule_reports_file_key_path_and_fix(dev: EnvironmentConfig, path: str, value: Any, expected: str) -> None:
    assert problems_of(with_change(path, value), dev) == [f"{FILE}: {expected}"]


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        ("reports/r2026-11-25-1.json", None),
        ("file:///srv/evaluation/report.json", None),
        ("gs://acme-genai-dev-pipeline-root/evaluation/report.json", None),
        ("file://host/report.json", "is not a report reference"),
        ("file:///srv/../etc/report.json", "is not a report reference"),
        ("https://example.com/report.json", "is not a report reference"),
        ("/abs/report.json", "is not a report reference"),
    ],
)
def test_report_references(dev: EnvironmentConfig, report: str, problem: str | None) -> None:
    document = with_change("evaluation.report", report)
    if problem is None:
        assert parse_manifest(document, FILE, dev, PROJECT).evaluation.report == report
    else:
        (found,) = problems_of(document, dev)
        assert found.startswith(f"{FILE}: evaluation.report: {report!r} {problem}: expected 'gs://<bucket>/<path>'")


def test_report_digest_must_be_a_sha256_digest(dev: EnvironmentConfig) -> None:
    (found,) = problems_of(with_change("evaluation.report_digest", "abc"), dev)
    assert found == (
        f"{FILE}: evaluation.report_digest: 'abc' is not a sha256 digest: expected 'sha256:' followed by 64 "
        "lowercase hex characters"
    )


def test_pipeline_names_are_the_catalogs() -> None:
    from infra.release.validators import PIPELINE_NAMES
    from pipelines.catalog import PIPELINES

    assert tuple(PIPELINES) == PIPELINE_NAMES


def test_a_pipeline_name_typo_is_named_with_a_suggestion(dev: EnvironmentConfig) -> None:
    document = copy.deepcopy(valid_document())
    document["pipelines"]["tunning"] = document["pipelines"].pop("tuning")
    assert problems_of(document, dev) == [
        "environments/release.dev.yaml: pipelines.tunning: 'tunning' is not a pipeline of this project; did you "
        "mean 'tuning'? (pipelines: tuning, evaluation)"
    ]
