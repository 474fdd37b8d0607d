"""The library digest changes with the code, and a component refuses to run on code it was not compiled with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.lib.code_digest import LIBRARY_DIGEST_ENV, LIBRARY_DIR, library_digest, verify_runtime_library


def test_digest_follows_file_contents_not_line_endings(tmp_path: Path) -> None:
    copy = tmp_path / "lib"
    shutil.copytree(LIBRARY_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert library_digest(copy) == library_digest()
    metrics = copy / "metrics.py"
    metrics.write_bytes(metrics.read_bytes().replace(b"\n", b"\r\n"))
    assert library_digest(copy) == library_digest()
    metrics.write_text(metrics.read_text() + "# changed\n")
    assert library_digest(copy) != library_digest()


def test_runtime_check(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(LIBRARY_DIGEST_ENV, library_digest())
    verify_runtime_library()
    monkeypatch.setenv(LIBRARY_DIGEST_ENV, "sha256:" + "0" * 64)
    with pytest.raises(RuntimeError, match="rebuild the image"):
        verify_runtime_library()
    monkeypatch.delenv(LIBRARY_DIGEST_ENV)
    verify_runtime_library()
    assert "not checked" in capsys.readouterr().out
