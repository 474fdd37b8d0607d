"""The PR comment: danger first, full diffs, grouped findings, escaped text, a picture, a size cap that says what
it left out (least important first)."""

from __future__ import annotations

from infra.diff import diff_snapshots
from infra.diff.danger import dangers
from infra.plan.acknowledgements import parse_flag
from infra.plan.build import EnvPlan, Plan
from infra.plan.markdown import COMMENT_CAP, escape, plan_comment, plan_full_markdown
from policies.check import Report, Violation
from policies.model import Level
from tests.infra.diff.helpers import BUCKET, TOPIC, resource, snapshot

REASON = "The data was copied to the new location first."


def env_plan(stack: str, changes: int, advisory: int, replace_bucket: bool = False) -> EnvPlan:
    old = [resource(stack, BUCKET, "data", {"project": "p", "name": "d", "location": "EU"})]
    new = [resource(stack, BUCKET, "data", {"project": "p", "name": "d",
                                            "location": "US" if replace_bucket else "EU"})]
    new += [resource(stack, TOPIC, f"topic-{i:04d}", {"project": "p", "name": f"t{i}", "labels": {"x": "y" * 40}})
            for i in range(changes)]
    diff = diff_snapshots(snapshot(stack, old), snapshot(stack, new), base_label=f"{stack}@main")
    findings = tuple(
        Violation("pubsub-topic-cmek", None, "medium", "security", Level.ADVISORY,
                  f"urn:pulumi:{stack}::demo::gcp:pubsub/topic:Topic::topic-{i:04d}",
                  "kmsKeyName is unset; set kms_key_name=<crypto key id> " + "on the topic " * 5)
        for i in range(advisory)
    )
    policy = Report(stack, 1, len(new), findings)
    return EnvPlan(stack, snapshot(stack, new), diff, policy, [], dangers(diff, "p"))


def test_danger_comes_first_and_fails_until_acknowledged() -> None:
    plan = Plan("main", [env_plan("prod", 1, 0, replace_bucket=True)])
    md = plan_comment(plan)
    assert plan.exit_code == 1
    assert md.index("Dangerous changes: 1 (1 not acknowledged)") < md.index("`mlops plan` on demo/prod")
    assert "| prod | `data` | **replace** | bucket objects | :x: no |" in md
    acknowledged = Plan("main", plan.envs, [parse_flag(f"data={REASON}")])
    assert acknowledged.exit_code == 0
    assert f":white_check_mark: {REASON}" in plan_comment(acknowledged)
    assert "--acknowledge" in plan_comment(acknowledged)  # the acknowledgement is listed with its source


def test_advisory_findings_are_grouped_and_escaped_and_never_cut_diff_lines() -> None:
    plan = Plan("main", [env_plan("staging", 2, 400)])
    md = plan_comment(plan)
    assert "`pubsub-topic-cmek` x400" in md
    assert "&lt;crypto key id&gt;" in md
    assert "<crypto key id>" not in md
    assert '+ gcp:pubsub/topic:Topic: (create)' in md
    assert md.count("Topic: (create)") == 2
    assert "left out" not in md


def test_over_the_cap_the_least_important_parts_go_first_and_the_comment_says_so() -> None:
    plan = Plan("main", [env_plan("prod", 250, 250), env_plan("staging", 250, 250)])
    full = plan_full_markdown(plan)
    md = plan_comment(plan)
    assert len(full) > COMMENT_CAP >= len(md)
    assert "Shortened to fit GitHub's comment limit" in md
    assert "advisory finding details" in md.split("\n\n")[1]
    # every resource diff header survives; only listed inputs of created resources went
    assert md.count("+ gcp:pubsub/topic:Topic: (create)") == 500
    assert "the inputs listed under created resources" in md
    assert md.count("```") % 2 == 0


def test_picture_is_a_mermaid_graph_of_the_changes() -> None:
    md = plan_comment(Plan("main", [env_plan("prod", 2, 0)]))
    block = md.split("```mermaid", 1)[1].split("```", 1)[0]
    assert "flowchart LR" in block
    assert "topic-0000<br/>Topic (create)" in block
    assert "data<br/>" not in block  # unchanged resources are not drawn


def test_escape_keeps_code_spans() -> None:
    assert escape("set `a<b>` to <id> | x & y") == "set `a<b>` to &lt;id&gt; \\| x &amp; y"
