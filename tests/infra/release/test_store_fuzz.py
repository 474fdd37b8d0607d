"""For any release manifest, `mlops validate` exits 0 or 2 without a traceback (seeded from the real one)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import given

from infra.cli.app import main
from infra.release.schema import ReleaseManifest
from tests.checkout import ROOT
from tests.yaml_fuzz import FUZZ, model_keys, scratch_project, yaml_texts

ENVIRONMENTS = ROOT / "environments"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scratch_project(tmp_path_factory.mktemp("fuzz") / "project")


@FUZZ
@given(text=yaml_texts(ENVIRONMENTS / "release.dev.yaml", model_keys(ReleaseManifest)))
def test_any_manifest_exits_0_or_2(project: Path, text: str) -> None:
    (project / "environments" / "release.dev.yaml").write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--env", "dev", "--project-dir", str(project)])
    printed = out.getvalue() + err.getvalue()
    assert code in (0, 2), printed
    assert "Traceback" not in printed, printed
    if code == 2:
        assert "release.dev.yaml" in printed, printed
