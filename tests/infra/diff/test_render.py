"""Renderers: text like `pulumi preview --diff`, JSON like `pulumi preview --json`, capped markdown."""

from __future__ import annotations

from infra.diff import MARKDOWN_CAP, StackDiff, diff_json, diff_snapshots, render_markdown, render_text
from tests.infra.diff.helpers import BUCKET, TOPIC, resource, snapshot


def sample_diff() -> StackDiff:
    old = snapshot("prod", [
        resource("prod", BUCKET, "b", {"location": "EU", "labels": {"env": "prod"}}),
        resource("prod", TOPIC, "gone", {"name": "g"}),
        resource("prod", TOPIC, "kept", {"name": "k"}),
        resource("prod", TOPIC, "t", {"name": "t", "retention": "1d"}),
    ], {"url": "a"})
    new = snapshot("prod", [
        resource("prod", BUCKET, "b", {"location": "US", "labels": {"env": "prod"}}),
        resource("prod", TOPIC, "new", {"name": "n"}),
        resource("prod", TOPIC, "kept", {"name": "k"}),
        resource("prod", TOPIC, "t", {"name": "t", "retention": "7d"}),
    ], {"url": "b"})
    return diff_snapshots(old, new, base_label="prod@HEAD", head_label="prod (working tree)")


def test_text_looks_like_preview_diff() -> None:
    text = render_text(sample_diff())
    assert "+ gcp:pubsub/topic:Topic: (create)" in text
    assert "~ gcp:pubsub/topic:Topic: (update)" in text
    assert "+- gcp:storage/bucket:Bucket: (replace)" in text
    assert "- gcp:pubsub/topic:Topic: (delete)" in text
    assert '      ~ retention: "1d" => "7d"' in text
    assert '      +- location: "EU" => "US"' in text
    assert '  ~ url: "a" => "b"' in text
    assert text.rstrip().endswith(
        "Resources:\n    + 1 to create\n    ~ 1 to update\n    +- 1 to replace\n    - 1 to delete\n    1 unchanged"
    )


def test_json_is_shaped_like_preview_json() -> None:
    doc = diff_json(sample_diff())
    assert doc["changeSummary"] == {"create": 1, "update": 1, "replace": 1, "delete": 1, "same": 1}
    replace = next(s for s in doc["steps"] if s["op"] == "replace")
    assert replace["detailedDiff"] == {"location": {"kind": "update-replace", "inputDiff": True}}
    assert replace["replaceReasons"] == ["location"]
    assert replace["diffReasons"] == ["location"]
    assert replace["oldState"]["inputs"]["location"] == "EU"
    assert replace["newState"]["inputs"]["location"] == "US"
    create = next(s for s in doc["steps"] if s["op"] == "create")
    assert create["oldState"] is None
    assert "detailedDiff" not in create
    assert doc["outputs"] == {"url": {"kind": "update", "old": "a", "new": "b"}}


def test_markdown_has_stable_heading_table_and_collapsed_details() -> None:
    md = render_markdown([sample_diff()], {"prod": ["- policies: clean"]})
    assert md.startswith("<!-- mlops-plan-report -->\n")
    assert "#### :tropical_drink: `mlops plan` on demo/prod" in md
    assert "| prod | `prod@HEAD` | 1 | 1 | 1 | 1 | 1 |" in md
    assert "<details><summary>4 resource changes, 1 output changes</summary>" in md
    assert "- policies: clean" in md
    assert "cut" not in md


def test_markdown_is_capped_least_important_first_and_says_what_was_left_out() -> None:
    many = [resource("prod", TOPIC, f"topic-{i:04d}", {"name": "x" * 200}) for i in range(600)]
    big = diff_snapshots(None, snapshot("prod", many))
    md = render_markdown([big, sample_diff()])
    assert len(md) <= MARKDOWN_CAP
    # the inputs under created resources go first; every resource line stays
    assert "Shortened to fit GitHub's comment limit" in md
    assert "the inputs listed under created resources" in md
    assert md.count("+ gcp:pubsub/topic:Topic: (create)") == 600 + 1  # and the sample diff's one create
    assert "left out" not in md
    assert md.count("#### :tropical_drink:") == 2  # both stacks keep their heading
    assert md.count("```") % 2 == 0  # every code block is closed


def test_markdown_cuts_diff_lines_last_and_counts_them() -> None:
    many = [resource("prod", TOPIC, f"topic-{i:04d}-{'n' * 150}", {"name": "x"}) for i in range(600)]
    md = render_markdown([diff_snapshots(None, snapshot("prod", many)), sample_diff()])
    assert len(md) <= MARKDOWN_CAP
    assert "resource diff lines beyond what fits" in md
    assert "diff lines of `prod` left out" in md
    assert "`--format text` prints" in md
    assert md.count("#### :tropical_drink:") == 2
    assert md.count("```") % 2 == 0


def test_json_documents_and_long_text_are_diffed_readably() -> None:
    old = snapshot("dev", [resource("dev", TOPIC, "d", {
        "dashboardJson": '{"widgets": [{"threshold": 0.01}, {"title": "x"}]}',
        "doc": "line one\nthreshold 0.01\nline three",
    })])
    new = snapshot("dev", [resource("dev", TOPIC, "d", {
        "dashboardJson": '{"widgets": [{"threshold": 0.02}, {"title": "x"}]}',
        "doc": "line one\nthreshold 0.02\nline three",
    })])
    text = render_text(diff_snapshots(old, new))
    assert "      ~ dashboardJson: (JSON text)\n          ~ widgets[0].threshold: 0.01 => 0.02" in text
    assert "      ~ doc: (text)\n          -threshold 0.01\n          +threshold 0.02" in text
    assert "line one" not in text  # unchanged lines are not repeated
