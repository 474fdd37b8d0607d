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
from typing import TYPE_CHECKING, Any, Final

from contracts.errors import Problem, UserInputError
from contracts.yamlfile import describe, read_yaml_mapping  # YAML 1.2 core, no duplicate keys
from policies.model import Level, Rule
from policies.tier import production_stacks

if TYPE_CHECKING:
    from infra.layout import Project

DEFAULT_LEVELS_FILE: Final = Path(__file__).with_name("levels.yaml")
MIN_REASON_WORDS: Final = 4
TOP_LEVEL_KEYS: Final = ("levels", "exemptions")
EXEMPTION_KEYS: Final = ("rule", "resource", "reason", "environments")
LEVEL_VALUES: Final = frozenset(level.value for level in Level)


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
    production: frozenset[str] = field(kw_only=True)
    """Stacks of tier production (`policies.tier.production_stacks` of the project being checked): always
    given, so no caller falls back to "nothing is production"."""

    def level(self, rule: Rule, environment: str) -> Level:
        override = self.overrides.get(environment, {}).get(rule.id)
        if override is not None:
            return override
        if environment in self.production and rule.is_mandatory_in_prod:
            return Level.MANDATORY
        return Level.ADVISORY

    def exemption_for(self, rule_id: str, urn: str | None, name: str | None, environment: str) -> Exemption | None:
        return next((e for e in self.exemptions if e.matches(rule_id, urn, name, environment)), None)


def load_levels(path: Path | None, rules: Iterable[Rule], project: Project) -> LevelConfig:
    """Read and validate the levels file (a missing default file means defaults only), with the production
    stacks of `project`."""
    file = path or DEFAULT_LEVELS_FILE
    production = production_stacks(project)
    if not file.exists():
        if path is not None:
            raise UserInputError.single(str(file), "", "file not found; pass an existing levels file")
        return LevelConfig(production=production)
    return parse_levels(read_yaml_mapping(file), {rule.id for rule in rules}, str(file), production)


def parse_levels(document: Any, rule_ids: set[str], source: str, production: frozenset[str]) -> LevelConfig:
    """Validate a levels document; every problem is reported at once with its key path."""
    if not isinstance(document, dict):
        raise UserInputError.single(
            source, "", f"found {describe(document)}; expected a mapping with 'levels' and/or 'exemptions'"
        )
    problems = [
        Problem(source, str(key), f"unknown key; allowed: {', '.join(TOP_LEVEL_KEYS)}")
        for key in document
        if key not in TOP_LEVEL_KEYS
    ]
    overrides = _parse_overrides(document.get("levels"), rule_ids, source, problems)
    exemptions = _parse_exemptions(document.get("exemptions"), rule_ids, source, problems)
    if problems:
        raise UserInputError(problems, "invalid policy levels file")
    return LevelConfig(overrides, exemptions, source, production=production)


def _parse_overrides(
    levels_doc: Any, rule_ids: set[str], source: str, problems: list[Problem]
) -> dict[str, dict[str, Level]]:
    if levels_doc is None:
        return {}
    if not isinstance(levels_doc, dict):
        problems.append(
            Problem(
                source,
                "levels",
                f"found {describe(levels_doc)}; expected a mapping of environment -> {{rule id: level}}",
            )
        )
        return {}
    overrides: dict[str, dict[str, Level]] = {}
    for env, entries in levels_doc.items():
        if entries is None:
            continue
        if not isinstance(entries, dict):
            problems.append(
                Problem(source, f"levels.{env}", f"found {describe(entries)}; expected a mapping of rule id -> level")
            )
            continue
        for rule_id, level in entries.items():
            where = f"levels.{env}.{rule_id}"
            if rule_id not in rule_ids:
                problems.append(Problem(source, where, "unknown rule id; run `mlops check --list-rules` for ids"))
            elif not isinstance(level, str) or level not in LEVEL_VALUES:
                problems.append(
                    Problem(
                        source, where, f"found {describe(level)}; expected one of {', '.join(lv.value for lv in Level)}"
                    )
                )
            else:
                overrides.setdefault(str(env), {})[rule_id] = Level(level)
    return overrides


def _parse_exemptions(entries: Any, rule_ids: set[str], source: str, problems: list[Problem]) -> tuple[Exemption, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        problems.append(
            Problem(source, "exemptions", f"found {describe(entries)}; expected a list of {{rule, resource, reason}}")
        )
        return ()
    parsed = (
        _parse_exemption(entry, f"exemptions[{index}]", rule_ids, source, problems)
        for index, entry in enumerate(entries)
    )
    return tuple(exemption for exemption in parsed if exemption is not None)


def _parse_exemption(
    entry: Any, where: str, rule_ids: set[str], source: str, problems: list[Problem]
) -> Exemption | None:
    if not isinstance(entry, dict):
        problems.append(
            Problem(source, where, f"found {describe(entry)}; expected a mapping with rule, resource and reason")
        )
        return None
    before = len(problems)
    unknown_keys = sorted(str(key) for key in entry if key not in EXEMPTION_KEYS)
    if unknown_keys:
        problems.append(Problem(source, where, f"unknown keys {unknown_keys}; allowed: {', '.join(EXEMPTION_KEYS)}"))
    rule_id, resource, reason = entry.get("rule"), entry.get("resource"), entry.get("reason")
    if not isinstance(rule_id, str) or rule_id not in rule_ids:
        problems.append(
            Problem(
                source,
                f"{where}.rule",
                f"unknown rule id: found {describe(rule_id)}; run `mlops check --list-rules` for ids",
            )
        )
    if not isinstance(resource, str) or not resource.strip():
        problems.append(
            Problem(
                source, f"{where}.resource", f"found {describe(resource)}; expected the resource's URN or logical name"
            )
        )
    if not _is_written_reason(reason):
        problems.append(
            Problem(
                source,
                f"{where}.reason",
                f"found {describe(reason)}; expected a written reason: "
                f"at least one sentence of {MIN_REASON_WORDS}+ words ending with a period",
            )
        )
    environments = _environments(entry.get("environments"), f"{where}.environments", source, problems)
    if len(problems) > before:
        return None
    return Exemption(str(rule_id), str(resource), str(reason).strip(), environments)


def _is_written_reason(reason: Any) -> bool:
    return isinstance(reason, str) and len(reason.split()) >= MIN_REASON_WORDS and reason.strip().endswith(".")


def _environments(value: Any, where: str, source: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(e, str) for e in value):
        problems.append(Problem(source, where, f"found {describe(value)}; expected a list of environment names"))
        return ()
    return tuple(value)
