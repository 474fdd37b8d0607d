"""The release manifest: every validation rule with its exact message, the shipped manifests, the bundle."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.errors import UserInputError
from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest, bundle_of
from infra.release.placeholders import resolve_placeholders
from infra.release.schema import ReleaseManifest, resolve_deployment
from infra.release.store import dump_manifest, find_manifest, load_manifest, parse_manifest
from tests.checkout import PROJECT

FILE = Path("environments/release.dev.yaml")
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
IMAGE = "europe-docker.pkg.dev/acme-genai-dev/images/assistant-server@sha256:" + "c" * 64


@pytest.fixture(scope="module")
def dev():
    return load_environment("dev", PROJECT)


@pytest.fixture(scope="module")
def prod():
    return load_environment("prod", PROJECT)


def valid_document(env: str = "dev") -> dict[str, Any]:
    return {
        "release": "r2026-11-25-1",
        "environment": env,
        "pipelines": {
            "tuning": {
                "package": "genai-tuning",
                "compiled": "build/pipelines/tuning.yaml",
                "digest": DIGEST_A,
                "schedule": {
                    "cron": "0 3 * * 1",
                    "time_zone": "Europe/Amsterdam",
                    "parameters": {"project": "${project}", "epochs": 3},
                    "paused": False,
                },
            },
            "evaluation": {
                "package": "genai-evaluation",
                "compiled": "build/pipelines/evaluation.yaml",
                "digest": DIGEST_B,
            },
        },
        "models": {
            "assistant": {
                "artifact_uri": "gs://acme-genai-dev-model-artifacts/assistant/r2026-11-25-1",
                "tuned_model": {"pipeline": "tuning", "run": "genai-tuning-20261124"},
                "serving_image": IMAGE,
                "description": "Assistant tuned on the November docs.",
                "deployment": {"min_replicas": 1, "max_replicas": 1},
            }
        },
        "evaluation": {
            "report": "gs://acme-genai-dev-pipeline-root/evaluation/r2026-11-25-1/report.json",
            "metrics": {"groundedness": 0.91, "toxicity": 0.0, "relevance": 0.84, "fluency": 0.88},
        },
        "provenance": {
            "promoted_at": "2026-11-25T09:12:00Z",
            "promoted_by": "release-bot@acme.example",
            "commit": "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c",
            "built_from": "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c",
        },
    }


def problems_of(document: dict[str, Any], cfg: Any) -> list[str]:
    with pytest.raises(UserInputError) as caught:
        parse_manifest(document, FILE, cfg, PROJECT)
    return [p.render() for p in caught.value.problems]


def with_change(path: str, value: Any, env: str = "dev") -> dict[str, Any]:
    """The valid document with the value at dotted `path` replaced (or removed when value is ...)."""
    document = copy.deepcopy(valid_document(env))
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return document


def test_valid_manifest_round_trips_through_yaml(dev) -> None:
    manifest = parse_manifest(valid_document(), FILE, dev, PROJECT)
    again = parse_manifest(yaml.safe_load(dump_manifest(manifest)), FILE, dev, PROJECT)
    assert again == manifest
    assert manifest.pipelines["tuning"].schedule is not None
    assert manifest.pipelines["tuning"].schedule.service_account is None  # env default at apply time


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
            "${region}, ${env}, ${app}, ${prefix} or, as a whole value, ${gate.<metric>.min|max}",
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
def test_each_rule_reports_file_key_path_and_fix(dev, path: str, value: Any, expected: str) -> None:
    assert problems_of(with_change(path, value), dev) == [f"{FILE}: {expected}"]


def test_all_problems_are_reported_at_once(dev) -> None:
    document = with_change("pipelines.tuning.digest", "md5:1")
    document["models"]["assistant"]["serving_image"] = "assistant:latest"
    document["provenance"]["commit"] = "HEAD"
    assert len(problems_of(document, dev)) == 3


def test_model_must_be_served_by_the_environment(dev) -> None:
    document = valid_document()
    document["models"]["assistent"] = document["models"].pop("assistant")
    assert problems_of(document, dev) == [
        f"{FILE}: models.assistent: 'assistent' is not a served model of environment 'dev'; did you mean "
        "'assistant'? (served: assistant; add it under serving.models in the stack file)"
    ]


def test_replicas_must_stay_within_the_environment_limits(prod) -> None:
    document = valid_document("prod")
    document["approval"] = {"approved_by": "lee@acme.example", "approved_at": "2026-11-25T10:00:00Z"}
    document["models"]["assistant"]["deployment"] = {"min_replicas": 1, "max_replicas": 8}
    assert problems_of(document, prod) == [
        f"{FILE}: models.assistant.deployment.min_replicas: 1 is outside the environment's limits for "
        "'assistant': 2-6 (serving.models in the stack file)",
        f"{FILE}: models.assistant.deployment.max_replicas: 8 is outside the environment's limits for "
        "'assistant': 2-6 (serving.models in the stack file)",
    ]


def test_previous_version_must_come_from_an_earlier_release(dev) -> None:
    document = valid_document()
    model = document["models"]["assistant"]
    model["previous"] = {
        "release": "r2026-11-25-1",
        "artifact_uri": "gs://old-bucket/old",
        "serving_image": IMAGE,
        "description": "old",
    }
    model["deployment"]["traffic_split"] = {"current": 90, "previous": 10}
    assert problems_of(document, dev) == [
        f"{FILE}: models.assistant.previous.release: 'r2026-11-25-1' is this release; the previous version must "
        "come from an earlier release"
    ]


def test_environment_must_match_the_file(dev) -> None:
    assert problems_of(valid_document("staging"), dev) == [
        f"{FILE}: environment: found 'staging' but this is the manifest of 'dev'; set environment: dev"
    ]


def test_production_needs_a_recorded_approval(prod) -> None:
    document = valid_document("prod")
    document["models"]["assistant"]["deployment"] = {}
    assert problems_of(document, prod) == [
        f"{FILE}: approval: environment 'prod' requires a recorded approval; promote with `--approve-by NAME`"
    ]


def test_deployment_defaults_come_from_the_environment_config(prod) -> None:
    document = valid_document("prod")
    document["models"]["assistant"]["deployment"] = {}
    document["approval"] = {"approved_by": "lee@acme.example", "approved_at": "2026-11-25T10:00:00Z"}
    manifest = parse_manifest(document, FILE, prod, PROJECT)
    served = next(m for m in prod.serving.models if m.name == "assistant")
    resolved = resolve_deployment(manifest.models["assistant"], served)
    assert (resolved.machine_type, resolved.min_replicas, resolved.max_replicas) == ("n1-standard-4", 2, 6)
    assert (resolved.current_percent, resolved.previous_percent) == (100, 0)


def test_placeholders_resolve_to_the_environment(dev) -> None:
    resolved = resolve_placeholders(
        {"uri": "bq://${project}.${app}_${env}_logs.t", "topic": ["${prefix}-events"], "n": 3}, dev
    )
    assert resolved == {"uri": "bq://acme-genai-dev.genai_dev_logs.t", "topic": ["genai-dev-events"], "n": 3}


def test_bundle_digest_covers_the_bundle_not_the_environment_parts(dev) -> None:
    base = parse_manifest(valid_document(), FILE, dev, PROJECT)
    rescheduled = parse_manifest(with_change("pipelines.tuning.schedule.paused", True), FILE, dev, PROJECT)
    redigested = parse_manifest(with_change("pipelines.tuning.digest", "sha256:" + "d" * 64), FILE, dev, PROJECT)
    reimaged = parse_manifest(
        with_change("models.assistant.serving_image", IMAGE.replace("c" * 64, "e" * 64)), FILE, dev, PROJECT
    )
    assert bundle_digest(base) == bundle_digest(rescheduled)
    assert len({bundle_digest(base), bundle_digest(redigested), bundle_digest(reimaged)}) == 3


def test_report_digest_is_part_of_the_bundle_only_when_set(dev) -> None:
    base = parse_manifest(valid_document(), FILE, dev, PROJECT)
    pinned = parse_manifest(with_change("evaluation.report_digest", DIGEST_A), FILE, dev, PROJECT)
    repinned = parse_manifest(with_change("evaluation.report_digest", DIGEST_B), FILE, dev, PROJECT)
    assert "report_digest" not in bundle_of(base)["evaluation"]  # manifests without it keep their digest
    assert bundle_of(pinned)["evaluation"]["report_digest"] == DIGEST_A
    assert len({bundle_digest(base), bundle_digest(pinned), bundle_digest(repinned)}) == 3
    assert parse_manifest(yaml.safe_load(dump_manifest(pinned)), FILE, dev, PROJECT) == pinned


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
def test_report_references(dev, report: str, problem: str | None) -> None:
    document = with_change("evaluation.report", report)
    if problem is None:
        assert parse_manifest(document, FILE, dev, PROJECT).evaluation.report == report
    else:
        (found,) = problems_of(document, dev)
        assert found.startswith(f"{FILE}: evaluation.report: {report!r} {problem}: expected 'gs://<bucket>/<path>'")


def test_report_digest_must_be_a_sha256_digest(dev) -> None:
    (found,) = problems_of(with_change("evaluation.report_digest", "abc"), dev)
    assert found == (
        f"{FILE}: evaluation.report_digest: 'abc' is not a sha256 digest: expected 'sha256:' followed by 64 "
        "lowercase hex characters"
    )


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_shipped_manifests_are_valid(env: str) -> None:
    cfg = load_environment(env, PROJECT)
    manifest = load_manifest(env, cfg, PROJECT)
    assert isinstance(manifest, ReleaseManifest)
    assert manifest.environment == env
    assert set(manifest.models) <= {m.name for m in cfg.serving.models}


def test_shipped_promoted_manifests_carry_their_bundle_digest() -> None:
    for env in ("staging", "prod"):
        manifest = load_manifest(env, load_environment(env, PROJECT), PROJECT)
        assert manifest.provenance.bundle_digest == bundle_digest(manifest), env


def test_missing_manifest_is_reported_or_absent(tmp_path: Path, dev) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nstackConfigDir: environments\n")
    (tmp_path / "environments").mkdir()
    assert find_manifest("dev", dev, Project(tmp_path)) is None
    with pytest.raises(UserInputError) as caught:
        load_manifest("dev", dev, Project(tmp_path))
    assert caught.value.problems[0].file == str(tmp_path / "environments" / "release.dev.yaml")
    assert "no release manifest for environment 'dev'" in caught.value.problems[0].message


def test_pipeline_names_are_the_catalogs() -> None:
    from infra.release.validators import PIPELINE_NAMES
    from pipelines.catalog import PIPELINES

    assert tuple(PIPELINES) == PIPELINE_NAMES


def test_a_pipeline_name_typo_is_named_with_a_suggestion(dev) -> None:
    document = copy.deepcopy(valid_document())
    document["pipelines"]["tunning"] = document["pipelines"].pop("tuning")
    assert problems_of(document, dev) == [
        "environments/release.dev.yaml: pipelines.tunning: 'tunning' is not a pipeline of this project; did you "
        "mean 'tuning'? (pipelines: tuning, evaluation)"
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("qa", "found 'qa', which is not another environment of this project (environments: staging, prod)"),
        ("dev", "found 'dev' (the environment itself), which is not another environment of this project "
                "(environments: staging, prod)"),
        ("stagin", "found 'stagin', which is not another environment of this project; did you mean 'staging'? "
                   "(environments: staging, prod)"),
    ],
)
def test_promoted_from_names_another_environment(dev, source: str, expected: str) -> None:
    assert problems_of(with_change("provenance.promoted_from", source), dev) == [
        f"environments/release.dev.yaml: provenance.promoted_from: {expected}"
    ]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("models.assistant.deployment.min_replicas", "1",
         "expected a whole number, found '1' (text); write 1 without quotes (quoted values are text)"),
        ("pipelines.tuning.schedule.paused", "no",
         "expected true or false, found 'no' (text); write false without quotes (YAML 1.2 reads yes/no/on/off as "
         "words, like the Pulumi engine)"),
        ("evaluation.metrics.groundedness", "0.9", "expected a number, found '0.9' (text); write 0.9 without quotes"),
        ("provenance.promoted_at", 1764061920,
         "expected an ISO 8601 timestamp with a time zone, e.g. '2026-11-26T03:00:00Z'; found 1764061920"),
        ("models.assistant.deployment.max_replicas", 2**31,
         "Input should be less than or equal to 2147483647; found 2147483648"),
    ],
)
def test_types_are_strict(dev, path: str, value: Any, expected: str) -> None:
    (message,) = problems_of(with_change(path, value), dev)
    assert message.startswith(f"environments/release.dev.yaml: {path}: {expected}"), message


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("pipelines.tuning.schedule.parameters", {"epochs": None},
         "pipelines.tuning.schedule.parameters.epochs: expected one of: text; true or false; a whole number; a "
         "number; a list (`- item` lines); a mapping (key: value lines), found null (an empty value)"),
        ("provenance.promoted_at", "2026-11-26T03:00:00",
         "provenance.promoted_at: the timestamp needs a time zone ('Z' or an offset such as '+01:00'), found "
         "'2026-11-26T03:00:00' (text)"),
        ("provenance.promoted_at", "yesterday",
         "provenance.promoted_at: expected an ISO 8601 timestamp with a time zone, e.g. '2026-11-26T03:00:00Z', "
         "found 'yesterday' (text)"),
    ],
)
def test_one_message_per_value_in_the_users_terms(dev, path: str, value: Any, expected: str) -> None:
    """A value fitting no member of a union is one problem at its own key path, without pydantic's type names."""
    assert problems_of(with_change(path, value), dev) == [f"environments/release.dev.yaml: {expected}"]
