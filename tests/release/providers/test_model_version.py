"""ModelVersion against the loopback Vertex AI server, through the real aiplatform REST client."""

from __future__ import annotations

import pytest

from infra.release.providers.base import ReleaseInputError
from infra.release.providers.model_version import CONTENT_KEY_LABEL, ModelVersionProvider
from infra.release.providers.retry import RetriesExhausted
from tests.fakes.vertex_server import VertexServer
from tests.release.providers.conftest import FAST_RETRY, LATE, Engine

PROJECT, LOCATION, MODEL_ID = "acme-staging", "europe-west4", "support-bot"
MODEL = f"projects/{PROJECT}/locations/{LOCATION}/models/{MODEL_ID}"
IMAGE = "europe-docker.pkg.dev/acme/serving/bot@sha256:" + "a" * 64
UPLOAD = r"^POST /v1/projects/acme-staging/locations/europe-west4/models:upload$"
MERGE = r":mergeVersionAliases$"


def inputs(server: VertexServer, artifact: str = "gs://acme-models/bot/1", **overrides) -> dict:
    return {
        "project": PROJECT,
        "location": LOCATION,
        "model_id": MODEL_ID,
        "display_name": "support-bot",
        "artifact_uri": artifact,
        "serving_image_uri": IMAGE,
        "description": "release 2026-11-26",
        "env_alias": "staging",
        "labels": {"release": "rel-1"},
        "api_endpoint": server.base_url,
        **overrides,
    }


def test_first_release_creates_the_parent_model_with_the_alias(vertex_server):
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    outs = engine.up(inputs(vertex_server))

    assert outs["model_resource_name"] == MODEL
    assert outs["version_id"] == "1"
    assert outs["version_resource_name"] == engine.id == f"{MODEL}@1"
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging"]}
    (stored,) = vertex_server.versions(MODEL)
    assert stored["artifactUri"] == "gs://acme-models/bot/1"
    assert stored["containerSpec"]["imageUri"] == IMAGE
    assert stored["labels"]["release"] == "rel-1" and CONTENT_KEY_LABEL in stored["labels"]


def test_new_release_moves_the_alias_after_the_upload_is_done(vertex_server):
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    outs = engine.up(inputs(vertex_server, "gs://acme-models/bot/2", labels={"release": "rel-2"}))

    assert engine.operations == ["create", "replace"]
    assert outs["version_resource_name"] == f"{MODEL}@2"
    # the replaced version was deleted afterwards, handing the registry's default to the new one
    assert vertex_server.aliases(MODEL) == {"2": ["staging", "default"]}
    calls = [str(c) for c in vertex_server.calls]
    upload = max(i for i, c in enumerate(calls) if c.endswith("models:upload"))
    polled = next(i for i, c in enumerate(calls) if i > upload and "/operations/" in c)
    merge = next(i for i, c in enumerate(calls) if c.endswith(":mergeVersionAliases") and i > upload)
    assert upload < polled < merge, calls


def test_rerun_finds_the_uploaded_version(vertex_server):
    provider = ModelVersionProvider(FAST_RETRY)
    first = provider.create(inputs(vertex_server))
    second = provider.create(inputs(vertex_server))

    assert first.id == second.id == f"{MODEL}@1"
    assert vertex_server.count(UPLOAD) == 1


def test_crash_between_upload_and_alias_move_then_rerun_completes(vertex_server):
    provider = ModelVersionProvider(FAST_RETRY)
    provider.create(inputs(vertex_server))  # release 1 serves as "staging"

    # release 2: the upload finishes, then the process driving it dies before the alias move
    vertex_server.faults.crash_after(r"^GET /ui/.*/models/support-bot/operations/")
    with pytest.raises(RetriesExhausted, match="move aliases"):
        provider.create(inputs(vertex_server, "gs://acme-models/bot/2"))
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging"], "2": []}  # release 1 still serves

    vertex_server.faults.recover()
    again = provider.create(inputs(vertex_server, "gs://acme-models/bot/2"))

    assert again.id == f"{MODEL}@2"
    assert vertex_server.count(UPLOAD) == 2  # one per release, none repeated
    assert vertex_server.aliases(MODEL) == {"1": ["default"], "2": ["staging"]}


def test_late_upload_response_is_not_uploaded_twice(vertex_server):
    vertex_server.faults.delay(LATE, times=1, match=UPLOAD)
    outs = ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server)).outs or {}

    assert outs["version_id"] == "1"
    assert vertex_server.count(UPLOAD, outcome="delayed") == 1
    assert vertex_server.count(UPLOAD) == 0
    assert len(vertex_server.versions(MODEL)) == 1


@pytest.mark.parametrize("status", [500, 503, 429])
@pytest.mark.parametrize("step", [UPLOAD, MERGE, r"/operations/"])
def test_transient_errors_are_retried(vertex_server, status, step):
    vertex_server.faults.fail(status, times=2, match=step)
    outs = ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server)).outs or {}

    assert outs["version_id"] == "1"
    assert vertex_server.count(step, outcome=f"injected {status}") >= 1
    assert vertex_server.count(UPLOAD) == 1  # a failed poll is retried by finding the upload, not repeating it
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging"]}


def test_not_found_parent_is_not_an_error_but_bad_requests_are_not_retried(vertex_server):
    vertex_server.faults.fail(400, times=1, match=UPLOAD)
    with pytest.raises(Exception, match="400"):
        ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server))
    assert vertex_server.count(UPLOAD, outcome=None) == 1


def test_alias_and_label_changes_update_in_place(vertex_server):
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    engine.up(inputs(vertex_server, env_alias="canary", labels={"release": "rel-1", "gate": "passed"}))

    assert engine.operations == ["create", "update"]
    assert vertex_server.aliases(MODEL) == {"1": ["default", "canary"]}
    (stored,) = vertex_server.versions(MODEL)
    assert stored["labels"]["gate"] == "passed" and CONTENT_KEY_LABEL in stored["labels"]


def test_diff_replaces_on_new_content(vertex_server):
    provider = ModelVersionProvider(FAST_RETRY)
    olds = provider.create(inputs(vertex_server)).outs or {}
    assert provider.diff(f"{MODEL}@1", olds, inputs(vertex_server, "gs://x/2")).replaces == ["artifact_uri"]
    assert provider.diff(f"{MODEL}@1", olds, inputs(vertex_server, description="new")).replaces == []
    assert provider.diff(f"{MODEL}@1", olds, inputs(vertex_server)).changes is False


def test_delete_of_the_last_version_deletes_the_model(vertex_server):
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    engine.destroy()
    assert MODEL not in vertex_server.models
    assert engine.provider.read(f"{MODEL}@1", inputs(vertex_server)).id is None


def test_invalid_inputs_fail_before_any_call(vertex_server):
    bad = inputs(vertex_server, serving_image_uri="bot:latest", env_alias="default", labels={"Bad": "x"})
    with pytest.raises(ReleaseInputError) as err:
        ModelVersionProvider(FAST_RETRY).create(bad)
    message = str(err.value)
    assert "serving_image_uri" in message and "env_alias" in message and "labels.Bad" in message
    assert vertex_server.calls == []


def test_previous_version_kept_for_a_canary_then_retired(vertex_server):
    """The Release component keeps the previous release's version (alias `<env>-previous`) during a canary."""
    provider = ModelVersionProvider(FAST_RETRY)
    previous, current = Engine(provider), Engine(provider)
    previous.up(inputs(vertex_server, "gs://acme-models/bot/1"))
    current.up(inputs(vertex_server, "gs://acme-models/bot/2"))
    assert vertex_server.aliases(MODEL) == {"1": ["default"], "2": ["staging"]}

    previous.up(inputs(vertex_server, "gs://acme-models/bot/1", env_alias="staging-previous"))
    assert previous.operations == ["create", "update"]
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging-previous"], "2": ["staging"]}

    previous.destroy()  # canary over: the registry's default moves to the remaining version first
    assert vertex_server.aliases(MODEL) == {"2": ["staging", "default"]}
    assert vertex_server.count(UPLOAD) == 2


def test_alias_waits_for_a_slow_upload_operation(vertex_server):
    provider = ModelVersionProvider(FAST_RETRY)
    provider.create(inputs(vertex_server))
    vertex_server.pending_polls = 3
    provider.create(inputs(vertex_server, "gs://acme-models/bot/2"))

    calls = [str(c) for c in vertex_server.calls]
    upload = max(i for i, c in enumerate(calls) if c.endswith("models:upload"))
    after = [c.rsplit(":", 1)[-1] if ":" in c.rsplit("/", 1)[-1] else "poll" for c in calls[upload + 1 :]]
    assert after == ["poll", "poll", "poll", "poll", "mergeVersionAliases"], calls
    assert vertex_server.aliases(MODEL) == {"1": ["default"], "2": ["staging"]}


def test_changing_only_the_api_endpoint_is_not_a_replacement(vertex_server):
    provider = ModelVersionProvider(FAST_RETRY)
    olds = provider.create(inputs(vertex_server)).outs or {}
    diff = provider.diff(
        f"{MODEL}@1", olds, inputs(vertex_server, api_endpoint="europe-west4-aiplatform.googleapis.com")
    )
    assert diff.replaces == []


def test_a_new_display_name_uploads_a_new_version_before_the_old_one_goes(vertex_server):
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    engine.up(inputs(vertex_server, display_name="support-bot-v2"))

    assert engine.operations == ["create", "replace"]
    assert engine.id == f"{MODEL}@2"
    assert vertex_server.aliases(MODEL) == {"2": ["staging", "default"]}
