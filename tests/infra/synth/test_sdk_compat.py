"""The SDK adaptations change nothing that is recorded, and leave nothing behind after the run."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import pickle
from pathlib import Path
from typing import Any

import pytest
from pulumi import dynamic
from pulumi.dynamic import dynamic as dynamic_sdk
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import callback_pb2

from benchmarks.scaling_program import resources_for, stack_name, write_scaling_project
from contracts.fsutil import canonical_json
from infra.layout import Project
from infra.synth import synth_stack
from infra.synth.sdk_compat import (
    CHECKED_SDK_VERSION,
    STOCK_SWITCH,
    engine_adaptations,
    installed_sdk_version,
    registered_transforms,
    sdk_matches,
    settle_then_close,
    synth_adaptations,
)
from tests.checkout import PROJECT


def both_ways(stack: str, project: Project) -> tuple[str, str]:
    adapted = canonical_json(synth_stack(stack, project))
    stock = canonical_json(synth_stack(stack, project, adapt_sdk=False))
    return adapted, stock


@pytest.mark.slow
@pytest.mark.parametrize("stack", PROJECT.environments())
def test_every_shipped_stack_is_byte_identical_either_way(stack: str) -> None:
    adapted, stock = both_ways(stack, PROJECT)
    assert adapted == stock, f"{stack}: the adapted synth recorded something the stock SDK path did not"


@pytest.mark.slow
def test_benchmark_program_is_byte_identical_either_way(tmp_path: Path) -> None:
    models = 40
    write_scaling_project(tmp_path, [models])
    adapted, stock = both_ways(stack_name(models), Project(tmp_path))
    assert adapted == stock
    assert adapted.count('"urn":') == resources_for(models)


def test_the_installed_sdk_is_the_checked_one() -> None:
    assert sdk_matches(), f"pulumi {installed_sdk_version()} installed; adaptations were read against "\
        f"{CHECKED_SDK_VERSION}: re-check sdk_compat.py against the new SDK and update CHECKED_SDK_VERSION"


def test_adaptations_are_restored_after_the_block() -> None:
    stock_trace = sdk_resource._get_stack_trace
    collecting = gc.isenabled()
    with synth_adaptations() as adapted:
        assert adapted
        assert sdk_resource._get_stack_trace is not stock_trace
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0
    assert sdk_resource._get_stack_trace is stock_trace
    assert gc.isenabled() == collecting
    assert gc.get_freeze_count() == 0


class _Made:
    """An object the collector tracks, made inside the block."""


def test_what_the_run_made_leaves_the_block_in_the_oldest_generation() -> None:
    gc.collect()
    with synth_adaptations():
        made = [_Made() for _ in range(1000)]
    assert gc.get_count()[0] < 100  # the next allocation does not start a scan of the run's objects
    youngest = {id(obj) for obj in gc.get_objects(generation=0)}
    oldest = {id(obj) for obj in gc.get_objects(generation=2)}
    assert not any(id(obj) in youngest for obj in made)
    assert all(id(obj) in oldest for obj in made)


def test_adaptations_are_restored_when_the_block_fails() -> None:
    stock_trace = sdk_resource._get_stack_trace
    with pytest.raises(RuntimeError, match="program failed"), synth_adaptations():
        raise RuntimeError("program failed")
    assert sdk_resource._get_stack_trace is stock_trace
    assert gc.isenabled()


def test_another_sdk_version_takes_the_stock_path_with_one_notice(capsys: pytest.CaptureFixture[str]) -> None:
    stock_trace = sdk_resource._get_stack_trace
    for _ in range(2):
        with synth_adaptations(sdk_version="3.999.0") as adapted:
            assert not adapted
            assert sdk_resource._get_stack_trace is stock_trace
            assert gc.isenabled()
    notice = capsys.readouterr().err.splitlines()
    assert notice == [notice[0]]
    assert "3.999.0" in notice[0]
    assert CHECKED_SDK_VERSION in notice[0]


def test_disabled_takes_the_stock_path_silently(capsys: pytest.CaptureFixture[str]) -> None:
    with synth_adaptations(enabled=False) as adapted:
        assert not adapted
    assert capsys.readouterr().err == ""


def test_the_engines_program_keeps_its_stack_traces_and_pauses_the_collector() -> None:
    """Under the real engine the stack trace is recorded (source positions), so only 1, 3 and 5 apply."""
    stock_trace, serialize = sdk_resource._get_stack_trace, dynamic_sdk.serialize_provider
    with engine_adaptations() as adapted:
        assert adapted
        assert sdk_resource._get_stack_trace is stock_trace
        assert dynamic_sdk.serialize_provider is not serialize
        assert not gc.isenabled()
    assert dynamic_sdk.serialize_provider is serialize
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("switch", ["off", "OFF"])
def test_the_switch_runs_the_engines_program_on_the_stock_path(
    switch: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(STOCK_SWITCH, switch)
    with engine_adaptations() as adapted:
        assert not adapted
        assert gc.isenabled()
    assert capsys.readouterr().err == ""


def test_the_engines_program_on_another_sdk_takes_the_stock_path_with_the_notice(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with engine_adaptations(sdk_version="3.998.0") as adapted:
        assert not adapted
        assert gc.isenabled()
    assert "3.998.0" in capsys.readouterr().err


def test_what_the_engines_program_returns_settles_then_ends_the_adaptations() -> None:
    closed: list[bool] = []
    adaptations = contextlib.ExitStack()
    adaptations.enter_context(engine_adaptations())
    adaptations.callback(closed.append, True)
    assert not gc.isenabled()
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(settle_then_close(adaptations))
    finally:
        loop.close()
    assert closed == [True]
    assert gc.isenabled()


def test_live_values_and_invokes_take_the_stock_calls_and_record_the_same(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: small\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: small-dev\n  gcp:region: europe-west4\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_gcp as gcp\n"
        "project = gcp.organizations.get_project_output(project_id='small-dev')\n"
        "bucket = gcp.storage.Bucket('b', location='EU', labels={'number': project.number})\n"
        "gcp.storage.BucketObject('readme', bucket=bucket.name, name='README',\n"
        "                         source=pulumi.StringAsset('hello'))\n"
        "pulumi.export('secret', pulumi.Output.secret('s3cr3t'))\n"
    )
    adapted, stock = both_ways("dev", Project(tmp_path))
    assert adapted == stock
    assert '"[asset]"' in adapted
    assert "s3cr3t" not in adapted


def test_registered_transforms_go_through_the_sdks_resolver() -> None:
    """The SDK's private resolver the inline registration path uses still exists and keeps only known tokens."""
    unknown = callback_pb2.Callback(target="127.0.0.1:0", token="no-such-transform")
    assert registered_transforms([]) == []
    assert registered_transforms([unknown]) == []


class _Provider(dynamic.ResourceProvider):
    """A provider to serialize (never run)."""


def test_serializing_providers_keeps_the_pickler_flat_and_the_bytes_the_same() -> None:
    """Stock: every serialization wraps pickle's dict writer once more (the chain the adaptation avoids)."""
    pickler: Any = pickle._Pickler
    found = pickler._batch_setitems, pickler.save_dict
    try:
        with synth_adaptations() as adapted:
            assert adapted
            flat = [dynamic_sdk.serialize_provider(_Provider()) for _ in range(30)]
            assert (pickler._batch_setitems, pickler.save_dict) == found
        stock = [dynamic_sdk.serialize_provider(_Provider()) for _ in range(30)]
        assert pickler._batch_setitems is not found[0]  # if this fails, the SDK restores it: drop adaptation 5
        assert flat == stock
    finally:
        pickler._batch_setitems, pickler.save_dict = found
