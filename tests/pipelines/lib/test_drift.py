"""Input drift on sample windows: a window on the release's topics does not drift, a changed one does."""

from __future__ import annotations

import math

import pytest

from pipelines.catalog import DATA_DIR
from pipelines.lib.drift import DriftBounds, dominant_script, drift_report, jensen_shannon, prompts_of, psi


def window(*parts: str) -> list[str]:
    return prompts_of((DATA_DIR.joinpath(*parts)).read_text(encoding="utf-8"))[0]


REFERENCE = window("tuning", "good.jsonl")  # the release's evaluation set


def test_a_window_on_the_releases_topics_does_not_drift() -> None:
    report = drift_report(REFERENCE, window("evaluation", "good.jsonl"), DriftBounds())
    assert report["drifted"] is False
    assert report["reasons"] == []
    metrics = report["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["length_psi"] < 0.25
    assert metrics["token_js"] < 0.7
    assert metrics["script_js"] == metrics["empty_share"] == metrics["oversized_share"] == 0.0


def test_a_window_of_other_topics_scripts_and_sizes_drifts_on_every_measure() -> None:
    report = drift_report(REFERENCE, window("drift", "drifting.jsonl"), DriftBounds())
    assert report["drifted"] is True
    assert [reason.split(" ")[0] for reason in report["reasons"]] == [
        "length_psi", "token_js", "script_js", "empty_share", "oversized_share",
    ]
    metrics = report["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["token_js"] > 0.95  # billing questions share almost no word with the platform's
    assert metrics["empty_share"] == round(2 / 12, 4)
    assert metrics["oversized_share"] == round(1 / 12, 4)


def test_the_same_window_has_no_drift_and_looser_bounds_accept_a_moderate_shift() -> None:
    current = window("evaluation", "good.jsonl")
    assert drift_report(current, current, DriftBounds())["metrics"] == {
        "length_psi": 0.0, "token_js": 0.0, "script_js": 0.0, "empty_share": 0.0, "oversized_share": 0.0,
    }
    strict = drift_report(REFERENCE, current, DriftBounds(max_length_psi=0.1))
    assert strict["reasons"] == [f"length_psi {strict['metrics']['length_psi']:.4f} > max 0.1000"]


def test_psi_and_jensen_shannon_behave_as_defined() -> None:
    assert psi([1, 2, 3, 4, 5] * 4, [1, 2, 3, 4, 5] * 4) == 0.0
    assert psi([1, 2, 3, 4, 5] * 4, [50] * 20) > 1.0
    assert jensen_shannon({"a": 1}, {"a": 3}) == 0.0
    assert jensen_shannon({"a": 1}, {"b": 1}) == 1.0
    half = jensen_shannon({"a": 1, "b": 1}, {"a": 1})
    assert math.isclose(half, 1.5 - 0.75 * math.log2(3), rel_tol=1e-9)  # JS of {1/2, 1/2} vs {1, 0}


@pytest.mark.parametrize(
    ("prompt", "script"),
    [("How are templates versioned?", "latin"), ("Как отменить подписку?", "cyrillic"),
     ("請問如何更改付款方式", "han"), ("", "none"), ("12345 ???", "none")],
)
def test_dominant_script(prompt: str, script: str) -> None:
    assert dominant_script(prompt) == script


def test_prompts_of_skips_lines_without_a_question() -> None:
    assert prompts_of('{"question": "a"}\nnot json\n{"id": 1}\n\n{"question": ""}\n') == (["a", ""], 2)
