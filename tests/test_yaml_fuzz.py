"""The fuzz strategies themselves: generated documents never share objects with each other or with the
strategy's constants, so in-place edits cannot leak between examples or build a cycle."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.yaml_fuzz import FUZZ, TRICKY_VALUES, documents, mutated, scalars

SEED: dict[str, Any] = {"a": {"b": [1, {"c": "x"}]}, "d": []}
KEYS = ["a", "b", "c", "d"]
PRISTINE = copy.deepcopy(TRICKY_VALUES)


def _containers(node: Any, on_path: tuple[int, ...] = ()) -> None:
    """Walks `node`, failing on a container that contains itself."""
    if isinstance(node, (dict, list)):
        assert id(node) not in on_path, "a generated document contains itself"
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            _containers(child, (*on_path, id(node)))


@settings(FUZZ, max_examples=150)
@given(value=scalars())
def test_a_drawn_scalar_is_never_a_shared_constant(value: Any) -> None:
    assert not any(value is constant for constant in TRICKY_VALUES if isinstance(constant, (dict, list)))


@settings(FUZZ, max_examples=150)
@given(document=st.one_of(mutated(SEED, KEYS), documents(KEYS)))
def test_edited_documents_are_acyclic_and_leave_the_constants_alone(document: Any) -> None:
    _containers(document)
    json.dumps(document, allow_nan=True)
    assert json.dumps(TRICKY_VALUES, default=str) == json.dumps(PRISTINE, default=str)
    assert SEED == {"a": {"b": [1, {"c": "x"}]}, "d": []}
