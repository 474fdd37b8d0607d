"""Per-environment levels and exemptions, read from `policies/levels.yaml`.

Default: a rule is mandatory in production-tier stacks (`policies.tier`: by the stack file's `tier`, never
by its name) when `rule.is_mandatory_in_prod` (security and data-loss rules), advisory otherwise and in every
other stack. The file may override a rule's level per environment
and exempt one resource (by URN or logical name) from one rule with a written reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from contracts.errors import Problem, UserInputError
from policies.model import Level, Rule
from policies.tier import production_stacks

DEFAULT_LEVELS_FILE: Final = Path(__file__).with_name("levels.yaml")
MIN_REASON_WORDS: Final = 4


@dataclass(frozen=True)
class Exemption:
    """One resource (URN or logical name) excused from one rule, for a written reason."""

    rule_id: str
    resource: str
    reason: str
    environments: tuple[str, ...] = ()  # empty: every environment

    def matches(self, rule_id: str, urn: str | None, name: str | None, environment: str) -> bool:
        if rule_id != self.rule_id or (self.environments and environment not in self.environments):
            return False
        return self.resource in (urn, name)


@dataclass(frozen=True)
class LevelConfig:
    """Level overrides (`overrides[env][rule_id]`) and exemptions, validated against the known rule ids."""

    overrides: Mapping[str, Mapping[str, Level]] = field(default_factory=dict)
    exemptions: tuple[Exemption, ...] = ()
    source: str = "<defaults>"
    production: frozenset[str] = field(default_factory=production_stacks)
    """Stacks of tier production (`policies.tier.production_stacks`; default: this repository's)."""

    def level(self, rule: Rule, environment: str) -> Level:
        override = self.overrides.get(environment, {}).get(rule.id)
        if override is not None:
            return override
        if environment in self.production and rule.is_mandatory_in_prod:
            return Level.MANDATORY
        return Level.ADVISORY

    def exemption_for(self, rule_id: str, urn: str | None, name: str | None, environment: str) -> Exemption | None:
        return next((e for e in self.exemptions if e.matches(rule_id, urn, name, environment)), None)


def load_levels(path: Path | None, rules: Iterable[Rule], project_dir: Path | None = None) -> LevelConfig:
    """Read and validate the levels file (a missing default file means defaults only), with the production
    stacks of the project at `project_dir` (default: the repository holding this pack)."""
    file = path or DEFAULT_LEVELS_FILE
    production = production_stacks(project_dir)
    if not file.exists():
        if path is not None:
            raise UserInputError.single(str(file), "", "file not found; pass an existing levels file")
        return LevelConfig(production=production)
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserInputError.single(str(file), "", f"not valid YAML ({exc}); fix the syntax") from None
    return parse_levels(document, {rule.id for rule in rules}, str(file), production)


def parse_levels(
    document: Any, rule_ids: set[str], source: str, production: frozenset[str] | None = None
) -> LevelConfig:
    """Validate a levels document; `production` defaults to the production stacks of this repository."""
    problems: list[Problem] = []
    if not isinstance(document, dict):
        raise UserInputError.single(source, "", "expected a mapping with 'levels' and/or 'exemptions'")
    for key in document:
        if key not in ("levels", "exemptions"):
            problems.append(Problem(source, str(key), "unknown key; allowed: levels, exemptions"))
    overrides: dict[str, dict[str, Level]] = {}
    levels_doc = document.get("levels") or {}
    if not isinstance(levels_doc, dict):
        problems.append(Problem(source, "levels", "expected a mapping of environment -> {rule id: level}"))
        levels_doc = {}
    allowed_levels = ", ".join(level.value for level in Level)
    for env, entries in levels_doc.items():
        if not isinstance(entries, dict):
            problems.append(Problem(source, f"levels.{env}", "expected a mapping of rule id -> level"))
            continue
        for rule_id, level in entries.items():
            where = f"levels.{env}.{rule_id}"
            if rule_id not in rule_ids:
                problems.append(Problem(source, where, "unknown rule id; run `mlops check --list-rules` for ids"))
            elif level not in {lv.value for lv in Level}:
                problems.append(Problem(source, where, f"level {level!r} is not one of {allowed_levels}"))
            else:
                overrides.setdefault(str(env), {})[rule_id] = Level(level)
    exemptions: list[Exemption] = []
    entries = document.get("exemptions") or []
    if not isinstance(entries, list):
        problems.append(Problem(source, "exemptions", "expected a list of {rule, resource, reason}"))
        entries = []
    for index, entry in enumerate(entries):
        where = f"exemptions[{index}]"
        exemption = _parse_exemption(entry, where, rule_ids, source, problems)
        if exemption is not None:
            exemptions.append(exemption)
    if problems:
        raise UserInputError(problems, "invalid policy levels file")
    return LevelConfig(overrides, tuple(exemptions), source,
                       production_stacks() if production is None else production)


def _parse_exemption(
    entry: Any, where: str, rule_ids: set[str], source: str, problems: list[Problem]
) -> Exemption | None:
    if not isinstance(entry, dict):
        problems.append(Problem(source, where, "expected a mapping with rule, resource and reason"))
        return None
    before = len(problems)
    unknown_keys = set(entry) - {"rule", "resource", "reason", "environments"}
    if unknown_keys:
        problems.append(
            Problem(
                source, where, f"unknown keys {sorted(unknown_keys)}; allowed: rule, resource, reason, environments"
            )
        )
    rule_id, resource, reason = entry.get("rule"), entry.get("resource"), entry.get("reason")
    if rule_id not in rule_ids:
        problems.append(Problem(source, f"{where}.rule", f"unknown rule id {rule_id!r}"))
    if not isinstance(resource, str) or not resource.strip():
        problems.append(Problem(source, f"{where}.resource", "expected the resource's URN or logical name"))
    if not isinstance(reason, str) or len(reason.split()) < MIN_REASON_WORDS or not reason.strip().endswith("."):
        problems.append(
            Problem(
                source,
                f"{where}.reason",
                f"expected a written reason: at least one sentence of {MIN_REASON_WORDS}+ words ending with a period",
            )
        )
    environments = entry.get("environments") or []
    if not isinstance(environments, list) or not all(isinstance(e, str) for e in environments):
        problems.append(Problem(source, f"{where}.environments", "expected a list of environment names"))
        environments = []
    if len(problems) > before:
        return None
    return Exemption(str(rule_id), str(resource), str(reason).strip(), tuple(environments))
