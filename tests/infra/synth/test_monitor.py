"""The dynamic provider marker is read from the real pickled provider without unpickling it."""

from __future__ import annotations

from typing import Any

from pulumi import dynamic
from pulumi.dynamic.dynamic import serialize_provider

from infra.synth.monitor import dynamic_provider_marker


class ExampleProvider(dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        return dynamic.CreateResult(id_="x", outs=props)


def test_marker_names_the_provider_class() -> None:
    blob = serialize_provider(ExampleProvider())
    assert dynamic_provider_marker(blob) == f"[dynamic provider: {__name__}.ExampleProvider]"
    assert dynamic_provider_marker(blob) == dynamic_provider_marker(serialize_provider(ExampleProvider()))


def test_unreadable_blob_still_gets_a_marker() -> None:
    assert dynamic_provider_marker("not base64 pickle") == "[dynamic provider]"
    assert dynamic_provider_marker(None) == "[dynamic provider]"


def test_marker_for_a_class_pickled_by_value() -> None:
    import base64

    import dill

    namespace: dict[str, object] = {"dynamic": dynamic, "__name__": "__main__"}
    exec(  # a provider defined in a script's __main__: dill pickles the class itself, by value
        "class ScriptProvider(dynamic.ResourceProvider):\n    pass\n", namespace
    )
    blob = base64.b64encode(dill.dumps(namespace["ScriptProvider"](), recurse=True)).decode()  # type: ignore[operator]
    assert dynamic_provider_marker(blob) == "[dynamic provider: __main__.ScriptProvider]"
