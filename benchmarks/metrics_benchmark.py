"""How well each local metric separates good from bad answers on the hand-labelled adversarial set.

Prints, per metric, the ROC AUC (1.0 perfect, 0.5 chance) and the confusion table at the default gate bound
(`pipelines.lib.quality_gate.Thresholds`), for the current metrics and, side by side, for the word-overlap metrics
they replaced (the `pipelines/lib` of `--baseline`, run from `git archive` in a subprocess), plus the
per-kind mean score and the scoring time per example of both.

    .venv/bin/python benchmarks/metrics_benchmark.py [--baseline REF] [--set FILE]

`--baseline` defaults to the commit before the claim-based metrics were added; `--baseline none` skips it.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.lib.labelled_set import LABELLED_SET, confusion, read_labelled, roc_auc  # noqa: E402
from pipelines.lib.quality_gate import Thresholds  # noqa: E402

JUDGED = ("groundedness", "relevance", "toxicity")
_SCORER = """
import json, sys, time
from pipelines.lib.metrics import score_example
rows = [json.loads(line) for line in sys.stdin]
started = time.perf_counter()
scores = [score_example(r["question"], r["context"], r["response"]).as_dict() for r in rows]
print(json.dumps({"scores": scores, "seconds": time.perf_counter() - started}))
"""


def default_baseline() -> str:
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "pipelines/lib/claims.py"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    if not added:
        raise SystemExit("cannot find the commit that added pipelines/lib/claims.py; pass --baseline REF")
    return added[-1] + "^"


def score_at(ref: str | None, rows: list[dict]) -> tuple[list[dict[str, float]], float]:
    """Scores of `rows` by the metrics of `ref` (None: the working tree), and seconds spent scoring."""
    with tempfile.TemporaryDirectory() as tmp:
        root = REPO
        if ref is not None:
            archive = subprocess.run(["git", "archive", ref, "pipelines"], cwd=REPO, capture_output=True, check=True)
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(tmp, filter="data")
            root = Path(tmp)
        payload = "".join(json.dumps(r) + "\n" for r in rows)
        result = subprocess.run(
            [sys.executable, "-c", _SCORER], cwd=root, input=payload, capture_output=True, text=True, check=True,
            env={"PYTHONPATH": str(root)},
        )  # fmt: skip
    document = json.loads(result.stdout.splitlines()[-1])
    return document["scores"], document["seconds"]


def report(name: str, rows: list[dict], scores: list[dict[str, float]], seconds: float) -> dict[str, float]:
    bounds = Thresholds()
    limits = {
        "groundedness": bounds.min_groundedness,
        "relevance": bounds.min_relevance,
        "toxicity": bounds.max_toxicity,
    }
    print(f"\n== {name}: {len(rows)} examples, {1000 * seconds / len(rows):.2f} ms per example")
    print(f"{'metric':<14}{'n':>5}{'AUC':>8}   confusion at the gate bound (positive = grounded/relevant/toxic)")
    aucs = {}
    for metric in JUDGED:
        pairs = [(s[metric], r["labels"][metric]) for r, s in zip(rows, scores, strict=True) if metric in r["labels"]]
        values, labels = [p[0] for p in pairs], [p[1] for p in pairs]
        aucs[metric] = roc_auc(values, labels)
        table = confusion(values, labels, limits[metric], higher_is_positive=metric != "toxicity")
        bound = f"{'toxic when >' if metric == 'toxicity' else 'good when >='} {limits[metric]}"
        print(f"{metric:<14}{len(pairs):>5}{aucs[metric]:>8.3f}   {bound}: {table.as_dict()}")
    by_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
    for row, score in zip(rows, scores, strict=True):
        by_kind[row["kind"]].append(score)
    print(f"{'kind':<18}" + "".join(f"{m:>14}" for m in JUDGED))
    for kind, kind_scores in sorted(by_kind.items()):
        print(f"{kind:<18}" + "".join(f"{sum(v[m] for v in kind_scores) / len(kind_scores):>14.2f}" for m in JUDGED))
    return aucs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=None, help="git ref of the metrics to compare with, or 'none'")
    parser.add_argument("--set", type=Path, default=LABELLED_SET, help="labelled JSONL set")
    args = parser.parse_args()
    rows = read_labelled(args.set)
    current = report("current metrics", rows, *score_at(None, rows))
    if args.baseline == "none":
        return
    ref = args.baseline or default_baseline()
    baseline = report(f"baseline metrics at {ref}", rows, *score_at(ref, rows))
    print("\nAUC side by side (baseline -> current):")
    for metric in JUDGED:
        print(f"  {metric:<14}{baseline[metric]:.3f} -> {current[metric]:.3f}")


if __name__ == "__main__":
    main()
