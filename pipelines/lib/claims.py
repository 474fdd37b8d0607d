"""Claims: the clauses a text asserts, with the parts a wrong answer usually gets wrong.

Word overlap alone calls "Prod does not keep logs for 400 days" and "Prod keeps logs for 30 days" grounded in
"Prod keeps logs for 400 days. Dev keeps them for 30 days.". A `Claim` therefore carries, beside its content
words, its numbers, its polarity (negated or not), its environment names and its identifiers (tokens such as
`europe-west4`, `A100`, `SIGTERM`), and `support` requires all of them to agree with one clause or sentence of
the source. Deterministic rules, no model: what they cannot see is listed in `pipelines/lib/groundedness.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from pipelines.lib.text import STOPWORDS, sentences

# Clause boundaries inside a sentence: semicolons, and connectives that start a new assertion.
_CLAUSE_BREAK = re.compile(
    r"\s*;\s*|\s*:\s+|,?\s+(?:and then|and also|and|but|while|whereas|because|so that|so|which|after which|"
    r"then|although|though)\s+|,\s+(?=(?:after|before|when|once|if|until)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*(?:'[a-z]+)?")
_NEGATIONS = frozenset(["not", "no", "never", "none", "nothing", "neither", "nor", "cannot", "without", "nobody"])
_NEGATED_CONTRACTION = re.compile(r"n't\b|\bcan ?not\b", re.IGNORECASE)

ENVIRONMENTS = {
    "prod": "prod",
    "production": "prod",
    "staging": "staging",
    "stage": "staging",
    "dev": "dev",
    "development": "dev",
    "test": "test",
    "qa": "test",
}
"""Environment names and their synonyms: a claim about one environment is not supported by a source about
another."""

_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "once": 1,
    "twice": 2,
    "tenth": 10,
}

# Quantifiers and fillers that carry no claim of their own (beyond the shared `STOPWORDS`).
_FILLERS = frozenset(["every", "each", "many", "much", "another", "either", "whole", "still", "already", "even"])
# Units of measure: "8 minutes" is not "8 seconds", "every hour" is not "every day".
UNITS = {
    "second": "second",
    "seconds": "second",
    "minute": "minute",
    "minutes": "minute",
    "hour": "hour",
    "hours": "hour",
    "hourly": "hour",
    "day": "day",
    "days": "day",
    "daily": "day",
    "week": "week",
    "weeks": "week",
    "weekly": "week",
    "month": "month",
    "months": "month",
    "monthly": "month",
    "year": "year",
    "years": "year",
    "percent": "percent",
    "%": "percent",
    "kb": "kb",
    "mb": "mb",
    "gb": "gb",
    "tb": "tb",
}
_NOT_COUNTS = frozenset(["one", "once", "single"])  # "one of", "once a month": rarely a quantity

# Words whose sense an answer commonly swaps for a synonym; mapped to one canonical form before matching.
_SYNONYMS = {
    "kept": "keep",
    "retain": "keep",
    "retained": "keep",
    "retains": "keep",
    "stay": "keep",
    "stored": "keep",
    "removed": "delete",
    "remove": "delete",
    "wiped": "purge",
    "wipe": "purge",
    "receives": "get",
    "receive": "get",
    "gets": "get",
    "runs": "run",
    "executed": "run",
    "execute": "run",
    "daily": "day",
    "nightly": "night",
    "card": "gpu",
    "requests": "traffic",
    "fail": "fail",
    "failed": "fail",
    "failure": "fail",
    "failures": "fail",
    "cleans": "reap",
    "clean": "reap",
}


def _stem(word: str) -> str:
    """Strip common English suffixes ("deleted", "deletes", "deleting" -> "delet"); not a linguistic stemmer."""
    for suffix in ("ations", "ation", "ingly", "ing", "edly", "ed", "ies", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            return stem + "y" if suffix == "ies" else stem
    return word


def normalise(word: str) -> str:
    """The form words are compared in: lower case, synonyms folded, environment names canonical, stemmed."""
    lowered = word.lower().removesuffix("'s")
    lowered = _SYNONYMS.get(lowered, lowered)
    if lowered in ENVIRONMENTS:
        return ENVIRONMENTS[lowered]
    if any(ch.isdigit() for ch in lowered) or "-" in lowered or "_" in lowered:
        return lowered
    return _stem(lowered)


def _number(token: str) -> int | float | None:
    lowered = token.lower()
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS[lowered]
    try:
        value = float(lowered)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def _is_identifier(token: str, first: bool = False) -> bool:
    """Names a reader must get exactly right: with digits, inner hyphens/underscores, or capitals mid-sentence."""
    if token.lower() in ENVIRONMENTS or _number(token) is not None:
        return False
    if any(ch.isdigit() for ch in token) or "-" in token or "_" in token:
        return True
    return not first and ((token.isupper() and len(token) > 1) or (token[0].isupper() and token[1:].islower()))


@dataclass(frozen=True)
class Claim:
    """One clause of a text; equality by text."""

    text: str

    @cached_property
    def tokens(self) -> list[str]:
        return _WORD.findall(self.text)

    @cached_property
    def words(self) -> frozenset[str]:
        """Normalised content words (stopwords, negation words and numbers left out)."""
        return frozenset(
            normalise(t)
            for t in self.tokens
            if t.lower() not in STOPWORDS | _FILLERS and t.lower() not in _NEGATIONS and _number(t) is None
        )

    @cached_property
    def numbers(self) -> frozenset[int | float]:
        return frozenset(n for t in self.tokens if (n := _number(t)) is not None and t.lower() not in _NOT_COUNTS)

    @cached_property
    def negated(self) -> bool:
        lowered = [t.lower() for t in self.tokens]
        return any(t in _NEGATIONS for t in lowered) or bool(_NEGATED_CONTRACTION.search(self.text))

    @cached_property
    def environments(self) -> frozenset[str]:
        return frozenset(ENVIRONMENTS[t.lower()] for t in self.tokens if t.lower() in ENVIRONMENTS)

    @cached_property
    def units(self) -> frozenset[str]:
        return frozenset(UNITS[t.lower()] for t in self.tokens if t.lower() in UNITS)

    @cached_property
    def identifiers(self) -> frozenset[str]:
        """Technical identifiers (with digits, hyphens or underscores): `europe-west4`, `A100`, `TERM_dumb`."""
        return frozenset(t.lower() for t in self.tokens if _is_identifier(t) and not t.isalpha())

    @cached_property
    def names(self) -> frozenset[str]:
        """Capitalised words mid-sentence and acronyms: `Vertex`, `SIGTERM`, `NVIDIA`."""
        return frozenset(
            t.lower() for i, t in enumerate(self.tokens) if i > 0 and t.isalpha() and _is_identifier(t, first=False)
        )


def split_claims(text: str) -> list[Claim]:
    """Sentences split at clause boundaries; clauses without a content word ("No.", "Yes") are not claims."""
    clauses = (part.strip(" ,.!?") for sentence in sentences(text) for part in _CLAUSE_BREAK.split(sentence))
    return [claim for claim in (Claim(c) for c in clauses if c) if claim.words]


def source_units(text: str) -> list[Claim]:
    """What a claim may be checked against: each sentence of the source and each of its clauses."""
    units: list[Claim] = []
    for sentence in sentences(text):
        whole = Claim(sentence.strip())
        if whole.words:
            units.append(whole)
        units += [c for c in split_claims(sentence) if c.text != whole.text]
    return units


def matches(word: str, vocabulary: Iterable[str]) -> bool:
    """Equal, or sharing a prefix of at least 5 letters ("automatic"/"automatically")."""
    for other in vocabulary:
        if word == other:
            return True
        if len(word) >= 5 and len(other) >= 5 and word[:5] == other[:5] and word.isalpha() and other.isalpha():
            return True
    return False


def coverage(claim: Claim, vocabulary: frozenset[str]) -> float:
    """Share of the claim's content words found in `vocabulary` (see `matches`)."""
    if not claim.words:
        return 0.0
    return sum(1 for w in claim.words if matches(w, vocabulary)) / len(claim.words)


def conflicts(claim: Claim, unit: Claim) -> list[str]:
    """Why `unit` cannot support `claim` even where the words agree (empty when nothing conflicts)."""
    found = []
    if claim.negated != unit.negated:
        found.append("polarity")
    if not claim.numbers <= unit.numbers:
        found.append("number")
    if claim.environments and not claim.environments <= unit.environments:
        found.append("environment")
    if unit.environments and claim.environments and not unit.environments & claim.environments:
        found.append("environment")
    if claim.units and not claim.units <= unit.units:
        found.append("unit")
    if not claim.identifiers <= {t.lower() for t in unit.tokens}:
        found.append("identifier")
    return found


def support(
    claim: Claim, units: Sequence[Claim], source_words: frozenset[str], source_names: frozenset[str] = frozenset()
) -> float:
    """How well the source supports the claim, in [0, 1].

    The best unit without a conflict decides; the claim's words are matched against the unit and the whole
    source (a paraphrase may take a word from the next sentence), the unit's own share weighing double.
    0 when every unit that shares words with the claim conflicts with it, or when the claim names something
    (a capitalised name or acronym) that the source never mentions.
    """
    if not claim.names <= source_names:
        return 0.0
    best = 0.0
    for unit in units:
        local = coverage(claim, unit.words)
        if local == 0 or conflicts(claim, unit):
            continue
        best = max(best, (2 * local + coverage(claim, source_words)) / 3)
    return best
