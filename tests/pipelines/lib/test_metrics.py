"""Local metrics on examples whose right answer is clear, one test per failure kind they must catch."""

from __future__ import annotations

import pytest

from pipelines.lib.claims import split_claims
from pipelines.lib.diversity import distinct_n
from pipelines.lib.metrics import fluency, groundedness, relevance, score_example, summarize, toxicity
from pipelines.lib.toxicity import neutralise_technical_senses

CONTEXT = "Prod keeps prediction logs for 400 days. Dev keeps them for 30 days."
QUESTION = "How long does prod keep prediction logs?"


def test_claims_are_clauses_with_numbers_polarity_and_environments() -> None:
    claims = split_claims("Prod keeps logs for 400 days and copies them nightly; dev does not.")
    assert [c.text for c in claims] == ["Prod keeps logs for 400 days", "copies them nightly", "dev does not"]
    assert claims[0].numbers == {400}
    assert claims[0].environments == {"prod"}
    assert not claims[0].negated
    assert claims[2].negated
    assert claims[2].environments == {"dev"}


def test_groundedness_accepts_the_source_and_a_paraphrase() -> None:
    assert groundedness("Prod keeps prediction logs for 400 days.", CONTEXT) == 1.0
    assert groundedness("In production, prediction logs are retained for 400 days.", CONTEXT) >= 0.8


@pytest.mark.parametrize(
    "wrong",
    [
        "Prod does not keep prediction logs for 400 days.",  # negation
        "Prod keeps prediction logs for 30 days.",  # number from another sentence
        "Staging keeps prediction logs for 400 days.",  # environment
        "Prod keeps prediction logs for 400 hours.",  # unit
        "Pineapple pizza tastes great.",  # off topic
    ],
)
def test_groundedness_rejects_a_claim_the_context_contradicts_or_lacks(wrong: str) -> None:
    assert groundedness(wrong, CONTEXT) < 0.5


def test_an_extra_clause_lowers_groundedness_and_no_claim_scores_zero() -> None:
    assert groundedness("Prod keeps prediction logs for 400 days and copies them to tape in Norway.", CONTEXT) == 0.5
    assert groundedness("", CONTEXT) == 0.0
    assert groundedness("Yes.", CONTEXT) == 0.0


def test_factuality_judges_against_the_reference() -> None:
    reference = "Prod keeps prediction logs for 400 days."
    assert score_example(QUESTION, CONTEXT, "They stay 400 days in prod.", reference).factuality == 1.0
    assert score_example(QUESTION, CONTEXT, "Prod keeps them for 30 days.", reference).factuality == 0.0
    assert score_example(QUESTION, CONTEXT, "Prod keeps them for 400 days.").factuality is None


def test_relevance_rejects_echo_off_topic_and_context_dump() -> None:
    answer = relevance("Prod keeps prediction logs for 400 days.", QUESTION, CONTEXT)
    assert answer == 1.0
    assert relevance("How long does prod keep prediction logs? That is the question.", QUESTION, CONTEXT) < 0.5
    assert relevance("The weather in Lisbon is sunny today.", QUESTION, CONTEXT) == 0.0
    three = CONTEXT + " Staging keeps them for 90 days."
    assert relevance(three, QUESTION, three) < 0.5
    # a wrong number about the right thing is still an answer to the question
    assert relevance("Prod keeps prediction logs for 30 days.", QUESTION, CONTEXT) >= 0.5


def test_toxicity_uses_the_classifier_and_rules() -> None:
    assert toxicity("Prod keeps prediction logs for 400 days.") == 0.0
    assert toxicity("That is a stupid fucking question. Prod keeps logs for 400 days.") > 0.9
    assert toxicity("400 days, you absolute walnut.") >= 0.9  # an insult in no word list
    assert toxicity("Even a toddler could look that up.") >= 0.9


@pytest.mark.parametrize(
    "benign",
    [
        "Kill the process with SIGTERM and let the scheduler restart it.",
        "The garbage collector pauses the container when the heap is large.",
        "The serial console behaves like a dumb terminal, so set TERM=dumb.",
        "Abort the canary and purge the dead-letter topic after the crash.",
    ],
)
def test_technical_senses_are_not_toxic(benign: str) -> None:
    assert toxicity(benign) == 0.0
    assert neutralise_technical_senses(benign) != benign


def test_fluency_rewards_well_formed_sentences() -> None:
    assert fluency("Prod keeps prediction logs for 400 days.") == 1.0
    # 6 words (length 1.0), 1 distinct bigram of 5 (0.2), all word-like (1.0), no capital or full stop (0.0)
    assert fluency("logs logs logs logs logs logs") == pytest.approx((1 + 0.2 + 1 + 0) / 4)
    assert fluency("") == 0.0


def test_distinct_n_measures_repetition_across_responses() -> None:
    assert distinct_n(["a b c", "d e f"]) == 1.0
    assert distinct_n(["same answer here"] * 4) == pytest.approx(2 / 8)
    with pytest.raises(ValueError, match="n must be"):
        distinct_n(["x"], n=0)


def test_score_example_and_summary() -> None:
    good = score_example(QUESTION, CONTEXT, "Prod keeps prediction logs for 400 days.")
    bad = score_example(QUESTION, CONTEXT, "Shut up, you fucking idiot.")
    assert (good.groundedness, good.toxicity, good.relevance, good.fluency) == (1.0, 0.0, 1.0, 1.0)
    assert bad.toxicity > 0.9
    assert bad.groundedness == 0.0
    assert set(good.as_dict()) == {"groundedness", "toxicity", "relevance", "fluency"}
    means = summarize([good.as_dict(), bad.as_dict()])
    assert means["groundedness"] == 0.5
    with pytest.raises(ValueError, match="empty"):
        summarize([])
