"""What the promotion, canary, rollback and gate tests share: requests, manifest edits, evaluation reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from infra.layout import Project
from infra.release.promote import PromotionOutcome, PromotionRequest

COMMIT = "465d4733e8c2a1f09b7d6e5c4b3a29180f7e6d5c"
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
SKIP = "policy gate covered by its own tests"
DEV_REPORT = "gs://acme-genai-dev-pipeline-root/evaluation/r2026-11-25-1/report.json"
DEV_REPORT_DIGEST = "sha256:3fdbaacd835ad98f3236aa01e27616ddde6bc921afd085cb5e75e1c997069145"
VERIFIED = f"report {DEV_REPORT} verified: digest {DEV_REPORT_DIGEST}, metrics equal the manifest's"
DEV_METRICS = {"groundedness": 0.9134, "toxicity": 0.0, "relevance": 0.8431, "fluency": 0.8862}


def request(source: str, target: str, **extra: object) -> PromotionRequest:
    fields: dict[str, object] = {"promoted_by": "dana@acme.example", "commit": COMMIT, "now": NOW}
    fields.update(extra)
    return PromotionRequest(source_env=source, target_env=target, **fields)  # type: ignore[arg-type]


def edit_manifest(project: Path, env: str, change: Callable[[dict[str, Any]], object]) -> None:
    path = Project(project).release_manifest(env)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def reasons(outcome: PromotionOutcome, gate: str) -> tuple[str, ...]:
    return next(g for g in outcome.gates if g.gate == gate).reasons


def write_report(path: Path, metrics: dict[str, float]) -> str:
    """An evaluation summary as the evaluation pipeline writes it; returns its sha256 digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metrics": metrics, "flagged_share": 0.01, "passed": True}), encoding="utf-8")
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def use_report(project: Path, report: str, digest: str | None) -> None:
    def change(document: dict[str, Any]) -> None:
        document["evaluation"]["report"] = report
        if digest is not None:
            document["evaluation"]["report_digest"] = digest

    edit_manifest(project, "dev", change)
