"""The rules file: keyword matching, and every problem of a bad file named by key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.rules import RuleBook, RulesError, load_rules


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("I forgot my password", "reset-password"),
        ("Why was I CHARGED twice on my invoice?", "billing"),
        ("where do I create an API key", "api-keys"),
        ("is the service down?", "service-status"),
        ("Can I talk to a human", "contact-support"),
    ],
)
def test_shipped_rules_answer_their_intents(rules: RuleBook, question: str, intent: str) -> None:
    match = rules.match(question)
    assert match is not None
    assert match.intent == intent


def test_no_rule_no_answer_and_word_boundaries(rules: RuleBook) -> None:
    assert rules.match("What is the capital of France?") is None
    assert rules.match("passwords") is None  # `password` is a word, not a prefix


def test_most_keywords_win(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "version: v1\nrules:\n"
        "  - {intent: a, keywords: [reset], answer: A}\n"
        "  - {intent: b, keywords: [reset, api key], answer: B}\n"
    )
    book = load_rules(path)
    assert book.match("reset my API  key").intent == "b"  # type: ignore[union-attr]
    assert book.match("reset it").intent == "a"  # type: ignore[union-attr]
    assert book.digest.startswith("sha256:")
    assert book.version == "v1"


def test_every_problem_is_reported_with_its_key_path(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "rules:\n"
        "  - {intent: a, keywords: [], answer: A}\n"
        "  - {intent: a, keywords: [x], answer: '', extra: 1}\n"
    )
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    text = "\n".join(caught.value.problems)
    assert "version:" in text
    assert "rules[0].keywords" in text
    assert "rules[1].intent: 'a' is repeated" in text
    assert "rules[1].answer" in text
    assert "rules[1].extra: unknown key" in text


def test_missing_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot be read"):
        load_rules(tmp_path / "missing.yaml")
