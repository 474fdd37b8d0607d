"""Pipeline parameters: their types (read from the pipeline definition) and the rules a run's values must meet.

Used before anything runs: by `run_local`, by the compile step's offline validation and by anyone preparing
the values a schedule passes. Every problem is reported at once as a `UserInputError` naming the parameter.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.errors import Problem, UserInputError
from pipelines.kfp_compat import Pipeline, declared_inputs

# KFP's type names in a pipeline's interface, and the Python types a value may have for each.
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "String": (str,),
    "Integer": (int,),
    "Float": (float, int),
    "Boolean": (bool,),
    "Dict": (dict,),
}
BQ_TABLE = re.compile(r"^bq://[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_-]{1,1024}$")
PUBSUB_TOPIC = re.compile(r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~%+-]{2,254}$")


@dataclass(frozen=True)
class ParameterSpec:
    """One input of a pipeline: KFP type name (String, Integer, Float, Boolean, Dict) and default (None = required)."""

    name: str
    type: str
    default: Any
    required: bool


def parameter_specs(pipeline: Pipeline) -> dict[str, ParameterSpec]:
    """The pipeline's parameters in declaration order."""
    return {
        name: ParameterSpec(name, spec.type, spec.default, not spec.optional)
        for name, spec in declared_inputs(pipeline).items()
    }


def _integer(text: str) -> int:
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError("expected an integer")
    return int(text)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("expected a number") from None


def _boolean(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError("expected true or false")
    return text.lower() == "true"


def _dict(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValueError('expected a JSON object (e.g. {"max_token_js": 0.8})')
    return parsed


# How a CLI string becomes a value of each non-string KFP type; each raises ValueError with the expectation.
_FROM_TEXT: dict[str, Callable[[str], Any]] = {"Integer": _integer, "Float": _float, "Boolean": _boolean, "Dict": _dict}


def _coerce(spec: ParameterSpec, value: Any) -> Any:
    """A typed value from a CLI string or a Python value; raises ValueError with the expectation."""
    if isinstance(value, str) and spec.type in _FROM_TEXT:
        try:
            return _FROM_TEXT[spec.type](value.strip())
        except ValueError as exc:
            raise ValueError(f"{exc}, found {value!r}") from None
    allowed = _PYTHON_TYPES[spec.type]
    if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
        raise ValueError(f"expected {spec.type.lower()}, found {type(value).__name__} {value!r}")
    if spec.type == "Float" and isinstance(value, int | float):
        return float(value)
    return value


Rule = Callable[[Mapping[str, Any]], list[tuple[str, str]]]


def resolve(pipeline_name: str, pipeline: Pipeline, values: Mapping[str, Any], rules: list[Rule]) -> dict[str, Any]:
    """Defaults filled in, types coerced, rules checked; raises UserInputError listing every problem."""
    where = f"pipeline '{pipeline_name}' parameters"
    specs = parameter_specs(pipeline)
    problems: list[Problem] = []
    for name in values:
        if name not in specs:
            close = difflib.get_close_matches(name, specs, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(specs)}"
            problems.append(Problem(where, name, f"unknown parameter{hint}"))
    resolved: dict[str, Any] = {}
    for name, spec in specs.items():
        if name not in values:
            if spec.required:
                problems.append(
                    Problem(where, name, f"required {spec.type.lower()} parameter is missing; pass it as {name}=VALUE")
                )
            else:
                resolved[name] = spec.default
            continue
        try:
            resolved[name] = _coerce(spec, values[name])
        except ValueError as exc:
            problems.append(Problem(where, name, str(exc)))
    if not problems:
        problems += [Problem(where, name, message) for rule in rules for name, message in rule(resolved)]
    if problems:
        raise UserInputError(problems, summary=f"invalid parameters for pipeline '{pipeline_name}'")
    return resolved


# Rules shared by both pipelines. Each returns (parameter, message) pairs.


def thresholds_in_range(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    names = ("min_groundedness", "max_toxicity", "min_relevance", "min_fluency")
    return [
        (name, f"must be between 0 and 1, found {values[name]}") for name in names if not 0.0 <= values[name] <= 1.0
    ]


def one_of(name: str, allowed: tuple[str, ...]) -> Rule:
    def rule(values: Mapping[str, Any]) -> list[tuple[str, str]]:
        if values[name] in allowed:
            return []
        return [(name, f"must be one of {', '.join(allowed)}, found {values[name]!r}")]

    return rule


def local_file(values: Mapping[str, Any], name: str) -> list[tuple[str, str]]:
    """For the local backend: `name` must be an existing local file."""
    value = str(values[name])
    if value.startswith(("gs://", "bq://")) or not Path(value).is_file():
        return [(name, f"the local backend reads a local JSONL file; {value!r} is not one")]
    return []


def non_empty(values: Mapping[str, Any], *names: str, because: str) -> list[tuple[str, str]]:
    return [(name, f"must not be empty {because}") for name in names if not str(values[name]).strip()]
