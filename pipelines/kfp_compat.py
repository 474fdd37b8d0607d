"""The kfp internals this package relies on, in one place, each with its own test (tests/pipelines/test_kfp_compat.py).

kfp's public surface (`kfp.dsl`, `kfp.compiler`, `kfp.local`) has no name for the object `@dsl.pipeline`
returns, no accessor for a pipeline's declared inputs, and no switch for kfp.local's warning about task
settings it ignores. What we use instead is listed here, so a kfp upgrade breaks one module, loudly.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from kfp.dsl.graph_component import GraphComponent

Pipeline: TypeAlias = GraphComponent
"""The type of a `@dsl.pipeline` function after decoration (kfp.dsl.graph_component, not re-exported by kfp.dsl)."""
_PIPELINE_CLASS: type = GraphComponent


def is_pipeline(value: object) -> bool:
    """Whether `value` is what `@dsl.pipeline` returns."""
    return isinstance(value, _PIPELINE_CLASS)


LOCAL_IGNORED_SETTINGS_WARNING = r".*settings \['display_name'\] have no effect"
"""kfp.local's warning (kfp/local/orchestrator/task_executor.py) when a task sets only a display name."""


@dataclass(frozen=True)
class DeclaredInput:
    """One input as the pipeline function declares it: KFP type name, default, and whether it may be omitted."""

    type: str
    default: Any
    optional: bool


def declared_inputs(pipeline: Pipeline) -> dict[str, DeclaredInput]:
    """The pipeline's inputs in declaration order, read from its component spec (`component_spec.inputs`).

    kfp names a parameterised annotation with its arguments (`dict[str, Any]` is `Dict[String, Any]`) but
    compiles it like the bare one (STRUCT); the type here is the bare name (`Dict`)."""
    inputs = pipeline.component_spec.inputs or {}
    return {
        name: DeclaredInput(str(spec.type).partition("[")[0], spec.default, bool(spec.optional))
        for name, spec in inputs.items()
    }


@contextlib.contextmanager
def local_display_names_ignored_quietly() -> Iterator[None]:
    """Silence kfp.local's warning that it ignores display names (they label tasks in the Vertex UI only)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=LOCAL_IGNORED_SETTINGS_WARNING)
        yield
