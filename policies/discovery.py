"""Find every rule by walking `policies.rules`: adding a rule is adding a file, never editing a list."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

from policies import rules as rules_package
from policies.model import Rule


class RuleDefinitionError(Exception):
    """A rule module is malformed (no RULE, duplicate id): a bug in the pack, not user input."""


@cache
def discover_rules(package: ModuleType = rules_package) -> tuple[Rule, ...]:
    """Every `RULE` under `package` (default policies.rules), sorted by id; ids must be unique."""
    found: dict[str, Rule] = {}
    for module_info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if module_info.ispkg:
            continue
        module = importlib.import_module(module_info.name)
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise RuleDefinitionError(f"{module_info.name} defines no RULE (a ResourceRule or StackRule)")
        if rule.id in found:
            raise RuleDefinitionError(f"rule id {rule.id!r} is defined twice (second in {module_info.name})")
        found[rule.id] = rule
    return tuple(found[rule_id] for rule_id in sorted(found))
