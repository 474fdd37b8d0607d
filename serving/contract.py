"""The gateway's HTTP contract: what `POST /v1/answer` accepts and answers (pinned in the design).

Request `{"question": str, "context": str?, "session": str?}`; answer `{"answer", "source", "model_version",
"request_id"}`. Bad input is a `BadRequest` naming the offending field, which the HTTP layer turns into a 400
with a JSON error, never a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Source = Literal["model", "previous", "rules", "canned"]
SOURCES: tuple[Source, ...] = ("model", "previous", "rules", "canned")
FIELDS = ("question", "context", "session")


class BadRequest(Exception):
    """Input the gateway refuses; `field` names what is wrong (`body` for the request as a whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {"error": {"field": self.field, "message": self.message}}


@dataclass(frozen=True)
class Limits:
    """Sizes the gateway accepts; larger input is a 400, not a slow model call.

    max_body_bytes: request body size (default 16 KiB).
    max_question_chars / max_context_chars: after decoding (defaults 2,000 / 8,000 characters).
    """

    max_body_bytes: int = 16_384
    max_question_chars: int = 2_000
    max_context_chars: int = 8_000


@dataclass(frozen=True)
class Question:
    question: str
    context: str = ""
    session: str | None = None


@dataclass(frozen=True)
class Answer:
    answer: str
    source: Source
    model_version: str | None
    request_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "source": self.source,
            "model_version": self.model_version,
            "request_id": self.request_id,
        }


def parse_question(body: bytes, limits: Limits) -> Question:
    """The question in a request body, or BadRequest naming the field and what is expected."""
    if len(body) > limits.max_body_bytes:
        raise BadRequest("body", f"request body is {len(body)} bytes; at most {limits.max_body_bytes} are accepted")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("body", f"request body is not JSON ({exc}); send {{\"question\": \"...\"}}") from None
    if not isinstance(data, dict):
        raise BadRequest("body", f"request body is a JSON {type(data).__name__}; send an object {{\"question\": ...}}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadRequest(unknown[0], f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")
    question = data.get("question")
    if question is None:
        raise BadRequest("question", "question is missing; send a non-empty string")
    if not isinstance(question, str):
        raise BadRequest("question", f"question is a {type(question).__name__}; send a non-empty string")
    if not question.strip():
        raise BadRequest("question", "question is empty; send a non-empty string")
    if len(question) > limits.max_question_chars:
        raise BadRequest(
            "question", f"question has {len(question)} characters; at most {limits.max_question_chars} are accepted"
        )
    context = data.get("context")
    if context is not None and not isinstance(context, str):
        raise BadRequest("context", f"context is a {type(context).__name__}; send a string or leave it out")
    if context is not None and len(context) > limits.max_context_chars:
        raise BadRequest(
            "context", f"context has {len(context)} characters; at most {limits.max_context_chars} are accepted"
        )
    session = data.get("session")
    if session is not None and (not isinstance(session, str) or not session.strip()):
        raise BadRequest("session", "session must be a non-empty string when given; leave it out otherwise")
    return Question(question=question.strip(), context=context or "", session=session)
