"""`mlops rehearse`: the real Pulumi engine on one environment, against loopback clouds, before touching Google.

What runs for real: the Pulumi CLI and engine (a `file://` backend in the state directory, the passphrase
secrets provider), the program through the Automation API, the release's dynamic providers in the engine's
provider process, the policy pack as the engine's analyzer. What is loopback: the `gcp` provider
(`infra.rehearsal.gcp_provider`) and the Vertex AI / Artifact Registry (KFP) APIs the release providers call
(`infra.rehearsal.vertex_server`, `infra.rehearsal.kfp_registry_server`), served from this process.

A kept state directory (`--state-dir`) holds the backend, the loopback provider's state, the loopback servers'
objects and their ports, so a second run sees what the first created (and reports only `same`); without one,
a temporary directory is used and removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.engine.settings import EngineSettings
from infra.engine.workspace import CliProject
from infra.rehearsal.gcp_provider import FAULTS_ENV, STATE_ENV, VERTEX_API_ENV
from infra.rehearsal.http_server import LoopbackServer
from infra.rehearsal.kfp_registry_server import KfpRegistryServer
from infra.rehearsal.plugins import write_gcp_plugin, write_policy_launcher
from infra.rehearsal.vertex_server import VertexServer
from infra.release.endpoints import ServiceEndpoints

THROWAWAY_PASSPHRASE = "mlops-rehearsal"
"""The passphrase of a rehearsal's own backend when PULUMI_CONFIG_PASSPHRASE is unset (the state holds
loopback resources only); stack files with `secure:` values need the real passphrase in the environment."""
PORTS_FILE = "loopback.json"


@dataclass
class Rehearsal:
    """What a rehearsal did: the pinned JSON shape of `mlops rehearse --format json`, plus the failure."""

    stack: str
    steps: list[dict[str, str]] = field(default_factory=list)
    change_summary: dict[str, int] = field(default_factory=dict)
    policy: dict[str, int] = field(default_factory=lambda: {"mandatory": 0, "advisory": 0})
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    resources: list[dict[str, Any]] = field(default_factory=list)
    """The stack's state after the run (`pulumi stack export` resources), for tests and reviews."""
    drifted: list[str] = field(default_factory=list)
    """URNs whose live state differs from the recorded state (a refresh preview: `mlops drift`)."""
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """URN -> {"diffs": changed top-level properties, "replaces": the ones that force a replace} per step."""

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "steps": self.steps,
            "changeSummary": self.change_summary,
            "policy": self.policy,
            "outputs": self.outputs,
        }


def kept_port_candidates(tries: int = 20) -> list[int]:
    """Ports for loopback servers whose port is kept across runs (inputs name their URLs): below the kernel's
    ephemeral range, so no outgoing connection or port-0 server of another process takes a kept port while
    its rehearsal is not running. Empty where the range is unknown (port 0 is then used)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    if low <= 10_001:
        return []
    chooser = random.SystemRandom()
    return [chooser.randrange(10_000, low) for _ in range(tries)]


@dataclass
class LoopbackClouds:
    """The loopback Vertex AI and KFP registry servers of one rehearsal, kept in its state directory."""

    state_dir: Path
    vertex: VertexServer = field(default_factory=VertexServer)
    kfp: KfpRegistryServer = field(default_factory=KfpRegistryServer)

    def _servers(self) -> dict[str, LoopbackServer]:
        return {"vertex": self.vertex, "kfp": self.kfp}

    def start(self) -> None:
        ports_file = self.state_dir / PORTS_FILE
        ports = json.loads(ports_file.read_text()) if ports_file.is_file() else {}
        for name, server in self._servers().items():
            server.load_state(self.state_dir / f"{name}.state")
            kept = int(ports.get(name, 0))
            for port in [*([kept] if kept else []), *(kept_port_candidates())]:
                try:
                    server.start(port)
                    break
                except OSError:  # taken: another one (inputs naming the kept port will show as updates)
                    continue
            else:
                server.start(0)
        ports_file.write_text(json.dumps({n: s.base_url.rsplit(":", 1)[1] for n, s in self._servers().items()}))

    def stop(self) -> None:
        for name, server in self._servers().items():
            server.save_state(self.state_dir / f"{name}.state")
            server.stop()

    @property
    def endpoints(self) -> ServiceEndpoints:
        return ServiceEndpoints(vertex_api=self.vertex.base_url, kfp_registry=self.kfp.base_url)


@contextlib.contextmanager
def _state_dir(kept: Path | None) -> Iterator[Path]:
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=True)
        yield kept.resolve()
        return
    scratch = Path(tempfile.mkdtemp(prefix="mlops-rehearsal-"))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def rehearsal_env(state_dir: Path, clouds: LoopbackClouds, faults: list[dict[str, Any]] | None) -> dict[str, str]:
    """The CLI's environment: loopback plugins first on PATH, the rehearsal's own backend and Pulumi home.

    The engine saves the rehearsal's state once, when the operation ends (also when a step fails or the run
    is cancelled), instead of rewriting the whole snapshot after every step (`PULUMI_SKIP_CHECKPOINTS`): those
    rewrites were 9 of the engine's 10 CPU seconds in an `up` of prod (232 resources). The state holds loopback
    resources only; a CLI killed outright loses the run's record, and the loopback provider's state then holds
    more than the backend's (start that rehearsal again from a new state directory).
    `mlops up` against Google keeps the engine's default, a checkpoint per step.
    """
    bin_dir = state_dir / "bin"
    write_gcp_plugin(bin_dir)
    env = {
        "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        "PULUMI_HOME": str(state_dir / "home"),
        "PULUMI_SKIP_CHECKPOINTS": "true",
        STATE_ENV: str(state_dir / "gcp-provider.json"),
        VERTEX_API_ENV: clouds.vertex.base_url,
        FAULTS_ENV: json.dumps(faults or []),
    }
    if os.environ.get("PULUMI_CONFIG_PASSPHRASE") is None and not os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        env["PULUMI_CONFIG_PASSPHRASE"] = THROWAWAY_PASSPHRASE
    return env


def scratch_cli_project(settings: EngineSettings, scratch: Path) -> CliProject:
    """A Pulumi.yaml and stack file for the CLI in `scratch`: the same project and config, so the rehearsal's
    backend salt is written there, never into the project's stack file (kept across runs of a state dir)."""
    document = yaml.safe_load((settings.project.root / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    document.pop("main", None)
    document.pop("backend", None)
    document["stackConfigDir"] = "environments"
    stacks = scratch / "environments"
    stacks.mkdir(parents=True, exist_ok=True)
    (scratch / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    target = stacks / settings.project.stack_file(settings.stack).name
    kept = yaml.safe_load(target.read_text(encoding="utf-8")) if target.is_file() else None
    stack_doc = yaml.safe_load(settings.project.stack_file(settings.stack).read_text(encoding="utf-8")) or {}
    if isinstance(kept, dict) and "encryptionsalt" in kept and "encryptionsalt" not in stack_doc:
        stack_doc["encryptionsalt"] = kept["encryptionsalt"]
    target.write_text(yaml.safe_dump(stack_doc, sort_keys=False), encoding="utf-8")
    return CliProject(scratch, stacks, scratch)


def _plain_output(value: Any, secret: bool) -> Any:
    return "[secret]" if secret else value


def rehearse(
    settings: EngineSettings,
    policy_pack: Path | None,
    state_dir: Path | None = None,
    operation: str = "up",
    on_output: Callable[[str], None] | None = None,
    faults: list[dict[str, Any]] | None = None,
    clouds_hook: Callable[[LoopbackClouds], None] | None = None,
) -> Rehearsal:
    """Run `operation` (up | preview | destroy) of the stack against loopback clouds; never raises for an
    engine failure (it is in `Rehearsal.error`). `clouds_hook` sees the started loopback servers (tests arm
    their faults or read their state there)."""
    from pulumi import automation as auto

    from infra.engine.templates import prepare_templates
    from infra.engine.workspace import open_stack
    from infra.synth.runner import pulumi_pickler_restored

    result = Rehearsal(settings.stack)
    if operation in ("up", "preview"):
        prepare_templates(settings, on_output)
    with _state_dir(state_dir) as root:
        backend = root / "backend"
        backend.mkdir(exist_ok=True)
        local = EngineSettings(settings.project, settings.stack, backend.as_uri(), "rehearsal state",
                               settings.secrets_provider)
        clouds = LoopbackClouds(root)
        clouds.start()
        try:
            if clouds_hook is not None:
                clouds_hook(clouds)
            env = rehearsal_env(root, clouds, faults)
            packs = [str(write_policy_launcher(root / "bin", policy_pack, settings.stack))] if policy_pack else None
            stack = open_stack(local, env, clouds.endpoints, scratch_cli_project(settings, root / "project"))
            events: list[Any] = []
            kwargs: dict[str, Any] = {"on_event": events.append, "on_output": on_output or (lambda _line: None)}
            phase = operation
            # The inline program serializes dynamic providers in this process: leave the pickler as it was.
            with pulumi_pickler_restored():
                try:
                    if operation in ("up", "preview"):
                        # as `pulumi up` does: a preview with the pack first, so a mandatory finding creates nothing
                        phase = "preview"
                        stack.preview(policy_packs=packs, **kwargs)
                    if operation == "up":
                        events.clear()
                        phase = "up"
                        up = stack.up(policy_packs=packs, **kwargs)
                        result.outputs = {k: _plain_output(v.value, v.secret) for k, v in up.outputs.items()}
                    elif operation == "destroy":
                        stack.destroy(**kwargs)
                    elif operation == "drift":  # read-only: the refresh a `pulumi refresh --preview-only` shows
                        stack.refresh(preview_only=True, **kwargs)
                except auto.errors.CommandError as exc:
                    result.error = _failure(events) or str(exc).strip().splitlines()[-1]
            _collect(result, events, phase)
            result.resources = list((stack.export_stack().deployment or {}).get("resources") or [])
        finally:
            clouds.stop()
    return result


def _collect(result: Rehearsal, events: list[Any], operation: str) -> None:
    """Steps (completed ones for up/destroy, planned ones for preview), policy findings, the change summary."""
    for event in events:
        step = event.res_outputs_event if operation != "preview" else event.resource_pre_event
        if step is not None:
            meta = step.metadata
            result.steps.append({"op": str(meta.op.value), "urn": meta.urn, "type": meta.type})
            if meta.op.value in ("update", "replace"):  # not the create-replacement / delete-replaced halves
                result.changes[meta.urn] = {"diffs": sorted(meta.diffs or []), "replaces": sorted(meta.keys or [])}
        drift = event.res_outputs_event if operation == "drift" else None
        if drift is not None and drift.metadata.op.value in ("update", "delete"):
            result.drifted.append(drift.metadata.urn)
        if event.policy_event is not None:
            level = event.policy_event.enforcement_level.lower()
            result.policy[level] = result.policy.get(level, 0) + 1
        if event.summary_event is not None:
            result.change_summary = {str(k.value if hasattr(k, "value") else k): v
                                     for k, v in event.summary_event.resource_changes.items()}
    if not result.change_summary:
        result.change_summary = dict(Counter(s["op"] for s in result.steps))


def _failure(events: list[Any]) -> str | None:
    """Why the engine stopped: mandatory policy findings, then its own error diagnostics."""
    messages = [
        f"mandatory policy violation [{e.policy_event.policy_name}] {e.policy_event.resource_urn}: "
        f"{e.policy_event.message.strip()}"
        for e in events
        if e.policy_event is not None and e.policy_event.enforcement_level.lower() == "mandatory"
    ]
    messages += [
        e.diagnostic_event.message.strip()
        for e in events
        if e.diagnostic_event is not None and e.diagnostic_event.severity == "error"
    ]
    return "\n".join(m for m in messages if m) or None
