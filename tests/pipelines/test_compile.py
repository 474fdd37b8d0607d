"""Compiling is byte-deterministic, versions are the sha256 of the bytes, templates load into PipelineJob."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from pipelines.catalog import PIPELINES
from pipelines.compile import compile_all, validate_template
from pipelines.components.runtime import RUNTIME_IMAGE
from pipelines.lib.code_digest import LIBRARY_DIGEST_ENV, library_digest


def test_compile_twice_gives_identical_bytes_and_manifest(tmp_path: Path) -> None:
    first = compile_all(tmp_path / "a")
    second = compile_all(tmp_path / "b")
    assert [c.name for c in first] == ["tuning", "evaluation"]
    for one, two in zip(first, second, strict=True):
        assert one.path.read_bytes() == two.path.read_bytes()
        assert one.version == two.version == "sha256:" + hashlib.sha256(one.path.read_bytes()).hexdigest()
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (tmp_path / "b" / "manifest.json").read_bytes()


def test_manifest_lists_name_version_file_and_parameter_types(tmp_path: Path) -> None:
    compiled = {c.name: c for c in compile_all(tmp_path)}
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    entries = {entry["name"]: entry for entry in manifest["pipelines"]}
    assert set(entries) == {"tuning", "evaluation"}
    tuning = entries["tuning"]
    assert tuning["version"] == compiled["tuning"].version
    assert tuning["file"] == "tuning.yaml"
    assert tuning["parameters"]["seed"] == "Integer"
    assert tuning["parameters"]["dataset_uri"] == "String"
    assert entries["evaluation"]["parameters"]["min_groundedness"] == "Float"


def test_templates_run_offline_code_only(tmp_path: Path) -> None:
    """No component installs packages at run time; every executor uses the project's runtime image."""
    for item in compile_all(tmp_path):
        text = item.path.read_text()
        spec = yaml.safe_load(text)
        executors = spec["deploymentSpec"]["executors"]
        assert executors
        assert all(e["container"]["image"] == RUNTIME_IMAGE for e in executors.values())
        # every task carries the digest of the library code its component imports from the image
        envs = [{v["name"]: v["value"] for v in e["container"].get("env", [])} for e in executors.values()]
        assert all(env.get(LIBRARY_DIGEST_ENV) == library_digest() for env in envs)
        assert "pip install" not in text
        assert spec["pipelineInfo"]["name"] == f"genai-{item.name}"


def test_validation_rejects_a_template_that_does_not_match_the_values(tmp_path: Path) -> None:
    """The offline check is real: PipelineJob refuses values the template does not declare."""
    compiled = {c.name: c for c in compile_all(tmp_path)}
    with pytest.raises(ValueError, match="dataset_uri"):
        # the evaluation template has no dataset_uri: loading it with the tuning values must fail
        validate_template(compiled["evaluation"].path, PIPELINES["tuning"])
