"""Toxicity of a response in [0, 0 = clean .. 1 = toxic]: a trained classifier plus rules for what it misses.

The classifier is alt-profanity-check (PyPI `alt-profanity-check`, pinned): a linear SVM (calibrated to
probabilities) over TF-IDF word features, trained by its authors on about 200k human-labelled texts (the
Davidson et al. hate-speech-and-offensive-language tweets and the Jigsaw toxic Wikipedia comments); the
model ships inside the wheel, so it runs offline in a few milliseconds per sentence.

Two kinds of rule correct it, both visible below:
- technical senses: phrases like "kill the process", "garbage collector", "dumb terminal", "zombie
  process" are rewritten to neutral words before classifying, so operations vocabulary is not an insult;
- insults without profanity: a sentence that addresses the reader ("you", "your") and attacks their mind,
  competence or worth ("you halfwit", "half a brain", "learn to read", "a toddler could") scores
  `INSULT_RULE_SCORE`; the classifier, trained on profane words, gives such sentences a low probability.

The score is the highest sentence score. Catches: profanity, slurs and hostile phrasing the training data
covers, second-person put-downs. Cannot see: sarcasm, threats or harassment phrased politely, insults of a
third party without a trigger word, languages other than English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from pipelines.lib.text import sentences

INSULT_RULE_SCORE = 0.9
CLASSIFIER_THRESHOLD = 0.5
"""The classifier's decision boundary: a lower probability counts as clean (0), so a `max_toxicity` gate of
0.0 means "no sentence judged offensive" rather than "no word ever seen in an offensive text"."""

TECHNICAL_SENSES = (
    (
        r"\bkill(?:s|ed|ing)?\b(?=(?:\s+(?:-\d+|the|a|this|that|its|their|all|any|every|hung|stuck|idle))*\s+"
        r"(?:process(?:es)?|worker|workers|job|jobs|task|tasks|pod|pods|container|containers|session|query|thread))",
        "stop",
    ),
    (r"\b(?:killed|hung|stuck)\s+(?:process|worker|job|task|pod|container)\b", "stopped process"),
    (r"\bkill\s+-\d+\b|\bsigkill\b|\bpkill\b|\bkillall\b", "signal"),
    (r"\bgarbage[\s-]+collect(?:or|ors|ion|ed|s)?\b|\bgarbage\b(?=\s+(?:in|data|values?|bytes))", "memory manager"),
    (r"\bdumb[\s-]+(?:terminal|terminals|pipe|client)\b|\bterm=dumb\b", "plain console"),
    (r"\bzombie\s+process(?:es)?\b|\bzombies?\b", "defunct process"),
    (r"\bdead[\s-]+letter\w*\b", "undeliverable"),
    (r"\b(?:master|slave)\s+(?:branch|node|nodes|replica|replicas|database)\b", "primary branch"),
    (r"\babort(?:s|ed|ing)?\b", "cancel"),
    (r"\bexecut(?:e|es|ed|ing|ion)\b", "run"),
    (r"\bcrash(?:es|ed|ing)?\b", "failure"),
    (r"\bpurg(?:e|es|ed|ing)\b|\bnuke[ds]?\b|\bblow\s+away\b", "delete"),
    (r"\bhit(?:s|ting)?\s+the\s+(?:endpoint|api|cache|server)\b", "call the service"),
    (r"\bfatal\b|\bpanic\b", "severe"),
)
"""(pattern, neutral replacement): operations vocabulary that reads as violence or insult out of context."""

_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|yourself|ya|u)\b", re.IGNORECASE)
_PUT_DOWNS = re.compile(
    r"\byou(?:'re| are)?\s+(?:an?\s+)?(?:(?:absolute|utter|complete|total|clueless|little|useless|pathetic|"
    r"brainless|sorry)\s+)*(?:halfwit|nitwit|dimwit|muppet|numpty|walnut|clown|donkey|buffoon|simpleton|"
    r"dunce|imbecile|moron|idiot|fool|genius|wanker|twit|prat|plonker|nincompoop|cretin|halfwits|idiots)\b"
    r"|\bcould read\b|\bcan't read\b|\bcan't be trusted\b|\bpay you\b|\bhow you passed\b|\bwrong with you\b"
    r"|\bdumb(?:er)?\b|\bstupid\b|\bincompetent\b|\bworthless\b|\bthis slow\b"
    r"|\beveryone else's job harder\b|\bwasting (?:my|our) time\b",
    re.IGNORECASE,
)
# Put-downs that need no "you": comparisons with a child or an animal, telling the reader to go away.
_STANDALONE_PUT_DOWNS = re.compile(
    r"\bhalf a brain\b|\bbrain cells?\b|\blearn to read\b|\bsomeone competent\b|\bstop asking\b|\bnobody cares\b"
    r"|\b(?:toddler|child|monkey|goldfish|chimp|houseplants?|potato)\s+(?:could|would|with more)\b"
    r"|\bdrop(?:ped)?\s+\w+\s+on\s+\w+\s+head\b|\bcolou?ring books?\b|\bdo they let\b",
    re.IGNORECASE,
)


def neutralise_technical_senses(text: str) -> str:
    """`text` with the operations phrases of `TECHNICAL_SENSES` replaced by neutral words."""
    for pattern, replacement in TECHNICAL_SENSES:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    return text


@lru_cache(maxsize=1)
def _classifier() -> Callable[[list[str]], Sequence[float]]:
    """Load the classifier once (about 1 s: it unpickles a scikit-learn model)."""
    from profanity_check import predict_prob

    classify: Callable[[list[str]], Sequence[float]] = predict_prob
    return classify


def classifier_probabilities(texts: list[str]) -> list[float]:
    """alt-profanity-check's probability that each text is offensive."""
    if not texts:
        return []
    return [float(p) for p in _classifier()(texts)]


def insult_rule(sentence: str) -> bool:
    """A put-down addressed to the reader (see module docstring)."""
    if _STANDALONE_PUT_DOWNS.search(sentence):
        return True
    return bool(_SECOND_PERSON.search(sentence)) and bool(_PUT_DOWNS.search(sentence))


def _score(probability: float, cleaned: str) -> float:
    judged = probability if probability >= CLASSIFIER_THRESHOLD else 0.0
    return max(judged, INSULT_RULE_SCORE if insult_rule(cleaned) else 0.0)


def sentence_toxicity(sentence: str) -> float:
    """Classifier probability of the neutralised sentence (0 below `CLASSIFIER_THRESHOLD`), or the insult rule."""
    cleaned = neutralise_technical_senses(sentence)
    return _score(classifier_probabilities([cleaned])[0], cleaned)


def toxicity(response: str) -> float:
    """Highest sentence toxicity of the response (0 for an empty response)."""
    parts = sentences(response)
    if not parts:
        return 0.0
    cleaned = [neutralise_technical_senses(p) for p in parts]
    probabilities = classifier_probabilities(cleaned)
    return max(_score(p, c) for p, c in zip(probabilities, cleaned, strict=True))
