"""`mlops plan` (offline, every environment) against the real engine's `pulumi preview` of every environment.

The preview runs the real Pulumi CLI (PATH, or .tools/bin from `bash tools/install-pulumi`) on a `file://`
backend whose stacks were applied first (untimed) against the loopback gcp provider and loopback Vertex AI, as
`mlops rehearse` does. Both sides run REPEATS times, interleaved, in this one process run; medians and their
ratio are printed.

    .venv/bin/python benchmarks/engine_benchmark.py [REPEATS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENVS = ("dev", "staging", "prod")


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    tools = ROOT / ".tools" / "bin"
    if shutil.which("pulumi") is None and (tools / "pulumi").is_file():
        os.environ["PATH"] = f"{tools}{os.pathsep}{os.environ['PATH']}"
    if shutil.which("pulumi") is None:
        print("the Pulumi CLI is not installed: run `bash tools/install-pulumi`", file=sys.stderr)
        return 2
    os.environ.setdefault("PULUMI_CONFIG_PASSPHRASE", "benchmark")
    from infra.engine import resolve_settings
    from infra.engine.templates import prepare_templates
    from infra.rehearsal.run import rehearse
    from tests.engine.conftest import copy_project

    for env in ENVS:
        prepare_templates(resolve_settings(env, ROOT))
    scratch = Path(tempfile.mkdtemp(prefix="engine-benchmark-"))
    try:
        project = copy_project(scratch / "project")
        pack = project / "policies"
        for env in ENVS:  # untimed: the stacks the previews start from
            applied = rehearse(resolve_settings(env, project), pack, scratch / env)
            if applied.error:
                print(f"up of {env} failed: {applied.error}", file=sys.stderr)
                return 1
        plan_times, preview_times = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            # The synth cache off: like the preview, the plan runs every program.
            subprocess.run([str(ROOT / ".venv" / "bin" / "mlops"), "plan"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "MLOPS_CACHE_DIR": "off"})
            plan_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            for env in ENVS:
                result = rehearse(resolve_settings(env, project), pack, scratch / env, operation="preview")
                if result.error:
                    print(f"preview of {env} failed: {result.error}", file=sys.stderr)
                    return 1
            preview_times.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    plan, preview = statistics.median(plan_times), statistics.median(preview_times)
    print(f"mlops plan (3 stacks, offline):            median {plan:6.2f} s  {[round(t, 2) for t in plan_times]}")
    print(f"pulumi preview (3 stacks, real engine):    median {preview:6.2f} s  {[round(t, 2) for t in preview_times]}")
    print(f"ratio preview / plan: {preview / plan:.2f}x  ({repeats} repeats, interleaved)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
