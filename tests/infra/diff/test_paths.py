"""detailedDiff path syntax and pattern matching."""

from __future__ import annotations

from infra.diff.paths import covers, format_path, overlaps, parse_path


def test_round_trip() -> None:
    for text in ("a", "a.b[0].c", 'labels["cost-center"]', 'a["x.y"][2]'):
        assert format_path(parse_path(text)) == text
    assert parse_path("a[*].b") == ("a", "*", "b")


def test_covers_and_overlaps() -> None:
    assert covers(("labels",), ("labels", "env"))
    assert not covers(("labels", "env"), ("labels",))
    assert overlaps(("encryptionSpec", "kmsKeyName"), ("encryptionSpec",))
    assert covers(("rules", "*", "age"), ("rules", 3, "age"))
    assert not covers(("name",), ("displayName",))
