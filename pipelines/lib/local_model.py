"""The local backend's tuned model: a nearest-neighbour responder fitted on the training split.

Supervised tuning of a Gemini model or LoRA on an open model only runs on Vertex AI. Offline, the tuning step
fits this model instead: it answers a question with the response of the most similar training example
(the sum of the Jaccard similarities of the questions' and the contexts' content words; ties go to the
smallest id). It is the
smallest model whose answers come entirely from its training data, so a bad training set produces a bad
candidate and the gate has something real to reject.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.lib.records import QARecord
from pipelines.lib.text import content_words

MODEL_KIND = "nearest-neighbour-responder"


def _jaccard(left: set[str], right: set[str]) -> float:
    union = left | right
    return len(left & right) / len(union) if union else 0.0


@dataclass(frozen=True)
class NearestNeighbourResponder:
    """Fitted model: the training examples it can answer from."""

    examples: tuple[QARecord, ...]

    @classmethod
    def fit(cls, train: list[QARecord]) -> NearestNeighbourResponder:
        if not train:
            raise ValueError("cannot fit a responder on an empty training split")
        return cls(tuple(sorted(train, key=lambda r: r.id)))

    def respond(self, question: str, context: str) -> str:
        asked, given = content_words(question), content_words(context)
        best = max(
            self.examples,
            # max() keeps the first of equal keys; the examples are sorted by id, so the choice is stable.
            key=lambda ex: _jaccard(asked, content_words(ex.question)) + _jaccard(given, content_words(ex.context)),
        )
        return best.response

    def to_dict(self) -> dict[str, object]:
        return {"kind": MODEL_KIND, "examples": [ex.as_dict() for ex in self.examples]}

    @classmethod
    def from_dict(cls, document: dict[str, object]) -> NearestNeighbourResponder:
        if document.get("kind") != MODEL_KIND:
            raise ValueError(f"not a {MODEL_KIND} model: kind={document.get('kind')!r}")
        examples = document["examples"]
        assert isinstance(examples, list)  # noqa: S101 - narrows the type of a model file this package wrote
        return cls(tuple(QARecord(**ex) for ex in examples))
