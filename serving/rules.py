"""Rule-based answers: intent keywords -> answer, from a YAML file versioned with the release.

The file (`serving/rules/<model>.yaml`):

    version: r2026-11-26-3          # the release the answers were written for
    rules:
      - intent: reset-password
        keywords: [password, reset, "forgot my login"]
        answer: To reset your password, ...

A rule matches when one of its keywords (a word or a phrase, case-insensitive, on word boundaries) is in the
question; the rule with the most matching keywords wins, the first in the file on a tie. Loading checks
every key and reports all problems at once, naming the file and key path.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class RulesError(Exception):
    """The rules file is unusable; `problems` are `key path: message` lines."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class Rule:
    intent: str
    keywords: tuple[str, ...]
    answer: str
    patterns: tuple[re.Pattern[str], ...]

    def hits(self, question: str) -> int:
        return sum(1 for p in self.patterns if p.search(question))


@dataclass(frozen=True)
class RuleMatch:
    intent: str
    answer: str


@dataclass(frozen=True)
class RuleBook:
    version: str
    digest: str
    """`sha256:<hex>` of the file's bytes: which exact answers were served."""
    rules: tuple[Rule, ...]

    @property
    def label(self) -> str:
        return f"{self.version} ({self.digest[:19]})"

    def match(self, question: str) -> RuleMatch | None:
        best: Rule | None = None
        best_hits = 0
        for rule in self.rules:
            hits = rule.hits(question)
            if hits > best_hits:
                best, best_hits = rule, hits
        return RuleMatch(best.intent, best.answer) if best is not None else None


def _pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"\b", re.IGNORECASE)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes and its mapping, or RulesError when it cannot be read or is not a YAML mapping."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesError(path, [f"cannot be read ({exc.strerror}); check serving.gateway.rules_file"]) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise RulesError(path, [f"is not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise RulesError(path, ["must be a mapping with `version` and `rules`"])
    return raw, data


def _rule(item: Any, where: str, intents: set[str], problems: list[str]) -> Rule | None:
    """One `rules[i]` entry, its problems appended to `problems`; None when it is unusable."""
    if not isinstance(item, dict):
        problems.append(f"{where}: expected a mapping with intent, keywords, answer")
        return None
    problems += [f"{where}.{k}: unknown key; the keys are intent, keywords, answer"
                 for k in sorted(set(item) - {"intent", "keywords", "answer"})]
    intent, keywords, answer = item.get("intent"), item.get("keywords"), item.get("answer")
    if not _text(intent):
        problems.append(f"{where}.intent: found {intent!r}; expected a name such as reset-password")
    elif str(intent) in intents:
        problems.append(f"{where}.intent: {intent!r} is repeated; intents must be unique")
    else:
        intents.add(str(intent))
    if not isinstance(keywords, list) or not keywords or not all(_text(k) for k in keywords):
        problems.append(f"{where}.keywords: found {keywords!r}; expected a non-empty list of words or phrases")
        keywords = []
    if not _text(answer):
        problems.append(f"{where}.answer: found {answer!r}; expected the answer text")
    if not (_text(intent) and keywords and _text(answer)):
        return None
    kws = tuple(str(k).strip() for k in keywords)
    return Rule(str(intent), kws, str(answer).strip(), tuple(_pattern(k) for k in kws))


def load_rules(path: Path) -> RuleBook:
    raw, data = _read(path)
    problems = [f"{k}: unknown key; the keys are version, rules" for k in sorted(set(data) - {"version", "rules"})]
    version = data.get("version")
    if not _text(version):
        problems.append(f"version: found {version!r}; expected the release id the answers belong to")
    items = data.get("rules")
    if not isinstance(items, list) or not items:
        problems.append(f"rules: found {items!r}; expected a non-empty list of {{intent, keywords, answer}}")
        items = []
    intents: set[str] = set()
    found = [_rule(item, f"rules[{i}]", intents, problems) for i, item in enumerate(items)]
    if problems:
        raise RulesError(path, problems)
    rules = tuple(rule for rule in found if rule is not None)
    return RuleBook(str(version), "sha256:" + hashlib.sha256(raw).hexdigest(), rules)
