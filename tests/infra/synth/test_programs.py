"""Small programs written for one behaviour each: explicit providers, duplicate URNs, transformations."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.layout import Project
from infra.synth import synth_stack


def write_program(root: Path, body: str) -> Project:
    (root / "Pulumi.yaml").write_text("name: small\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text("config:\n  gcp:project: small-dev\n  gcp:region: europe-west4\n")
    (root / "__main__.py").write_text("import pulumi\nimport pulumi_gcp as gcp\n" + body)
    return Project.at(root)


def test_explicit_provider_is_referenced_and_no_default_is_invented(tmp_path: Path) -> None:
    doc = synth_stack("dev", write_program(tmp_path, (
        "eu = gcp.Provider('eu', project='small-dev', region='europe-west1')\n"
        "gcp.storage.Bucket('b', location='EU', opts=pulumi.ResourceOptions(provider=eu))\n"
    )))
    resources = {r["name"]: r for r in doc["resources"]}
    assert resources["b"]["provider"] == "urn:pulumi:dev::small::pulumi:providers:gcp::eu"
    assert resources["eu"]["type"] == "pulumi:providers:gcp"
    assert resources["eu"]["provider"] is None
    assert resources["eu"]["inputs"]["region"] == "europe-west1"
    assert not any(r["name"].startswith("default") for r in doc["resources"])


def test_duplicate_urn_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        synth_stack("dev", write_program(tmp_path, (
            "gcp.storage.Bucket('same', location='EU')\n"
            "gcp.storage.Bucket('same', location='US')\n"
        )))
    assert caught.value.summary in ("duplicate resource URN",)
    assert caught.value.problems[0].key_path.endswith("gcp:storage/bucket:Bucket::same")


def test_legacy_stack_transformation_is_applied(tmp_path: Path) -> None:
    doc = synth_stack("dev", write_program(tmp_path, (
        "def label(args):\n"
        "    if args.type_ == 'gcp:storage/bucket:Bucket':\n"
        "        args.props['labels'] = {'managed-by': 'pulumi'}\n"
        "        return pulumi.ResourceTransformationResult(args.props, args.opts)\n"
        "pulumi.runtime.register_stack_transformation(label)\n"
        "gcp.storage.Bucket('b', location='EU')\n"
    )))
    bucket = next(r for r in doc["resources"] if r["name"] == "b")
    assert bucket["inputs"]["labels"] == {"managed-by": "pulumi"}


def test_each_run_gets_fresh_program_modules(tmp_path: Path) -> None:
    import sys

    root = write_program(tmp_path, (
        "import registry_state\n"
        "registry_state.SEEN.append(pulumi.get_stack())\n"
        "pulumi.export('seen', list(registry_state.SEEN))\n"
    ))
    (root.root / "registry_state.py").write_text("SEEN = []  # module-level state a second run must not inherit\n")
    first = synth_stack("dev", root)
    second = synth_stack("dev", root)
    assert first["outputs"]["seen"] == second["outputs"]["seen"] == ["dev"]
    assert "registry_state" not in sys.modules
