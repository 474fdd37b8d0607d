"""Rules are discovered from files, and their metadata is consistent and cites its sources faithfully."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from policies.discovery import RuleDefinitionError, discover_rules
from policies.model import Category, ResourceRule, StackRule

# Severities Trivy assigns to the checks the rules cite (trivy-checks METADATA `severity`).
TRIVY_SEVERITY = {
    "AVD-GCP-0001": "high",
    "AVD-GCP-0002": "medium",
    "AVD-GCP-0003": "medium",
    "AVD-GCP-0006": "medium",
    "AVD-GCP-0007": "high",
    "AVD-GCP-0010": "high",
    "AVD-GCP-0011": "medium",
    "AVD-GCP-0015": "high",
    "AVD-GCP-0017": "high",
    "AVD-GCP-0024": "medium",
    "AVD-GCP-0027": "critical",
    "AVD-GCP-0031": "high",
    "AVD-GCP-0032": "medium",
    "AVD-GCP-0041": "medium",
    "AVD-GCP-0044": "critical",
    "AVD-GCP-0045": "medium",
    "AVD-GCP-0046": "critical",
    "AVD-GCP-0065": "high",
    "AVD-GCP-0066": "low",
    "AVD-GCP-0067": "medium",
    "AVD-GCP-0068": "high",
    "AVD-GCP-0069": "low",
    "AVD-GCP-0070": "high",
    "AVD-GCP-0071": "medium",
    "AVD-GCP-0077": "medium",
    "AVD-GCP-0078": "medium",
    "AVD-GCP-0079": "low",
}


def test_every_rule_module_is_found_with_consistent_metadata() -> None:
    rules = discover_rules()
    rules_dir = Path(importlib.import_module("policies.rules").__file__ or "").parent
    modules = [p for p in rules_dir.rglob("*.py") if p.name != "__init__.py"]
    assert len(rules) == len(modules) >= 40
    for rule in rules:
        assert rule.id.startswith(f"{rule.service}-"), rule.id
        assert (rules_dir / rule.service).is_dir(), rule.service
        assert rule.description.endswith("."), rule.id
        assert isinstance(rule, StackRule) or (
            isinstance(rule, ResourceRule) and (rule.resource_types or rule.type_filter)
        ), rule.id


def test_cited_trivy_checks_keep_their_severity() -> None:
    cited = 0
    for rule in discover_rules():
        for source in (rule.source_id, *rule.references):
            if source in TRIVY_SEVERITY:
                cited += 1
                assert rule.severity.value == TRIVY_SEVERITY[source], (rule.id, source)
    assert cited >= 30


def test_security_and_data_loss_rules_are_mandatory_in_prod() -> None:
    for rule in discover_rules():
        assert rule.is_mandatory_in_prod == (rule.category in (Category.SECURITY, Category.DATA_LOSS)), rule.id


def _package(tmp_path: Path, name: str, files: dict[str, str]) -> ModuleType:
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("", encoding="utf-8")
    for file, text in files.items():
        (root / file).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


RULE_SOURCE = (
    "from policies.model import Category, ResourceRule, Severity\n"
    "RULE = ResourceRule(id='x-rule', description='d.', service='x', severity=Severity.LOW,\n"
    "                    category=Category.HYGIENE, resource_types=frozenset({'t'}), check=lambda *a: [])\n"
)


def test_module_without_rule_is_an_error(tmp_path: Path) -> None:
    package = _package(tmp_path, "rules_without_rule", {"empty.py": "X = 1\n"})
    with pytest.raises(RuleDefinitionError, match="defines no RULE"):
        discover_rules(package)


def test_duplicate_rule_id_is_an_error(tmp_path: Path) -> None:
    package = _package(tmp_path, "rules_with_duplicates", {"a.py": RULE_SOURCE, "b.py": RULE_SOURCE})
    with pytest.raises(RuleDefinitionError, match="defined twice"):
        discover_rules(package)
