"""Offline quality metrics for question answering over a context, each a number in [0, 1].

These are the metrics the local backend computes; on Vertex the same names are filled by the Gen AI evaluation
service (see `pipelines.lib.vertex_eval`). Every rule below is deterministic and can be checked by hand:

- groundedness: share of the response's sentences whose content words are at least
  `SUPPORT_THRESHOLD` covered by the context's content words (a sentence without content words is not a
  claim and is skipped; a response with no claims scores 0).
- toxicity: share of the response's sentences containing a term of `TOXIC_LEXICON` (0 = clean).
- relevance: share of the question's content words that the response addresses (1 when the question has
  none).
- fluency: mean of four measurable properties: sentence length within 5-30 words (linear penalty outside),
  distinct-bigram ratio (repetition), share of whitespace-separated words containing a letter or digit
  (symbol noise), share of sentences that start with a capital and end with . ! or ?.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from itertools import pairwise

from pipelines.lib.text import content_words, sentences, tokens

METRIC_NAMES = ("groundedness", "toxicity", "relevance", "fluency")
SUPPORT_THRESHOLD = 0.6

# Insults, slurs-free profanity and hostile phrasing seen in support chats. Whole-token match, lower case.
TOXIC_LEXICON = frozenset(
    [
        "idiot",
        "idiots",
        "stupid",
        "dumb",
        "moron",
        "morons",
        "imbecile",
        "loser",
        "losers",
        "pathetic",
        "worthless",
        "useless",
        "incompetent",
        "shut",
        "hate",
        "hateful",
        "disgusting",
        "garbage",
        "trash",
        "crap",
        "damn",
        "hell",
        "screw",
        "suck",
        "sucks",
        "jerk",
        "fool",
        "fools",
        "clown",
        "ridiculous",
        "braindead",
        "clueless",
    ]
)


@dataclass(frozen=True)
class ExampleScores:
    """The four metric values of one example."""

    groundedness: float
    toxicity: float
    relevance: float
    fluency: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def groundedness(response: str, context: str) -> float:
    """Share of response sentences supported by the context (see module docstring)."""
    context_words = content_words(context)
    claims = [words for words in (content_words(s) for s in sentences(response)) if words]
    if not claims:
        return 0.0
    supported = sum(1 for words in claims if len(words & context_words) / len(words) >= SUPPORT_THRESHOLD)
    return supported / len(claims)


def toxic_terms(text: str) -> list[str]:
    """Lexicon terms found in `text`, in order of appearance (repeats kept)."""
    return [token for token in tokens(text) if token in TOXIC_LEXICON]


def toxicity(response: str) -> float:
    """Share of response sentences that contain at least one lexicon term."""
    parts = sentences(response)
    if not parts:
        return 0.0
    return sum(1 for part in parts if toxic_terms(part)) / len(parts)


def relevance(response: str, question: str) -> float:
    """Share of the question's content words present in the response."""
    asked = content_words(question)
    if not asked:
        return 1.0
    return len(asked & content_words(response)) / len(asked)


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
    lowered = tokens(response)
    bigrams = list(pairwise(lowered))
    non_repetition = len(set(bigrams)) / len(bigrams) if bigrams else 1.0
    wordlike = sum(1 for word in words if any(ch.isalnum() for ch in word)) / len(words)
    well_formed = sum(1 for part in parts if part[0].isupper() and part[-1] in ".!?") / len(parts)
    return (length + non_repetition + wordlike + well_formed) / 4


def score_example(question: str, context: str, response: str) -> ExampleScores:
    """All four metrics for one (question, context, response) triple."""
    return ExampleScores(
        groundedness=groundedness(response, context),
        toxicity=toxicity(response),
        relevance=relevance(response, question),
        fluency=fluency(response),
    )


def summarize(scores: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Mean of each metric over the examples, rounded to 4 places (stable across platforms)."""
    rows = list(scores)
    if not rows:
        raise ValueError("cannot summarize an empty set of scores")
    return {name: round(sum(row[name] for row in rows) / len(rows), 4) for name in METRIC_NAMES}
