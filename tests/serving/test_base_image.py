"""The release's check of the gateway's base image: a tag fails naming the line and the fix, a digest passes,
stages of the same file are not images, and the shipped Dockerfile's known gap is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.base_image import main, unpinned_bases
from tests.checkout import ROOT

DIGEST = "sha256:" + "ab" * 32


def test_a_tagged_base_is_unpinned_and_a_digest_is_pinned() -> None:
    assert [(u.line, u.image) for u in unpinned_bases("# c\nFROM python:3.11-slim\n")] == [(2, "python:3.11-slim")]
    assert unpinned_bases(f"FROM python:3.11-slim@{DIGEST}\n") == []
    assert unpinned_bases(f"FROM --platform=linux/amd64 python@{DIGEST} AS build\n") == []
    assert [u.image for u in unpinned_bases("FROM python@sha256:abc\n")] == ["python@sha256:abc"]


def test_a_later_stage_built_from_an_earlier_one_is_not_an_image() -> None:
    text = f"FROM python:3.11@{DIGEST} AS build\nRUN true\nFROM build\nFROM scratch\nFROM debian:12 AS other\n"
    assert [(u.line, u.image) for u in unpinned_bases(text)] == [(5, "debian:12")]


def test_the_command_fails_naming_the_line_and_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tagged = tmp_path / "Dockerfile"
    tagged.write_text("FROM python:3.11-slim\n", encoding="utf-8")
    assert main([str(tagged)]) == 1
    err = capsys.readouterr().err
    assert f"{tagged}:1: base image 'python:3.11-slim' is not pinned by digest; pin it by digest" in err
    tagged.write_text(f"FROM python:3.11-slim@{DIGEST}\n", encoding="utf-8")
    assert main([str(tagged)]) == 0
    assert main([str(tmp_path / "missing")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    tagged.write_text("RUN true\n", encoding="utf-8")
    assert main([str(tagged)]) == 2


def test_the_shipped_dockerfile_is_still_unpinned_and_says_so() -> None:
    """The known gap: when the base is pinned, this test is the one to change (and the comment to drop)."""
    text = (ROOT / "serving" / "Dockerfile").read_text(encoding="utf-8")
    assert [u.image for u in unpinned_bases(text)] == ["python:3.11-slim"]
    assert "KNOWN GAP" in text
    workflow = (ROOT / ".github" / "workflows" / "release-candidate.yml").read_text(encoding="utf-8")
    assert "run: python -m serving.base_image serving/Dockerfile" in workflow
