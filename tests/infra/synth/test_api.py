"""Offline synth of the fixture program: the pinned snapshot, engine URNs, masking, isolation, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contracts.errors import UserInputError
from contracts.fsutil import canonical_json
from infra.layout import Project
from infra.synth import synth_stack, synth_stacks_in_subprocess, write_snapshot
from infra.synth.invokes import fake_project_number

P = "urn:pulumi:dev::fixture-platform::"
ENV = "fixture:platform:Environment"
DATA = f"{ENV}$fixture:platform:Data"
SERVING = f"{ENV}$fixture:platform:Serving"
GCP_DEFAULT = f"{P}pulumi:providers:gcp::default_10_2_0"


def by_urn(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in doc["resources"]}


def test_snapshot_is_byte_identical_across_runs(fixture_dir: Path, dev_snapshot: dict[str, Any]) -> None:
    again = synth_stack("dev", Project(fixture_dir))
    assert canonical_json(again) == canonical_json(dev_snapshot)


def test_child_process_synth_equals_in_process(fixture_dir: Path, dev_snapshot: dict[str, Any],
                                               prod_snapshot: dict[str, Any]) -> None:
    results = synth_stacks_in_subprocess(["dev", "prod"], Project(fixture_dir))
    assert canonical_json(results["dev"].document) == canonical_json(dev_snapshot)
    assert canonical_json(results["prod"].document) == canonical_json(prod_snapshot)


def test_document_header_and_sorted_resources(dev_snapshot: dict[str, Any]) -> None:
    assert (dev_snapshot["version"], dev_snapshot["project"], dev_snapshot["stack"]) == (1, "fixture-platform", "dev")
    urns = [r["urn"] for r in dev_snapshot["resources"]]
    assert urns == sorted(urns)
    expected_keys = {"urn", "type", "name", "custom", "parent", "provider", "protect", "retainOnDelete",
                     "dependencies", "ignoreChanges", "replaceOnChanges", "aliases", "inputs"}
    for resource in dev_snapshot["resources"]:
        assert set(resource) == expected_keys, resource["urn"]


def test_nested_component_urns_follow_the_engine_rule(dev_snapshot: dict[str, Any]) -> None:
    resources = by_urn(dev_snapshot)
    stack_urn = f"{P}pulumi:pulumi:Stack::fixture-platform-dev"
    bucket_urn = f"{P}{DATA}$gcp:storage/bucket:Bucket::dev-data-artifacts"
    assert resources[f"{P}{ENV}::dev"]["parent"] == stack_urn
    assert resources[f"{P}{DATA}::dev-data"]["parent"] == f"{P}{ENV}::dev"
    assert resources[bucket_urn]["parent"] == f"{P}{DATA}::dev-data", bucket_urn
    assert resources[stack_urn]["parent"] is None
    for urn in resources:
        if urn != stack_urn:
            assert "pulumi:pulumi:Stack" not in urn, urn


def test_default_providers_are_named_and_listed_like_the_engine(dev_snapshot: dict[str, Any]) -> None:
    resources = by_urn(dev_snapshot)
    bucket = resources[f"{P}{DATA}$gcp:storage/bucket:Bucket::dev-data-artifacts"]
    assert bucket["provider"] == GCP_DEFAULT
    provider = resources[GCP_DEFAULT]
    assert provider["type"] == "pulumi:providers:gcp"
    assert provider["inputs"] == {"project": "fixture-dev", "region": "europe-west4", "version": "10.2.0"}
    dynamic = resources[f"{P}{SERVING}$pulumi-python:dynamic:Resource::dev-serving-assistant-version"]
    assert dynamic["provider"] == f"{P}pulumi:providers:pulumi-python::default"
    assert f"{P}pulumi:providers:pulumi-python::default" in resources
    assert resources[f"{P}{ENV}::dev"]["provider"] is None  # components have no provider


def test_dynamic_provider_blob_is_a_short_stable_marker(dev_snapshot: dict[str, Any]) -> None:
    dynamic = by_urn(dev_snapshot)[f"{P}{SERVING}$pulumi-python:dynamic:Resource::dev-serving-assistant-version"]
    assert dynamic["inputs"] == {
        "__provider": "[dynamic provider: fixture_components.ModelVersionProvider]",
        "alias": "live",
        "model": "assistant",
    }


def test_inputs_are_camel_case_with_options(dev_snapshot: dict[str, Any], prod_snapshot: dict[str, Any]) -> None:
    bucket = by_urn(dev_snapshot)[f"{P}{DATA}$gcp:storage/bucket:Bucket::dev-data-artifacts"]
    assert bucket["inputs"]["uniformBucketLevelAccess"] is True
    assert bucket["inputs"]["lifecycleRules"] == [{"action": {"type": "Delete"}, "condition": {"age": 7}}]
    assert bucket["ignoreChanges"] == ["labels"]
    assert bucket["protect"] is False
    prod_bucket = by_urn(prod_snapshot)[
        "urn:pulumi:prod::fixture-platform::" + f"{DATA}$gcp:storage/bucket:Bucket::prod-data-artifacts"
    ]
    assert prod_bucket["protect"] is True
    assert prod_bucket["inputs"]["lifecycleRules"][0]["condition"]["age"] == 90
    endpoint = by_urn(dev_snapshot)[f"{P}{SERVING}$gcp:vertex/aiEndpoint:AiEndpoint::dev-serving-assistant"]
    assert endpoint["replaceOnChanges"] == ["encryptionSpec"]


def test_aliases_are_engine_urns(dev_snapshot: dict[str, Any]) -> None:
    dataset = by_urn(dev_snapshot)[f"{P}{DATA}$gcp:bigquery/dataset:Dataset::dev-data-logs"]
    assert dataset["aliases"] == [f"{P}{DATA}$gcp:bigquery/dataset:Dataset::dev-data-requests"]


def test_dependencies_are_recorded(dev_snapshot: dict[str, Any]) -> None:
    version = by_urn(dev_snapshot)[f"{P}{SERVING}$gcp:secretmanager/secretVersion:SecretVersion::dev-serving-token-v1"]
    assert version["dependencies"] == [f"{P}{SERVING}$gcp:secretmanager/secret:Secret::dev-serving-token"]
    assert version["inputs"]["secret"] == "[unknown]"  # an id is unknown in a create-preview


def test_secrets_are_masked_and_never_appear(fixture_dir: Path, dev_snapshot: dict[str, Any],
                                             prod_snapshot: dict[str, Any]) -> None:
    version = by_urn(dev_snapshot)[f"{P}{SERVING}$gcp:secretmanager/secretVersion:SecretVersion::dev-serving-token-v1"]
    assert version["inputs"]["secretData"] == {"[secret]": True}
    assert dev_snapshot["outputs"]["apiToken"] == {"[secret]": True}
    for stack, doc in (("dev", dev_snapshot), ("prod", prod_snapshot)):
        ciphertext = (fixture_dir / "stacks" / f"Pulumi.{stack}.yaml").read_text().split("secure: ")[1].strip()
        assert ciphertext not in canonical_json(doc)


def test_stack_outputs_unknowns_and_data_sources(dev_snapshot: dict[str, Any]) -> None:
    assert dev_snapshot["outputs"] == {
        "apiToken": {"[secret]": True},
        "bucketName": "dev-artifacts",
        "bucketUrl": "gs://dev-artifacts",  # derived from the name (infra/synth/derived.py)
        "endpoints": ["assistant (dev)"],
        "projectNumber": fake_project_number("fixture-dev"),
    }


def test_program_config_error_keeps_its_type_and_key_path(fixture_dir: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        synth_stack("broken", Project(fixture_dir))
    assert caught.value.problems[0].key_path == "fixture-platform:settings.location"
    assert "MARS" in caught.value.problems[0].message


def test_program_config_error_crosses_the_child_process(fixture_dir: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        synth_stacks_in_subprocess(["broken"], Project(fixture_dir))
    assert caught.value.problems[0].key_path == "fixture-platform:settings.location"


def test_missing_stack_file_is_named(fixture_dir: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        synth_stack("qa", Project(fixture_dir))
    assert caught.value.problems[0].file.endswith("stacks/Pulumi.qa.yaml")


def test_write_snapshot_is_canonical(tmp_path: Path, dev_snapshot: dict[str, Any]) -> None:
    path = write_snapshot(dev_snapshot, tmp_path / "out" / "dev.json")
    assert path.read_text() == canonical_json(dev_snapshot)
    assert json.loads(path.read_text()) == dev_snapshot
    assert [p.name for p in path.parent.iterdir()] == ["dev.json"]  # no temp file left behind


def test_user_error_raised_inside_an_apply_keeps_its_type(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: applies\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: p\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi, pulumi_gcp as gcp\n"
        "from contracts.errors import UserInputError\n"
        "def check(value):\n"
        "    raise UserInputError.single('Pulumi.dev.yaml', 'applies:bucket', f'bad {value}')\n"
        "gcp.storage.Bucket('b', location=pulumi.Output.from_input('EU').apply(check))\n"
    )
    with pytest.raises(UserInputError) as caught:
        synth_stack("dev", Project(tmp_path))
    assert caught.value.problems[0].message == "bad EU"


def test_caller_thread_keeps_its_event_loop(fixture_dir: Path) -> None:
    import asyncio

    policy = asyncio.get_event_loop_policy()
    try:
        before = policy.get_event_loop()
    except RuntimeError:
        pytest.skip("an earlier test left this thread without an event loop")
    synth_stack("dev", Project(fixture_dir))  # invokes run on this thread; its loop must stay as it was
    assert policy.get_event_loop() is before
