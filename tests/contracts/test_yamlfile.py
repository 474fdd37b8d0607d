"""The strict YAML reader: YAML 1.2 scalars as the Pulumi engine reads them, repeated keys and cycles refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.errors import UserInputError
from contracts.yamlfile import MAX_NODES, describe, parse_yaml, read_yaml_file, read_yaml_mapping


def problems(text: str) -> list[str]:
    with pytest.raises(UserInputError) as caught:
        parse_yaml(text, "f.yaml")
    return [p.render() for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"), ("off", "off"), ("No", "No"), ("y", "y"),  # YAML 1.1 booleans are words
        ("true", True), ("False", False),
        ("010", 10), ("0o17", 15), ("0x1f", 31), ("-3", -3),  # 1.1 would read 010 as 8
        ("1_000", "1_000"), ("1:30", "1:30"),  # 1.1 would read 1000 and 90 (sexagesimal)
        ("1e3", 1000.0), ("-.5", -0.5), (".inf", float("inf")),
        ("2026-11-26", "2026-11-26"), ("2026-11-26T03:00:00Z", "2026-11-26T03:00:00Z"),  # dates stay text
        ("~", None), ("null", None), ("'3'", "3"),
    ],
)
def test_scalars_follow_yaml_1_2(text: str, value: object) -> None:
    assert parse_yaml(f"key: {text}", "f.yaml") == {"key": value}


def test_repeated_keys_are_named_with_both_lines_and_the_key_path() -> None:
    assert problems("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n") == [
        "f.yaml: a: key 'a' appears twice in the same mapping (lines 1 and 5); the later one would silently win: "
        "keep one",
        "f.yaml: b.c: key 'c' appears twice in the same mapping (lines 3 and 4); the later one would silently win: "
        "keep one",
    ]


def test_repeated_key_inside_a_list_item() -> None:
    (message,) = problems("models:\n  - name: a\n    name: b\n")
    assert message.startswith("f.yaml: models[0].name: key 'name' appears twice")


def test_merge_keys_are_not_repeats() -> None:
    assert parse_yaml("base: &b {x: 1}\nthis:\n  <<: *b\n  y: 2\n", "f.yaml")["this"] == {"x": 1, "y": 2}


def test_a_cycle_is_refused() -> None:
    assert problems("a: &x [*x]\n") == [
        "f.yaml: a[0]: an alias refers to a node that contains it (a cycle); replace the alias by the values it "
        "should have"
    ]


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    (message,) = problems("\n".join(lines))
    assert f"expands to more than {MAX_NODES} values" in message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: [1\n", "line 2, column 1"),
        ("a:\n\tb: 1\n", "line 2, column 1"),
        ("a: !!python/object:os.system x\n", "line 1, column 4"),
        ("? [a]\n: 1\n", "line 1, column 3"),
        ("a: 1\n---\nb: 2\n", "line 2, column 1"),
    ],
)
def test_syntax_errors_name_the_line(text: str, where: str) -> None:
    (message,) = problems(text)
    assert message.startswith(f"f.yaml: {where}: not valid YAML: ")


def test_bad_tagged_values_are_errors_not_crashes() -> None:
    assert problems("a: !!int abc\n")[0].startswith("f.yaml: not valid YAML: invalid literal")
    assert problems("a: !!binary xx\n")[0].startswith("f.yaml: line 1, column 4: not valid YAML")


def test_files(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="file not found"):
        read_yaml_file(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(UserInputError, match="not UTF-8 text"):
        read_yaml_file(latin)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n")
    with pytest.raises(UserInputError, match=r"expected a mapping \(key: value lines\) at the top, found a list"):
        read_yaml_mapping(listed)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    assert read_yaml_mapping(empty) == {}


@pytest.mark.parametrize(
    ("value", "shown"),
    [("3", "'3' (text)"), (3, "3 (a number)"), (True, "true (a boolean)"), (None, "null (an empty value)"),
     ([1], "a list"), ({}, "a mapping")],
)
def test_describe_names_the_yaml_kind(value: object, shown: str) -> None:
    assert describe(value) == shown
