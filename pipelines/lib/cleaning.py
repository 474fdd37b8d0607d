"""Validate and clean raw JSONL examples: schema, empty, overlong, duplicate, and PII-like content.

Nothing is dropped silently: every rejected line comes back with its line number and reason, and every
redaction is counted, so the cleaning report explains the size of the cleaned set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from contracts.records import REQUIRED_FIELDS
from pipelines.lib.records import QARecord, from_dict, schema_problems

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# International or North-American style numbers: +44 20 7946 0958, (555) 123-4567, 555.123.4567.
PHONE = re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)|\d{2,4})(?:[\s.-]?\d{2,4}){2,3}(?!\w)")
PII_ACTIONS = ("redact", "drop")


@dataclass(frozen=True)
class Rejection:
    """A raw line that did not make it into the cleaned set, and why."""

    line: int
    id: str
    reason: str


@dataclass
class CleaningReport:
    """The cleaned records plus the accounting of everything removed or changed."""

    records: list[QARecord]
    rejected: list[Rejection] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=lambda: {"email": 0, "phone": 0})

    def summary(self) -> dict[str, object]:
        return {
            "kept": len(self.records),
            "rejected": len(self.rejected),
            "redactions": dict(self.redactions),
            "rejections": [vars(item) for item in self.rejected],
        }


def find_pii(text: str) -> dict[str, int]:
    """Count e-mail addresses and phone numbers in `text`."""
    return {"email": len(EMAIL.findall(text)), "phone": len(PHONE.findall(text))}


def redact_pii(text: str) -> str:
    """Replace e-mail addresses and phone numbers with `[EMAIL]` / `[PHONE]`."""
    return PHONE.sub("[PHONE]", EMAIL.sub("[EMAIL]", text))


def _normalized(text: str) -> str:
    return " ".join(text.lower().split())


def _parsed(number: int, line: str) -> QARecord | Rejection:
    """The record on one raw line, or why the line is rejected (not JSON, wrong schema, an empty field)."""
    try:
        document = json.loads(line)
    except json.JSONDecodeError as exc:
        return Rejection(number, "", f"not valid JSON ({exc.msg})")
    problems = schema_problems(document)
    ident = str(document.get("id", "")) if isinstance(document, dict) else ""
    if problems:
        return Rejection(number, ident, "; ".join(problems))
    record = from_dict(document)
    empty = [name for name in REQUIRED_FIELDS if not getattr(record, name).strip()]
    if empty:
        return Rejection(number, ident, f"empty field(s): {', '.join(empty)}")
    return record


def _pii_counts(record: QARecord) -> dict[str, int]:
    """E-mail addresses and phone numbers over the question, context and response."""
    pii = {"email": 0, "phone": 0}
    for name in ("question", "context", "response"):
        for kind, count in find_pii(getattr(record, name)).items():
            pii[kind] += count
    return pii


def _redacted(record: QARecord) -> QARecord:
    return QARecord(
        id=record.id,
        question=redact_pii(record.question),
        context=redact_pii(record.context),
        response=redact_pii(record.response),
    )


def clean(raw_text: str, max_chars: int, pii_action: str = "redact") -> CleaningReport:
    """Turn raw JSONL text into validated records; see the module docstring for the rules."""
    if pii_action not in PII_ACTIONS:
        raise ValueError(f"pii_action must be one of {', '.join(PII_ACTIONS)}, found {pii_action!r}")
    report = CleaningReport(records=[])
    seen: set[tuple[str, str, str]] = set()
    seen_ids: set[str] = set()
    for number, line in enumerate(raw_text.splitlines(), start=1):
        if not line.strip():
            continue
        record = _parsed(number, line)
        if isinstance(record, Rejection):
            report.rejected.append(record)
            continue
        size = len(record.question) + len(record.context) + len(record.response)
        key = (_normalized(record.question), _normalized(record.context), _normalized(record.response))
        pii = _pii_counts(record)
        reason = None
        if size > max_chars:
            reason = f"overlong: {size} chars > max {max_chars}"
        elif key in seen or record.id in seen_ids:
            reason = "duplicate example" if key in seen else "duplicate id"
        elif any(pii.values()) and pii_action == "drop":
            reason = "contains PII (" + ", ".join(f"{count} {kind}" for kind, count in pii.items() if count) + ")"
        if reason is not None:
            report.rejected.append(Rejection(number, record.id, reason))
            continue
        if any(pii.values()):
            record = _redacted(record)
            for kind, count in pii.items():
                report.redactions[kind] += count
        seen.add(key)
        seen_ids.add(record.id)
        report.records.append(record)
    return report
