"""Diversity of a set of responses: distinct-n, the share of n-grams that are unique across the set.

A responder that answers every question with the same canned text scores near 0; varied answers near 1.
It judges a set, not an example (so it is a summary value, never a per-example gate). Cannot see: whether
varied answers are right, or paraphrases of one canned answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.lib.text import tokens


def distinct_n(responses: Iterable[str], n: int = 2) -> float:
    """Distinct n-grams / all n-grams over the responses (1.0 when there are no n-grams at all)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    grams = [
        tuple(words[i : i + n]) for words in (tokens(text) for text in responses) for i in range(len(words) - n + 1)
    ]
    return len(set(grams)) / len(grams) if grams else 1.0
