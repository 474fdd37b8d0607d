"""Hypothesis strategies for YAML documents a person might write, seeded from the project's real files.

Three kinds, mixed: the seed file with its values replaced, keys deleted, renamed or added (most of the
document stays valid, so the mistake reaches deep validation); the seed's text with lines deleted, repeated,
re-indented or given tricky tokens (syntax-level slips); and arbitrary nested documents over the model's own
key names. `MLOPS_FUZZ_EXAMPLES` sets how many documents each property tries (default 200; the issue's
acceptance run uses 2000). Under CI (`CI` set) the examples are derived from each test's name, so a CI run is
reproducible and a red CI is red again on rerun; elsewhere every run explores new documents.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic import BaseModel

EXAMPLES = int(os.environ.get("MLOPS_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

TRICKY_TOKENS = [
    "yes", "no", "on", "off", "y", "~", "null", "''", '""', '"3"', "'true'", "0", "-1", "010", "0x10", "1e3",
    "1_000", "1:30", ".inf", ".nan", "2026-11-26", "2026-11-26T03:00:00Z", "[", "]", "{", "}", "[]", "{}", ":",
    "- x", "&a x", "*a", "!!python/name:os.system", "!!binary xx", "!!int x", "|", ">", "#", "%", "@", "`",
    "\t", "  ", "{secure: v1:abc}", "[secret]", "\u00e9", "\ufeff", "99999999999999999999", "-0", "3.0",
]
TRICKY_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 3, 2**31, 2**63, 1.5, -0.0, float("inf"), float("nan"), "", " ", "yes", "off",
    "3", "true", "null", "[secret]", "${project}", "${gate.groundedness.min}", "gs://", "sha256:", "a" * 300,
    [], {}, ["a"], {"secure": "v1:abc"}, {"name": "assistant"}, {"name": "assistant", "remove": True},
]


def model_keys(*models: type[BaseModel]) -> list[str]:
    """Every field name reachable from `models` (so random documents use the words the loaders know)."""
    seen: set[type[BaseModel]] = set()
    keys: set[str] = set()

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            for name, field in annotation.model_fields.items():
                keys.add(name)
                walk(field.annotation)
        for arg in getattr(annotation, "__args__", ()) or ():
            walk(arg)

    for model in models:
        walk(model)
    return sorted(keys)


def scalars() -> st.SearchStrategy[Any]:
    """Tricky and random leaf values. Each draw is a fresh copy: `mutated` edits documents in place, and a
    shared `[]` or `{}` from `TRICKY_VALUES` would otherwise carry edits between examples (inconsistent data
    generation) or end up inside itself (a cycle)."""
    return st.one_of(
        st.sampled_from(TRICKY_VALUES).map(copy.deepcopy),
        st.text(max_size=12), st.integers(), st.floats(), st.booleans(), st.none(),
    )


def documents(keys: list[str]) -> st.SearchStrategy[Any]:
    """Arbitrary nested mappings and lists over `keys` (plus random text keys) and tricky scalars."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=8), st.integers(-2, 2), st.booleans())
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=5)),
        max_leaves=12,
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _paths(v, (*prefix, i))
    return found


@st.composite
def mutated(draw: st.DrawFn, seed: Any, keys: list[str]) -> Any:
    """`seed` with one to three edits: a value replaced, a key deleted, renamed (a typo) or added."""
    document = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        *parents, last = path
        parent = document
        for part in parents:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
        if action == "replace":
            parent[last] = draw(st.one_of(scalars(), documents(keys)))
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict) and isinstance(last, str) and last:
            cut = draw(st.integers(0, len(last) - 1))
            parent[last[:cut] + last[cut + 1 :]] = parent.pop(last)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(keys))] = draw(scalars())
        elif action == "add" and isinstance(parent, list):
            parent.append(draw(scalars()))
    return document


@st.composite
def text_edits(draw: st.DrawFn, seed_text: str) -> str:
    """`seed_text` with one to three line-level slips (deleted, repeated, re-indented, a token inserted)."""
    lines = seed_text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "repeat", "indent", "dedent", "token", "value"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "repeat":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = draw(st.sampled_from([" ", "  ", "\t"])) + line
        elif action == "dedent":
            lines[index] = line[draw(st.integers(1, 4)):]
        elif action == "token":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(TRICKY_TOKENS)) + line[at:]
        elif ":" in line:
            lines[index] = line.split(":", 1)[0] + ": " + draw(st.sampled_from(TRICKY_TOKENS))
    return "\n".join(lines) + "\n"


def dump(document: Any) -> str:
    """YAML text of a generated document (PyYAML quotes whatever would otherwise change meaning)."""
    try:
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:  # e.g. a key PyYAML cannot represent
        return repr(document)


def yaml_texts(seed_file: Path, keys: list[str], wrap: Any = None) -> st.SearchStrategy[str]:
    """Any of the three kinds for `seed_file`; `wrap(doc)` places a generated document where the loader
    expects it (e.g. under a stack file's `config:` key)."""
    seed_text = seed_file.read_text(encoding="utf-8")
    seed = yaml.safe_load(seed_text)
    place = wrap or (lambda doc: doc)
    return st.one_of(
        mutated(seed, keys).map(dump),
        text_edits(seed_text),
        documents(keys).map(place).map(dump),
        st.text(max_size=200),
    )


def scratch_project(root: Path) -> Path:
    """A project at `root` running this checkout's program over a copy of its environments/ (for the fuzz to
    overwrite one file at a time)."""
    from tests.checkout import ROOT

    root.mkdir(parents=True)
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    document["main"] = str(ROOT / "infra")
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    shutil.copytree(ROOT / "environments", root / "environments")
    return root
