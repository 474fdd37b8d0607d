"""Each naming/value rule: accepted examples, rejected examples and the exact message."""

from __future__ import annotations

import pytest

from infra.config import rules


@pytest.mark.parametrize("value", ["acme-genai-dev", "abcdef", "a2345678901234567890123456789z"])
def test_project_id_accepts(value: str) -> None:
    assert rules.project_id(value) is None


@pytest.mark.parametrize(
    "value", ["short", "Acme-genai", "1acme-genai", "acme-genai-", "acme_genai", "a" * 31, "my-google-proj"]
)
def test_project_id_rejects(value: str) -> None:
    assert rules.project_id(value) == (
        f"{value!r} is not a valid GCP project id: use 6-30 characters of lowercase letters, digits and "
        "hyphens, starting with a letter and not ending with a hyphen (e.g. 'acme-genai-dev')"
    )


def test_region() -> None:
    assert rules.region("europe-west4") is None
    message = rules.region("europe-west99")
    assert message is not None
    assert message.startswith("'europe-west99' is not a Vertex AI region; use one of: ")
    assert "us-central1" in message


def test_data_location() -> None:
    assert rules.data_location("EU") is None
    assert rules.data_location("us-central1") is None
    assert rules.data_location("eu") == (
        "'eu' is not a known data location; use a multi-region (ASIA, EU, US) or a Vertex AI region such as "
        "'europe-west4'"
    )


@pytest.mark.parametrize("key", ["env", "cost-center", "a_b", "x" * 63])
def test_label_key_accepts(key: str) -> None:
    assert rules.label_key(key) is None


@pytest.mark.parametrize("key", ["", "Env", "1env", "x" * 64, "env.name"])
def test_label_key_rejects(key: str) -> None:
    assert rules.label_key(key) == (
        f"label key {key!r} is invalid: use 1-63 characters of lowercase letters, digits, '_' or '-', "
        "starting with a lowercase letter"
    )


def test_label_value() -> None:
    assert rules.label_value("") is None
    assert rules.label_value("prod-1") is None
    assert rules.label_value("Prod") == (
        "label value 'Prod' is invalid: use at most 63 characters of lowercase letters, digits, '_' or '-'"
    )


@pytest.mark.parametrize("name", ["acme-genai-dev-pipeline-root", "abc", "a_b-c"])
def test_bucket_name_accepts(name: str) -> None:
    assert rules.bucket_name(name) is None


@pytest.mark.parametrize("name", ["ab", "Acme", "-abc", "abc-", "goog-data", "my-google-data", "a.b", "x" * 64])
def test_bucket_name_rejects(name: str) -> None:
    assert rules.bucket_name(name) == (
        f"{name!r} is not a valid bucket name: use 3-63 characters of lowercase letters, digits, '-' or '_', "
        "starting and ending with a letter or digit, without 'goog' as prefix or 'google' anywhere"
    )


def test_bigquery_ids() -> None:
    assert rules.bigquery_id("genai_dev_evaluation") is None
    assert rules.bigquery_id("genai-dev") == (
        "'genai-dev' is not a valid BigQuery dataset id: use letters, digits and underscores only (max 1024)"
    )
    assert rules.bigquery_id("a b", "table") == (
        "'a b' is not a valid BigQuery table id: use letters, digits and underscores only (max 1024)"
    )


@pytest.mark.parametrize("name", ["genai-dev", "abc", "a.b~c+d%e_f"])
def test_pubsub_name_accepts(name: str) -> None:
    assert rules.pubsub_name(name) is None


@pytest.mark.parametrize("name", ["ab", "1abc", "goog-topic", "a/b", "x" * 256])
def test_pubsub_name_rejects(name: str) -> None:
    assert rules.pubsub_name(name) == (
        f"{name!r} is not a valid Pub/Sub name: use 3-255 characters starting with a letter, then letters, "
        "digits or - _ . ~ + %, not starting with 'goog'"
    )


def test_email() -> None:
    assert rules.email("oncall@example.com") is None
    assert rules.email("oncall@example") == "'oncall@example' is not an e-mail address (expected name@domain.tld)"
    assert rules.email("not-an-email") is not None


def test_billing_account() -> None:
    assert rules.billing_account("01A2B3-C4D5E6-F7A8B9") is None
    assert rules.billing_account("01a2b3-c4d5e6-f7a8b9") == (
        "'01a2b3-c4d5e6-f7a8b9' is not a billing account id: expected the form 012345-6789AB-CDEF01 (uppercase hex)"
    )


def test_numeric_id() -> None:
    assert rules.numeric_id("123456789012", "folder") is None
    assert rules.numeric_id("folders/123", "folder") == (
        "'folders/123' is not a folder id: expected digits only, e.g. '123456789012' (without the 'folders/' prefix)"
    )
