"""Step decisions: each op, nested and list paths, replace rules, aliases, ignoreChanges, outputs, two stacks."""

from __future__ import annotations

from typing import Any

from infra.diff import diff_snapshots
from infra.diff.model import StackDiff, Step
from tests.infra.diff.helpers import BUCKET, ENDPOINT, TOPIC, resource, snapshot, urn


def step(diff: StackDiff, name: str) -> Step:
    matches = [s for s in diff.steps if s.name == name]
    assert len(matches) == 1, [s.urn for s in diff.steps]
    return matches[0]


def bucket(**inputs: Any) -> dict[str, Any]:
    base = {"name": "b", "location": "EU", "labels": {"env": "dev"}, "lifecycleRules": [{"condition": {"age": 7}}]}
    base.update(inputs)
    return base


def test_each_op() -> None:
    old = snapshot("dev", [
        resource("dev", BUCKET, "same", bucket()),
        resource("dev", BUCKET, "changed", bucket()),
        resource("dev", TOPIC, "gone", {"name": "t"}),
    ])
    new = snapshot("dev", [
        resource("dev", BUCKET, "same", bucket()),
        resource("dev", BUCKET, "changed", bucket(storageClass="NEARLINE")),
        resource("dev", TOPIC, "fresh", {"name": "t2"}),
        resource("dev", BUCKET, "moved", bucket(name="b2")),
    ])
    old["resources"].append(resource("dev", BUCKET, "moved", bucket()))
    diff = diff_snapshots(old, new)
    assert {s.name: s.op for s in diff.steps} == {
        "same": "same", "changed": "update", "gone": "delete", "fresh": "create", "moved": "replace",
    }
    assert diff.change_summary() == {"create": 1, "update": 1, "replace": 1, "delete": 1, "same": 1}
    changed = step(diff, "changed")
    assert [(d.path, d.kind, d.old, d.new) for d in changed.detailed_diff] == [
        ("storageClass", "add", None, "NEARLINE"),
    ]


def test_nested_key_and_list_element_paths() -> None:
    old = snapshot("dev", [resource("dev", BUCKET, "b", bucket())])
    new = snapshot("dev", [resource("dev", BUCKET, "b", bucket(
        labels={"env": "dev", "cost-center": "ml"},
        lifecycleRules=[{"condition": {"age": 30}}, {"condition": {"age": 365}}],
    ))])
    found = {(d.path, d.kind) for d in step(diff_snapshots(old, new), "b").detailed_diff}
    assert found == {
        ('labels["cost-center"]', "add"),
        ("lifecycleRules[0].condition.age", "update"),
        ("lifecycleRules[1]", "add"),
    }


def test_force_new_table_and_replace_on_changes() -> None:
    old = snapshot("dev", [
        resource("dev", BUCKET, "b", bucket()),
        resource("dev", ENDPOINT, "e", {"displayName": "x"}),
        resource("dev", TOPIC, "t", {"name": "t", "labels": {"a": "1"}}, replaceOnChanges=["labels"]),
    ])
    new = snapshot("dev", [
        resource("dev", BUCKET, "b", bucket(location="US")),
        resource("dev", ENDPOINT, "e", {"displayName": "x", "encryptionSpec": {"kmsKeyName": "k"}}),
        resource("dev", TOPIC, "t", {"name": "t", "labels": {"a": "2"}}, replaceOnChanges=["labels"]),
    ])
    diff = diff_snapshots(old, new)
    b, e, t = step(diff, "b"), step(diff, "e"), step(diff, "t")
    assert (b.op, b.replace_reasons, b.detailed_diff[0].kind) == ("replace", ["location"], "update-replace")
    assert (e.op, e.replace_reasons, e.detailed_diff[0].path) == ("replace", ["encryptionSpec"], "encryptionSpec")
    assert e.detailed_diff[0].kind == "add-replace"
    assert (t.op, t.replace_reasons) == ("replace", ["labels"])


def test_alias_rename_is_one_step_not_delete_and_create() -> None:
    old = snapshot("dev", [resource("dev", BUCKET, "old-name", bucket())])
    new = snapshot("dev", [resource("dev", BUCKET, "new-name", bucket(),
                                    aliases=[urn("dev", BUCKET, "old-name")])])
    diff = diff_snapshots(old, new)
    assert len(diff.steps) == 1
    renamed = diff.steps[0]
    assert (renamed.op, renamed.old_urn) == ("same", urn("dev", BUCKET, "old-name"))
    assert diff.change_summary() == {"same": 1}


def test_ignore_changes_is_honoured() -> None:
    old = snapshot("dev", [resource("dev", BUCKET, "b", bucket(), ignoreChanges=["labels", "lifecycleRules[0]"])])
    new = snapshot("dev", [resource("dev", BUCKET, "b", bucket(labels={"env": "x"},
                                                                lifecycleRules=[{"condition": {"age": 1}}]),
                                    ignoreChanges=["labels", "lifecycleRules[0]"])])
    assert step(diff_snapshots(old, new), "b").op == "same"


def test_option_change_alone_is_an_update() -> None:
    old = snapshot("prod", [resource("prod", BUCKET, "b", bucket())])
    new = snapshot("prod", [resource("prod", BUCKET, "b", bucket(), protect=True)])
    changed = step(diff_snapshots(old, new), "b")
    assert changed.op == "update"
    assert [(o.path, o.old, o.new) for o in changed.option_changes] == [("protect", False, True)]


def test_default_provider_upgrade_is_not_a_replace_but_explicit_provider_change_is() -> None:
    old = snapshot("dev", [resource("dev", BUCKET, "a", bucket()), resource("dev", BUCKET, "b", bucket())])
    new = snapshot("dev", [
        resource("dev", BUCKET, "a", bucket(), provider=urn("dev", "pulumi:providers:gcp", "default_10_3_0")),
        resource("dev", BUCKET, "b", bucket(), provider=urn("dev", "pulumi:providers:gcp", "eu")),
    ])
    diff = diff_snapshots(old, new)
    assert step(diff, "a").op == "same"
    assert (step(diff, "b").op, step(diff, "b").replace_reasons) == ("replace", ["provider"])


def test_stack_outputs_are_diffed() -> None:
    old = snapshot("dev", [], {"url": "a", "gone": 1, "same": True})
    new = snapshot("dev", [], {"url": "b", "added": [1], "same": True})
    assert [(o.name, o.kind, o.old, o.new) for o in diff_snapshots(old, new).outputs] == [
        ("added", "add", None, [1]), ("gone", "delete", 1, None), ("url", "update", "a", "b"),
    ]


def test_nothing_deployed_means_everything_is_created() -> None:
    new = snapshot("dev", [resource("dev", BUCKET, "b", bucket())], {"x": 1})
    diff = diff_snapshots(None, new)
    assert diff.change_summary() == {"create": 1}
    assert [o.kind for o in diff.outputs] == ["add"]


def test_two_stacks_compare_by_normalised_urns_and_values() -> None:
    staging = snapshot("staging", [
        resource("staging", BUCKET, "staging-data", bucket(name="acme-staging-data", location="EU")),
        resource("staging", TOPIC, "events", {"name": "events", "labels": {"env": "staging"}}),
        resource("staging", "pulumi:pulumi:Stack", "demo-staging", custom=False, provider=None),
    ], {"project": "acme-staging", "replicas": 1})
    prod = snapshot("prod", [
        resource("prod", BUCKET, "prod-data", bucket(name="acme-prod-data", location="europe-west4")),
        resource("prod", TOPIC, "events", {"name": "events", "labels": {"env": "prod"}}),
        resource("prod", "pulumi:pulumi:Stack", "demo-prod", custom=False, provider=None),
    ], {"project": "acme-prod", "replicas": 2})
    diff = diff_snapshots(staging, prod)
    # Names and values derived from the environment name match; the deliberate difference (location) remains.
    assert {s.name: s.op for s in diff.steps} == {"prod-data": "replace", "events": "same", "demo-prod": "same"}
    assert [d.path for d in step(diff, "prod-data").detailed_diff] == ["location"]
    assert [(o.name, o.old, o.new) for o in diff.outputs] == [("replicas", 1, 2)]
    assert diff.base_stack == "staging"


def test_secret_values_compare_as_equal_markers() -> None:
    old = snapshot("dev", [resource("dev", TOPIC, "t", {"token": {"[secret]": True}})])
    new = snapshot("dev", [resource("dev", TOPIC, "t", {"token": {"[secret]": True}})])
    assert step(diff_snapshots(old, new), "t").op == "same"


def widgets(*titles: str) -> str:
    import json

    return json.dumps({"gridLayout": {"widgets": [{"title": t, "xyChart": {"filter": f"m={t}"}} for t in titles]}})


def test_list_items_with_an_identity_are_matched_by_it_not_by_position() -> None:
    old = snapshot("dev", [resource("dev", TOPIC, "d", {
        "dashboardJson": widgets("a", "b", "c"),
        "conditions": [{"displayName": "latency", "threshold": 1}, {"displayName": "errors", "threshold": 2}],
    })])
    new = snapshot("dev", [resource("dev", TOPIC, "d", {
        "dashboardJson": widgets("a", "new", "b", "c"),
        "conditions": [{"displayName": "latency", "threshold": 1}, {"displayName": "errors", "threshold": 3}],
    })])
    from infra.diff import render_text

    changed = step(diff_snapshots(old, new), "d")
    assert [(d.path, d.kind) for d in changed.detailed_diff] == [
        ('conditions[displayName="errors"].threshold', "update"), ("dashboardJson", "update"),
    ]
    text = render_text(diff_snapshots(old, new))
    assert '+ gridLayout.widgets[title="new"]: ' in text
    assert text.count("gridLayout.widgets") == 1  # b and c are not rewritten position by position


def test_a_keyed_list_reordered_says_so_once() -> None:
    old = snapshot("dev", [resource("dev", TOPIC, "d", {"c": [{"displayName": "x"}, {"displayName": "y"}]})])
    new = snapshot("dev", [resource("dev", TOPIC, "d", {"c": [{"displayName": "y"}, {"displayName": "x"}]})])
    assert [(d.path, d.old, d.new) for d in step(diff_snapshots(old, new), "d").detailed_diff] == [
        ("c (order)", ['displayName="x"', 'displayName="y"'], ['displayName="y"', 'displayName="x"']),
    ]


def test_lists_without_identity_align_on_equal_items_first() -> None:
    old = snapshot("dev", [resource("dev", TOPIC, "t", {"fields": ["a", "b", "c"]})])
    new = snapshot("dev", [resource("dev", TOPIC, "t", {"fields": ["a", "x", "b", "c"]})])
    assert [(d.path, d.kind, d.new) for d in step(diff_snapshots(old, new), "t").detailed_diff] == [
        ("fields[1]", "add", "x"),
    ]
