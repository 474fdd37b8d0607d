"""Offline metrics on examples whose answers can be worked out by hand."""

from __future__ import annotations

import pytest

from pipelines.lib.metrics import fluency, groundedness, relevance, score_example, summarize, toxicity
from pipelines.lib.text import content_words, sentences, stem

CONTEXT = "Prod keeps prediction logs for 400 days. Dev keeps them for 30 days."


def test_text_primitives():
    assert sentences("One. Two!  Three?") == ["One.", "Two!", "Three?"]
    assert stem("buckets") == "bucket" and stem("retries") == "retry" and stem("process") == "process"
    assert content_words("The logs are kept for 400 days") == {"log", "kept", "400", "day"}


def test_groundedness_is_share_of_supported_sentences():
    assert groundedness("Prod keeps prediction logs for 400 days.", CONTEXT) == 1.0
    # second sentence: content words {log, stored, tape, norway}, only "log" in context -> unsupported
    assert groundedness("Prod keeps logs for 400 days. Logs are stored on tape in Norway.", CONTEXT) == 0.5
    assert groundedness("Pineapple pizza tastes great.", CONTEXT) == 0.0
    assert groundedness("", CONTEXT) == 0.0


def test_toxicity_is_share_of_sentences_with_lexicon_terms():
    assert toxicity("Prod keeps logs for 400 days.") == 0.0
    assert toxicity("That is a stupid question. Prod keeps logs for 400 days.") == 0.5
    assert toxicity("You idiot. Shut up.") == 1.0


def test_relevance_is_share_of_question_words_addressed():
    question = "How long does prod keep prediction logs?"  # content words: long, prod, keep, prediction, log
    assert relevance("Prod keeps prediction logs for 400 days, a long time.", question) == 1.0
    assert relevance("Prod keeps them for 400 days.", question) == pytest.approx(2 / 5)
    assert relevance("The weather is sunny.", question) == 0.0
    assert relevance("Anything.", "What is it?") == 1.0  # no content words asked


def test_fluency_rewards_well_formed_sentences():
    assert fluency("Prod keeps prediction logs for 400 days.") == 1.0
    # 6 words (length 1.0), 1 distinct bigram of 5 (0.2), all word-like (1.0), no capital or full stop (0.0)
    assert fluency("logs logs logs logs logs logs") == pytest.approx((1 + 0.2 + 1 + 0) / 4)
    # 3 words (length 3/5), bigrams all distinct (1.0), 2 of 3 words are symbols only (1/3), well formed (1.0)
    assert fluency("Yes ### $$$.") == pytest.approx((0.6 + 1 + 1 / 3 + 1) / 4)
    assert fluency("") == 0.0


def test_score_example_and_summary():
    good = score_example("How long does prod keep logs?", CONTEXT, "Prod keeps logs for 400 days.")
    bad = score_example("How long does prod keep logs?", CONTEXT, "Shut up, idiot.")
    # question content words: long, prod, keep, log -> the answer addresses 3 of 4
    assert (good.groundedness, good.toxicity, good.relevance, good.fluency) == (1.0, 0.0, 0.75, 1.0)
    assert bad.toxicity == 1.0 and bad.groundedness == 0.0
    means = summarize([good.as_dict(), bad.as_dict()])
    assert means["toxicity"] == 0.5 and means["groundedness"] == 0.5
    with pytest.raises(ValueError, match="empty"):
        summarize([])
