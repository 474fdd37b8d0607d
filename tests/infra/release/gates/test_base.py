"""Composing gates: results in the order given, a gate whose prerequisite failed is reported as not run."""

from __future__ import annotations

from infra.config.loader import load_environment
from infra.release import gates
from infra.release.gates import (
    APPROVAL,
    CANDIDATE,
    EVALUATION,
    LINEAGE,
    POLICY,
    Gate,
    GateContext,
    GateResult,
    run_gates,
)
from infra.release.schema import Evaluation
from tests.checkout import PROJECT

CALLS: list[str] = []


def passing(name: str) -> Gate:
    def check(_context: GateContext) -> GateResult:
        CALLS.append(name)
        return GateResult(name, True, (f"{name} ok",))

    return Gate(name, check)


def failing(name: str) -> Gate:
    def check(_context: GateContext) -> GateResult:
        CALLS.append(name)
        return GateResult(name, False, (f"{name} failed",))

    return Gate(name, check)


def context() -> GateContext:
    return GateContext(PROJECT, load_environment("dev", PROJECT), Evaluation(report="r.json", metrics={"m": 0.5}))


def test_results_come_in_the_order_given_and_a_prerequisite_runs_first() -> None:
    CALLS.clear()
    slow = Gate("slow", passing("slow").check, after=("cheap",))
    results = run_gates([slow, passing("cheap")], context())
    assert [r.gate for r in results] == ["slow", "cheap"]
    assert CALLS == ["cheap", "slow"]
    assert all(r.passed for r in results)


def test_a_gate_after_a_failed_one_is_not_run() -> None:
    CALLS.clear()
    slow = Gate("slow", passing("slow").check, after=("first", "second"))
    results = run_gates([failing("first"), failing("second"), slow], context())
    assert results[2] == GateResult("slow", False, ("not run: the first gate failed",), skipped=True)
    assert CALLS == ["first", "second"]


def test_a_result_the_caller_has_is_not_computed_again() -> None:
    CALLS.clear()
    known = GateResult("first", False, ("judged before",))
    slow = Gate("slow", passing("slow").check, after=("first",))
    results = run_gates([failing("first"), slow], context(), done={"first": known})
    assert results == [known, GateResult("slow", False, ("not run: the first gate failed",), skipped=True)]
    assert CALLS == []


def test_the_compositions_name_every_gate_once_in_the_order_they_are_reported() -> None:
    assert [g.name for g in gates.PROMOTION_GATES] == [EVALUATION, POLICY, LINEAGE, APPROVAL]
    assert [g.name for g in gates.CUT_GATES] == [CANDIDATE, EVALUATION, POLICY]
    assert {g.name: g.after for g in gates.PROMOTION_GATES}[POLICY] == (APPROVAL,)
    assert {g.name: g.after for g in gates.CUT_GATES}[POLICY] == (CANDIDATE, EVALUATION)
