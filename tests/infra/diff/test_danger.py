"""Dangerous changes: stateful or protected resources replaced or deleted, access widened."""

from __future__ import annotations

from infra.diff import diff_snapshots
from infra.diff.danger import dangers, home_project
from tests.infra.diff.helpers import BUCKET, TOPIC, resource, snapshot, urn

IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
MODEL = "pulumi-python:dynamic/release:ModelVersion"
DEPLOYMENT = "pulumi-python:dynamic/release:EndpointDeployment"


def test_replace_or_delete_of_what_holds_data_is_dangerous_and_a_plain_update_is_not() -> None:
    old = snapshot("prod", [
        resource("prod", BUCKET, "data", {"project": "p", "name": "d", "location": "EU"}),
        resource("prod", BUCKET, "logs", {"project": "p", "name": "l", "location": "EU", "labels": {"a": "1"}}),
        resource("prod", TOPIC, "events", {"project": "p", "name": "e", "messageRetentionDuration": "86400s"}),
        resource("prod", TOPIC, "plain", {"project": "p", "name": "x"}),
        resource("prod", "gcp:monitoring/dashboard:Dashboard", "board", {"project": "p"}, protect=True),
    ])
    new = snapshot("prod", [
        resource("prod", BUCKET, "data", {"project": "p", "name": "d", "location": "europe-west4"}),
        resource("prod", BUCKET, "logs", {"project": "p", "name": "l", "location": "EU", "labels": {"a": "2"}}),
    ])
    found = {(d.name, d.change): d.why for d in dangers(diff_snapshots(old, new), "p")}
    assert found == {
        ("data", "replace"): "bucket objects",
        ("events", "delete"): "retained messages (86400s)",
        ("board", "delete"): "protected",
    }


def test_a_model_version_serving_traffic_is_dangerous_to_replace() -> None:
    version_urn = urn("prod", MODEL, "assistant-r1")
    old = snapshot("prod", [
        resource("prod", MODEL, "assistant-r1", {"artifact_uri": "gs://a/1"}),
        resource("prod", DEPLOYMENT, "deploy", {"deployments": []}, dependencies=[version_urn]),
    ])
    new = snapshot("prod", [
        resource("prod", MODEL, "assistant-r1", {"artifact_uri": "gs://a/2"}),
        resource("prod", DEPLOYMENT, "deploy", {"deployments": []}, dependencies=[version_urn]),
    ])
    found = dangers(diff_snapshots(old, new), "p")
    assert [(d.name, d.change, d.why) for d in found] == [
        ("assistant-r1", "replace", "a model version serving traffic"),
    ]


def test_new_public_or_other_project_principals_are_dangerous_existing_ones_are_not() -> None:
    own = "serviceAccount:app@p.iam.gserviceaccount.com"
    other = "serviceAccount:ci@elsewhere.iam.gserviceaccount.com"
    old = snapshot("prod", [
        resource("prod", BUCKET, "b", {"project": "p", "name": "b"}),
        resource("prod", IAM, "kept-other", {"bucket": "b", "role": "r", "member": other}),
    ])
    new = snapshot("prod", [
        resource("prod", BUCKET, "b", {"project": "p", "name": "b"}),
        resource("prod", IAM, "kept-other", {"bucket": "b", "role": "r", "member": other}),
        resource("prod", IAM, "public", {"bucket": "b", "role": "r", "member": "allUsers"}),
        resource("prod", IAM, "own", {"bucket": "b", "role": "r", "member": own}),
        resource("prod", IAM, "new-other", {"bucket": "b", "role": "r2", "member": other}),
    ])
    assert home_project(new) == "p"
    found = {(d.name, d.change, d.why) for d in dangers(diff_snapshots(old, new), home_project(new))}
    assert found == {
        ("public", "grant", "public principal allUsers"),
        ("new-other", "grant", f"principal of another project (elsewhere): {other}"),
    }
