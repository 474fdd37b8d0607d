"""End to end: releases flow dev -> staging -> prod through every gate and are applied with the real providers
against the loopback Vertex AI and KFP registry servers; faults midway leave the previous release serving.

Each `pulumi up` is played by `apply_harness.apply` (the providers' check/create/diff/update/delete driven as
the engine drives them, state kept between runs). Promotions use the real gates, the policy gate included
(the target is synthesized offline with the candidate manifest).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config.loader import load_environment
from infra.layout import Project
from infra.rehearsal.kfp_registry_server import KfpRegistryServer
from infra.rehearsal.vertex_server import SCHEDULE_ACTIVE, SCHEDULE_PAUSED, VertexServer
from infra.release.canary import abort_canary, finish_canary
from infra.release.component import Release, ReleaseArgs, content_name
from infra.release.promote import PromotionOutcome, PromotionRequest, promote
from infra.release.providers.retry import RetriesExhausted, RetryPolicy
from infra.release.rollback import rollback
from infra.release.store import find_manifest
from tests.conftest import REPORTS
from tests.infra.release.apply_harness import StackState, Step, apply
from tests.infra.release.release_project import make_project

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server

FAST = RetryPolicy(max_attempts=4, base_delay=0.005, max_delay=0.02, call_timeout=0.5, operation_timeout=10)
ENDPOINT_IDS = {"dev": "1001", "staging": "2001", "prod": "3001"}
COMMIT = "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"
R1, R2 = "r2026-11-18-1", "r2026-11-25-1"
IMAGE = "europe-west4-docker.pkg.dev/acme-genai-artifacts/releases/assistant-server@sha256:"


@dataclass
class World:
    """A project copy, the two loopback servers and one Pulumi state per environment."""

    project: Path
    vertex: VertexServer
    kfp: KfpRegistryServer
    states: dict[str, StackState] = field(default_factory=dict)

    def apply(self, env: str) -> list[Step]:
        cfg = load_environment(env, Project(self.project))
        manifest = find_manifest(env, cfg, Project(self.project))

        def program() -> None:
            if manifest is None:
                return
            Release(
                f"{cfg.prefix}-release",
                ReleaseArgs(
                    cfg=cfg,
                    manifest=manifest,
                    project_id=cfg.project.id,
                    kfp_host=self.kfp.host(cfg.project.id, f"{cfg.prefix}-pipelines"),
                    endpoint_ids={"assistant": ENDPOINT_IDS[env]},
                    pipelines_service_account=f"{cfg.prefix}-pipelines@{cfg.project.id}.iam.gserviceaccount.com",
                    pipeline_root=f"gs://{cfg.project.id}-pipeline-root",
                    api_endpoint=self.vertex.base_url,
                    retry=FAST,
                    source_dir=self.project,
                ),
            )

        return apply(self.states.setdefault(env, StackState()), program, env)

    def promote(self, source: str, target: str, **extra: Any) -> PromotionOutcome:
        fields: dict[str, Any] = {"promoted_by": "dana@acme.example", "commit": COMMIT}
        fields.update(extra)
        return promote(PromotionRequest(source_env=source, target_env=target, **fields), Project(self.project))

    # -- what the servers hold -------------------------------------------------------------------------------
    def model(self, env: str) -> str:
        return f"projects/acme-genai-{env}/locations/europe-west4/models/genai-{env}-assistant"

    def aliases(self, env: str) -> dict[str, list[str]]:
        """release id -> the environment's aliases on the version uploaded for it (by its release label).

        The registry's own `default` alias is left out: where it sits is the ModelVersion provider's business.
        """
        return {
            v["labels"]["release"]: sorted(a for a in v["versionAliases"] if a != "default")
            for v in self.vertex.versions(self.model(env))
        }

    def traffic(self, env: str) -> dict[str, int]:
        """release id -> traffic share on the environment's endpoint."""
        name = f"projects/acme-genai-{env}/locations/europe-west4/endpoints/{ENDPOINT_IDS[env]}"
        endpoint = self.vertex.endpoint(name)
        release_of = {v["versionId"]: v["labels"]["release"] for v in self.vertex.versions(self.model(env))}
        by_deployed = {d["id"]: release_of.get(d["modelVersionId"], "?") for d in endpoint["deployedModels"]}
        return {by_deployed[k]: int(v) for k, v in endpoint["trafficSplit"].items() if int(v) > 0}

    def schedule(self, env: str, pipeline: str) -> dict[str, Any]:
        found = [s for s in self.vertex.schedules.values() if s.get("displayName") == f"genai-{env}-{pipeline}"]
        assert len(found) == 1, found
        return found[0]

    def digest(self, pipeline: str) -> str:
        manifest = yaml.safe_load(Project(self.project).release_manifest("dev").read_text())
        return str(manifest["pipelines"][pipeline]["digest"])

    def version_name(self, env: str, release: str) -> str:
        """The ModelVersion resource holding `release`'s version (named after its artifact and image)."""
        (version,) = [v for v in self.vertex.versions(self.model(env)) if v["labels"]["release"] == release]
        return content_name(
            f"genai-{env}-release", "assistant", version["artifactUri"], version["containerSpec"]["imageUri"]
        )

    def uploads(self, env: str) -> int:
        return self.vertex.count(rf"POST /v1/projects/acme-genai-{env}/locations/europe-west4/models:upload")


def cut_release(project: Path, release: str, image_hex: str, digests: dict[str, str]) -> None:
    """What the tuning + evaluation run does in dev: a new release id, artifact, image and evaluation."""
    path = Project(project).release_manifest("dev")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["release"] = release
    for name, digest in digests.items():
        document["pipelines"][name]["digest"] = digest
    model = document["models"]["assistant"]
    model["artifact_uri"] = f"gs://acme-genai-releases/assistant/{release}"
    model["serving_image"] = IMAGE + image_hex
    model["description"] = f"Assistant of release {release}."
    document["evaluation"]["report"] = f"gs://acme-genai-dev-pipeline-root/evaluation/{release}/report.json"
    report = (REPORTS / "acme-genai-dev-pipeline-root" / "evaluation" / release / "report.json").read_bytes()
    document["evaluation"]["report_digest"] = "sha256:" + hashlib.sha256(report).hexdigest()
    document["evaluation"]["metrics"] = json.loads(report)["metrics"]
    document["provenance"]["promoted_at"] = datetime.now(UTC).isoformat()
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def edit_schedule(project: Path, pipeline: str, **changes: Any) -> None:
    path = Project(project).release_manifest("dev")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["pipelines"][pipeline]["schedule"].update(changes)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The real pipelines compiled once (byte-deterministic): the files and their digests."""
    from pipelines.compile import compile_all

    out = tmp_path_factory.mktemp("compiled")
    return out, {c.name: c.version for c in compile_all(out)}


@pytest.fixture
def world(tmp_path: Path, compiled: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    project = make_project(tmp_path / "project")
    build = project / "build" / "pipelines"
    build.mkdir(parents=True)
    for name in compiled[1]:
        (build / f"{name}.yaml").write_bytes((compiled[0] / f"{name}.yaml").read_bytes())
    for env in ("staging", "prod"):  # they receive everything through promotion
        Project(project).release_manifest(env).unlink()
    cut_release(project, R1, "1" * 64, compiled[1])
    monkeypatch.chdir(project / "prog")  # the program directory, where Pulumi runs program and providers
    vertex, kfp = VertexServer(), KfpRegistryServer()
    with vertex, kfp:
        for env, endpoint_id in ENDPOINT_IDS.items():
            vertex.add_endpoint(f"acme-genai-{env}", "europe-west4", endpoint_id)
        yield World(project, vertex, kfp)


def passed_every_gate(outcome: PromotionOutcome) -> bool:
    return outcome.status == "promoted" and all(g.passed and not g.skipped for g in outcome.gates)


def test_release_flows_to_prod_and_a_fault_midway_leaves_the_previous_release_serving(
    world: World, compiled: tuple[Path, dict[str, str]]
) -> None:
    digests = compiled[1]

    # Release 1 reaches every environment through every gate.
    world.apply("dev")
    assert world.aliases("dev") == {R1: ["dev"]}
    assert passed_every_gate(world.promote("dev", "staging"))
    world.apply("staging")
    blocked = world.promote("staging", "prod")
    assert blocked.status == "blocked"
    assert [g.gate for g in blocked.failed] == ["approval"]
    skipping_staging = world.promote("dev", "prod", approve_by="lee@acme.example")
    assert [g.gate for g in skipping_staging.failed] == ["lineage"]
    assert not Project(world.project).release_manifest("prod").exists()
    assert passed_every_gate(world.promote("staging", "prod", approve_by="lee@acme.example"))
    world.apply("prod")
    assert world.aliases("prod") == {R1: ["prod"]}
    assert world.traffic("prod") == {R1: 100}
    # The registry holds the template once, by digest, tagged with the release and each environment.
    assert world.kfp.version_names("genai-tuning") == [digests["tuning"]]
    assert world.kfp.tags("genai-tuning") == dict.fromkeys((R1, "dev", "staging", "prod"), digests["tuning"])

    # Release 2: dev, then staging through a storm of 503s and 429s that the providers ride out.
    cut_release(world.project, R2, "2" * 64, digests)
    world.apply("dev")
    assert world.aliases("dev") == {R2: ["dev"]}  # release 1's version undeployed and deleted
    assert world.traffic("dev") == {R2: 100}
    assert passed_every_gate(world.promote("dev", "staging"))
    world.vertex.faults.fail(503, times=2, match=r"acme-genai-staging.*:deployModel")
    world.vertex.faults.fail(429, times=1, match=r"acme-genai-staging.*models:upload")
    world.vertex.faults.delay(1.2, times=1, match=r"acme-genai-staging.*:mergeVersionAliases")  # a timeout
    world.kfp.faults.fail(503, times=2, match=r"/acme-genai-staging/")
    world.apply("staging")
    assert world.vertex.count(r"acme-genai-staging.*:mergeVersionAliases", outcome="delayed") == 1
    assert world.kfp.count(r"/acme-genai-staging/", outcome="injected 503") == 2
    assert world.vertex.count(r"acme-genai-staging.*:deployModel", outcome="injected 503") == 2
    assert world.vertex.count(r"acme-genai-staging.*models:upload", outcome="injected 429") == 1
    assert world.uploads("staging") == 2  # one per release, retries did not upload twice
    assert world.aliases("staging") == {R2: ["staging"]}
    assert world.traffic("staging") == {R2: 100}

    # A weaker candidate cut meanwhile never leaves dev.
    weak = world.project / "environments" / "release.dev.yaml"
    kept = weak.read_text(encoding="utf-8")
    document = yaml.safe_load(kept)
    document.update(release="r2026-11-26-1")
    document["evaluation"]["metrics"]["groundedness"] = 0.55
    weak.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    assert [g.gate for g in world.promote("dev", "staging").failed] == ["evaluation"]
    weak.write_text(kept, encoding="utf-8")

    # Prod gets release 2 as a canary at 10% (release 1 keeps 90%); the process dies between upload and alias move.
    assert passed_every_gate(world.promote("staging", "prod", approve_by="lee@acme.example"))
    world.vertex.faults.crash_after(r"POST /v1/projects/acme-genai-prod/locations/europe-west4/models:upload")
    with pytest.raises(RetriesExhausted, match=f"upload model genai-prod-assistant .*{R2}"):
        world.apply("prod")
    world.vertex.faults.recover()
    assert world.uploads("prod") == 2  # release 2 was uploaded ...
    assert world.aliases("prod") == {R1: ["prod"], R2: []}  # ... but the alias did not move
    assert world.traffic("prod") == {R1: 100}  # and release 1 serves everything

    # The re-run completes without uploading again.
    steps = world.apply("prod")
    assert world.uploads("prod") == 2
    aliases = world.aliases("prod")
    assert "prod" in aliases[R2], aliases
    assert "prod-previous" in aliases[R1], aliases
    assert world.traffic("prod") == {R2: 10, R1: 90}
    created = world.version_name("prod", R2)
    assert ("create", created) in {(s.op, s.name) for s in steps}

    # Rollback: prod returns to release 1 alone.
    assert rollback("prod", Project(world.project), "sam@acme.example").restored_release == R1
    steps = world.apply("prod")
    assert ("delete", created) in {(s.op, s.name) for s in steps}
    assert world.traffic("prod") == {R1: 100}
    assert world.aliases("prod") == {R1: ["prod"]}


def test_reapplying_a_release_changes_nothing(world: World) -> None:
    world.apply("dev")
    calls = len(world.vertex.calls) + len(world.kfp.calls)
    steps = world.apply("dev")
    assert {s.op for s in steps} == {"same"}
    mutations = [c for c in world.vertex.calls[calls:] if c.method != "GET"]
    assert mutations == []


def test_a_canary_keeps_the_previous_version_serving_until_it_ends(world: World) -> None:
    world.apply("dev")
    assert passed_every_gate(world.promote("dev", "staging"))
    world.apply("staging")
    cut_release(world.project, R2, "2" * 64, {})
    world.apply("dev")
    assert world.promote("dev", "staging", canary_percent=10, skip_policy_check="covered above").status == "promoted"
    world.apply("staging")
    assert world.traffic("staging") == {R2: 10, R1: 90}  # the new version starts small
    assert world.aliases("staging") == {R2: ["staging"], R1: ["staging-previous"]}
    steps = world.apply("staging")  # the canary holds until it is ended
    assert {s.op for s in steps} == {"same"}
    assert world.traffic("staging") == {R2: 10, R1: 90}

    # Ending the canary: the previous version leaves the split, is undeployed, then deleted.
    assert finish_canary("staging", Project(world.project), "unknown").finished == {"assistant": R1}
    previous = world.version_name("staging", R1)
    steps = world.apply("staging")
    assert ("delete", previous) in {(s.op, s.name) for s in steps}
    assert world.traffic("staging") == {R2: 100}
    assert world.aliases("staging") == {R2: ["staging"]}


def test_an_aborted_canary_serves_the_previous_release_alone(world: World) -> None:
    world.apply("dev")
    assert passed_every_gate(world.promote("dev", "staging"))
    world.apply("staging")
    cut_release(world.project, R2, "2" * 64, {})
    world.apply("dev")
    assert world.promote("dev", "staging", canary_percent=25, skip_policy_check="covered above").status == "promoted"
    world.apply("staging")
    assert world.traffic("staging") == {R2: 25, R1: 75}

    assert abort_canary("staging", Project(world.project), "sam@acme.example").restored_release == R1
    canary = world.version_name("staging", R2)
    steps = world.apply("staging")
    assert ("delete", canary) in {(s.op, s.name) for s in steps}
    assert world.traffic("staging") == {R1: 100}
    assert world.aliases("staging") == {R1: ["staging"]}


def test_schedules_follow_the_manifest(world: World) -> None:
    world.apply("dev")
    first = world.schedule("dev", "tuning")
    assert first["state"] == SCHEDULE_ACTIVE
    assert first["createPipelineJobRequest"]["pipelineJob"]["templateUri"].endswith(
        "/genai-tuning/" + world.digest("tuning")
    )

    # Cron and pause are changed in place (patch, pause), then resumed.
    edit_schedule(world.project, "tuning", cron="30 4 * * 2", paused=True)
    world.apply("dev")
    paused = world.schedule("dev", "tuning")
    assert (paused["name"], paused["state"]) == (first["name"], SCHEDULE_PAUSED)
    assert "30 4 * * 2" in paused["cron"]
    assert world.vertex.count(r"PATCH .*/schedules/") >= 1
    assert world.vertex.count(r":pause$") == 1
    edit_schedule(world.project, "tuning", paused=False)
    world.apply("dev")
    assert world.schedule("dev", "tuning")["state"] == SCHEDULE_ACTIVE
    assert world.vertex.count(r":resume$") == 1

    # A new template version is uploaded by digest and replaces the schedule (a spec cannot change in place).
    compiled = world.project / "build" / "pipelines" / "tuning.yaml"
    text = compiled.read_text(encoding="utf-8")
    changed = text.replace("Tune, evaluate and gate a candidate", "Tune, evaluate and gate a new candidate")
    assert changed != text
    compiled.write_text(changed, encoding="utf-8")
    new_digest = "sha256:" + hashlib.sha256(compiled.read_bytes()).hexdigest()
    cut_release(world.project, R2, "2" * 64, {"tuning": new_digest})
    steps = world.apply("dev")
    ops = {(s.op, s.name) for s in steps}
    assert {("replace", "genai-dev-release-tuning-template"), ("replace", "genai-dev-release-tuning-schedule")} <= ops
    replaced = world.schedule("dev", "tuning")
    assert replaced["name"] != first["name"]
    assert replaced["createPipelineJobRequest"]["pipelineJob"]["templateUri"].endswith("/genai-tuning/" + new_digest)
    assert first["name"] not in world.vertex.schedules
    assert world.kfp.version_names("genai-tuning") == [new_digest]  # the old version lost its tags and went
