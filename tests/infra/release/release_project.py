"""A scratch copy of the project for promotion tests: the real stack files and manifests, a small program.

The program declares the environment's Release from its manifest (read from the project it runs in, as the
real program must) and, when the stack sets `scratch:force_destroy: true`, a bucket that violates the
production policies, so the policy gate has something real to find.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.checkout import PROJECT, ROOT

PROGRAM = '''"""Test program: the environment's release, plus a non-compliant bucket when the stack asks for one."""
from pathlib import Path

import pulumi
import pulumi_gcp as gcp

from infra.config.loader import CONFIG_NAMESPACE, build_environment
from infra.layout import Project
from infra.release.component import Release, ReleaseArgs
from infra.release.store import find_manifest

project = Project(Path(pulumi.get_root_directory()))
cfg = build_environment(pulumi.get_stack(), pulumi.Config(CONFIG_NAMESPACE).require_object("environment"), project)
# What the production stack rules require of every environment (the real program declares much more).
gcp.projects.IAMAuditConfig(
    "audit",
    project=cfg.project.id,
    service="allServices",
    audit_log_configs=[{"log_type": t} for t in ("ADMIN_READ", "DATA_READ", "DATA_WRITE")],
)
if pulumi.Config("scratch").get_bool("force_destroy"):
    gcp.storage.Bucket("scratch", name=f"{cfg.project.id}-scratch", location="EU", force_destroy=True)
manifest = find_manifest(cfg.name, cfg, project)
if manifest is not None:
    release = Release(
        f"{cfg.prefix}-release",
        ReleaseArgs(
            cfg=cfg,
            manifest=manifest,
            project_id=cfg.project.id,
            kfp_host=f"https://{cfg.region}-kfp.pkg.dev/{cfg.project.id}/{cfg.prefix}-pipelines",
            endpoint_ids={m.name: f"{m.name}-endpoint" for m in cfg.serving.models},
            pipelines_service_account=f"pipelines@{cfg.project.id}.iam.gserviceaccount.com",
            pipeline_root=f"gs://{cfg.project.id}-pipeline-root",
            source_dir=project.root,
            kms_key_name=(
                f"projects/{cfg.project.id}/locations/{cfg.region}/keyRings/{cfg.prefix}/cryptoKeys/vertex"
                if cfg.encryption.cmek
                else None
            ),
        ),
    )
    pulumi.export("release", release.release_id)
'''

FIXTURES = Path(__file__).resolve().parent / "fixtures"
"""Release manifests the tests start from (dev runs r2026-11-25-1, staging and prod r2026-11-18-1), kept apart
from the shipped ones in `environments/` so those can move on with real releases."""

BROKEN_PROGRAM = 'raise RuntimeError("the program is broken")\n'


def make_project(root: Path, program: str = PROGRAM) -> Path:
    """Copy Pulumi.yaml (main -> `prog/`), the stack files and defaults, and the fixture release manifests."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    project["main"] = "prog"
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    source = PROJECT.environments_dir
    target = root / str(project.get("stackConfigDir", "."))
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and path.suffix == ".yaml" and not path.name.startswith("release."):
            shutil.copy2(path, target / path.name)
    for path in FIXTURES.glob("release.*.yaml"):
        shutil.copy2(path, target / path.name)
    (root / "prog").mkdir(exist_ok=True)
    (root / "prog" / "__main__.py").write_text(program, encoding="utf-8")
    return root


def add_stack_config(root: Path, env: str, key: str, value: object) -> None:
    """Add one top-level config key to the stack file (e.g. `scratch:force_destroy`)."""
    path = root / "environments" / f"Pulumi.{env}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["config"][key] = value
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root/environments` with its bytes: compare before/after to prove nothing changed."""
    base = root / "environments"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}
