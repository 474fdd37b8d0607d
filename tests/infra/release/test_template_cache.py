"""The template cache: a tree whose sources were compiled before is read back, any change compiles again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.release import template_cache
from infra.release.template_cache import cached_compile, tree_key
from infra.release.templates import compile_templates
from tests.checkout import ROOT

RECIPE = "compile --all"


class Compiler:
    """Stands in for the child-process compile: counts calls and returns what the tree's sources say."""

    def __init__(self, tree: Path) -> None:
        self.tree, self.calls = tree, 0

    def __call__(self) -> dict[str, bytes]:
        self.calls += 1
        return {"tuning": (self.tree / "pipelines" / "tuning.py").read_bytes()}


def make_tree(root: Path, tuning: str = "steps = 1\n") -> Path:
    (root / "pipelines").mkdir(parents=True)
    (root / "contracts").mkdir()
    (root / "pipelines" / "tuning.py").write_text(tuning)
    (root / "contracts" / "metrics.py").write_text("NAMES = ()\n")
    return root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(template_cache.CACHE_ENV, str(root))
    return root


@pytest.mark.usefixtures("cache")
def test_a_second_tree_with_the_same_sources_is_not_compiled_again(tmp_path: Path) -> None:
    first, second = make_tree(tmp_path / "a"), make_tree(tmp_path / "b")
    compile_first, compile_second = Compiler(first), Compiler(second)
    assert cached_compile(first, RECIPE, compile_first) == {"tuning": b"steps = 1\n"}
    assert cached_compile(second, RECIPE, compile_second) == {"tuning": b"steps = 1\n"}
    assert (compile_first.calls, compile_second.calls) == (1, 0)


@pytest.mark.usefixtures("cache")
def test_any_source_change_compiles_again(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "a")
    compiler = Compiler(tree)
    cached_compile(tree, RECIPE, compiler)
    (tree / "contracts" / "metrics.py").write_text("NAMES = ('groundedness',)\n")
    cached_compile(tree, RECIPE, compiler)
    (tree / "pipelines" / "data.jsonl").write_text("{}\n")  # data files are sources too
    cached_compile(tree, RECIPE, compiler)
    assert compiler.calls == 3
    cached_compile(tree, "another recipe", compiler)
    assert compiler.calls == 4


def test_bytecode_caches_are_not_sources(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "a")
    before = tree_key(tree, RECIPE)
    (tree / "pipelines" / "__pycache__").mkdir()
    (tree / "pipelines" / "__pycache__" / "tuning.cpython-311.pyc").write_bytes(b"\x00")
    assert tree_key(tree, RECIPE) == before


def test_a_failed_compile_stores_nothing(tmp_path: Path, cache: Path) -> None:
    tree = make_tree(tmp_path / "a")

    def failing() -> dict[str, bytes]:
        raise UserInputError.single(str(tree), "pipelines", "compiling the pipelines failed")

    with pytest.raises(UserInputError):
        cached_compile(tree, RECIPE, failing)
    assert not (cache / "templates").exists() or not any((cache / "templates").iterdir())
    compiler = Compiler(tree)
    cached_compile(tree, RECIPE, compiler)
    assert compiler.calls == 1


def test_off_always_compiles_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(template_cache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    tree = make_tree(tmp_path / "a")
    compiler = Compiler(tree)
    cached_compile(tree, RECIPE, compiler)
    cached_compile(tree, RECIPE, compiler)
    assert compiler.calls == 2
    assert not (tmp_path / "xdg").exists()


def test_the_default_location_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(template_cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert template_cache.cache_root() == tmp_path / "xdg" / "mlops"


@pytest.mark.slow
def test_a_real_compile_is_stored_byte_for_byte(tmp_path: Path, cache: Path) -> None:
    tree = tmp_path / "tree"
    for name in ("pipelines", "contracts"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    compiled = compile_templates(tree)
    assert set(compiled) == {"evaluation", "tuning"}
    (entry,) = (cache / "templates").iterdir()
    assert {path.stem: path.read_bytes() for path in entry.glob("*.yaml")} == compiled
    assert compile_templates(tree) == compiled
