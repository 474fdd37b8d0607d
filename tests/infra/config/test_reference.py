"""The configuration reference in docs/ is generated from the model and must be current."""

from __future__ import annotations

from infra.config.model import EnvironmentConfig
from infra.config.reference import render_reference
from tests.checkout import ROOT


def test_reference_is_current() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == render_reference(), "run: python -m infra.config.reference"


def test_reference_documents_every_top_level_key() -> None:
    text = render_reference()
    for key in EnvironmentConfig.model_fields:
        assert f"| `{key}` |" in text, key
