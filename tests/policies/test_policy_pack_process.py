"""The pack as the Pulumi CLI runs it: `policies/__main__.py` in its own process, spoken to over gRPC on loopback.

This is the analyzer protocol `pulumi preview --policy-pack policies` uses: the plugin prints its port, the
engine calls GetAnalyzerInfo, then Analyze per resource.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pulumi_gcp as gcp
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policies.discovery import discover_rules

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
BUCKET = "gcp:storage/bucket:Bucket"


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = {**os.environ, "PULUMI_STACK": "prod", "PYTHONPATH": ""}
    process = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=PACK_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        port_line = process.stdout.readline().decode().strip()
        if not port_line.isdigit():
            process.kill()
            _, stderr = process.communicate(timeout=10)
            pytest.fail(f"the pack did not print its port: {port_line!r}\n{stderr.decode()}")
        with grpc.insecure_channel(f"127.0.0.1:{port_line}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_analyzer_info_lists_every_rule_at_its_prod_level(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "genai-mlops-guardrails"
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert set(levels) == {r.id for r in discover_rules()} | {"policy-exemptions"}
    assert levels["kms-key-rotation"] == analyzer_pb2.MANDATORY
    assert levels["labels-required"] == analyzer_pb2.ADVISORY


def test_analyze_reports_an_insecure_bucket(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    properties = asyncio.run(
        rpc.serialize_properties(
            {"location": "EU", "uniform_bucket_level_access": False}, {}, typ=gcp.storage.BucketArgs
        )
    )
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=BUCKET,
            properties=properties,
            urn=f"urn:pulumi:prod::genai-mlops::{BUCKET}::models",
            name="models",
            options=analyzer_pb2.AnalyzerResourceOptions(protect=False),
        )
    )
    failing = {d.policyName: d.enforcementLevel for d in response.diagnostics}
    assert failing["storage-bucket-uniform-access"] == analyzer_pb2.MANDATORY
    assert failing["protection-stateful-protected"] == analyzer_pb2.MANDATORY
    assert "kms-key-rotation" not in failing
