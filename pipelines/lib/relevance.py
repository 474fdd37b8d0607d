"""Relevance: does the response answer the question asked, in [0, 1]?

Three measurable parts, multiplied:
- topical: the best-matching claim of the response shares words with the question or with the context
  sentence that answers it (the sentence most like the question); an off-topic answer scores 0;
- answered: the response carries information beyond the question: the words and numbers of the answering
  sentence that the question does not contain, or any words of its own (a wrong answer still answers);
  an answer that only repeats the question scores low;
- focused: a response that reproduces more than one context sentence (a context dump) is divided by how
  many it reproduces.

Catches: echoes of the question, off-topic answers, context dumps. Cannot see: whether a short answer with
its own words ("a tenth" for "10 percent") answers, answers whose context has no sentence about the question,
questions with several parts. Relevance is not correctness: a wrong number about the right thing is relevant.
"""

from __future__ import annotations

from pipelines.lib.claims import Claim, coverage, matches, normalise, split_claims
from pipelines.lib.text import sentences as split_sentences

ECHO_FLOOR = 0.2
"""Share of relevance left to a response that is on topic but adds nothing to the question."""
ANSWER_SHARE_FOR_FULL = 2.0
"""Half of the answer sentence's own words, or half of the response's words being new, is a full answer."""
COPY_COVERAGE = 0.9
_ABOUT_ASKING = frozenset(
    normalise(w)
    for w in ("question", "ask", "asked", "want", "know", "depend", "someone", "something", "somewhere", "thing")
)
"""Words about the asking, not about the answer: an echo ("that is a question about X") adds only these."""
"""A context sentence counts as reproduced when a claim covers this share of its words."""


def _answer_sentences(question: Claim, units: list[Claim]) -> list[Claim]:
    """The context sentences most like the question (ties kept)."""
    scored = [(coverage(question, unit.words), unit) for unit in units]
    best = max((score for score, _ in scored), default=0.0)
    return [unit for score, unit in scored if best > 0 and score >= best]


def _sentences(context: str) -> list[Claim]:
    return [claim for claim in (Claim(s.strip()) for s in split_sentences(context)) if claim.words]


def relevance(response: str, question: str, context: str = "") -> float:
    """Topical x answered x focused (see module docstring)."""
    claims = split_claims(response)
    asked = Claim(question)
    if not claims:
        return 0.0
    sentences = _sentences(context)
    targets = _answer_sentences(asked, sentences) if asked.words else []
    topic = asked.words.union(*(t.words for t in targets))
    topical = max(coverage(claim, topic) for claim in claims)

    said = frozenset().union(*(c.words for c in claims))
    said_numbers = frozenset().union(*(c.numbers for c in claims))
    answer_words = frozenset().union(*(t.words for t in targets)) - asked.words
    answer_numbers = frozenset().union(*(t.numbers for t in targets)) - asked.numbers
    expected = len(answer_words) + len(answer_numbers)
    found = sum(1 for w in answer_words if matches(w, said)) + len(answer_numbers & said_numbers)
    new = [w for w in said if not matches(w, asked.words) and w not in _ABOUT_ASKING] + sorted(
        str(n) for n in said_numbers - asked.numbers
    )
    novelty = len(new) / max(1, len(said) + len(said_numbers))
    answered = min(1.0, ANSWER_SHARE_FOR_FULL * max(found / expected if expected else 0.0, novelty))

    response_words = said | {w for t in split_sentences(response) for w in Claim(t).words}
    copied = [unit for unit in sentences if coverage(unit, response_words) >= COPY_COVERAGE]
    focused = 1.0 if len(copied) <= 1 else 1 / len(copied)
    return topical * (ECHO_FLOOR + (1 - ECHO_FLOOR) * answered) * focused
