"""Release records: a Markdown page per cut, promotion, canary end and rollback, next to the manifest history.

A manifest says what an environment runs; its record says how it got there, for the reviewer of the pull
request and for the audit afterwards: the data and prompt it was tuned on (for a cut), the schedules'
parameters, the evaluation against the environment's bounds, each gate with who passed it, the lineage
(commit, built_from, template digests, model artifact and image, where the bundle came from) and the release
it replaced. Records live in `environments/releases/<env>/records/NNNN-<action>-<release>.md`, numbered in the
order they were written, and are written in the same transaction as the manifest they describe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from infra.config.model import EnvironmentConfig
from infra.layout import Project
from infra.release.bundle import bundle_digest
from infra.release.gates.base import GateResult
from infra.release.schema import ReleaseManifest
from infra.release.store import FileTransaction

RECORDS_DIR = "records"
ACTIONS = ("cut", "promotion", "canary-finish", "canary-abort", "rollback")
RECORD = re.compile(rf"^(?P<seq>[0-9]{{4,}})-(?P<action>{'|'.join(ACTIONS)})-(?P<release>[a-z][a-z0-9-]*)\.md$")


@dataclass(frozen=True)
class ReleaseEvent:
    """What happened to an environment's release, as the record tells it."""

    action: str
    """One of ACTIONS."""
    env: str
    manifest: ReleaseManifest
    """The manifest the environment runs afterwards."""
    by: str
    at: datetime
    previous: ReleaseManifest | None = None
    """The manifest it replaced (None for the environment's first release)."""
    gates: Sequence[GateResult] = ()
    candidate: Mapping[str, Any] | None = None
    """For a cut: the candidate record's tuning run, dataset and prompt
    (infra.release.candidate_record.record_summary)."""
    source_record: Path | None = None
    """For a promotion: the source environment's record of the same release."""
    notes: Sequence[str] = field(default_factory=tuple)


def records_dir(env: str, project: Project) -> Path:
    return project.release_history(env) / RECORDS_DIR


def _records(env: str, project: Project) -> list[tuple[int, str, Path]]:
    """(sequence, release, path) of the environment's records, oldest first."""
    directory = records_dir(env, project)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = RECORD.match(path.name)
        if match and path.is_file():
            found.append((int(match["seq"]), match["release"], path))
    return sorted(found)


def record_paths(env: str, project: Project) -> list[Path]:
    """The environment's records, oldest first."""
    return [path for _, _, path in _records(env, project)]


def next_record_path(event: ReleaseEvent, project: Project) -> Path:
    existing = _records(event.env, project)
    sequence = existing[-1][0] + 1 if existing else 1
    return records_dir(event.env, project) / f"{sequence:04d}-{event.action}-{event.manifest.release}.md"


def latest_record_of(env: str, release: str, project: Project) -> Path | None:
    """The newest record of `release` in `env` (a promotion links to it)."""
    matching = [path for _, name, path in _records(env, project) if name == release]
    return matching[-1] if matching else None


def write_release(
    event: ReleaseEvent,
    cfg: EnvironmentConfig,
    project: Project,
    manifest_text: str,
    replaced: tuple[Path, str] | None = None,
) -> Path:
    """The environment's new manifest, the one it replaces into the history (`replaced`: entry path and text)
    and the event's record, in one transaction (all written or none); returns the record's path."""
    record_path = next_record_path(event, project)
    with FileTransaction() as tx:
        if replaced is not None:
            tx.write(*replaced)
        tx.write(project.release_manifest(event.env), manifest_text)
        tx.write(record_path, render_record(event, cfg, project))
    return record_path


def render_record(event: ReleaseEvent, cfg: EnvironmentConfig, project: Project) -> str:
    """The Markdown page of one event."""
    m, previous = event.manifest, event.previous
    title = {
        "cut": f"Release {m.release} cut into {event.env}",
        "promotion": f"Release {m.release} promoted {m.provenance.promoted_from or '?'} -> {event.env}",
        "canary-finish": f"Canary of release {m.release} finished in {event.env}",
        "canary-abort": f"Canary in {event.env} aborted: back to release {m.release}",
        "rollback": f"{event.env} rolled back to release {m.release}",
    }[event.action]
    lines = [f"# {title}", ""]
    lines += _table(
        ("", ""),
        [
            ("environment", f"{event.env} ({cfg.tier})"),
            ("release", m.release),
            ("by", event.by),
            ("at", event.at.isoformat()),
            ("previous release", previous.release if previous else "none (first release)"),
            ("bundle", f"`{bundle_digest(m)}`"),
        ],
    )
    if event.candidate is not None:
        c = event.candidate
        lines += ["", "## Data", ""]
        lines += _table(
            ("", ""),
            [
                ("tuning run", str(c["tuning_run"])),
                ("dataset", f"`{c['dataset']['uri']}`"),
                ("dataset digest", f"`{c['dataset']['digest']}`"),
                ("prompt template", f"{c['prompt']['template']} (`{c['prompt']['digest']}`)"),
                ("candidate created", str(c["created"])),
            ],
        )
    lines += ["", "## Parameters", ""]
    scheduled = [(n, p.schedule) for n, p in sorted(m.pipelines.items()) if p.schedule is not None]
    if not scheduled:
        lines.append("No pipeline is scheduled.")
    for name, s in scheduled:
        lines.append(f"- **{name}**: `{s.cron}` ({s.time_zone}){' paused' if s.paused else ''}")
        lines += [f"  - `{key}`: `{value}`" for key, value in sorted(s.parameters.items())]
    lines += ["", "## Evaluation", "", f"Report `{m.evaluation.report}`, digest `{m.evaluation.report_digest}`.", ""]
    bounds = cfg.release.evaluation_gates
    rows = []
    for metric, value in sorted(m.evaluation.metrics.items()):
        bound = bounds.get(metric)
        limit = "" if bound is None else " ".join(
            part for part in (f">= {bound.min}" if bound.min is not None else "",
                              f"<= {bound.max}" if bound.max is not None else "") if part
        )
        rows.append((metric, f"{value:.4f}", limit or "not gated"))
    lines += _table(("metric", "value", f"{event.env} bound"), rows)
    lines += ["", "## Gates", ""]
    if not event.gates:
        lines.append(f"No gate runs for a {event.action.replace('-', ' ')}; it returns to or completes a release "
                     "that passed its gates when it entered.")
    for gate in event.gates:
        status = "skipped" if gate.skipped else ("passed" if gate.passed else "FAILED")
        lines.append(f"- **{gate.gate}**: {status}")
        lines += [f"  - {reason}" for reason in gate.reasons if reason]
    approval = m.approval
    passed_by = (
        f"approved by {approval.approved_by} at {approval.approved_at.isoformat()}" if approval else "no approval"
    )
    lines += ["", f"Run by {m.provenance.promoted_by}; {passed_by} (recorded, not verified)."]
    lines += ["", "## Lineage", ""]
    lineage = [
        ("commit", f"`{m.provenance.commit}`"),
        ("built from", f"`{m.provenance.built_from}`"),
        ("promoted from", m.provenance.promoted_from or "created here"),
    ]
    lineage += [(f"template {n}", f"`{p.digest}`") for n, p in sorted(m.pipelines.items())]
    for name, model in sorted(m.models.items()):
        lineage.append((f"model {name}", f"`{model.artifact_uri}`"))
        lineage.append((f"image {name}", f"`{model.serving_image}`"))
        if model.tuned_model:
            lineage.append((f"tuned by {name}", f"{model.tuned_model.pipeline} run {model.tuned_model.run}"))
        split = model.deployment.traffic_split
        lineage.append((f"traffic {name}", f"{split.current}% this release, {split.previous}% previous"))
    if event.source_record is not None:
        link = _relative(event, event.source_record, project)
        lineage.append(("source record", f"[{event.source_record.name}]({link})"))
    lines += _table(("", ""), lineage)
    lines += ["", "## Previous release", ""]
    if previous is None:
        lines.append("None: this is the environment's first release.")
    else:
        lines += _table(
            ("", ""),
            [("release", previous.release), ("bundle", f"`{bundle_digest(previous)}`")]
            + [(f"model {n}", f"`{md.artifact_uri}`") for n, md in sorted(previous.models.items())],
        )
    lines += [f"- {note}" for note in event.notes]
    return "\n".join(lines) + "\n"


def _relative(event: ReleaseEvent, target: Path, project: Project) -> str:
    here = records_dir(event.env, project)
    try:
        return Path(*[".."] * 2, target.relative_to(here.parent.parent)).as_posix()
    except ValueError:
        return target.as_posix()


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["|" + "|".join(f" {h} " if h else " " for h in header) + "|", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out
