"""Benchmarks of the offline plan (run by hand; no test asserts timings). Everything is measured side by side.

1. `mlops plan` over every environment of a project against the floor of importing what it needs, each in a
   fresh process, interleaved, several repeats; prints medians and the ratio. The floor *executes* every module
   it names: `pulumi_gcp` loads its modules lazily, so `import pulumi_gcp.vertex` alone runs nothing; the floor
   touches each resource class the program registers (and the wider floor lists each module's names). The plan
   is timed three times per repeat: with the base synthesised (cache cleared), with the base read from the
   cache an unchanged base leaves (`infra/diff/ref_cache.py`; half of the stacks then go to a second process),
   and the same with `--one-process`, each running every working-tree program (the synth cache off); then once
   more with the synth cache on and filled (`infra/synth/cache.py`): a plan of unchanged stacks, which runs no
   program.
2. Synth scaling: the generated program of `scaling_program.py` serving N models (6 N + 5 resources), synthesised
   in-process with the SDK adaptations (`infra/synth/sdk_compat.py`) and, interleaved, on the SDK's stock path;
   prints seconds, the speed-up, whether both snapshots are byte-identical, the marginal cost per resource at N
   (between N/2 and N models) and its growth from the smallest to the largest N.

    .venv/bin/python benchmarks/plan_benchmark.py [--project-dir DIR] [--repeats 5] [--sizes 100 500 1000]
        [--synth-repeats 3] [--no-stock] [--skip-plan] [--skip-scaling] [--calls] [--base HEAD~1]

The plans compare with `--base` (default `HEAD~1`, so the base is another tree, synthesised from a temporary
`git worktree` when not cached, as in a pull request); point `--project-dir` at a copy of the repository if you
do not want that bookkeeping in your checkout.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import resource as rusage
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.scaling_program import stack_name, write_scaling_project  # noqa: E402


def _children_cpu() -> float:
    usage = rusage.getrusage(rusage.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_process(cmd: list[str], cwd: Path, synth_cache: Path | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process and its own children, e.g. the base synth) of one run; the
    machine cache is `synth_cache` (default off: every program runs)."""
    env = {**os.environ, "MLOPS_CACHE_DIR": str(synth_cache) if synth_cache else "off"}
    started, started_cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - started_cpu
    if proc.returncode not in (0, 1):  # 1 = mandatory policy violation, still a complete plan
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed, cpu


def used_classes(project_dir: Path, stacks: list[str]) -> tuple[list[str], list[str]]:
    """`module.Class` of every pulumi_gcp resource the program registers (from its snapshots), and every installed
    module the synth and the policy check load (the program's other libraries too), for a second, wider floor."""
    import site

    from infra.layout import Project
    from infra.plan.policy import check_policies
    from infra.synth import synth_stack

    before = set(sys.modules)
    classes = set()
    for stack in stacks:
        document = synth_stack(stack, Project(project_dir))
        check_policies(document, stack, Project(project_dir))
        for resource in document["resources"]:
            package, _, rest = resource["type"].partition(":")
            if package == "gcp" and "/" in rest:
                module, _, class_name = rest.partition("/")
                classes.add(f"pulumi_gcp.{module}.{class_name.rpartition(':')[2]}")
    libraries = tuple(site.getsitepackages())
    loaded = sorted(
        name for name in set(sys.modules) - before
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(libraries) and not name.startswith("_")
    )
    return sorted(classes), loaded


FLOOR_TEMPLATE = """\
import importlib, sys
import pulumi, pulumi.runtime, pulumi.dynamic, pulumi_gcp
for path in {classes!r}:
    module, _, name = path.rpartition(".")
    getattr(importlib.import_module(module), name)  # executes the lazily loaded module
for module in {wider!r}:
    try:
        dir(importlib.import_module(module))  # dir() executes a lazy module too
    except Exception:
        pass
lazy = [n for n, m in list(sys.modules.items()) if type(m).__name__ == "_LazyModule" and n in {touched!r}]
assert not lazy, lazy
"""


def floor_script(classes: list[str], wider: list[str], name: str) -> list[str]:
    touched = sorted({c.rpartition(".")[0] for c in classes} | set(wider))
    script = Path(tempfile.gettempdir()) / f"mlops-plan-bench-{name}.py"
    script.write_text(FLOOR_TEMPLATE.format(classes=classes, wider=wider, touched=touched))
    return [sys.executable, str(script)]


def _synth_cache_dir(project_dir: Path) -> Path:
    """Where plans keep base snapshots (infra.diff.ref_cache): cleared to time a plan that synthesises its base."""
    proc = subprocess.run(["git", "rev-parse", "--git-common-dir"], cwd=project_dir, capture_output=True, text=True)
    return (project_dir / proc.stdout.strip()).resolve() / "mlops" / "synth-cache"


def bench_plan(project_dir: Path, repeats: int, base: str) -> None:
    from infra.synth.project import load_project

    stacks = load_project(project_dir).stacks()
    classes, loaded = used_classes(project_dir, stacks)
    floor_cmd = floor_script(classes, [], "floor")
    wide_cmd = floor_script(classes, loaded, "wide")
    plan_cmd = [sys.executable, "-m", "infra.cli.app", "plan", "--project-dir", str(project_dir),
                "--base", base, "--format", "json",
                "--out", str(Path(tempfile.gettempdir()) / "mlops-plan-bench.json")]
    bare_cmd = [sys.executable, "-c", "pass"]
    bares: list[tuple[float, float]] = []
    floors: list[tuple[float, float]] = []
    wides: list[tuple[float, float]] = []
    plans: list[tuple[float, float]] = []
    colds: list[tuple[float, float]] = []
    singles: list[tuple[float, float]] = []
    warms: list[tuple[float, float]] = []
    cache = _synth_cache_dir(project_dir)
    machine_cache = Path(tempfile.mkdtemp(prefix="mlops-plan-bench-cache-"))
    timed_process(plan_cmd, REPO, machine_cache)  # fills the synth cache
    for _ in range(repeats):
        bares.append(timed_process(bare_cmd, REPO))
        floors.append(timed_process(floor_cmd, REPO))
        wides.append(timed_process(wide_cmd, REPO))
        shutil.rmtree(cache, ignore_errors=True)  # the base synthesised in the child process, then stored
        colds.append(timed_process(plan_cmd, REPO))
        plans.append(timed_process(plan_cmd, REPO))  # the base read from the cache
        singles.append(timed_process([*plan_cmd, "--one-process"], REPO))  # the same, every stack in one process
        warms.append(timed_process(plan_cmd, REPO, machine_cache))  # unchanged stacks: no program runs
    shutil.rmtree(machine_cache, ignore_errors=True)
    bare, floor, wide, plan = (statistics.median(w for w, _ in t) for t in (bares, floors, wides, plans))
    cold = statistics.median(w for w, _ in colds)
    single = statistics.median(w for w, _ in singles)
    warm = statistics.median(w for w, _ in warms)
    cpu_floor, cpu_wide, cpu_plan = (statistics.median(c for _, c in t) for t in (floors, wides, plans))

    def runs(times: list[tuple[float, float]]) -> str:
        return ", ".join(f"{w:.3f}" for w, _ in times) + f"; CPU median {statistics.median(c for _, c in times):.3f}s"

    modules = sorted({c.rpartition(".")[0] for c in classes})
    print(f"project {project_dir} stacks {', '.join(stacks)}; {len(classes)} resource classes from "
          f"{', '.join(m.removeprefix('pulumi_gcp.') for m in modules)}")
    print(f"interpreter start                       median {bare:.3f}s  (runs: {runs(bares)})")
    print(f"import floor (pulumi + used gcp classes) median {floor:.3f}s  (runs: {runs(floors)})")
    print(f"import floor (+ all {len(loaded)} library modules) median {wide:.3f}s  (runs: {runs(wides)})")
    print(f"mlops plan, base synthesised            median {cold:.3f}s  (runs: {runs(colds)})")
    print(f"mlops plan, base from the cache         median {plan:.3f}s  (runs: {runs(plans)})")
    print(f"mlops plan --one-process, base cached   median {single:.3f}s  (runs: {runs(singles)})")
    print(f"mlops plan, stacks from the synth cache median {warm:.3f}s  (runs: {runs(warms)})")
    print(f"ratio base synthesised/cached: {cold / plan:.2f}x; one process/split: {single / plan:.2f}x; "
          f"programs run/stacks from the synth cache: {plan / warm:.2f}x")
    print(f"ratio plan/import floor: {plan / floor:.2f}x  (plan/wider floor: {plan / wide:.2f}x); "
          f"above the wider floor: {plan - wide:.3f}s")
    print(f"CPU ratio plan/import floor: {cpu_plan / cpu_floor:.2f}x  (plan/wider floor: {cpu_plan / cpu_wide:.2f}x; "
          "plan's CPU includes the base synth's child process, which runs alongside)")


def _synth_once(stack: str, root: Path, adapt_sdk: bool) -> tuple[float, float, int, str]:
    """Wall and CPU seconds of one synth (CPU time is steadier on shared cores), resources, snapshot sha256."""
    from contracts.fsutil import canonical_json
    from infra.layout import Project
    from infra.synth import synth_result

    started, started_cpu = time.perf_counter(), time.process_time()
    result = synth_result(stack, Project(root), adapt_sdk=adapt_sdk)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    text = canonical_json(result.document)
    return elapsed, cpu, len(result.document["resources"]), hashlib.sha256(text.encode()).hexdigest()


def count_calls(sizes: list[int]) -> None:
    """Python function calls per resource of one adapted synth at each size (deterministic, unlike seconds): the
    same figure at every size means the synth does linear work, and what time adds with size is the machine's
    (a larger heap, caches), not the algorithm's."""
    import cProfile
    import pstats

    from infra.layout import Project
    from infra.synth import synth_result

    with tempfile.TemporaryDirectory(prefix="mlops-calls-") as tmp:
        root = write_scaling_project(Path(tmp), [1, *sizes])
        synth_result(stack_name(1), Project(root))
        cells = []
        for size in sizes:
            profile = cProfile.Profile()
            profile.enable()
            document = synth_result(stack_name(size), Project(root)).document
            profile.disable()
            calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
            cells.append(f"N={size}: {calls / len(document['resources']):.1f}")
    print(f"function calls per resource (adapted, one synth each): {'  '.join(cells)}")


def bench_scaling(sizes: list[int], stock: bool, repeats: int) -> None:
    """Each adapted synth is the best of `repeats` (the stock path, 10x slower, runs once); the heap is collected
    before every synth, outside the measurement, so each starts from what a fresh `mlops plan` process has."""
    halves = sorted({max(1, size // 2) for size in sizes} | set(sizes))
    ways = (True, False) if stock else (True,)
    with tempfile.TemporaryDirectory(prefix="mlops-scaling-") as tmp:
        root = write_scaling_project(Path(tmp), [1, *halves])
        for adapt in ways:
            _synth_once(stack_name(1), root, adapt)  # imports and first-use costs out of the measurement
        wall: dict[tuple[int, bool], float] = {}
        cpu: dict[tuple[int, bool], float] = {}
        counts: dict[int, int] = {}
        print(f"seconds of one synth, wall (CPU), adapted: best of {repeats}:")
        print(f"{'models':>7} {'resources':>10} {'adapted':>16} {'stock':>16} {'speed-up':>9} {'identical':>10}")
        for size in halves:
            digests = {}
            for adapt in ways:
                runs = []
                for _ in range(repeats if adapt else 1):
                    gc.collect()
                    runs.append(_synth_once(stack_name(size), root, adapt))
                wall[size, adapt] = min(run[0] for run in runs)
                cpu[size, adapt] = min(run[1] for run in runs)
                counts[size], digests[adapt] = runs[0][2], runs[0][3]
                if len({run[3] for run in runs}) != 1:
                    digests[adapt] = "differs between repeats"

            def cell(size: int, adapt: bool) -> str:
                return f"{wall[size, adapt]:.3f} ({cpu[size, adapt]:.3f})"

            stock_cell = f"{cell(size, False):>16} {wall[size, False] / wall[size, True]:>8.1f}x" \
                if stock else f"{'-':>16} {'-':>9}"
            same = ("yes" if len(set(digests.values())) == 1 else "NO") if stock else "-"
            print(f"{size:>7} {counts[size]:>10} {cell(size, True):>16} {stock_cell} {same:>10}")

    def marginal_ms(seconds: dict[tuple[int, bool], float], size: int, adapt: bool) -> float:
        half = max(1, size // 2)
        return 1000 * (seconds[size, adapt] - seconds[half, adapt]) / (counts[size] - counts[half])

    print("marginal ms per resource (between N/2 and N models):")
    for adapt in ways:
        for clock, seconds in (("wall", wall), ("CPU", cpu)):
            label = f"{'adapted' if adapt else 'stock'} {clock}"
            cells = "  ".join(f"N={size}: {marginal_ms(seconds, size, adapt):.2f}" for size in sizes)
            growth = marginal_ms(seconds, sizes[-1], adapt) / marginal_ms(seconds, sizes[0], adapt)
            print(f"  {label:>12}  {cells}  growth {sizes[0]}->{sizes[-1]}: {growth:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project-dir", type=Path, default=REPO)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--no-stock", action="store_true", help="skip the SDK's stock path (it is slow at scale)")
    parser.add_argument(
        "--base", default="HEAD~1",
        help="the plans' base (default HEAD~1: another tree than the working tree's, as in a pull request)",
    )
    parser.add_argument("--skip-plan", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--synth-repeats", type=int, default=3, help="adapted synths per size (the best counts)")
    parser.add_argument("--calls", action="store_true", help="also count function calls per resource at each size")
    args = parser.parse_args()
    if not args.skip_scaling:
        bench_scaling(sorted(args.sizes), stock=not args.no_stock, repeats=args.synth_repeats)
    if args.calls:
        count_calls(sorted(args.sizes))
    if not args.skip_plan:
        bench_plan(args.project_dir.resolve(), args.repeats, args.base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
