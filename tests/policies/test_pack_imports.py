"""The pack runs in its own virtualenv (policies/requirements.txt): it may import only what that installs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
before = set(sys.modules)
import policies.check, policies.pack, policies.levels, policies.tier
from policies.discovery import discover_rules
discover_rules()
import infra.layout
print(json.dumps(sorted(set(sys.modules) - before)))
"""
REQUIREMENTS = ROOT / "policies" / "requirements.txt"
NOT_PACKAGES = {"cython_runtime"}
"""Modules the interpreter itself adds (Cython extensions register it)."""


def installed_by_requirements() -> set[str]:
    """Top-level import names of policies/requirements.txt's distributions and everything they depend on."""
    pending = [line.split("==")[0].strip() for line in REQUIREMENTS.read_text().splitlines() if "==" in line]
    seen: set[str] = set()
    while pending:
        name = re.split(r"[<>=!~ ;\[]", pending.pop())[0].lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for requirement in metadata.requires(name) or []:
            if "extra ==" not in requirement:
                pending.append(requirement)
    providers = metadata.packages_distributions()
    return {module for module, dists in providers.items() if any(d.lower().replace("_", "-") in seen for d in dists)}


def test_the_pack_imports_nothing_its_requirements_do_not_install() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    loaded = {name for name in json.loads(probe.stdout) if not name.startswith("_")}
    top_level = {name.split(".")[0] for name in loaded}
    project = {"policies", "contracts", "infra"}
    allowed = project | installed_by_requirements() | set(sys.stdlib_module_names) | NOT_PACKAGES
    foreign = sorted(top_level - allowed)
    assert foreign == [], f"the pack imports packages its virtualenv lacks: {foreign}"
    infra_modules = sorted(name for name in loaded if name.split(".")[0] == "infra")
    assert infra_modules == ["infra", "infra.layout"], "only the layout is shared with the program"
