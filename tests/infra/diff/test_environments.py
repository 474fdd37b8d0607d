"""`mlops diff staging prod`: settings sorted into tier (on purpose), other (deliberate or drift) and identity;
the release each runs and generated ids apart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from infra.cli.app import main
from infra.diff import diff_snapshots
from infra.diff.environments import IDENTITY, OTHER, TIER, compare_environments
from infra.diff.replacement import RELEASE_PROVIDERS
from infra.layout import Project
from tests.checkout import PROJECT, ROOT
from tests.infra.diff.helpers import resource, snapshot

IAM = "gcp:projects/iAMMember:IAMMember"
NO_CHANGES = diff_snapshots(snapshot("prod", []), snapshot("prod", []))


def settings(kind: str, comparison_project: Project = PROJECT) -> dict[str, tuple[object, object]]:
    comparison = compare_environments(comparison_project, "staging", "prod", NO_CHANGES)
    return {s.key_path: (s.a, s.b) for s in comparison.of_kind(kind)}


def test_the_tier_and_what_production_requires_differ_on_purpose() -> None:
    tier = settings(TIER)
    assert tier["tier"] == ("staging", "production")
    assert tier["encryption.cmek"] == (False, True)
    assert tier["protection.protect_stateful"] == (False, True)
    assert set(tier) <= {
        "tier",
        "encryption.cmek",
        "protection.protect_stateful",
        "protection.deletion_protection",
        "protection.force_destroy",
        "data.table_expiration_days",
    }


def test_other_settings_and_identity_are_listed_apart() -> None:
    other, identity = settings(OTHER), settings(IDENTITY)
    assert "serving.models[assistant].max_replicas" in other
    assert identity["project.mode"] == ("create", "adopt")
    assert "project.id" not in identity, "acme-genai-staging reads as acme-genai-prod: only the name differs"
    assert "tier" not in other


def _copy_of_the_project(tmp_path: Path) -> Project:
    """This project's stack files in a scratch directory, the program read from the checkout."""
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    document["main"] = str((ROOT / document.get("main", ".")).resolve())
    document["stackConfigDir"] = "environments"
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump(document))
    shutil.copytree(PROJECT.environments_dir, tmp_path / "environments")
    return Project.at(tmp_path)


def test_a_setting_changed_in_one_environment_only_shows_as_possible_drift(tmp_path: Path) -> None:
    project = _copy_of_the_project(tmp_path)
    staging = project.stack_file("staging")
    staging.write_text(
        staging.read_text().replace(
            "    tier: staging\n", "    tier: staging\n    messaging:\n      max_delivery_attempts: 9\n"
        )
    )
    before = settings(OTHER)
    after = settings(OTHER, project)
    assert "messaging.max_delivery_attempts" not in before
    assert after["messaging.max_delivery_attempts"][0] == 9


def test_release_resources_and_generated_ids_are_counted_apart() -> None:
    release_type, provider = next(iter(RELEASE_PROVIDERS.items()))
    field = next(name for name in provider.INPUTS if name not in provider.NOT_DIFFED)
    old = snapshot(
        "staging",
        [
            resource("staging", IAM, "agent", {"member": "serviceAccount:service-337244958417@gcp-sa.example"}),
            resource("staging", IAM, "reader", {"member": "group:a@example.com"}),
            resource("staging", release_type, "model", {field: "sha256:a"}),
        ],
    )
    new = snapshot(
        "prod",
        [
            resource("prod", IAM, "agent", {"member": "serviceAccount:service-683927603098@gcp-sa.example"}),
            resource("prod", IAM, "reader", {"member": "group:b@example.com"}),
            resource("prod", release_type, "model", {field: "sha256:b"}),
        ],
    )
    comparison = compare_environments(PROJECT, "staging", "prod", diff_snapshots(old, new))
    assert [s.name for s in comparison.release] == ["model"]
    assert [s.name for s in comparison.generated_only] == ["agent"], "a project number is not a setting"


def test_the_command_shows_the_comparison_before_the_diff(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "staging", "prod", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    kinds = {s["key"]: s["kind"] for s in document["comparison"]["settings"]}
    assert kinds["tier"] == TIER
    assert kinds["project.mode"] == IDENTITY
    assert document["steps"], "the snapshot diff is still there"
    assert main(["diff", "staging", "prod"]) == 0
    text = capsys.readouterr().out
    assert text.index("Differ on purpose") < text.index("Differ without the tier") < text.index("Resources:")
