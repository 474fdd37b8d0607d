"""Fluency of a response in [0, 1]: the mean of four measurable properties of well-formed prose.

- sentence length within 5-30 words (linear penalty outside),
- distinct-bigram ratio (repetition lowers it),
- share of whitespace-separated words containing a letter or digit (symbol noise lowers it),
- share of sentences that start with a capital (or a digit) and end with . ! or ?.

Catches: fragments, stutter and repetition, symbol noise, run-on text. Cannot see: grammar errors inside
well-formed sentences, wrong word choice, incoherent order of sentences.
"""

from __future__ import annotations

from itertools import pairwise

from pipelines.lib.text import sentences, tokens


def _length_score(word_count: int) -> float:
    if 5 <= word_count <= 30:
        return 1.0
    if word_count < 5:
        return word_count / 5
    return max(0.0, 1.0 - (word_count - 30) / 30)


def fluency(response: str) -> float:
    """Mean of sentence-length, non-repetition, word-like-token and well-formed-sentence scores."""
    parts = sentences(response)
    words = response.split()
    if not parts or not words:
        return 0.0
    length = sum(_length_score(len(part.split())) for part in parts) / len(parts)
    bigrams = list(pairwise(tokens(response)))
    non_repetition = len(set(bigrams)) / len(bigrams) if bigrams else 1.0
    wordlike = sum(1 for word in words if any(ch.isalnum() for ch in word)) / len(words)
    well_formed = sum(1 for part in parts if part[0].isupper() and part[-1] in ".!?") / len(parts)
    return (length + non_repetition + wordlike + well_formed) / 4
