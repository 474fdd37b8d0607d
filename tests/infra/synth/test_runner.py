"""A synth is immune to the pickler wrappers that code outside it leaves behind, and puts back what it found."""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from pulumi import dynamic
from pulumi.dynamic.dynamic import serialize_provider

from infra.layout import Project
from infra.synth import synth_stack
from infra.synth.runner import _unwrapped_batch_setitems


class NoopProvider(dynamic.ResourceProvider):
    pass


PROVIDERS = """
from pulumi import dynamic

class TunedProvider(dynamic.ResourceProvider):
    def __init__(self):
        self.retry = {"attempts": 3, "delay": 1.0}  # pickled as a dict: through `_batch_setitems`

class Tuned(dynamic.Resource):
    def __init__(self, name):
        super().__init__(TunedProvider(), name, {"size": 1})
"""


def write_dynamic_program(root: Path) -> Path:
    (root / "Pulumi.yaml").write_text("name: small\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: small-dev\n")
    (root / "providers.py").write_text(PROVIDERS)
    (root / "__main__.py").write_text("from providers import Tuned\nTuned('a')\nTuned('b')\n")
    return root


def test_wrappers_left_outside_a_synth_do_not_overflow_it(tmp_path: Path) -> None:
    pickler: Any = pickle._Pickler
    pristine = _unwrapped_batch_setitems(pickler._batch_setitems)
    assert pristine.__module__ == "pickle"
    try:
        for _ in range(1500):  # what an inline engine program serializing providers in-process leaves behind
            serialize_provider(NoopProvider())
        leaky = pickler._batch_setitems
        try:
            pickler(io.BytesIO()).dump({"key": "value"})
            overflowed = False
        except RecursionError:
            overflowed = True
        assert overflowed, "serialize_provider no longer piles up wrappers: the reset may be unnecessary"
        # the run serializes both providers
        document = synth_stack("dev", Project(write_dynamic_program(tmp_path)))
        markers = [r["inputs"]["__provider"] for r in document["resources"] if r["type"].startswith("pulumi-python")]
        assert markers == ["[dynamic provider: providers.TunedProvider]"] * 2
        assert pickler._batch_setitems is leaky, "the synth must put back the pickler it found"
    finally:
        pickler._batch_setitems = pristine
