"""`pulumi up` of dev, staging and prod under the real engine: what the synth lists is what gets created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.layout import Project
from infra.rehearsal.run import Rehearsal
from infra.synth.api import synth_result
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
