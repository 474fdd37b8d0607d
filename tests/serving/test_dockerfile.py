"""The gateway image holds serving/ alone: what it copies and installs is all the entrypoint imports."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "serving" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_runs_the_entrypoint_module_as_an_unprivileged_user() -> None:
    steps = dict(instructions())
    assert json.loads(steps["ENTRYPOINT"]) == ["python", "-m", "serving"]
    assert (ROOT / "serving" / "__main__.py").is_file()
    assert steps["USER"] not in ("0", "root")


def test_the_image_copies_only_serving_and_the_rules_file_it_names_is_in_it() -> None:
    copies = [args.split() for op, args in instructions() if op == "COPY"]
    assert {source.split("/")[0] for *sources, _ in copies for source in sources} == {"serving"}
    env = " ".join(args for op, args in instructions() if op == "ENV")
    (rules,) = re.findall(r"GATEWAY_RULES_FILE=(\S+)", env)
    assert rules.startswith("serving/")
    assert (ROOT / rules).is_file()


def test_its_requirements_are_pinned_exactly_as_in_the_lock() -> None:
    lock = {line.split("==")[0].lower(): line for line in (ROOT / "requirements.lock").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    pins = [line for line in (ROOT / "serving" / "requirements.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    assert pins
    assert all(lock[pin.split("==")[0].lower()] == pin for pin in pins)


def test_serving_imports_only_the_standard_library_its_requirements_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | {"serving", "yaml", "__future__"}
    imported: dict[str, set[str]] = {}
    for module in (ROOT / "serving").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            )
            for name in names:
                imported.setdefault(name.split(".")[0], set()).add(module.name)
    assert {name: files for name, files in imported.items() if name not in allowed} == {}
