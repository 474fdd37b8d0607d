"""A commit's snapshots are synthesised once: later runs read them back, keyed by the commit's tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.diff.ref_cache import RefSynthCache, engine_fingerprint
from infra.diff.sources import synth_at_ref
from infra.layout import Project
from tests.gitrepo import fixture_repo, git, set_prod_retention


def entry(repo: Path, ref: str = "HEAD") -> RefSynthCache:
    cache = RefSynthCache.of(repo, git(repo, "rev-parse", ref).strip(), Path("."))
    assert cache is not None
    return cache


def test_a_second_run_reads_the_stored_snapshots(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    first = synth_at_ref(["prod"], "HEAD", Project(repo))
    stored = entry(repo).directory / "prod.json"
    assert json.loads(stored.read_text()) == first["prod"]
    stacks = json.loads((entry(repo).directory / "stacks.json").read_text())["stacks"]
    assert sorted(stacks) == ["broken", "dev", "prod"]

    marked = {**json.loads(stored.read_text()), "outputs": {"read": "from the cache"}}
    stored.write_text(json.dumps(marked))
    assert synth_at_ref(["prod"], "HEAD", Project(repo))["prod"] == marked  # no second synth


def test_a_stack_absent_at_the_commit_is_remembered_as_absent(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    synth_at_ref(["prod"], "HEAD", Project(repo))
    (repo / "stacks" / "Pulumi.qa.yaml").write_text((repo / "stacks" / "Pulumi.dev.yaml").read_text())
    assert synth_at_ref(["prod", "qa"], "HEAD", Project(repo))["qa"] is None


def test_a_stack_not_synthesised_before_misses_and_is_synthesised(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    synth_at_ref(["prod"], "HEAD", Project(repo))
    dev = synth_at_ref(["dev"], "HEAD", Project(repo))["dev"]
    assert dev is not None
    assert dev["stack"] == "dev"
    assert (entry(repo).directory / "dev.json").is_file()


def test_another_commit_is_another_entry(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    synth_at_ref(["prod"], "HEAD", Project(repo))
    set_prod_retention(repo, 120)
    git(repo, "commit", "--quiet", "-am", "retention 120")
    assert entry(repo, "HEAD") != entry(repo, "HEAD~1")
    changed = synth_at_ref(["prod"], "HEAD", Project(repo))["prod"]
    assert "120" in json.dumps(changed)  # the new commit's content, not the earlier entry
    assert "120" not in (entry(repo, "HEAD~1").directory / "prod.json").read_text()


def test_a_failed_synth_is_not_stored(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path)
    with pytest.raises(UserInputError):
        synth_at_ref(["broken"], "HEAD", Project(repo))
    assert not entry(repo).directory.exists()


def test_the_engine_fingerprint_covers_the_recording_code() -> None:
    assert len(engine_fingerprint()) == 64
    assert engine_fingerprint() == engine_fingerprint()
