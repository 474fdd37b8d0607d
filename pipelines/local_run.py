"""Run a pipeline end to end on this machine with kfp.local's SubprocessRunner.

Each component runs as a subprocess of the current interpreter (no container, no venv, no pip install), so
the subprocesses import this package the way the caller does: installed (`pip install -e .`, as the quick
start sets up) or from the project root as the working directory. Nothing in this process's environment is changed. The
component logs go to a log file (or the terminal with `stream_logs`); the result says where every output went.
A tuning run whose candidate passes its gate leaves `candidate.json` and `report.json` in the run directory;
every tuning run leaves its experiment run record there as `experiment_run.json`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.errors import UserInputError
from contracts.fsutil import atomic_write_bytes
from pipelines.catalog import PipelineEntry, get
from pipelines.kfp_compat import local_display_names_ignored_quietly
from pipelines.lib import local_registry
from pipelines.lib.candidate import CANDIDATE_FILE, REPORT_FILE
from pipelines.lib.results_sink import destination

DEFAULT_RUNS_DIR = Path("build/local-runs")
EXPERIMENT_RUN_FILE = "experiment_run.json"


class PipelineRunFailed(RuntimeError):
    """A step failed (not a gate: a gate miss is a successful run with `passed=False`)."""

    def __init__(self, pipeline: str, log_file: Path, cause: BaseException) -> None:
        super().__init__(f"pipeline '{pipeline}' failed: {cause}; component logs: {log_file}")
        self.log_file = log_file


@dataclass(frozen=True)
class LocalRunResult:
    """What a local run produced: the gate verdict, its report, and where each output went."""

    pipeline: str
    passed: bool
    report: dict[str, Any]
    outputs: dict[str, str]
    log_file: Path
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)
    out_dir: Path = DEFAULT_RUNS_DIR
    """The run's directory: results/, registry/, the pipeline root and the logs."""


def template_digest(entry: PipelineEntry) -> str:
    """`sha256:` of the pipeline compiled from the same sources the local run executes."""
    from pipelines.compile import compile_bytes

    return "sha256:" + hashlib.sha256(compile_bytes(entry)).hexdigest()


def _copy_candidate_record(values: Mapping[str, Any], base: Path) -> None:
    """Put the registered candidate's record and report in the run directory (`mlops release cut` reads them)."""
    version = local_registry.resolve(values["registry_dir"], values["model_display_name"], "candidate")
    bundle = Path(values["registry_dir"]) / values["model_display_name"] / "versions" / str(version)
    for file in (CANDIDATE_FILE, REPORT_FILE):
        atomic_write_bytes(base / file, (bundle / file).read_bytes())


def _copy_experiment_record(pipeline_root: Path, base: Path) -> None:
    """Put the experiment run record the latest tuning run wrote in the run directory."""
    found = sorted(pipeline_root.glob("*/log-experiment-run/record"), key=lambda p: p.stat().st_mtime)
    if found:
        atomic_write_bytes(base / EXPERIMENT_RUN_FILE, found[-1].read_bytes())


def _outputs(name: str, values: Mapping[str, Any], passed: bool, pipeline_root: Path) -> dict[str, str]:
    outputs = {"pipeline root (artifacts)": str(pipeline_root)}
    if name == "tuning":
        version = local_registry.resolve(values["registry_dir"], values["model_display_name"], "candidate")
        if passed and version:
            bundle = Path(values["registry_dir"]) / values["model_display_name"] / "versions" / version
            outputs["candidate bundle (alias candidate)"] = str(bundle)
            outputs["candidate record (mlops release cut --candidate)"] = str(pipeline_root.parent / CANDIDATE_FILE)
        outputs["model events"] = str(values["events_uri"])
        if (pipeline_root.parent / EXPERIMENT_RUN_FILE).exists():
            outputs["experiment run record"] = str(pipeline_root.parent / EXPERIMENT_RUN_FILE)
    else:
        for table in ("scores", "review", "summary", "drift"):
            path = destination("local", values["results_uri"], table)
            if Path(path).exists():
                outputs[f"{table} rows"] = path
        for label, task, artifact in (
            ("input drift report", "check-input-drift", "report"),
            ("feedback counts", "count-window-feedback", "counts"),
            ("retraining decision", "request-retraining", "request"),
        ):
            found = sorted(pipeline_root.glob(f"*/{task}/{artifact}"), key=lambda p: p.stat().st_mtime)
            if found:
                outputs[label] = str(found[-1])
        if values["retraining_topic"] and Path(values["retraining_topic"]).exists():
            outputs["retraining requests"] = str(values["retraining_topic"])
    return outputs


def run_local(
    name: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    sample: str = "good",
    out_dir: str | Path | None = None,
    stream_logs: bool = False,
) -> LocalRunResult:
    """Run pipeline `name` on the `sample` data set (`good` or `bad`), `overrides` replacing any parameter.

    Raises UserInputError for invalid parameters (nothing runs) and PipelineRunFailed when a step fails.
    """
    from kfp import local

    entry = get(name)
    base = Path(out_dir) if out_dir is not None else DEFAULT_RUNS_DIR / f"{name}-{sample}"
    base = base.resolve()
    backend = (overrides or {}).get("backend", "local")
    if backend != "local":
        raise UserInputError.single(
            f"pipeline '{name}' parameters",
            "backend",
            f"a local run uses backend=local, found {backend!r}; Vertex backends run on Vertex AI Pipelines",
            summary="invalid parameters for a local run",
        )
    defaults = entry.local_values(sample, base)
    if name == "tuning":
        defaults["pipeline_digest"] = template_digest(entry)
    values = entry.resolve({**defaults, **(overrides or {})})
    pipeline_root = base / "pipeline-root"
    log_file = base / "logs" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(pipeline_root),
        workspace_root=str(base / "workspace"),
        raise_on_error=True,
    )
    started = time.monotonic()
    with log_file.open("w", encoding="utf-8") as log:
        redirect = contextlib.nullcontext() if stream_logs else contextlib.redirect_stdout(log)
        try:
            with redirect, local_display_names_ignored_quietly():
                task = entry.pipeline(**values)
        except Exception as exc:
            raise PipelineRunFailed(name, log_file, exc) from exc
    seconds = time.monotonic() - started
    report = json.loads(Path(task.outputs["report"].path).read_text(encoding="utf-8"))
    passed = bool(task.outputs["passed"])
    if name == "tuning":
        _copy_experiment_record(pipeline_root, base)
    if name == "tuning" and passed:
        _copy_candidate_record(values, base)
    return LocalRunResult(
        pipeline=name,
        passed=passed,
        report=report,
        outputs=_outputs(name, values, passed, pipeline_root),
        log_file=log_file,
        seconds=round(seconds, 2),
        parameters=values,
        out_dir=base,
    )
