"""The offline engine: levels applied per environment, disabled rules skipped, exemptions kept in the report."""

from __future__ import annotations

from policies.engine import Violation, evaluate
from policies.levels import Exemption, LevelConfig
from policies.model import Category, Finding, Level, Resource, ResourceOptions, ResourceRule, Severity, StackRule

PRODUCTION = frozenset({"prod"})  # the stacks of tier production in these tests

BUCKET = "gcp:storage/bucket:Bucket"


def _rule(rule_id: str, category: Category, finding: Finding) -> ResourceRule:
    return ResourceRule(
        id=rule_id,
        description="d",
        service="storage",
        severity=Severity.HIGH,
        category=category,
        resource_types=frozenset({BUCKET}),
        check=lambda _t, _i, _o: [finding],
    )


SECURITY = _rule("sec", Category.SECURITY, Finding("insecure"))
HYGIENE = _rule("hyg", Category.HYGIENE, Finding("untidy"))
UNKNOWN = _rule("unk", Category.DATA_LOSS, Finding("cannot tell", undetermined=True))
STACK = StackRule(
    id="stk",
    description="d",
    service="monitoring",
    severity=Severity.LOW,
    category=Category.RELIABILITY,
    check_stack=lambda rs: [Finding("no alert", urn=rs[0].urn)],
)
RESOURCES = [
    Resource("urn:pulumi:prod::p::gcp:storage/bucket:Bucket::a", BUCKET, "a", {}, ResourceOptions()),
    Resource("urn:pulumi:prod::p::gcp:storage/bucket:Bucket::b", BUCKET, "b", {}, ResourceOptions()),
]


def _levels(report_violations: tuple[Violation, ...]) -> list[tuple[str, str | None, Level]]:
    return [(v.rule_id, v.urn, v.level) for v in report_violations]


def test_prod_levels_and_exit_code() -> None:
    report = evaluate(RESOURCES, "prod", LevelConfig(production=PRODUCTION), [SECURITY, HYGIENE, UNKNOWN, STACK])
    assert report.exit_code == 1
    assert {(v.rule_id, v.level) for v in report.violations} == {
        ("sec", Level.MANDATORY),
        ("hyg", Level.ADVISORY),
        ("unk", Level.ADVISORY),
        ("stk", Level.ADVISORY),
    }
    assert [v.urn for v in report.violations if v.rule_id == "stk"] == [RESOURCES[0].urn]
    assert report.violations[0].level is Level.MANDATORY  # mandatory first


def test_undetermined_never_blocks_and_dev_is_advisory() -> None:
    assert evaluate(RESOURCES, "prod", LevelConfig(production=PRODUCTION), [UNKNOWN]).exit_code == 0
    assert evaluate(RESOURCES, "dev", LevelConfig(production=PRODUCTION), [SECURITY]).exit_code == 0


def test_disabled_rule_is_not_run() -> None:
    config = LevelConfig(overrides={"prod": {"sec": Level.DISABLED}}, production=PRODUCTION)
    report = evaluate(RESOURCES, "prod", config, [SECURITY, HYGIENE])
    assert report.rules_evaluated == 1
    assert {v.rule_id for v in report.violations} == {"hyg"}


def test_exemption_moves_one_finding_to_the_report_and_lists_unused_ones() -> None:
    used = Exemption("sec", "a", "Bucket a is a public website by design.")
    unused = Exemption("hyg", "zzz", "Resource zzz is managed by another team.")
    other_env = Exemption("sec", "b", "Only waived in dev for a migration.", environments=("dev",))
    levels = LevelConfig(exemptions=(used, unused, other_env), production=PRODUCTION)
    report = evaluate(RESOURCES, "prod", levels, [SECURITY, HYGIENE])
    assert [(v.rule_id, v.urn) for v in report.mandatory] == [("sec", RESOURCES[1].urn)]
    assert [(u.exemption, [v.urn for v in u.suppressed]) for u in report.exemptions] == [
        (used, [RESOURCES[0].urn]),
        (unused, []),
    ]
