"""The local backend's stand-in for the Model Registry: a content-addressed directory with aliases."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.local_registry import register, resolve


def test_registry_is_content_addressed_and_alias_moves(tmp_path: Path) -> None:
    first = register(tmp_path, "assistant", '{"v": 1}', {"gate": "passed"})
    again = register(tmp_path, "assistant", '{"v": 1}', {"gate": "passed"})
    assert first == again
    assert resolve(tmp_path, "assistant", "candidate") == first["version"]
    second = register(tmp_path, "assistant", '{"v": 2}', {"gate": "passed"})
    assert second["version"] != first["version"]
    assert resolve(tmp_path, "assistant", "candidate") == second["version"]
    assert (tmp_path / "assistant" / "versions" / first["version"] / "model.json").read_text() == '{"v": 1}'
    assert resolve(tmp_path, "other", "candidate") is None
