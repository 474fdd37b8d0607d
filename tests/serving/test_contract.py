"""What `POST /v1/answer` accepts: every refusal names the field."""

from __future__ import annotations

import json

import pytest

from serving.contract import BadRequest, Limits, parse_question

LIMITS = Limits(max_body_bytes=200, max_question_chars=50, max_context_chars=60)


def test_a_full_question_is_read() -> None:
    body = json.dumps({"question": "  reset my password? ", "context": "docs", "session": "s-1"}).encode()
    q = parse_question(body, LIMITS)
    assert (q.question, q.context, q.session) == ("reset my password?", "docs", "s-1")


def test_context_and_session_are_optional() -> None:
    q = parse_question(b'{"question": "hi"}', LIMITS)
    assert (q.context, q.session) == ("", None)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (b"not json", "body", "not JSON"),
        (b"\xff\xfe", "body", "not JSON"),
        (b'["question"]', "body", "JSON list"),
        (b"{}", "question", "missing"),
        (b'{"question": null}', "question", "missing"),
        (b'{"question": 42}', "question", "int"),
        (b'{"question": "   "}', "question", "empty"),
        (json.dumps({"question": "x" * 51}).encode(), "question", "51 characters"),
        (b'{"question": "hi", "context": ["a"]}', "context", "list"),
        (json.dumps({"question": "hi", "context": "c" * 61}).encode(), "context", "61 characters"),
        (b'{"question": "hi", "session": ""}', "session", "non-empty"),
        (b'{"question": "hi", "sesion": "x"}', "sesion", "unknown field"),
        (b"x" * 201, "body", "201 bytes"),
    ],
)
def test_bad_input_names_the_field(body: bytes, field: str, words: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_question(body, LIMITS)
    assert caught.value.field == field
    assert words in caught.value.message
    assert caught.value.to_json()["error"]["field"] == field
