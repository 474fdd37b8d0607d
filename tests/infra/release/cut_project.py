"""A committed scratch project for release cuts: the promotion test project plus this tree's pipelines, in git.

A cut compiles the pipelines of the project it runs in and records the commit as `built_from`, so the
scratch project is a git repository whose one commit holds the pipeline sources.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from contracts.fsutil import atomic_write_text
from pipelines.lib.candidate import candidate_record, write_candidate
from tests.checkout import ROOT
from tests.infra.release.release_project import make_project

SHARED_BUCKET = "acme-genai-releases"
IMAGE = (
    "europe-west4-docker.pkg.dev/acme-genai-artifacts/releases/assistant-server"
    "@sha256:1f2e3d4c5b6a79880716253443526170f1e2d3c4b5a6978800112233445566ff"
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.strip()


def make_cut_project(root: Path) -> Path:
    """`make_project` + `pipelines/` of this tree, committed; returns the project directory."""
    project = make_project(root)
    shutil.copytree(ROOT / "pipelines", project / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    (project / ".gitignore").write_text("build/\ncandidates/\n", encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "release sources")
    return project


def report_bytes(metrics: dict[str, float]) -> bytes:
    """An evaluation report in the shape the tuning gate writes."""
    return (json.dumps({"metrics": metrics, "passed": True, "reasons": [], "thresholds": {}}, indent=2) + "\n").encode()


GOOD_METRICS = {"fluency": 0.95, "groundedness": 0.93, "relevance": 0.81, "toxicity": 0.0}


def write_record(
    directory: Path,
    pipeline_digest: str,
    metrics: dict[str, float] | None = None,
    changes: dict[str, Any] | None = None,
) -> Path:
    """A candidate record with its report in `directory`; `changes` replace top-level record keys."""
    report = report_bytes(metrics or GOOD_METRICS)
    record = candidate_record(
        model="assistant",
        artifact_uri=f"gs://{SHARED_BUCKET}/assistant/run-20261201",
        serving_image=IMAGE,
        tuning_run="genai-tuning-20261201-0300",
        pipeline_digest=pipeline_digest,
        dataset_uri="gs://acme-genai-dev-datasets/tuning/train.jsonl",
        dataset_bytes=b'{"id": "1"}\n',
        report_bytes=report,
    )
    path = write_candidate(directory, record, report)
    if changes:
        atomic_write_text(path, json.dumps({**record, **changes}, indent=2) + "\n")
    return path
