"""Where the time of `mlops plan` goes, phase by phase, in fresh processes (run by hand; no test asserts timings).

Each repeat runs one fresh interpreter that does what `mlops plan` does, one phase after the other, timing each:
CLI and library imports, the provider's modules (executing every lazily loaded pulumi_gcp module the program
uses), config load, the program runs (one per stack), policy evaluation, diff and rendering. Beside it, in the
same run: a bare interpreter start, the teardown an orderly exit would cost after the plan (the `mlops` console
script skips it), and the base synth of a git worktree in a child process (what a pull request's plan runs
alongside when the base is not cached).

    .venv/bin/python benchmarks/plan_phases.py [--project-dir DIR] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PHASES_SCRIPT = """\
import json, sys, time
t0 = time.perf_counter()
marks = {{}}
def mark(name):
    global t0
    now = time.perf_counter(); marks[name] = marks.get(name, 0.0) + now - t0; t0 = now
import infra.cli.app, infra.plan
from infra.layout import Project
from infra.config.loader import load_environment
from infra.synth import synth_result
from infra.plan.policy import check_policies
from infra.diff import diff_snapshots
from infra.plan import plan_json, plan_markdown, plan_text, build_plan
mark("CLI and library imports")
import importlib
for path in {classes!r}:
    module, _, name = path.rpartition(".")
    getattr(importlib.import_module(module), name)
mark("provider modules (pulumi_gcp)")
project = Project.at({project!r})
for stack in {stacks!r}:
    load_environment(stack, project)
mark("config load")
documents = {{}}
for stack in {stacks!r}:
    documents[stack] = synth_result(stack, project).document
mark("program runs")
for stack in {stacks!r}:
    check_policies(documents[stack], stack, project)
mark("policy evaluation")
for stack in {stacks!r}:
    diff_snapshots(documents[stack], documents[stack], base_label="base", head_label="head")
mark("diff")
plan = build_plan(project, {stacks!r}, "HEAD")  # warm: every phase again, to render a real plan
t0 = time.perf_counter()
plan_text(plan); plan_markdown(plan); json.dumps(plan_json(plan))
mark("rendering (text, markdown, json)")
sys.stdout.write(json.dumps(marks) + "\\n"); sys.stdout.flush()
print("END", time.perf_counter(), flush=True)
"""

BASE_SCRIPT = """\
import json, time
from infra.layout import Project
from infra.diff.sources import synth_at_ref_started
t = time.perf_counter()
with synth_at_ref_started({stacks!r}, "HEAD", Project.at({project!r})) as pending:
    pending.result()
print(json.dumps(time.perf_counter() - t))
"""


def used_classes(project: Path, stacks: list[str]) -> list[str]:
    """`pulumi_gcp.<module>.<Class>` of every resource the stacks register (from a synth in this process)."""
    from infra.layout import Project
    from infra.synth import synth_stack

    classes = set()
    for stack in stacks:
        for resource in synth_stack(stack, Project.at(project))["resources"]:
            package, _, rest = resource["type"].partition(":")
            if package == "gcp" and "/" in rest:
                module, _, class_name = rest.partition("/")
                classes.add(f"pulumi_gcp.{module}.{class_name.rpartition(':')[2]}")
    return sorted(classes)


def run_phases(script: str) -> tuple[dict[str, float], float]:
    """The phases' seconds, and the teardown after the last line (process end minus the script's end)."""
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    marks = json.loads(proc.stdout.readline())
    ended = float(proc.stdout.readline().split()[1])
    proc.wait()
    teardown = time.perf_counter() - ended
    if proc.returncode != 0:
        raise SystemExit(f"phase script failed ({proc.returncode})")
    return marks, teardown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project-dir", type=Path, default=REPO)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from infra.synth.project import load_project

    project = args.project_dir.resolve()
    stacks = load_project(project).stacks()
    phases_script = PHASES_SCRIPT.format(classes=used_classes(project, stacks), project=str(project), stacks=stacks)
    base_script = BASE_SCRIPT.format(stacks=stacks, project=str(project))
    cache = subprocess.run(["git", "rev-parse", "--git-common-dir"], cwd=project, capture_output=True, text=True)
    synth_cache = (project / cache.stdout.strip()).resolve() / "mlops" / "synth-cache"
    starts: list[float] = []
    teardowns: list[float] = []
    bases: list[float] = []
    phases: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        starts.append(time.perf_counter() - started)
        marks, teardown = run_phases(phases_script)
        teardowns.append(teardown)
        for name, seconds in marks.items():
            phases.setdefault(name, []).append(seconds)
        import shutil

        shutil.rmtree(synth_cache, ignore_errors=True)
        proc = subprocess.run([sys.executable, "-c", base_script], cwd=REPO, capture_output=True, text=True, check=True)
        bases.append(json.loads(proc.stdout))
    rows = [("interpreter start", starts), *phases.items()]
    total = sum(statistics.median(values) for _, values in rows)
    print(f"mlops plan of {', '.join(stacks)} in {project}, medians of {args.repeats} fresh processes:")
    for name, values in rows:
        median = statistics.median(values)
        print(f"  {name:34s} {median:6.3f}s  {100 * median / total:5.1f}%")
    print(f"  {'sum':34s} {total:6.3f}s")
    print(f"  {'teardown of an orderly exit':34s} {statistics.median(teardowns):6.3f}s  (skipped by the mlops script)")
    print(f"  {'base synth in a worktree (child)':34s} {statistics.median(bases):6.3f}s  "
          "(runs alongside the program runs; cached by tree once done)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
