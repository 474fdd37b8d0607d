"""Rollback: an environment returns to the release it ran before its current one.

The newest history entry goes back into `release.<env>.yaml`, the manifest it replaces is archived under
`rolled-back/` (so a second rollback goes further back instead of returning), and a release record is written,
all in one transaction. A restored release whose artifacts lie outside the environment's `release.artifacts`
is named in a warning (it keeps serving from the environment's own registry, but could not be promoted there
today); `strict` refuses it instead. A restored release from before the gateway was pinned keeps the current
gateway image (with its bundle digest recomputed): rolling the model back must not take the serving gateway
away (in production its service is protected, so the next `pulumi up` would stop there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.checks import artifact_source_problems
from infra.release.records import ReleaseEvent, next_record_path, render_record
from infra.release.report import manifest_diff
from infra.release.schema import ReleaseManifest
from infra.release.store import FileTransaction, History, dump_manifest, load_manifest, read_manifest


class RollbackRefused(RuntimeError):
    """There is nothing to roll back to, or `strict` refuses what there is (exit 1, nothing changed)."""


@dataclass
class RollbackOutcome:
    env: str
    manifest_path: Path
    restored_release: str
    replaced_release: str
    archived_path: Path
    diff: str = ""
    record_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    """What the restored release does that a promotion would refuse (artifacts outside `release.artifacts`)."""


def rollback(
    env: str,
    project: Project,
    by: str,
    now: datetime | None = None,
    *,
    strict: bool = False,
    action: str = "rollback",
) -> RollbackOutcome:
    """Restore the release `env` ran before its current one; the current manifest is archived.

    `strict` refuses (RollbackRefused) a restored release whose artifacts are outside `release.artifacts`;
    otherwise they are returned as warnings. `action` names the event in the release record (`rollback`, or
    `canary-abort` from abort_canary)."""
    cfg = load_environment(env, project)
    target_path = project.release_manifest(env)
    current = load_manifest(env, cfg, project)
    history = History.of(env, project)
    entry = history.latest()
    if entry is None:
        raise RollbackRefused(
            f"{env} has no earlier release recorded in {history.root}; nothing to roll back to "
            f"(it runs {current.release})"
        )
    restored_text = entry.path.read_text(encoding="utf-8")
    restored = read_manifest(entry.path, cfg, project)
    warnings = [
        f"release {restored.release}: {p.key_path}: {p.message}"
        for p in artifact_source_problems(restored, cfg, entry.path)
    ]
    if warnings and strict:
        raise RollbackRefused(
            f"release {restored.release} ({entry.path.name}) serves artifacts outside {env}'s release.artifacts "
            f"(--strict): {'; '.join(warnings)}"
        )
    if restored.gateway is None and current.gateway is not None:
        restored = _with_gateway_of(restored, current)
        restored_text = dump_manifest(restored)
        warnings.append(
            f"release {restored.release} pins no gateway image: the gateway keeps {current.gateway.image}"
        )
    current_text = target_path.read_text(encoding="utf-8")
    when = now or datetime.now(UTC)
    archived_path = history.next_rolled_back_path(current.release)
    archived_text = f"# Rolled back by {by} at {when.isoformat()}; {env} returned to {restored.release}.\n"
    event = ReleaseEvent(
        action, env, restored, by, when, current,
        notes=(f"release {current.release} archived at {archived_path.relative_to(project.root).as_posix()}",
               *(f"warning: {w}" for w in warnings)),
    )
    record_path = next_record_path(event, project)
    with FileTransaction() as tx:
        tx.write(archived_path, archived_text + current_text)
        tx.write(target_path, restored_text)
        tx.remove(entry.path)
        tx.write(record_path, render_record(event, cfg, project))
    return RollbackOutcome(
        env,
        target_path,
        restored.release,
        current.release,
        archived_path,
        manifest_diff(current_text, restored_text, target_path),
        record_path,
        warnings,
    )


def _with_gateway_of(restored: ReleaseManifest, current: ReleaseManifest) -> ReleaseManifest:
    """`restored` serving `current`'s gateway image; a recorded bundle digest is recomputed to include it."""
    with_gateway = restored.model_copy(update={"gateway": current.gateway})
    if restored.provenance.bundle_digest is None:
        return with_gateway
    provenance = restored.provenance.model_copy(update={"bundle_digest": bundle_digest(with_gateway)})
    return with_gateway.model_copy(update={"provenance": provenance})
