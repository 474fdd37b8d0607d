"""The lineage gate: the bundle comes from where the target accepts it, unchanged, exactly as the source runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config.loader import load_environment
from infra.layout import Project
from infra.release.promote import promote
from infra.release.store import load_manifest
from tests.infra.release.promotion_cases import (
    SKIP,
    edit_manifest,
    reasons,
    request,
)
from tests.infra.release.release_project import tree_bytes

pytestmark = pytest.mark.usefixtures("release_reports")  # the fixtures' gs:// reports, on a loopback server


def test_prod_accepts_releases_only_from_staging(project: Path) -> None:
    outcome = promote(request("dev", "prod", approve_by="lee@acme.example"), Project(project))
    assert outcome.status == "blocked"
    assert [g.gate for g in outcome.failed] == ["lineage"]
    assert reasons(outcome, "lineage") == (
        "prod accepts releases only from 'staging' (release.promote_from), not from 'dev'",
    )


def test_staging_edited_after_promotion_cannot_go_to_prod(project: Path) -> None:
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    edit_manifest(project, "staging", lambda d: d["pipelines"]["tuning"].update(digest="sha256:" + "f" * 64))
    snapshot = tree_bytes(project)

    outcome = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))

    assert outcome.status == "blocked"
    found = reasons(outcome, "lineage")
    assert len(found) == 1, found
    assert (found[0].startswith(
        "staging's manifest was edited after release r2026-11-25-1 was promoted into it (bundle sha256:"
    )), found
    assert tree_bytes(project) == snapshot


def test_only_a_bundle_that_reached_staging_by_promotion_moves_on(project: Path) -> None:
    def handmade(document: dict[str, Any]) -> None:
        document["provenance"].pop("promoted_from")
        document["provenance"].pop("bundle_digest")

    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    edit_manifest(project, "staging", handmade)
    outcome = promote(request("staging", "prod", approve_by="lee@acme.example"), Project(project))
    assert outcome.status == "blocked"
    assert reasons(outcome, "lineage") == (
        "release r2026-11-25-1 did not reach staging through promotion from 'dev' (provenance.promoted_from is "
        "None); only a promoted bundle moves on",
    )


def test_expected_release_must_be_what_the_source_runs(project: Path) -> None:
    edit_manifest(project, "dev", lambda d: d.update(release="r2026-11-26-1"))
    assert promote(request("dev", "staging", skip_policy_check=SKIP), Project(project)).status == "promoted"
    outcome = promote(
        request("staging", "prod", approve_by="lee@acme.example", expected_release="r2026-11-25-1"),
        Project(project),
    )
    assert outcome.status == "blocked"
    assert reasons(outcome, "lineage") == ("staging runs release r2026-11-26-1, not r2026-11-25-1 (--release)",)


def test_lineage_gate_compares_digests_and_model_versions_with_the_source(project: Path) -> None:
    from infra.release.gates import GateContext, Upstream, lineage

    staging_cfg, prod_cfg = load_environment("staging", Project(project)), load_environment("prod", Project(project))
    staging = load_manifest("staging", staging_cfg, Project(project))
    tampered_model = staging.models["assistant"].model_copy(update={"artifact_uri": "gs://elsewhere/model"})
    tampered = staging.model_copy(
        update={
            "environment": "prod",
            "models": {"assistant": tampered_model},
            "pipelines": {
                **staging.pipelines,
                "tuning": staging.pipelines["tuning"].model_copy(update={"digest": "sha256:" + "0" * 64}),
            },
        }
    )
    context = GateContext(
        Project(project), prod_cfg, tampered.evaluation, tampered, Upstream("staging", staging, staging_cfg)
    )
    result = lineage.check(context)
    assert not result.passed
    assert result.reasons == (
        f"pipelines.tuning.digest: sha256:{'0' * 64} differs from what staging runs "
        f"({staging.pipelines['tuning'].digest})",
        "models.assistant.artifact_uri: gs://elsewhere/model differs from what staging runs "
        "(gs://acme-genai-releases/assistant/r2026-11-18-1)",
    )
