"""Validation and cleaning of raw tuning examples: every removal accounted for, PII redacted or dropped."""

from __future__ import annotations

import json

import pytest

from pipelines.lib.cleaning import clean, find_pii, redact_pii


def _line(
    ident: str,
    question: str = "How long are logs kept?",
    context: str = "Logs are kept 30 days.",
    response: str = "Logs are kept 30 days.",
) -> str:
    return json.dumps({"id": ident, "question": question, "context": context, "response": response})


def test_pii_patterns() -> None:
    text = "Mail ana.lopez@example.org or call +44 20 7946 0958 or (555) 123-4567. Version 2.17.3 is fine."
    assert find_pii(text) == {"email": 1, "phone": 2}
    assert redact_pii(text) == "Mail [EMAIL] or call [PHONE] or [PHONE]. Version 2.17.3 is fine."
    assert find_pii("Keys rotate every 90 days; 400 days in prod.") == {"email": 0, "phone": 0}


def test_clean_reports_each_rejection_with_line_and_reason() -> None:
    raw = "\n".join(
        [
            _line("a"),
            _line("a-copy"),  # same content as "a"
            _line("a", question="Another question?"),  # reused id
            _line("b", response="  "),
            json.dumps({"id": "c", "question": "Q?", "context": "C."}),
            json.dumps({"id": "d", "question": 3, "context": "C.", "response": "R."}),
            _line("e", context="x" * 500),
            "[1, 2]",
            "{not json",
            "",
            _line("f", response="Write to ops@example.com about it."),
        ]
    )
    report = clean(raw, max_chars=300)
    assert [r.id for r in report.records] == ["a", "f"]
    assert report.records[1].response == "Write to [EMAIL] about it."
    assert report.redactions == {"email": 1, "phone": 0}
    assert [(r.line, r.reason) for r in report.rejected] == [
        (2, "duplicate example"),
        (3, "duplicate id"),
        (4, "empty field(s): response"),
        (5, "missing field 'response'"),
        (6, "field 'question' must be a string, found int"),
        (7, "overlong: 545 chars > max 300"),  # 23 + 500 + 22
        (8, "expected a JSON object, found list"),
        (9, "not valid JSON (Expecting property name enclosed in double quotes)"),
    ]
    assert report.summary()["kept"] == 2
    assert report.summary()["rejected"] == 8


def test_pii_drop_mode_rejects_instead_of_redacting() -> None:
    report = clean(_line("f", question="Call me at 415-555-0100?"), max_chars=1000, pii_action="drop")
    assert report.records == []
    assert report.rejected[0].reason == "contains PII (1 phone)"


def test_unknown_pii_action_is_refused() -> None:
    with pytest.raises(ValueError, match="pii_action must be one of redact, drop"):
        clean(_line("a"), max_chars=1000, pii_action="mask")
