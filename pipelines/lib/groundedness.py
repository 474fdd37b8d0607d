"""Groundedness (response vs its context) and factuality (response vs a reference answer), each in [0, 1].

The response is split into claims (clauses, `pipelines.lib.claims`); each claim is aligned with its best
supporting sentence or clause of the source, which must agree with it on numbers, negation, environment names
and identifiers; the score is the mean support of the claims, so every unsupported claim lowers it.

Catches: negated claims, swapped numbers or environments, identifiers the source never names, extra clauses
the source never states, answers about something else; accepts paraphrases that keep the source's key words
(or their common synonyms and word forms).
Cannot see: paraphrases with entirely other words ("a tenth" for "10 percent" works, "the bulk" for
"90 percent" does not), implications and arithmetic across sentences, a wrong claim that reuses the source's
words in another order ("dev copies to prod" for "prod copies to dev"), sarcasm. The Gen AI evaluation
service (`backend=vertex`) is the production judge.
"""

from __future__ import annotations

from pipelines.lib.claims import Claim, source_units, split_claims, support

NO_CLAIMS_SCORE = 0.0
"""A response that asserts nothing (empty, "Yes.") is not grounded: it gives the reader nothing to rely on."""


def claim_supports(response: str, source: str) -> list[tuple[Claim, float]]:
    """Each claim of the response with its support in the source (for explaining a low score)."""
    units = source_units(source)
    vocabulary, names = _vocabulary(units)
    return [(claim, support(claim, units, vocabulary, names)) for claim in split_claims(response)]


def _vocabulary(units: list[Claim]) -> tuple[frozenset[str], frozenset[str]]:
    words: set[str] = set()
    names: set[str] = set()
    for unit in units:
        words |= unit.words
        names |= {t.lower() for t in unit.tokens}
    return frozenset(words), frozenset(names)


def groundedness(response: str, context: str) -> float:
    """Mean support of the response's claims in the context (`NO_CLAIMS_SCORE` without claims)."""
    supports = [value for _, value in claim_supports(response, context)]
    return sum(supports) / len(supports) if supports else NO_CLAIMS_SCORE


def factuality(response: str, reference: str, context: str = "") -> float:
    """Agreement of the response's claims with a reference answer (and the context it was written from).

    Same rules as `groundedness`, with the reference and the context together as the source: the reference
    settles the claims it states, the context backs details the short reference leaves out.
    """
    reference_units = source_units(reference)
    context_units = source_units(context)
    units = reference_units + context_units
    vocabulary, names = _vocabulary(units)
    claims = split_claims(response)
    if not claims:
        return NO_CLAIMS_SCORE
    return sum(support(claim, units, vocabulary, names) for claim in claims) / len(claims)
