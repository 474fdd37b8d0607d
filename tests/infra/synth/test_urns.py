"""The engine's URN and default-provider naming rules."""

from __future__ import annotations

from infra.synth import urns


def test_top_level_resource_omits_the_stack() -> None:
    stack = urns.make_urn("dev", "proj", "", urns.STACK_TYPE, "proj-dev")
    assert urns.make_urn("dev", "proj", stack, "gcp:storage/bucket:Bucket", "b") == (
        "urn:pulumi:dev::proj::gcp:storage/bucket:Bucket::b"
    )


def test_child_carries_the_full_parent_chain() -> None:
    outer = urns.make_urn("dev", "proj", "", "a:b:Outer", "o")
    inner = urns.make_urn("dev", "proj", outer, "a:b:Inner", "i")
    leaf = urns.make_urn("dev", "proj", inner, "gcp:storage/bucket:Bucket", "leaf")
    assert leaf == "urn:pulumi:dev::proj::a:b:Outer$a:b:Inner$gcp:storage/bucket:Bucket::leaf"
    assert urns.qualified_type(leaf) == "a:b:Outer$a:b:Inner$gcp:storage/bucket:Bucket"
    assert urns.urn_name(leaf) == "leaf"


def test_default_provider_names() -> None:
    assert urns.default_provider_name("10.2.0") == "default_10_2_0"
    assert urns.default_provider_name("1.0.0-alpha.1") == "default_1_0_0_alpha_1"
    assert urns.default_provider_name("") == "default"
    expected = "urn:pulumi:s::p::pulumi:providers:gcp::default_10_2_0"
    assert urns.default_provider_urn("s", "p", "gcp", "10.2.0") == expected


def test_provider_reference_id_is_stripped_and_stack_moved() -> None:
    ref = "urn:pulumi:dev::p::pulumi:providers:gcp::eu::04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert urns.strip_provider_id(ref) == "urn:pulumi:dev::p::pulumi:providers:gcp::eu"
    assert urns.with_stack("urn:pulumi:dev::p::t:m:T::n", "prod") == "urn:pulumi:prod::p::t:m:T::n"
