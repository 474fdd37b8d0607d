"""Fields every logged question-answer example carries (the evaluation tables' columns follow them)."""

from __future__ import annotations

REQUIRED_FIELDS = ("id", "question", "context", "response")
