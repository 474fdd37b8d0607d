"""Datasets are not deleted together with their tables."""

from policies.model import Category, Finding, Inputs, ResourceOptions, ResourceRule, Severity
from policies.types import DATASET
from policies.values import forbid_true


def check(resource_type: str, inputs: Inputs, options: ResourceOptions) -> list[Finding]:
    return forbid_true(
        inputs, "deleteContentsOnDestroy", "remove delete_contents_on_destroy (or set it to False) on the dataset"
    )


RULE = ResourceRule(
    id="bigquery-dataset-no-delete-contents",
    description="BigQuery datasets do not set deleteContentsOnDestroy, which drops every table with the dataset.",
    service="bigquery",
    severity=Severity.HIGH,
    category=Category.DATA_LOSS,
    resource_types=frozenset({DATASET}),
    check=check,
)
