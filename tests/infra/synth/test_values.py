"""Decoding of the wire encoding of property values (secrets, unknowns, references, numbers)."""

from __future__ import annotations

from google.protobuf import struct_pb2

from infra.synth import values


def test_markers_and_numbers() -> None:
    secret = {values.SIG_KEY: values.SECRET_SIG, "value": "hunter2"}
    ref = {values.SIG_KEY: values.RESOURCE_SIG, "urn": "urn:pulumi:s::p::t:m:T::n", "id": "x"}
    out_unknown = {values.SIG_KEY: values.OUTPUT_SIG}
    out_secret = {values.SIG_KEY: values.OUTPUT_SIG, "value": "hunter2", "secret": True}
    out_known = {values.SIG_KEY: values.OUTPUT_SIG, "value": 3.0}
    decoded = values.plain({"s": secret, "r": ref, "u": values.UNKNOWN_SENTINEL, "n": [1.0, 2.5],
                            "ou": out_unknown, "os": out_secret, "ok": out_known})
    assert decoded == {"s": {"[secret]": True}, "r": "urn:pulumi:s::p::t:m:T::n", "u": "[unknown]",
                       "n": [1, 2.5], "ou": "[unknown]", "os": {"[secret]": True}, "ok": 3}
    assert "hunter2" not in repr(decoded)


def test_assets_are_described_not_embedded() -> None:
    asset = {values.SIG_KEY: values.ASSET_SIG, "text": "print('hi')", "hash": "h"}
    assert values.plain(asset) == {"[asset]": values.plain(asset)["[asset]"]}
    assert values.plain(asset)["[asset]"].startswith("text sha256:")


def test_struct_keys_are_sorted() -> None:
    struct = struct_pb2.Struct()
    struct.update({"b": 1, "a": {"d": 2, "c": 3}})
    assert list(values.struct_to_json(struct)) == ["a", "b"]
    assert list(values.struct_to_json(struct)["a"]) == ["c", "d"]
