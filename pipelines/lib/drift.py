"""Input drift: does the current window of prompts still look like the data the release was evaluated on?

Compares a current window of prompts with a reference (the release's evaluation set, or the previous window):
- prompt length (characters, so scripts without spaces compare too): Population Stability Index over bins cut
  at the reference's quantiles;
- tokens (content words, stemmed): Jensen-Shannon divergence of the two frequency distributions (base 2, 0-1);
- script mix (each prompt's dominant script: Latin, Cyrillic, Greek, Arabic, Han, Kana, Hangul, ...):
  Jensen-Shannon divergence;
- share of empty and of oversized prompts in the current window.
Quality metrics say whether answers got worse; these say whether the questions changed, which is often why.
PSI reads as usual: < 0.1 no shift, 0.1-0.25 moderate, > 0.25 a major shift.
"""

from __future__ import annotations

import bisect
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from contracts.summary import DRIFT_LOG_KEY
from pipelines.lib.text import STOPWORDS, stem, tokens

SMOOTHING = 0.5
"""Pseudo-count added to every bin (additive smoothing), so PSI stays finite and a small window's empty bin
does not read as a major shift."""
LENGTH_BINS = 5


@dataclass(frozen=True)
class DriftBounds:
    """Above any bound the window has drifted. Defaults: PSI 0.25 (the usual 'major shift'); token JS 0.7 (two
    windows of 12-25 prompts on the same topics measure 0.3-0.55 on the sample data, a change of topic about
    1.0: small windows share few words even without drift); script JS 0.1 (about one prompt in five in another
    script); 5 % empty and 5 % oversized prompts."""

    max_length_psi: float = 0.25
    max_token_js: float = 0.7
    max_script_js: float = 0.1
    max_empty_share: float = 0.05
    max_oversized_share: float = 0.05
    oversized_chars: int = 4000
    """A prompt longer than this (characters) is oversized (the tuning pipeline's `max_chars`)."""


def psi(reference: Sequence[float], current: Sequence[float], bins: int = LENGTH_BINS) -> float:
    """Population Stability Index of `current` against `reference`, over bins cut at reference quantiles."""
    if not reference or not current:
        return 0.0
    ordered = sorted(reference)
    edges = sorted({ordered[min(len(ordered) - 1, (len(ordered) * i) // bins)] for i in range(1, bins)})
    ref_share, cur_share = _binned(reference, edges), _binned(current, edges)
    return sum((c - r) * math.log(c / r) for r, c in zip(ref_share, cur_share, strict=True))


def _binned(values: Sequence[float], edges: Sequence[float]) -> list[float]:
    counts = [0] * (len(edges) + 1)
    for value in values:
        counts[bisect.bisect_right(edges, value)] += 1
    total = len(values) + SMOOTHING * len(counts)
    return [(count + SMOOTHING) / total for count in counts]


def jensen_shannon(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) of two frequency mappings (normalised here)."""
    p_total, q_total = sum(p.values()), sum(q.values())
    if not p_total or not q_total:
        return 0.0 if p_total == q_total else 1.0
    divergence = 0.0
    for key in set(p) | set(q):
        a, b = p.get(key, 0.0) / p_total, q.get(key, 0.0) / q_total
        m = (a + b) / 2
        divergence += (a * math.log2(a / m) if a else 0.0) + (b * math.log2(b / m) if b else 0.0)
    return max(0.0, min(1.0, divergence / 2))


def token_counts(prompts: Iterable[str]) -> Counter[str]:
    """Stemmed content words (stopwords dropped), so 'templates' and 'template' count as one topic word."""
    return Counter(stem(word) for prompt in prompts for word in tokens(prompt) if word not in STOPWORDS)


def script_of(char: str) -> str | None:
    """The Unicode script family of a letter (from its character name), None for non-letters."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for script in ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "DEVANAGARI", "HANGUL", "HIRAGANA", "KATAKANA"):
        if name.startswith(script):
            return script.lower()
    return "han" if name.startswith("CJK") else "other"


def dominant_script(prompt: str) -> str:
    """The script most of a prompt's letters are written in ('none' without letters)."""
    counts = Counter(s for s in map(script_of, prompt) if s is not None)
    return counts.most_common(1)[0][0] if counts else "none"


def script_counts(prompts: Iterable[str]) -> Counter[str]:
    """Prompts per dominant script: one long pasted log counts once, like a one-line question."""
    return Counter(dominant_script(prompt) for prompt in prompts)


def prompts_of(jsonl: str) -> tuple[list[str], int]:
    """The `question` of every JSON object line (prediction logs, tuning or evaluation sets) and the number of
    lines skipped (not JSON, or no string question)."""
    prompts, skipped = [], 0
    for line in jsonl.splitlines():
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except ValueError:
            skipped += 1
            continue
        if isinstance(document, dict) and isinstance(document.get("question"), str):
            prompts.append(document["question"])
        else:
            skipped += 1
    return prompts, skipped


def drift_log_line(report: Mapping[str, object]) -> str:
    """The structured log line of a drift report (one per run; log-based metrics extract from it)."""
    return json.dumps({DRIFT_LOG_KEY: report}, sort_keys=True)


def drift_report(reference: Sequence[str], current: Sequence[str], bounds: DriftBounds) -> dict[str, Any]:
    """The drift metrics of `current` against `reference`, the bounds, and whether (and why) it drifted."""
    filled_ref = [p for p in reference if p.strip()]
    filled_cur = [p for p in current if p.strip()]
    metrics = {
        "length_psi": psi([len(p) for p in filled_ref], [len(p) for p in filled_cur]),
        "token_js": jensen_shannon(token_counts(filled_ref), token_counts(filled_cur)),
        "script_js": jensen_shannon(script_counts(filled_ref), script_counts(filled_cur)),
        "empty_share": (len(current) - len(filled_cur)) / len(current) if current else 0.0,
        "oversized_share": sum(len(p) > bounds.oversized_chars for p in current) / len(current) if current else 0.0,
    }
    metrics = {name: round(value, 4) for name, value in metrics.items()}
    limits = {
        "length_psi": bounds.max_length_psi,
        "token_js": bounds.max_token_js,
        "script_js": bounds.max_script_js,
        "empty_share": bounds.max_empty_share,
        "oversized_share": bounds.max_oversized_share,
    }
    reasons = [
        f"{name} {metrics[name]:.4f} > max {limit:.4f}" for name, limit in limits.items() if metrics[name] > limit
    ]
    return {
        "reference_size": len(reference),
        "window_size": len(current),
        "metrics": metrics,
        "bounds": asdict(bounds),
        "drifted": bool(reasons),
        "reasons": reasons,
    }
