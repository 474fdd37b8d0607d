"""PR scenarios: the real engine's preview (ops and changed properties) against what `mlops diff` reports.

Each scenario edits a copy of the platform the way a pull request would, previews it with the real engine on
the state of the unedited copy applied by the real engine, and diffs the two offline snapshots. A step is
(URN, op, changed top-level properties); create and delete steps compare by (URN, op). The agreement figure
is the share of steps, over every scenario, that both report identically; every disagreement is listed in
`EXPLAINED` with its reason, or the test fails.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.diff.compute import diff_snapshots
from infra.layout import Project
from infra.rehearsal.run import Rehearsal
from infra.release.rollback import rollback
from infra.synth.api import synth_result
from tests.checkout import ROOT
from tests.engine.conftest import copy_project, run

pytestmark = pytest.mark.engine
Edit = Callable[[Path], None]
LOGICAL_OPS = {"create", "update", "replace", "delete"}
PROTECTED_REPLACE = re.compile(r'unable to replace resource "([^"]+)"\s+as it is currently marked for protection')


def stack_config(env: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    """An edit of `genai-mlops:environment` in `Pulumi.<env>.yaml`."""

    def edit(project: Path) -> None:
        path = project / "environments" / f"Pulumi.{env}.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(document["config"]["genai-mlops:environment"])
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    return edit


def manifest_from_history(env: str, entry: str) -> Edit:
    def edit(project: Path) -> None:
        shutil.copy2(project / "environments" / "releases" / env / entry, Project(project).release_manifest(env))

    return edit


def rolled_back(env: str, times: int) -> Edit:
    """What `mlops rollback --env ENV` writes, `times` times over (each goes one release further back)."""

    def edit(project: Path) -> None:
        for _ in range(times):
            rollback(env, Project(project), "sam@acme.example")

    return edit


def new_model_release(project: Path) -> None:
    """What `mlops release cut` writes for a new tuning run: a new release id and model artifact in dev."""
    path = Project(project).release_manifest("dev")
    text = path.read_text(encoding="utf-8")
    text = text.replace("release: r2026-11-26-3", "release: r2026-11-30-1", 1)
    path.write_text(text.replace("assistant/r2026-11-26-3", "assistant/r2026-11-30-1"), encoding="utf-8")


def finished_canary(project: Path) -> None:
    """What `mlops canary finish --env prod` wrote: the shipped prod manifest (r2026-11-26-3 at 100%)."""
    shutil.copy2(ROOT / "environments" / "release.prod.yaml", Project(project).release_manifest("prod"))


def second_model(cfg: dict[str, Any]) -> None:
    cfg["serving"]["models"].append({"name": "summarizer", "min_replicas": 1, "max_replicas": 1})


SCENARIOS: dict[str, tuple[str, Edit | None, Edit]] = {
    # name: (env, base edit or None for the shipped config, the pull request's edit)
    "threshold": ("staging", None, stack_config("staging", lambda c: c.setdefault("observability", {}).setdefault(
        "thresholds", {}).update(latency_p99_ms=6000))),
    "replica count": ("dev", None, stack_config("dev", lambda c: c["serving"]["models"][0].update(max_replicas=2))),
    "added model": ("dev", None, stack_config("dev", second_model)),
    "removed model": ("dev", stack_config("dev", second_model), stack_config("dev", lambda c: c["serving"].update(
        models=[m for m in c["serving"]["models"] if m["name"] != "summarizer"]))),
    "location change": ("staging", None, stack_config("staging", lambda c: c.setdefault("data", {}).update(
        location="europe-west4"))),
    "label": ("dev", None, stack_config("dev", lambda c: c.setdefault("labels", {}).update(owner="search-team"))),
    "renamed topic prefix": ("prod", None, stack_config("prod", lambda c: c["messaging"].update(
        topic_prefix="assistant"))),
    "release promotion": ("dev", None, new_model_release),
    # back past the canary to r2026-11-26-2 (history 0003), which predates the gateway: it keeps the current one
    "rollback": ("prod", None, rolled_back("prod", 2)),
}
# The canary-finish base is prod during its canary (history 0004); the edit is the shipped, finished manifest.
SCENARIOS["canary finish"] = ("prod", manifest_from_history("prod", "0004-r2026-11-26-3.yaml"), finished_canary)

CONFIG_EDITS = {name for name, (_, _, edit) in SCENARIOS.items() if getattr(edit, "__name__", "") == "edit"
                and edit.__qualname__.startswith("stack_config")}
EXPLAINED: dict[str, str] = {
    f"{name}: default update/-": (
        "the engine hands the whole stack config to the dynamic-provider default provider "
        "(pulumi:providers:pulumi-python::default), so any stack-config edit shows as its update; no resource "
        "changes because of it, and snapshots do not record provider config"
    )
    for name in CONFIG_EDITS
}
"""Disagreements by `<scenario>: <urn name> <engine op>/<offline op>` -> why."""


def _dynamic(resource_type: str) -> bool:
    """The Python dynamic-provider host answers Diff with changes and replaces only (no property names), so
    for these resources the engine shows which inputs force a replace, and nothing for an update."""
    return resource_type.startswith("pulumi-python:dynamic")


def engine_steps(preview: Rehearsal) -> dict[str, tuple[str, tuple[str, ...]]]:
    steps = {}
    for step in preview.steps:
        if step["op"] not in LOGICAL_OPS:
            continue
        change = preview.changes.get(step["urn"], {})
        if step["op"] not in ("update", "replace"):
            shown: tuple[str, ...] = ()
        elif _dynamic(step["type"]):
            shown = tuple(change.get("replaces", []))
        else:
            shown = tuple(change.get("diffs", []))
        steps[step["urn"]] = (step["op"], shown)
    return steps


def offline_steps(base: dict[str, Any], head: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    steps = {}
    for step in diff_snapshots(base, head).steps:
        if step.op not in LOGICAL_OPS:
            continue
        if step.op not in ("update", "replace"):
            shown: tuple[str, ...] = ()
        elif _dynamic(step.type):
            shown = tuple(sorted(step.replace_reasons))
        else:
            shown = tuple(step.diff_reasons)
        steps[step.urn] = (step.op, shown)
    return steps


@pytest.fixture(scope="module")
def shared_bases(
    pulumi_cli: str,  # noqa: ARG001 - requested for its effect (the CLI on PATH)
    pinned_templates: None,  # noqa: ARG001 - requested for its effect (the templates written)
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Applied states of the shipped config per environment (shared by the scenarios without a base edit)."""
    return {"root": tmp_path_factory.mktemp("agreement"), "states": {}}


def slug(text: str) -> str:
    return re.sub(r"\W+", "-", text)


def _base_state(bases: dict[str, Any], env: str, base_edit: Edit | None, name: str) -> tuple[Path, Path]:
    root: Path = bases["root"]
    key = env if base_edit is None else name
    if key not in bases["states"]:
        project = copy_project(root / f"base-{slug(key)}")
        if base_edit is not None:
            base_edit(project)
        state = root / f"state-{slug(key)}"
        applied = run(project, env, state)
        assert applied.error is None, applied.error
        bases["states"][key] = (project, state)
    found: tuple[Path, Path] = bases["states"][key]
    return found


@pytest.fixture(scope="module")
def outcomes(shared_bases: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for name, (env, base_edit, edit) in SCENARIOS.items():
        base_project, state = _base_state(shared_bases, env, base_edit, name)
        head = shared_bases["root"] / f"head-{slug(name)}"
        shutil.copytree(base_project, head, symlinks=True, ignore=shutil.ignore_patterns(".mlops"))
        edit(head)
        preview = run(head, env, state, operation="preview")
        base_doc = synth_result(env, Project(base_project)).document
        head_doc = synth_result(env, Project(head)).document
        offline = offline_steps(base_doc, head_doc)
        if preview.error and PROTECTED_REPLACE.search(preview.error):
            # The engine refuses to plan a replace of a protected resource: it names each one and stops, so
            # what can be compared is that set against the offline diff's replaces of protected resources.
            protected = {r["urn"] for r in head_doc["resources"] if r["protect"]}
            engine = {urn: ("replace", ()) for urn in PROTECTED_REPLACE.findall(preview.error)}
            offline = {u: (op, ()) for u, (op, _) in offline.items() if op == "replace" and u in protected}
            found[name] = (engine, offline)
            continue
        assert preview.error is None, f"{name}: {preview.error}"
        found[name] = (engine_steps(preview), offline)
    return found


def disagreements(name: str, engine: dict[str, Any], offline: dict[str, Any]) -> dict[str, str]:
    """`<scenario>: <urn name> <engine op>/<offline op>` -> URN, for every step the two report differently."""
    return {
        f"{name}: {urn.rsplit('::', 1)[-1]} {engine.get(urn, ('-',))[0]}/{offline.get(urn, ('-',))[0]}": urn
        for urn in sorted(set(engine) | set(offline))
        if engine.get(urn) != offline.get(urn)
    }


def test_every_scenario_changes_something(outcomes: dict[str, Any]) -> None:
    assert {name for name, (engine, _) in outcomes.items() if not engine} == set()


def test_preview_and_offline_diff_agree(outcomes: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    total = agreed = 0
    unexplained: dict[str, tuple[Any, Any]] = {}
    for name, (engine, offline) in outcomes.items():
        urns = set(engine) | set(offline)
        total += len(urns)
        agreed += sum(1 for urn in urns if engine.get(urn) == offline.get(urn))
        for line, urn in disagreements(name, engine, offline).items():
            if line not in EXPLAINED:
                unexplained[line] = (engine.get(urn), offline.get(urn))
    with capsys.disabled():
        print(f"\npreview vs mlops diff: {agreed}/{total} steps agree ({agreed / total:.1%}) over "
              f"{len(outcomes)} scenarios")
        for line, (engine_step, offline_step) in sorted(unexplained.items()):
            print(f"  unexplained {line}: engine {engine_step}, offline {offline_step}")
    assert unexplained == {}
