"""kfp.local pipeline runs shared by the tests that only read what a run wrote (the `shared_runs` fixture)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.local_run import LocalRunResult, run_local


class SharedRuns:
    """kfp.local runs of the pipelines, one per distinct (pipeline, parameters, sample) in a worker's session.

    A run takes ~2 s (a process per step); tests that only read what a run wrote share it. A test that runs
    twice in one directory, changes what a run wrote, or checks a failure runs its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs: dict[str, LocalRunResult] = {}

    def get(self, name: str, overrides: Mapping[str, Any] | None = None, sample: str = "good") -> LocalRunResult:
        key = json.dumps([name, dict(overrides or {}), sample], sort_keys=True)
        if key not in self.runs:
            self.runs[key] = run_local(name, overrides, sample=sample, out_dir=self.root / f"run-{len(self.runs)}")
        return self.runs[key]
