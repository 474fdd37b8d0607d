"""Text primitives shared by cleaning and metrics: sentences, tokens, content words.

Deliberately simple and deterministic (no models, no locale tricks) so every metric built on them can be
recomputed by hand from the documented rules.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")

# Function words that carry no claim: they are ignored when matching a response against a context or question.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "can't",
        "don't",
        "isn't",
        "it's",
        "i'm",
        "you're",
        "we're",
        "they're",
        "there's",
        "that's",
        "what's",
        "please",
        "thanks",
        "thank",
        "yes",
        "ok",
        "okay",
        "sure",
        "really",
        "get",
        "got",
        "use",
        "used",
        "using",
        "may",
        "might",
        "must",
        "shall",
        "one",
    ]
)


def sentences(text: str) -> list[str]:
    """Split on sentence-ending punctuation followed by whitespace; blank pieces are dropped."""
    return [piece.strip() for piece in _SENTENCE_END.split(text.strip()) if piece.strip()]


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters/digits, with an inner apostrophe kept: "don't")."""
    return [match.group(0).lower() for match in _TOKEN.finditer(text)]


def stem(word: str) -> str:
    """Light suffix stripping so "buckets"/"bucket" and "retries"/"retry" match; not a linguistic stemmer."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    """Stemmed tokens that are not stopwords: the words a claim is made of."""
    return {stem(token) for token in tokens(text) if token not in STOPWORDS}
