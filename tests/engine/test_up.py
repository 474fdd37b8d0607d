"""`pulumi up` of dev, staging and prod under the real engine: what the synth lists is what gets created."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.layout import Project
from infra.rehearsal.run import Rehearsal
from infra.synth.api import synth_result
from infra.synth.sdk_compat import STOCK_SWITCH
from tests.engine.conftest import copy_project, run

pytestmark = pytest.mark.engine
ENVS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def applied(
    pulumi_cli: str,  # noqa: ARG001 - requested for its effect (the CLI on PATH)
    pinned_templates: None,  # noqa: ARG001 - requested for its effect (the templates written)
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Path, Path, Rehearsal, Rehearsal]]:
    """Each environment applied twice on its own state: (project, state dir, first up, second up)."""
    project = copy_project(tmp_path_factory.mktemp("platform") / "project")
    done = {}
    for env in ENVS:
        state = tmp_path_factory.mktemp(f"state-{env}")
        first = run(project, env, state)
        second = run(project, env, state)
        done[env] = (project, state, first, second)
    return done


def counted(resources: list[dict[str, Any]]) -> int:
    """What the engine's change summary counts: every resource but the default providers."""
    return sum(
        1 for r in resources if not (r["type"].startswith("pulumi:providers:") and r["name"].startswith("default"))
    )


def _engine_view(resources: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """URN -> (type, parent, protect, provider URN): the provider reference loses its `::<id>` suffix."""
    view = {}
    for r in resources:
        provider = r.get("provider") or None
        view[r["urn"]] = (r["type"], r.get("parent") or None, bool(r.get("protect")),
                          provider.rsplit("::", 1)[0] if provider else None)
    return view


def _synth_view(resources: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {r["urn"]: (r["type"], r["parent"], bool(r["protect"]), r["provider"]) for r in resources}


def _agrees(offline: Any, engine: Any) -> bool:
    """Equal, where the synth knows the value ("[unknown]" is what only the server assigns)."""
    if offline == "[unknown]":
        return True
    if isinstance(offline, dict) and isinstance(engine, dict):
        return offline.keys() == engine.keys() and all(_agrees(v, engine[k]) for k, v in offline.items())
    if isinstance(offline, list) and isinstance(engine, list):
        return len(offline) == len(engine) and all(_agrees(a, b) for a, b in zip(offline, engine, strict=True))
    return bool(offline == engine)


@pytest.mark.parametrize("env", ENVS)
def test_up_creates_every_resource_the_synth_lists(env: str, applied: dict[str, Any]) -> None:
    project, _, first, _ = applied[env]
    assert first.error is None, first.error
    snapshot = synth_result(env, Project(project)).document
    expected, created = _synth_view(snapshot["resources"]), _engine_view(first.resources)
    assert sorted(set(expected) ^ set(created)) == [], "URNs differ between the synth and the engine's state"
    wrong = {urn: (expected[urn], created[urn]) for urn in expected if expected[urn] != created[urn]}
    assert wrong == {}, "type, parent, protect or provider differ"
    assert {s["urn"] for s in first.steps if s["op"] == "create"} == set(expected)
    assert first.change_summary == {"create": counted(snapshot["resources"])}
    if env == "prod":
        assert any(created[urn][2] for urn in created), "prod protects its stateful resources"


@pytest.mark.parametrize("env", ENVS)
def test_stack_outputs_equal_the_synth(env: str, applied: dict[str, Any]) -> None:
    project, _, first, _ = applied[env]
    offline = synth_result(env, Project(project)).document["outputs"]
    assert set(first.outputs) == set(offline)
    assert {k: (offline[k], first.outputs[k]) for k in offline if not _agrees(offline[k], first.outputs[k])} == {}


@pytest.mark.parametrize("env", ENVS)
def test_a_second_up_changes_nothing(env: str, applied: dict[str, Any]) -> None:
    _, _, first, second = applied[env]
    assert second.error is None, second.error
    assert second.change_summary == {"same": first.change_summary["create"]}, second.change_summary
    assert {s["op"] for s in second.steps} == {"same"}


def test_the_shipped_prod_passes_the_cli_run_pack(applied: dict[str, Any]) -> None:
    _, _, first, _ = applied["prod"]
    assert first.policy["mandatory"] == 0
    assert first.policy["advisory"] > 0, "the analyzer ran: advisory findings reach the engine"


_PROVIDER_ID = re.compile(r"(^|::)[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
_LOOPBACK_PORT = re.compile(r"(127\.0\.0\.1|localhost):\d+")
_VERTEX_ID = re.compile(r"(?<![\w.:-])1\d{3}(?![\w.:-])")


def _run_independent(value: Any) -> Any:
    """`value` without what differs between two stock runs of the same up: the default provider's id, the
    loopback servers' ports, the order of the dependency sets (the engine records them as they resolve) and
    the numbers loopback Vertex AI gives its resources (it counts from 1000 in creation order, and the engine
    creates independent resources concurrently)."""
    if isinstance(value, dict):
        return {
            _run_independent(k):
            sorted(_run_independent(v)) if k == "dependencies" else
            {p: sorted(_run_independent(d)) for p, d in v.items()} if k == "propertyDependencies" else
            _run_independent(v)
            for k, v in value.items() if k not in ("created", "modified")
        }
    if isinstance(value, list):
        return [_run_independent(v) for v in value]
    if isinstance(value, str):
        value = _LOOPBACK_PORT.sub(r"\1:<port>", _PROVIDER_ID.sub(r"\1<id>", value))
        return _VERTEX_ID.sub("<vertex-id>", value)
    return value


def _recorded(resources: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(_run_independent(r), sort_keys=True) for r in sorted(resources, key=lambda r: r["urn"])]


def test_the_sdks_stock_path_records_the_same_state(
    applied: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inline program's SDK adaptations (`infra/synth/sdk_compat.py`, on in every other engine test) change
    nothing the engine records: inputs, outputs, dependencies, stack traces and source positions included."""
    project, _, adapted, _ = applied["dev"]
    monkeypatch.setenv(STOCK_SWITCH, "off")
    # A state directory as deep as the adapted run's: source positions are relative to the rehearsal's root.
    stock = run(project, "dev", tmp_path_factory.mktemp("state-stock"))
    assert stock.error is None, stock.error
    assert any(r.get("sourcePosition") for r in stock.resources), "the engine records source positions"
    mine, theirs = _recorded(adapted.resources), _recorded(stock.resources)
    assert len(mine) == len(theirs)
    differ = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
    assert differ == [], f"{len(differ)} resources differ, the first adapted / stock: {differ[0]}"
