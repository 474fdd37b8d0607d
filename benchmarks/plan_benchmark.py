"""Benchmarks of the offline plan (run by hand; no test asserts timings).

1. `mlops plan` over every environment of a project against the floor of importing what it needs (pulumi and the
   pulumi_gcp modules the program uses), each in a fresh process, several repeats; prints medians and the ratio.
2. Synth scaling: a generated program serving N models (endpoint, model version, alert policy, log metric, IAM
   grant per model, plus shared resources), synthesised in-process; prints resources, seconds, seconds/resource.

    .venv/bin/python benchmarks/plan_benchmark.py [--project-dir DIR] [--repeats 5] [--sizes 10 100 500]

`mlops plan` diffs against the merge-base with the default branch through a temporary `git worktree`; point
`--project-dir` at a copy of the repository if you do not want that bookkeeping in your checkout.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def timed_process(cmd: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):  # 1 = mandatory policy violation, still a complete plan
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed


def gcp_modules(project_dir: Path, stacks: list[str]) -> tuple[list[str], list[str]]:
    """The pulumi_gcp modules the program registers resources from (from its snapshots), and every installed
    module the synth loads (the program's other libraries too, e.g. google-cloud-aiplatform for dynamic
    providers, plus the policy pack's), for a second, wider floor."""
    import site

    from infra.plan.policy import check_policies
    from infra.synth import synth_stack

    before = set(sys.modules)
    modules = set()
    for stack in stacks:
        document = synth_stack(stack, project_dir)
        check_policies(document, stack)
        for resource in document["resources"]:
            package, _, rest = resource["type"].partition(":")
            if package == "gcp" and "/" in rest:
                modules.add(f"pulumi_gcp.{rest.split('/')[0]}")
    libraries = tuple(site.getsitepackages())
    loaded = sorted(
        name for name in set(sys.modules) - before
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(libraries) and not name.startswith("_")
    )
    return sorted(modules), loaded


def bench_plan(project_dir: Path, repeats: int) -> None:
    from infra.synth.project import load_project

    stacks = load_project(project_dir).stacks()
    modules, loaded = gcp_modules(project_dir, stacks)
    floor_code = "import pulumi, pulumi.runtime, pulumi_gcp" + "".join(f", {m}" for m in modules)
    floor_cmd = [sys.executable, "-c", floor_code]
    wide_script = Path(tempfile.gettempdir()) / "mlops-plan-bench-imports.py"
    wide_script.write_text(
        f"{floor_code}\nimport importlib\nfor name in {loaded!r}:\n    try:\n"
        "        importlib.import_module(name)\n    except Exception:\n        pass\n"
    )
    wide_cmd = [sys.executable, str(wide_script)]
    plan_cmd = [sys.executable, "-m", "infra.cli.app", "plan", "--project-dir", str(project_dir),
                "--format", "json", "--out", str(Path(tempfile.gettempdir()) / "mlops-plan-bench.json")]
    floors, wides, plans = [], [], []
    for _ in range(repeats):
        floors.append(timed_process(floor_cmd, REPO))
        wides.append(timed_process(wide_cmd, REPO))
        plans.append(timed_process(plan_cmd, REPO))
    floor, wide, plan = statistics.median(floors), statistics.median(wides), statistics.median(plans)

    def runs(times: list[float]) -> str:
        return ", ".join(f"{t:.3f}" for t in times)

    print(f"project {project_dir} stacks {', '.join(stacks)}; gcp modules: {', '.join(modules)}")
    print(f"import floor (pulumi + gcp modules)    median {floor:.3f}s  (runs: {runs(floors)})")
    print(f"import floor (+ all {len(loaded)} library modules) median {wide:.3f}s  (runs: {runs(wides)})")
    print(f"mlops plan                             median {plan:.3f}s  (runs: {runs(plans)})")
    print(f"ratio plan/import floor: {plan / floor:.2f}x  (plan/wider floor: {plan / wide:.2f}x)")


SCALING_PROVIDERS = textwrap.dedent('''
    from pulumi import dynamic

    class ModelVersionProvider(dynamic.ResourceProvider):
        def create(self, props):
            return dynamic.CreateResult(id_=props["model"], outs=props)

    class ModelVersion(dynamic.Resource):
        def __init__(self, name, model, opts=None):
            super().__init__(ModelVersionProvider(), name, {"model": model, "alias": "live"}, opts)
''')

SCALING_MAIN = textwrap.dedent('''
    import pulumi
    import pulumi_gcp as gcp
    from providers import ModelVersion

    class ServedModel(pulumi.ComponentResource):
        def __init__(self, name, dataset, opts=None):
            super().__init__("bench:serving:ServedModel", name, None, opts)
            child = pulumi.ResourceOptions(parent=self)
            endpoint = gcp.vertex.AiEndpoint(f"{name}-endpoint", name=name, display_name=name,
                location="europe-west4", labels={"model": name}, opts=child)
            ModelVersion(f"{name}-version", name, opts=child)
            gcp.logging.Metric(f"{name}-errors", name=f"{name}-errors",
                filter=f'resource.labels.endpoint_id="{name}" severity>=ERROR', opts=child)
            gcp.monitoring.AlertPolicy(f"{name}-latency", display_name=f"{name} p99", combiner="OR",
                conditions=[{"display_name": "p99", "condition_threshold": {
                    "filter": 'metric.type="aiplatform.googleapis.com/prediction/online/prediction_latencies"',
                    "comparison": "COMPARISON_GT", "threshold_value": 2000, "duration": "300s"}}], opts=child)
            gcp.bigquery.DatasetIamMember(f"{name}-logs-writer", dataset_id=dataset.dataset_id,
                role="roles/bigquery.dataEditor", member=f"serviceAccount:{name}@example.iam.gserviceaccount.com",
                opts=child)
            self.register_outputs({"endpoint": endpoint.name})

    count = pulumi.Config().require_int("models")
    bucket = gcp.storage.Bucket("artifacts", location="EU", uniform_bucket_level_access=True)
    dataset = gcp.bigquery.Dataset("logs", dataset_id="logs", location="EU")
    for index in range(count):
        ServedModel(f"model-{index:04d}", dataset)
    pulumi.export("bucket", bucket.name)
''')


def bench_scaling(sizes: list[int]) -> None:
    from infra.synth import synth_result

    with tempfile.TemporaryDirectory(prefix="mlops-scaling-") as tmp:
        root = Path(tmp)
        (root / "program").mkdir()
        (root / "program" / "__main__.py").write_text(SCALING_MAIN)
        (root / "program" / "providers.py").write_text(SCALING_PROVIDERS)  # dynamic providers live in modules
        (root / "Pulumi.yaml").write_text("name: bench\nruntime: python\nmain: program/\n")
        (root / "Pulumi.warmup.yaml").write_text("config:\n  gcp:project: bench\n  bench:models: 1\n")
        synth_result("warmup", root)  # imports and first-use costs out of the measurement
        print(f"{'models':>7} {'resources':>10} {'seconds':>9} {'s/resource':>11}")
        for size in sizes:
            (root / f"Pulumi.n{size}.yaml").write_text(f"config:\n  gcp:project: bench\n  bench:models: {size}\n")
            started = time.perf_counter()
            result = synth_result(f"n{size}", root)
            elapsed = time.perf_counter() - started
            count = len(result.document["resources"])
            print(f"{size:>7} {count:>10} {elapsed:>9.3f} {elapsed / count:>11.5f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project-dir", type=Path, default=REPO)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--skip-plan", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    if not args.skip_plan:
        bench_plan(args.project_dir.resolve(), args.repeats)
    if not args.skip_scaling:
        bench_scaling(args.sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
