"""Naming and value rules of Google Cloud, one function each; every message says what is expected.

Each checker returns None when the value is valid, else the message (without location) for the user.
"""

from __future__ import annotations

import difflib
import re

from contracts.metrics import METRIC_NAMES

PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")
BIGQUERY_ID = re.compile(r"^[A-Za-z0-9_]{1,1024}$")
PUBSUB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})+$")
BILLING_ACCOUNT = re.compile(r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")
NUMERIC_ID = re.compile(r"^[0-9]{1,20}$")
ENV_NAME = re.compile(r"^[a-z][a-z0-9]{1,11}$")
RESOURCE_SEGMENT = re.compile(r"^[a-z][a-z0-9-]{0,19}[a-z0-9]$")

# Vertex AI regions (Vertex AI "locations" documentation); every one of them also hosts GCS, BigQuery,
# Pub/Sub, Artifact Registry and Cloud KMS regional resources.
VERTEX_REGIONS = frozenset(
    {
        "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3",
        "us-west4", "northamerica-northeast1", "northamerica-northeast2", "southamerica-east1",
        "southamerica-west1", "europe-central2", "europe-north1", "europe-southwest1", "europe-west1",
        "europe-west2", "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9",
        "europe-west12", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3",
        "asia-south1", "asia-southeast1", "asia-southeast2", "australia-southeast1", "australia-southeast2",
        "me-central1", "me-central2", "me-west1", "africa-south1",
    }
)
# Multi-region locations valid for Cloud Storage and BigQuery data.
MULTI_REGIONS = frozenset({"US", "EU", "ASIA"})
VERTEX_MAX_REPLICAS = 2**31 - 1
"""Vertex AI's `DedicatedResources.min_replica_count` / `max_replica_count` are int32 fields: a larger value
cannot even be sent (within it, a count beyond the project's quota fails at deployment)."""


def project_id(value: str) -> str | None:
    if PROJECT_ID.fullmatch(value) and "--" not in value and "google" not in value:
        return None
    return (
        f"{value!r} is not a valid GCP project id: use 6-30 characters of lowercase letters, digits and "
        "hyphens, starting with a letter and not ending with a hyphen (e.g. 'acme-genai-dev')"
    )


def region(value: str) -> str | None:
    if value in VERTEX_REGIONS:
        return None
    return f"{value!r} is not a Vertex AI region; use one of: {', '.join(sorted(VERTEX_REGIONS))}"


def data_location(value: str) -> str | None:
    if value in VERTEX_REGIONS or value in MULTI_REGIONS:
        return None
    return (
        f"{value!r} is not a known data location; use a multi-region ({', '.join(sorted(MULTI_REGIONS))}) "
        "or a Vertex AI region such as 'europe-west4'"
    )


def label_key(value: str) -> str | None:
    if LABEL_KEY.fullmatch(value):
        return None
    return (
        f"label key {value!r} is invalid: use 1-63 characters of lowercase letters, digits, '_' or '-', "
        "starting with a lowercase letter"
    )


def label_value(value: str) -> str | None:
    if LABEL_VALUE.fullmatch(value):
        return None
    return f"label value {value!r} is invalid: use at most 63 characters of lowercase letters, digits, '_' or '-'"


def bucket_name(value: str) -> str | None:
    if (
        BUCKET_NAME.fullmatch(value)
        and not value.startswith("goog")
        and "google" not in value
        and ".." not in value
        and "." not in value  # dotted names need domain verification; never needed here
    ):
        return None
    return (
        f"{value!r} is not a valid bucket name: use 3-63 characters of lowercase letters, digits, '-' or '_', "
        "starting and ending with a letter or digit, without 'goog' as prefix or 'google' anywhere"
    )


def bigquery_id(value: str, kind: str = "dataset") -> str | None:
    if BIGQUERY_ID.fullmatch(value):
        return None
    return f"{value!r} is not a valid BigQuery {kind} id: use letters, digits and underscores only (max 1024)"


def pubsub_name(value: str) -> str | None:
    if PUBSUB_NAME.fullmatch(value) and not value.lower().startswith("goog"):
        return None
    return (
        f"{value!r} is not a valid Pub/Sub name: use 3-255 characters starting with a letter, then letters, "
        "digits or - _ . ~ + %, not starting with 'goog'"
    )


def email(value: str) -> str | None:
    if EMAIL.fullmatch(value):
        return None
    return f"{value!r} is not an e-mail address (expected name@domain.tld)"


def billing_account(value: str) -> str | None:
    if BILLING_ACCOUNT.fullmatch(value):
        return None
    return f"{value!r} is not a billing account id: expected the form 012345-6789AB-CDEF01 (uppercase hex)"


def numeric_id(value: str, kind: str) -> str | None:
    if NUMERIC_ID.fullmatch(value):
        return None
    return f"{value!r} is not a {kind} id: expected digits only, e.g. '123456789012' (without the '{kind}s/' prefix)"


def resource_segment(value: str, kind: str) -> str | None:
    if RESOURCE_SEGMENT.fullmatch(value):
        return None
    return (
        f"{kind} {value!r} is invalid: use 2-21 characters of lowercase letters, digits and hyphens, "
        "starting with a letter and ending with a letter or digit"
    )


def evaluation_metric(value: str) -> str | None:
    if value in METRIC_NAMES:
        return None
    hint = difflib.get_close_matches(value, METRIC_NAMES, n=1)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return (
        f"{value!r} is not a metric the evaluation pipeline reports{suggestion} "
        f"(metrics: {', '.join(METRIC_NAMES)})"
    )
