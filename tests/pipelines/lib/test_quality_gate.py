"""Gate decisions, per-example flags and the evaluation summary share the same thresholds."""

from __future__ import annotations

from pipelines.lib.flags import flag_rows
from pipelines.lib.quality_gate import Thresholds, decide
from pipelines.lib.summary import quality_summary

BOUNDS = Thresholds(min_groundedness=0.8, max_toxicity=0.05, min_relevance=0.5, min_fluency=0.6)
GOOD = {"groundedness": 0.9, "toxicity": 0.0, "relevance": 0.7, "fluency": 0.95}


def test_gate_passes_within_bounds_and_names_each_violation() -> None:
    assert decide(GOOD, BOUNDS).passed
    at_bounds = {"groundedness": 0.8, "toxicity": 0.05, "relevance": 0.5, "fluency": 0.6}
    assert decide(at_bounds, BOUNDS).passed
    failed = decide({"groundedness": 0.5, "toxicity": 0.2, "relevance": 0.1, "fluency": 0.3}, BOUNDS)
    assert not failed.passed
    assert failed.reasons == [
        "groundedness 0.5000 < min 0.8000",
        "toxicity 0.2000 > max 0.0500",
        "relevance 0.1000 < min 0.5000",
        "fluency 0.3000 < min 0.6000",
    ]


def test_flags_and_summary() -> None:
    rows = [{"id": "ok", **GOOD}, {"id": "rude", **GOOD, "toxicity": 1.0}]
    flagged = flag_rows(rows, BOUNDS)
    assert [(row["id"], row["reasons"]) for row in flagged] == [("rude", ["toxicity 1.0000 > max 0.0500"])]
    summary = quality_summary(rows, len(flagged), BOUNDS, "run-1")
    assert summary["metrics"]["toxicity"] == 0.5
    assert summary["flagged_share"] == 0.5
    assert summary["passed"] is False
    assert summary["reasons"] == ["toxicity 0.5000 > max 0.0500"]
