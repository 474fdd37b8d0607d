"""ModelVersion against the loopback Vertex AI server, through the real aiplatform REST client."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from infra.rehearsal.vertex_server import VertexServer
from infra.release.providers.base import ReleaseInputError
from infra.release.providers.model_version import CONTENT_KEY_LABEL, ModelVersionProvider
from infra.release.providers.retry import RetriesExhausted
from tests.infra.release.providers.conftest import FAST_RETRY, LATE, Engine

PROJECT, LOCATION, MODEL_ID = "acme-staging", "europe-west4", "support-bot"
MODEL = f"projects/{PROJECT}/locations/{LOCATION}/models/{MODEL_ID}"
IMAGE = "europe-docker.pkg.dev/acme/serving/bot@sha256:" + "a" * 64
UPLOAD = r"^POST /v1/projects/acme-staging/locations/europe-west4/models:upload$"
MERGE = r":mergeVersionAliases$"


def inputs(server: VertexServer, artifact: str = "gs://acme-models/bot/1", **overrides: Any) -> dict[str, Any]:
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


def test_first_release_creates_the_parent_model_with_the_alias(vertex_server: VertexServer) -> None:
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    outs = engine.up(inputs(vertex_server))

    assert outs["model_resource_name"] == MODEL
    assert outs["version_id"] == "1"
    assert outs["version_resource_name"] == engine.id == f"{MODEL}@1"
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging"]}
    (stored,) = vertex_server.versions(MODEL)
    assert stored["artifactUri"] == "gs://acme-models/bot/1"
    assert stored["containerSpec"]["imageUri"] == IMAGE
    assert stored["labels"]["release"] == "rel-1"
    assert CONTENT_KEY_LABEL in stored["labels"]


def test_new_release_moves_the_alias_after_the_upload_is_done(vertex_server: VertexServer) -> None:
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


def test_rerun_finds_the_uploaded_version(vertex_server: VertexServer) -> None:
    provider = ModelVersionProvider(FAST_RETRY)
    first = provider.create(inputs(vertex_server))
    second = provider.create(inputs(vertex_server))

    assert first.id == second.id == f"{MODEL}@1"
    assert vertex_server.count(UPLOAD) == 1


def test_crash_between_upload_and_alias_move_then_rerun_completes(vertex_server: VertexServer) -> None:
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


def test_late_upload_response_is_not_uploaded_twice(vertex_server: VertexServer) -> None:
    vertex_server.faults.delay(LATE, times=1, match=UPLOAD)
    outs = ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server)).outs or {}

    assert outs["version_id"] == "1"
    assert vertex_server.count(UPLOAD, outcome="delayed") == 1
    assert vertex_server.count(UPLOAD) == 0
    assert len(vertex_server.versions(MODEL)) == 1


@pytest.mark.parametrize("status", [500, 503, 429])
@pytest.mark.parametrize("step", [UPLOAD, MERGE, r"/operations/"])
def test_transient_errors_are_retried(vertex_server: VertexServer, status: int, step: str) -> None:
    vertex_server.faults.fail(status, times=2, match=step)
    outs = ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server)).outs or {}

    assert outs["version_id"] == "1"
    assert vertex_server.count(step, outcome=f"injected {status}") >= 1
    assert vertex_server.count(UPLOAD) == 1  # a failed poll is retried by finding the upload, not repeating it
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging"]}


def test_not_found_parent_is_not_an_error_but_bad_requests_are_not_retried(vertex_server: VertexServer) -> None:
    vertex_server.faults.fail(400, times=1, match=UPLOAD)
    with pytest.raises(Exception, match="400"):
        ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server))
    assert vertex_server.count(UPLOAD, outcome=None) == 1


def test_alias_and_label_changes_update_in_place(vertex_server: VertexServer) -> None:
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    engine.up(inputs(vertex_server, env_alias="canary", labels={"release": "rel-1", "gate": "passed"}))

    assert engine.operations == ["create", "update"]
    assert vertex_server.aliases(MODEL) == {"1": ["default", "canary"]}
    (stored,) = vertex_server.versions(MODEL)
    assert stored["labels"]["gate"] == "passed"
    assert CONTENT_KEY_LABEL in stored["labels"]


def test_diff_replaces_on_new_content(vertex_server: VertexServer) -> None:
    provider = ModelVersionProvider(FAST_RETRY)
    olds = provider.create(inputs(vertex_server)).outs or {}
    assert provider.diff(f"{MODEL}@1", olds, inputs(vertex_server, "gs://x/2")).replaces == ["artifact_uri"]
    assert provider.diff(f"{MODEL}@1", olds, inputs(vertex_server, description="new")).replaces == []
    assert provider.diff(f"{MODEL}@1", olds, inputs(vertex_server)).changes is False


def test_delete_of_the_last_version_deletes_the_model(vertex_server: VertexServer) -> None:
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    engine.destroy()
    assert MODEL not in vertex_server.models
    assert engine.provider.read(f"{MODEL}@1", inputs(vertex_server)).id is None


def test_invalid_inputs_fail_before_any_call(vertex_server: VertexServer) -> None:
    bad = inputs(vertex_server, serving_image_uri="bot:latest", env_alias="default", labels={"Bad": "x"})
    with pytest.raises(ReleaseInputError) as err:
        ModelVersionProvider(FAST_RETRY).create(bad)
    message = str(err.value)
    assert "serving_image_uri" in message
    assert "env_alias" in message
    assert "labels.Bad" in message
    assert vertex_server.calls == []


def test_previous_version_kept_for_a_canary_then_retired(vertex_server: VertexServer) -> None:
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


def test_alias_waits_for_a_slow_upload_operation(vertex_server: VertexServer) -> None:
    provider = ModelVersionProvider(FAST_RETRY)
    provider.create(inputs(vertex_server))
    vertex_server.pending_polls = 3
    provider.create(inputs(vertex_server, "gs://acme-models/bot/2"))

    calls = [str(c) for c in vertex_server.calls]
    upload = max(i for i, c in enumerate(calls) if c.endswith("models:upload"))
    after = [c.rsplit(":", 1)[-1] if ":" in c.rsplit("/", 1)[-1] else "poll" for c in calls[upload + 1 :]]
    assert after == ["poll", "poll", "poll", "poll", "mergeVersionAliases"], calls
    assert vertex_server.aliases(MODEL) == {"1": ["default"], "2": ["staging"]}


def test_changing_only_the_api_endpoint_is_not_a_replacement(vertex_server: VertexServer) -> None:
    provider = ModelVersionProvider(FAST_RETRY)
    olds = provider.create(inputs(vertex_server)).outs or {}
    diff = provider.diff(
        f"{MODEL}@1", olds, inputs(vertex_server, api_endpoint="europe-west4-aiplatform.googleapis.com")
    )
    assert diff.replaces == []


def test_a_new_display_name_uploads_a_new_version_before_the_old_one_goes(vertex_server: VertexServer) -> None:
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    engine.up(inputs(vertex_server, display_name="support-bot-v2"))

    assert engine.operations == ["create", "replace"]
    assert engine.id == f"{MODEL}@2"
    assert vertex_server.aliases(MODEL) == {"2": ["staging", "default"]}


KEY = f"projects/{PROJECT}/locations/{LOCATION}/keyRings/genai-staging-keyring/cryptoKeys/genai-staging-vertex"
ROTATED_KEY = KEY + "-2"


def test_version_is_uploaded_with_the_customer_managed_key(vertex_server: VertexServer) -> None:
    outs = ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server, kms_key_name=KEY)).outs or {}

    (stored,) = vertex_server.versions(MODEL)
    assert stored["encryptionSpec"] == {"kmsKeyName": KEY}
    assert outs["kms_key_name"] == KEY


def test_without_a_key_no_encryption_spec_is_sent_and_the_content_key_is_unchanged(vertex_server: VertexServer) -> None:
    """Versions uploaded before CMEK keep their content key, so adding the input finds them again."""
    from infra.release.providers.model_version import content_key

    ModelVersionProvider(FAST_RETRY).create(inputs(vertex_server, kms_key_name=None))
    (stored,) = vertex_server.versions(MODEL)
    assert "encryptionSpec" not in stored
    plain = inputs(vertex_server)
    assert content_key({**plain, "kms_key_name": None}) == content_key(plain)
    assert content_key({**plain, "kms_key_name": KEY}) != content_key(plain)


def test_a_new_key_uploads_a_new_version_before_the_old_one_goes(vertex_server: VertexServer) -> None:
    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server, kms_key_name=KEY))
    assert engine.provider.diff(engine.id, engine.state, inputs(vertex_server, kms_key_name=ROTATED_KEY)).replaces == [
        "kms_key_name"
    ]
    engine.up(inputs(vertex_server, kms_key_name=ROTATED_KEY))

    assert engine.operations == ["create", "replace"]
    assert engine.id == f"{MODEL}@2"
    (stored,) = vertex_server.versions(MODEL)
    assert stored["encryptionSpec"] == {"kmsKeyName": ROTATED_KEY}
    assert vertex_server.aliases(MODEL) == {"2": ["staging", "default"]}


def test_an_invalid_key_is_rejected_before_any_call(vertex_server: VertexServer) -> None:
    for bad in ("", "genai-staging-vertex", "projects/p/locations/l/keyRings/r"):
        failures = ModelVersionProvider(FAST_RETRY).check({}, inputs(vertex_server, kms_key_name=bad)).failures
        assert [f.property for f in failures] == ["kms_key_name"], bad
    assert vertex_server.calls == []


def test_refresh_sees_an_alias_moved_by_hand_and_the_next_update_moves_it_back(vertex_server: VertexServer) -> None:
    from infra.release.providers.clients import VertexTarget, model_service

    engine = Engine(ModelVersionProvider(FAST_RETRY))
    declared = inputs(vertex_server)
    engine.up(declared)
    read = engine.provider.read(engine.id, engine.state)
    assert read.outs is not None
    assert engine.provider.diff(engine.id, read.outs, declared).changes is False

    other = ModelVersionProvider(FAST_RETRY).create(
        inputs(vertex_server, "gs://acme-models/bot/hotfix", env_alias="hotfix")
    )
    # by hand: the environment's alias moved to the hotfix version
    model_service(VertexTarget(PROJECT, LOCATION, vertex_server.base_url)).merge_version_aliases(
        name=other.id, version_aliases=["staging"]
    )
    read = engine.provider.read(engine.id, engine.state)
    assert read.outs is not None
    assert read.inputs is not None
    assert read.outs["env_alias"] is None
    assert read.inputs["env_alias"] is None

    engine.state = read.outs  # what `pulumi refresh` stores
    diff = engine.provider.diff(engine.id, engine.state, declared)
    assert diff.changes
    assert diff.replaces == []
    engine.up(declared)
    assert engine.operations == ["create", "update"]
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging"], "2": ["hotfix"]}


def test_refresh_sees_labels_changed_by_hand(vertex_server: VertexServer) -> None:
    from google.cloud import aiplatform_v1 as v1

    from infra.release.providers.clients import VertexTarget, model_service

    engine = Engine(ModelVersionProvider(FAST_RETRY))
    engine.up(inputs(vertex_server))
    model_service(VertexTarget(PROJECT, LOCATION, vertex_server.base_url)).update_model(
        model=v1.Model(name=engine.id, labels={"release": "edited"}), update_mask={"paths": ["labels"]}
    )
    read = engine.provider.read(engine.id, engine.state)
    assert read.inputs is not None
    assert read.inputs["labels"] == {"release": "edited"}


SLOW_OPERATIONS = dataclasses.replace(FAST_RETRY, max_attempts=30, operation_timeout=0.05)
"""An operation still running after 50 ms counts as timed out (the real default is an hour); one attempt
polls it at most about four times in that window."""


def test_an_upload_outliving_the_operation_timeout_is_waited_on_not_repeated(vertex_server: VertexServer) -> None:
    vertex_server.pending_polls = 40  # "not done" across many attempts' timeouts
    outs = ModelVersionProvider(SLOW_OPERATIONS).create(inputs(vertex_server)).outs or {}

    assert outs["version_id"] == "1"
    calls = [str(c) for c in vertex_server.calls]
    upload = next(i for i, c in enumerate(calls) if c.endswith("models:upload"))
    polls = [i for i, c in enumerate(calls) if "/operations/" in c]
    assert len(polls) > 4, calls  # the operation outlived several attempts
    assert vertex_server.count(UPLOAD) == 1, calls
    assert set(calls[upload + 1 : polls[-1] + 1]) == {calls[polls[0]]}, calls  # only ever this one operation
    assert vertex_server.aliases(MODEL) == {"1": ["default", "staging"]}


def test_retries_never_nest_one_budget_per_remote_call(vertex_server: VertexServer) -> None:
    provider = ModelVersionProvider(FAST_RETRY)
    previous, current = Engine(provider), Engine(provider)
    previous.up(inputs(vertex_server, "gs://acme-models/bot/1"))
    current.up(inputs(vertex_server, "gs://acme-models/bot/2"))
    vertex_server.faults.fail(503, times=100, match=MERGE)  # moving `default` off the retiring version fails

    with pytest.raises(RetriesExhausted, match="after 4 attempts"):
        previous.destroy()
    assert vertex_server.count(MERGE, outcome="injected 503") == FAST_RETRY.max_attempts  # not 4 x 4
    assert vertex_server.aliases(MODEL) == {"1": ["default"], "2": ["staging"]}  # nothing half-done
