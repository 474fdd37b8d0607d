"""Each kfp internal the package relies on still behaves as `pipelines.kfp_compat` says (one test per use).

No `from __future__ import annotations` here: kfp reads the component's annotations as types.
"""

import contextlib
import warnings
from pathlib import Path
from typing import Any

from kfp import dsl, local

from pipelines.catalog import PIPELINES
from pipelines.kfp_compat import DeclaredInput, declared_inputs, is_pipeline, local_display_names_ignored_quietly


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def _echo(text: str) -> str:
    return text


@dsl.pipeline(name="compat-probe")
def _probe(text: str, times: int = 2, ratio: float = 0.5, bounds: dict[str, Any] = {}) -> str:  # noqa: ARG001, B006
    said: str = _echo(text=text).set_display_name("say it back").output
    return said


def test_pipeline_is_the_type_a_decorated_pipeline_function_has() -> None:
    assert is_pipeline(_probe)
    assert all(is_pipeline(entry.pipeline) for entry in PIPELINES.values())
    assert not is_pipeline(_echo)


def test_declared_inputs_come_in_declaration_order_with_kfp_types_and_defaults() -> None:
    assert declared_inputs(_probe) == {
        "text": DeclaredInput("String", None, False),
        "times": DeclaredInput("Integer", 2, True),
        "ratio": DeclaredInput("Float", 0.5, True),
        "bounds": DeclaredInput("Dict", {}, True),
    }


def _run_probe(tmp_path: Path, *, quiet: bool) -> tuple[str, list[str]]:
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(tmp_path / "root"),
        workspace_root=str(tmp_path / "workspace"),
        raise_on_error=True,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with local_display_names_ignored_quietly() if quiet else contextlib.nullcontext():
            output = _probe(text="hello").output
    return output, [str(w.message) for w in caught]


def test_kfp_local_warns_about_display_names_and_the_filter_matches_that_warning(tmp_path: Path) -> None:
    output, messages = _run_probe(tmp_path / "plain", quiet=False)
    assert output == "hello"
    assert any("['display_name']" in m and "no effect" in m for m in messages), messages
    output, messages = _run_probe(tmp_path / "quiet", quiet=True)
    assert output == "hello"
    assert not any("['display_name']" in m for m in messages), messages
