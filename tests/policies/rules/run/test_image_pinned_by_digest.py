"""Each container of a service is judged on its own; an unknown image is undetermined, never passed."""

from __future__ import annotations

from policies import types as t
from policies.model import ResourceOptions
from policies.rules.run import image_pinned_by_digest
from policies.values import UNKNOWN

PINNED = "europe-west4-docker.pkg.dev/acme-genai-artifacts/releases/gateway@sha256:" + "ab" * 32


def evaluate(*images: object) -> list[tuple[str, bool]]:
    inputs = {"template": {"containers": [{"image": image} for image in images]}}
    found = image_pinned_by_digest.RULE.evaluate(t.RUN_SERVICE, inputs, ResourceOptions())
    return [(f.message.split(" ", 1)[0], f.undetermined) for f in found]


def test_only_the_tagged_sidecar_is_reported() -> None:
    assert evaluate(PINNED, "otel/collector:0.99") == [("template.containers[1].image", False)]


def test_an_unknown_image_is_undetermined() -> None:
    assert evaluate(PINNED, UNKNOWN) == [("template.containers[1].image", True)]


def test_a_digest_in_upper_case_or_with_a_tag_in_front_is_read_as_written() -> None:
    assert evaluate(PINNED.replace("ab", "AB")) == [("template.containers[0].image", False)]
    assert evaluate(PINNED.replace("@", ":r1@")) == []
