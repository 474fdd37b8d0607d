"""The prompt the assistant is asked with, named and digested so a release records which prompt it was tuned for.

A change to the template text is a change to the release: the candidate record carries `prompt.digest`.
"""

from __future__ import annotations

import hashlib

PROMPT_NAME = "context-question-v1"
PROMPT_TEMPLATE = "Context:\n{context}\n\nQuestion: {question}"


def render_prompt(question: str, context: str) -> str:
    return PROMPT_TEMPLATE.format(context=context, question=question)


def prompt_digest(template: str = PROMPT_TEMPLATE) -> str:
    """`sha256:` of the template text (UTF-8)."""
    return "sha256:" + hashlib.sha256(template.encode("utf-8")).hexdigest()
