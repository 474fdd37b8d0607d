"""Small hand-written snapshots for diff tests (same shape as `mlops synth` output)."""

from __future__ import annotations

import copy
from typing import Any

PROJECT = "demo"


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"


def resource(stack: str, type_: str, name: str, inputs: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "urn": urn(stack, type_, name), "type": type_, "name": name, "custom": True, "parent": None,
        "provider": urn(stack, "pulumi:providers:gcp", "default_10_2_0"), "protect": False,
        "retainOnDelete": False, "dependencies": [], "ignoreChanges": [], "replaceOnChanges": [], "aliases": [],
        "inputs": inputs or {},
    }
    entry.update(options)
    return entry


def snapshot(stack: str, resources: list[dict[str, Any]], outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"version": 1, "project": PROJECT, "stack": stack,
            "resources": sorted(copy.deepcopy(resources), key=lambda r: r["urn"]), "outputs": outputs or {}}


BUCKET = "gcp:storage/bucket:Bucket"
TOPIC = "gcp:pubsub/topic:Topic"
ENDPOINT = "gcp:vertex/aiEndpoint:AiEndpoint"
