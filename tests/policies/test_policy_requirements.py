"""The pack's own requirements pin exactly the versions the project environment runs."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[2] / "policies" / "requirements.txt"


def test_pack_requirements_match_the_installed_project_environment() -> None:
    pins = dict(
        line.split("==", 1)
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert {"pulumi", "pulumi-policy", "PyYAML"} <= set(pins)
    assert {name: metadata.version(name) for name in pins} == pins
