"""PipelineTemplate against the loopback KFP registry, through kfp's real RegistryClient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.rehearsal.kfp_registry_server import KfpRegistryServer
from infra.release.providers.base import ReleaseInputError
from infra.release.providers.pipeline_template import PipelineTemplateProvider
from infra.release.providers.retry import RetriesExhausted
from tests.infra.release.providers.conftest import FAST_RETRY, Engine, Template

PACKAGE = "train-pipeline"


def inputs(registry: KfpRegistryServer, template: Template, tags: list[str] | None = None) -> dict[str, Any]:
    return {
        "host": registry.host("proj", "pipelines"),
        "package_name": PACKAGE,
        "template_path": template.path,
        "expected_digest": template.digest,
        "tags": ["rel-2026-11-26", "dev"] if tags is None else tags,
    }


def test_create_uploads_once_and_tags_the_digest(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    engine = Engine(PipelineTemplateProvider(FAST_RETRY))
    outs = engine.up(inputs(kfp_registry, v1))

    assert outs["version"] == v1.digest
    assert outs["template_uri"] == f"{kfp_registry.host('proj', 'pipelines')}/{PACKAGE}/{v1.digest}"
    assert engine.id == outs["template_uri"]
    assert kfp_registry.version_names(PACKAGE) == [v1.digest]
    assert kfp_registry.tags(PACKAGE) == {"rel-2026-11-26": v1.digest, "dev": v1.digest}
    with open(v1.path, "rb") as handle:
        assert kfp_registry.content(PACKAGE, v1.digest) == handle.read()
    assert kfp_registry.count(r"^POST /proj/pipelines$") == 1


def test_rerun_of_create_does_not_upload_again(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    provider = PipelineTemplateProvider(FAST_RETRY)
    first = provider.create(inputs(kfp_registry, v1))
    second = provider.create(inputs(kfp_registry, v1))  # e.g. the engine lost the first result

    assert first.outs == second.outs
    assert kfp_registry.count(r"^POST /proj/pipelines$") == 1
    assert kfp_registry.version_names(PACKAGE) == [v1.digest]


def test_digest_mismatch_fails_before_any_call(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, v2 = templates
    bad = {**inputs(kfp_registry, v1), "expected_digest": v2.digest}

    with pytest.raises(ReleaseInputError, match=r"has digest sha256:[0-9a-f]{64}, the release expects") as err:
        PipelineTemplateProvider(FAST_RETRY).create(bad)
    assert v2.digest in str(err.value)
    assert kfp_registry.calls == []


def test_package_name_must_be_the_pipeline_name(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    with pytest.raises(ReleaseInputError, match="is pipeline 'train-pipeline' but package_name is 'other'"):
        PipelineTemplateProvider(FAST_RETRY).create({**inputs(kfp_registry, v1), "package_name": "other"})
    assert kfp_registry.calls == []


def test_check_reports_every_bad_input(kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]) -> None:
    v1, _ = templates
    bad = {**inputs(kfp_registry, v1), "expected_digest": "latest", "tags": ["sha256:abc", "ok"], "host": "ftp:x"}
    failures = PipelineTemplateProvider(FAST_RETRY).check({}, bad).failures
    assert sorted(f.property for f in failures) == ["expected_digest", "host", "tags"]


def test_diff_replaces_on_new_digest_and_updates_on_tags(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, v2 = templates
    provider = PipelineTemplateProvider(FAST_RETRY)
    olds = provider.create(inputs(kfp_registry, v1)).outs or {}

    new_version = provider.diff("id", olds, inputs(kfp_registry, v2))
    assert new_version.replaces == ["expected_digest"]
    new_tags = provider.diff("id", olds, inputs(kfp_registry, v1, ["rel-2", "dev"]))
    assert (new_tags.changes, new_tags.replaces) == (True, [])
    same = provider.diff("id", olds, inputs(kfp_registry, v1))
    assert (same.changes, same.replaces) == (False, [])


def test_new_version_moves_tags_and_old_version_is_deleted(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, v2 = templates
    engine = Engine(PipelineTemplateProvider(FAST_RETRY))
    engine.up(inputs(kfp_registry, v1, ["rel-1", "dev"]))
    outs = engine.up(inputs(kfp_registry, v2, ["rel-2", "dev"]))

    assert engine.operations == ["create", "replace"]
    assert outs["version"] == v2.digest
    # the old release tag went with the old resource; the env tag moved; the untagged old version is gone
    assert kfp_registry.tags(PACKAGE) == {"rel-2": v2.digest, "dev": v2.digest}
    assert kfp_registry.version_names(PACKAGE) == [v2.digest]


def test_tag_update_moves_and_drops_tags(kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]) -> None:
    v1, _ = templates
    engine = Engine(PipelineTemplateProvider(FAST_RETRY))
    engine.up(inputs(kfp_registry, v1, ["rel-1", "dev"]))
    engine.up(inputs(kfp_registry, v1, ["rel-1b", "dev"]))

    assert engine.operations == ["create", "update"]
    assert kfp_registry.tags(PACKAGE) == {"rel-1b": v1.digest, "dev": v1.digest}
    assert kfp_registry.count(r"^POST /proj/pipelines$") == 1


def test_delete_keeps_a_version_another_tag_still_points_at(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    provider = PipelineTemplateProvider(FAST_RETRY)
    created = provider.create(inputs(kfp_registry, v1, ["dev"]))
    other = provider.create(inputs(kfp_registry, v1, ["staging"]))  # a second resource, same content

    provider.delete(created.id, created.outs or {})
    assert kfp_registry.version_names(PACKAGE) == [v1.digest]
    assert kfp_registry.tags(PACKAGE) == {"staging": v1.digest}
    provider.delete(other.id, other.outs or {})
    assert kfp_registry.version_names(PACKAGE) == []
    provider.delete(other.id, other.outs or {})  # deleting again is a no-op


def test_read_reports_a_version_deleted_out_of_band(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    provider = PipelineTemplateProvider(FAST_RETRY)
    created = provider.create(inputs(kfp_registry, v1, []))
    assert provider.read(created.id, created.outs or {}).id == created.id
    provider.delete(created.id, created.outs or {})
    assert provider.read(created.id, created.outs or {}).id is None


@pytest.mark.parametrize("status", [500, 503, 429])
def test_upload_is_retried_on_transient_errors(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template], status: int
) -> None:
    v1, _ = templates
    kfp_registry.faults.fail(status, times=2, match=r"^POST /proj/pipelines$")
    outs = PipelineTemplateProvider(FAST_RETRY).create(inputs(kfp_registry, v1)).outs or {}

    assert outs["version"] == v1.digest
    assert kfp_registry.count(r"^POST /proj/pipelines$", outcome=f"injected {status}") == 2
    assert kfp_registry.count(r"^POST /proj/pipelines$") == 1


def test_tag_calls_are_retried(kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]) -> None:
    v1, _ = templates
    kfp_registry.faults.fail(503, times=2, match=r"/tags")
    PipelineTemplateProvider(FAST_RETRY).create(inputs(kfp_registry, v1, ["dev"]))
    assert kfp_registry.tags(PACKAGE) == {"dev": v1.digest}


def test_persistent_errors_give_up_with_the_unit_named(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    kfp_registry.faults.fail(503, times=50, match=r"^POST /proj/pipelines$")
    with pytest.raises(RetriesExhausted, match=r"upload pipeline template train-pipeline@sha256:.*4 attempts"):
        PipelineTemplateProvider(FAST_RETRY).create(inputs(kfp_registry, v1))
    assert kfp_registry.version_names(PACKAGE) == []


def test_client_errors_are_not_retried(kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]) -> None:
    v1, _ = templates
    kfp_registry.faults.fail(400, times=1, match=r"^POST /proj/pipelines$")
    with pytest.raises(Exception, match="400"):
        PipelineTemplateProvider(FAST_RETRY).create(inputs(kfp_registry, v1))
    assert kfp_registry.count(r"^POST /proj/pipelines$", outcome=None) == 1


def test_crash_after_upload_then_rerun_tags_without_second_upload(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template]
) -> None:
    v1, _ = templates
    kfp_registry.faults.crash_after(r"^POST /proj/pipelines$")
    with pytest.raises(RetriesExhausted):
        PipelineTemplateProvider(FAST_RETRY).create(inputs(kfp_registry, v1, ["dev"]))
    assert kfp_registry.version_names(PACKAGE) == [v1.digest]

    kfp_registry.faults.recover()
    PipelineTemplateProvider(FAST_RETRY).create(inputs(kfp_registry, v1, ["dev"]))
    assert kfp_registry.count(r"^POST /proj/pipelines$") == 1
    assert kfp_registry.tags(PACKAGE) == {"dev": v1.digest}


def test_moving_the_local_file_is_not_a_change(
    kfp_registry: KfpRegistryServer, templates: tuple[Template, Template], tmp_path: Path
) -> None:
    v1, _ = templates
    provider = PipelineTemplateProvider(FAST_RETRY)
    olds = provider.create(inputs(kfp_registry, v1)).outs or {}
    copy = tmp_path / "elsewhere.yaml"
    copy.write_bytes(Path(v1.path).read_bytes())
    assert provider.diff("id", olds, {**inputs(kfp_registry, v1), "template_path": str(copy)}).changes is False
